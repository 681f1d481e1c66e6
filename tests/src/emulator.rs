//! A `gcp-emulator` process per test, on a free port, killed on drop.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tempfile::TempDir;

use crate::hcl::hcl_string;
use crate::paths::{release_binary, EMULATOR_BIN};
use crate::HarnessError;

/// Project the emulator serves unless told otherwise.
pub const DEFAULT_PROJECT: &str = "platform-local";
/// Region the harness configures the provider with.
pub const DEFAULT_REGION: &str = "us-central1";

/// Provider endpoint attributes and the Google path prefix each API lives under.
pub const ENDPOINTS: [(&str, &str); 7] = [
    ("compute_custom_endpoint", "compute/v1/"),
    ("cloud_run_v2_custom_endpoint", "v2/"),
    ("monitoring_custom_endpoint", ""),
    ("billing_budgets_custom_endpoint", "v1/"),
    ("pubsub_custom_endpoint", "v1/"),
    ("resource_manager_v3_custom_endpoint", "v3/"),
    ("iam_credentials_custom_endpoint", "v1/"),
];

/// Endpoint variables of the APIs only `platform adopt` calls (hashicorp/google's
/// names; the provider has no attribute for them) and their path prefixes.
pub const ADOPT_ENDPOINTS: [(&str, &str); 3] = [
    ("GOOGLE_SQL_CUSTOM_ENDPOINT", "sql/v1beta4/"),
    ("GOOGLE_REDIS_CUSTOM_ENDPOINT", "v1/"),
    ("GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT", "v1/"),
];

const READY_PREFIX: &str = "gcp-emulator listening on ";
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

/// One entry of the emulator's request log (`GET /_emulator/requests`).
#[derive(Debug, Clone, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub query: Value,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub body: Value,
    /// The response body when it was small JSON (secrets redacted), else null.
    #[serde(default)]
    pub response: Value,
}

/// A running emulator with its own state dir and service-account key.
pub struct Emulator {
    child: Child,
    url: String,
    dir: TempDir,
    http: reqwest::blocking::Client,
}

impl Emulator {
    /// Starts an emulator with default settings.
    pub fn start() -> Result<Self, HarnessError> {
        Self::start_with(&[])
    }

    /// Starts an emulator with extra command-line arguments (e.g. `--op-latency 1s`).
    pub fn start_with(extra_args: &[&str]) -> Result<Self, HarnessError> {
        let binary = release_binary(EMULATOR_BIN)?;
        let dir = tempfile::Builder::new()
            .prefix("e2e-emulator-")
            .tempdir()
            .map_err(HarnessError::io("creating emulator dir"))?;
        let log_path = dir.path().join(LOG_FILE);
        let log = File::create(&log_path).map_err(HarnessError::io("creating emulator log"))?;

        let mut child = Command::new(&binary)
            .args(["--listen", "127.0.0.1:0", "--write-credentials"])
            .arg(dir.path().join(CREDENTIALS_FILE))
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(HarnessError::io(format!("spawning {}", binary.display())))?;

        let url = match child.stdout.take() {
            Some(stdout) => wait_for_ready_line(stdout),
            None => Err("stdout was not captured".to_string()),
        };
        let url = match url {
            Ok(url) => url,
            Err(reason) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HarnessError::EmulatorStart {
                    reason,
                    log: read_log(&log_path),
                });
            }
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(ADMIN_TIMEOUT)
            .build()
            .map_err(|e| HarnessError::EmulatorStart {
                reason: format!("building admin HTTP client: {e}"),
                log: String::new(),
            })?;
        Ok(Self {
            child,
            url,
            dir,
            http,
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Service-account key file the emulator wrote; its `token_uri` points at the emulator.
    pub fn credentials_path(&self) -> PathBuf {
        self.dir.path().join(CREDENTIALS_FILE)
    }

    /// Everything the emulator wrote to stderr so far.
    pub fn log(&self) -> String {
        read_log(&self.dir.path().join(LOG_FILE))
    }

    /// Snapshot of all emulated resources.
    pub fn resources(&self) -> Result<Value, HarnessError> {
        self.admin_get("/_emulator/resources")
    }

    /// Names of the emulated resources that `keep` accepts.
    pub fn resource_names(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, HarnessError> {
        Ok(self
            .resources()?
            .as_object()
            .map(|m| m.keys().filter(|k| keep(k)).cloned().collect())
            .unwrap_or_default())
    }

    /// Every request the emulator served, oldest first.
    pub fn requests(&self) -> Result<Vec<RecordedRequest>, HarnessError> {
        let path = "/_emulator/requests";
        let value = self.admin_get(path)?;
        serde_json::from_value(value).map_err(|e| admin_error("GET", path, e))
    }

    /// Installs a fault rule (shape defined by the emulator's admin API).
    pub fn add_fault(&self, fault: &Value) -> Result<(), HarnessError> {
        self.admin_send(reqwest::Method::POST, "/_emulator/faults", Some(fault))
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) -> Result<(), HarnessError> {
        self.admin_send(reqwest::Method::DELETE, "/_emulator/faults", None)
    }

    /// Sets artificial latency (shape defined by the emulator's admin API).
    pub fn set_latency(&self, latency: &Value) -> Result<(), HarnessError> {
        self.admin_send(reqwest::Method::POST, "/_emulator/latency", Some(latency))
    }

    /// POSTs `body` to any admin path (e.g. `/_emulator/run/behaviors`).
    pub fn admin_post(&self, path: &str, body: &Value) -> Result<(), HarnessError> {
        self.admin_send(reqwest::Method::POST, path, Some(body))
    }

    /// Empties the request log, so [`Self::requests`] shows only what follows.
    pub fn clear_requests(&self) -> Result<(), HarnessError> {
        self.admin_send(reqwest::Method::DELETE, "/_emulator/requests", None)
    }

    /// Reads a Google API path (e.g. `/compute/v1/projects/p`) straight from the emulator,
    /// as an independent view to compare the provider's results with. Authenticates with
    /// a token from the emulated metadata server, so it needs no key handling of its own.
    /// Requests made here show up in [`Self::requests`], so snapshot that first.
    pub fn google_get(&self, path: &str) -> Result<Value, HarnessError> {
        self.google_send(reqwest::Method::GET, path, None)
    }

    /// Calls a Google API path with any method (e.g. to build resources "by hand", as
    /// an operator with gcloud would, behind the provider's back). Same authentication
    /// and request-log caveat as [`Self::google_get`].
    pub fn google_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, HarnessError> {
        let token_path = "/computeMetadata/v1/instance/service-accounts/default/token";
        let token: Value = self
            .http
            .get(format!("{}{token_path}", self.url))
            .header("Metadata-Flavor", "Google")
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .map_err(|e| admin_error("GET", token_path, e))?;
        let token = token["access_token"]
            .as_str()
            .ok_or_else(|| admin_error("GET", token_path, "no access_token in response"))?;
        let label = ["GET", "POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .find(|m| *m == method.as_str())
            .unwrap_or("HTTP");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request
            .send()
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.json())
            .map_err(|e| admin_error(label, path, e))
    }

    /// A Compute mutation sent as a Google client would, waited for until its
    /// operation is DONE; an operation error is a harness error.
    pub fn compute_mutate(&self, path: &str, body: &Value) -> Result<Value, HarnessError> {
        let op = self.google_send(reqwest::Method::POST, path, Some(body))?;
        let link = op["selfLink"].as_str().unwrap_or_default();
        let relative = &link[link.find("projects/").unwrap_or(0)..];
        let done = self.google_send(
            reqwest::Method::POST,
            &format!("/compute/v1/{relative}/wait"),
            None,
        )?;
        if done["status"] != "DONE" || done.get("error").is_some() {
            return Err(admin_error(
                "POST",
                path,
                format!("operation did not succeed: {done}"),
            ));
        }
        Ok(done)
    }

    /// Endpoint attribute name and full URL for every API the provider talks to.
    pub fn endpoints(&self) -> Vec<(&'static str, String)> {
        ENDPOINTS
            .iter()
            .map(|(attr, prefix)| (*attr, format!("{}/{prefix}", self.url)))
            .collect()
    }

    /// The environment the provider reads instead of a provider block: the emulator-issued
    /// key as `GOOGLE_CREDENTIALS` and every endpoint as `GOOGLE_<ATTR>`; also the
    /// endpoints only the CLI reads ([`ADOPT_ENDPOINTS`]).
    pub fn provider_env(&self) -> Vec<(String, String)> {
        let mut env = vec![(
            "GOOGLE_CREDENTIALS".to_owned(),
            self.credentials_path().display().to_string(),
        )];
        env.extend(
            self.endpoints()
                .into_iter()
                .map(|(attr, url)| (format!("GOOGLE_{}", attr.to_ascii_uppercase()), url)),
        );
        env.extend(
            ADOPT_ENDPOINTS
                .iter()
                .map(|(var, prefix)| ((*var).to_owned(), format!("{}/{prefix}", self.url))),
        );
        env
    }

    /// `provider "platform" { ... }` pointing every API at this emulator, authenticating
    /// with the emulator-issued key. `extra` is spliced in verbatim (HCL attributes);
    /// an attribute given there replaces the default one of the same name.
    pub fn provider_block(&self, extra: &str) -> String {
        let mut attrs: Vec<(String, String)> = vec![
            ("project".into(), hcl_string(DEFAULT_PROJECT)),
            ("region".into(), hcl_string(DEFAULT_REGION)),
            (
                "credentials".into(),
                hcl_string(&self.credentials_path().display().to_string()),
            ),
        ];
        attrs.extend(
            self.endpoints()
                .into_iter()
                .map(|(attr, url)| (attr.to_string(), hcl_string(&url))),
        );
        let overridden = |name: &str| {
            extra
                .lines()
                .filter_map(|l| l.split_once('='))
                .any(|(lhs, _)| lhs.trim() == name)
        };
        let mut out = String::from("provider \"platform\" {\n");
        for (name, value) in attrs.iter().filter(|(n, _)| !overridden(n)) {
            out.push_str(&format!("  {name} = {value}\n"));
        }
        for line in extra.lines() {
            out.push_str(&format!("  {}\n", line.trim()));
        }
        out.push_str("}\n");
        out
    }

    fn admin_get(&self, path: &str) -> Result<Value, HarnessError> {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(|e| admin_error("GET", path, e))?;
        response.json().map_err(|e| admin_error("GET", path, e))
    }

    fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(), HarnessError> {
        let label = if method == reqwest::Method::DELETE {
            "DELETE"
        } else {
            "POST"
        };
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().map_err(|e| admin_error(label, path, e))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            let text = response.text().unwrap_or_default();
            Err(admin_error(label, path, format!("HTTP {status}: {text}")))
        }
    }
}

/// The `thresholdPercent` of each threshold rule of an emulated Billing budget, in order.
pub fn budget_threshold_percents(budget: &Value) -> Vec<f64> {
    budget["thresholdRules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["thresholdPercent"].as_f64())
        .collect()
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Best effort: the process may already be gone.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LOG_FILE: &str = "emulator.log";
const CREDENTIALS_FILE: &str = "key.json";

fn admin_error(method: &'static str, path: &str, detail: impl ToString) -> HarnessError {
    HarnessError::Admin {
        method,
        path: path.to_string(),
        detail: detail.to_string(),
    }
}

/// Reads the "listening" line from a reader thread so a silent emulator cannot hang the
/// test; afterwards the thread keeps draining stdout so the emulator never blocks on it.
fn wait_for_ready_line(stdout: impl std::io::Read + Send + 'static) -> Result<String, String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        let _ = tx.send(first);
        lines.for_each(drop);
    });
    match rx.recv_timeout(READY_TIMEOUT) {
        Ok(Some(Ok(line))) => parse_ready_line(&line),
        Ok(Some(Err(e))) => Err(format!("reading stdout: {e}")),
        Ok(None) => Err("exited without printing the listening line".into()),
        Err(_) => Err(format!(
            "no listening line within {}s",
            READY_TIMEOUT.as_secs()
        )),
    }
}

fn parse_ready_line(line: &str) -> Result<String, String> {
    line.trim()
        .strip_prefix(READY_PREFIX)
        .filter(|url| url.starts_with("http://"))
        .map(|url| url.trim_end_matches('/').to_string())
        .ok_or_else(|| format!("unexpected first stdout line {line:?}"))
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_listening_line() {
        assert_eq!(
            parse_ready_line("gcp-emulator listening on http://127.0.0.1:4321\n")
                .expect("valid line"),
            "http://127.0.0.1:4321"
        );
        assert!(parse_ready_line("starting up").is_err());
    }
}
