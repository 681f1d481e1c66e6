//! `platform emulator`: serves the bundled GCP emulator in-process and prints
//! the provider block that points the platform provider at it.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use gcp_client::{Endpoints, Service};
use platform_provider::config::{endpoint_attribute, endpoint_env_var};

use crate::error::CliError;

/// Each of `services` with its base URL under the emulator (the paths Google's
/// own base URLs have).
fn endpoint_urls(
    base_url: &str,
    services: impl IntoIterator<Item = Service>,
) -> impl Iterator<Item = (Service, String)> {
    let all = Endpoints::all_at(base_url);
    services
        .into_iter()
        .map(move |s| (s, all.base(s).to_owned()))
}

pub const REGION: &str = "us-central1";

#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    pub listen: SocketAddr,
    pub state: Option<PathBuf>,
}

/// The block to paste into a Terraform configuration.
pub fn provider_block(base_url: &str, credentials: &Path) -> String {
    let attributes: Vec<(String, String)> = endpoint_urls(base_url, Service::CONFIGURABLE)
        .map(|(service, url)| (endpoint_attribute(service), url))
        .collect();
    let width = attributes.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut text = String::from("provider \"platform\" {\n");
    let quoted = |s: &str| serde_json::Value::from(s).to_string();
    for (key, value) in [
        ("project", gcp_emulator::DEFAULT_PROJECT.to_string()),
        ("region", REGION.to_string()),
        ("credentials", credentials.display().to_string()),
    ] {
        text.push_str(&format!("  {key:<width$} = {}\n", quoted(&value)));
    }
    text.push('\n');
    for (key, url) in attributes {
        text.push_str(&format!("  {key:<width$} = {}\n", quoted(&url)));
    }
    text.push_str("}\n");
    text
}

/// The same settings as environment variables, which is how commands that
/// cannot read HCL (`platform rollout watch`, `platform adopt`) reach the
/// emulator; with the APIs only `platform adopt` calls.
pub fn env_exports(base_url: &str, credentials: &Path) -> String {
    let quoted = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut text = format!(
        "export GOOGLE_CREDENTIALS={}\n",
        quoted(&credentials.display().to_string())
    );
    for (service, url) in endpoint_urls(
        base_url,
        Service::CONFIGURABLE.into_iter().chain(Service::CLI_ONLY),
    ) {
        text.push_str(&format!(
            "export {}={}\n",
            endpoint_env_var(service),
            quoted(&url)
        ));
    }
    text
}

/// Next to the state file when there is one, so restarts keep working with the same block.
pub fn credentials_path(state: Option<&Path>, scratch: &Path) -> PathBuf {
    match state {
        Some(state) => {
            let stem = state
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "emulator".to_string());
            state.with_file_name(format!("{stem}.credentials.json"))
        }
        None => scratch.join("credentials.json"),
    }
}

/// The key is a private key: readable by the owner only.
fn write_private(path: &Path, contents: &str) -> Result<(), CliError> {
    let err = |source| CliError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(err)?;
    file.write_all(contents.as_bytes()).map_err(err)
}

pub async fn serve(opts: &EmulatorOptions) -> Result<(), CliError> {
    let scratch = tempfile::Builder::new()
        .prefix("platform-emulator-")
        .tempdir()?;
    let config = gcp_emulator::EmulatorConfig {
        listen: opts.listen,
        state_file: opts.state.clone(),
        ..gcp_emulator::EmulatorConfig::default()
    };
    eprintln!("Starting the GCP emulator (the first start generates a signing key)…");
    let running = gcp_emulator::start(config).await?;
    let credentials = credentials_path(opts.state.as_deref(), scratch.path());
    write_private(&credentials, &running.service_account_key_json())?;
    // Listen for Ctrl-C before printing anything: tokio installs the handler on the first
    // poll, and a script (or test) may send SIGINT as soon as the block appears.
    let mut stop = Box::pin(tokio::signal::ctrl_c());
    std::future::poll_fn(|cx| {
        let _ = stop.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    eprintln!("Emulator listening on {}", running.base_url());
    if opts.state.is_none() {
        eprintln!(
            "State is in memory and the credentials file is in {} (removed on exit); pass --state FILE to keep both.",
            scratch.path().display()
        );
    }
    eprintln!("Paste this provider block into your configuration:\n");
    println!("{}", provider_block(&running.base_url(), &credentials));
    eprintln!(
        "For `platform rollout watch`, which reads the environment like the provider does:\n\n{}",
        env_exports(&running.base_url(), &credentials)
    );
    eprintln!("Serving until Ctrl-C.");
    stop.await?;
    eprintln!("Stopping the emulator.");
    running.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_exports_name_the_provider_variables() {
        let text = env_exports("http://127.0.0.1:4000", Path::new("/tmp/it's.json"));
        assert!(
            text.starts_with("export GOOGLE_CREDENTIALS='/tmp/it'\\''s.json'\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "export GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT='http://127.0.0.1:4000/v2/'\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("export GOOGLE_MONITORING_CUSTOM_ENDPOINT='http://127.0.0.1:4000/'\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "export GOOGLE_SQL_CUSTOM_ENDPOINT='http://127.0.0.1:4000/sql/v1beta4/'\n"
            ),
            "{text}"
        );
        assert_eq!(text.lines().count(), 11);
    }

    #[test]
    fn provider_block_has_all_endpoints_and_credentials() {
        let block = provider_block("http://127.0.0.1:4000/", Path::new("/tmp/k.json"));
        for line in [
            "compute_custom_endpoint             = \"http://127.0.0.1:4000/compute/v1/\"",
            "cloud_run_v2_custom_endpoint        = \"http://127.0.0.1:4000/v2/\"",
            "monitoring_custom_endpoint          = \"http://127.0.0.1:4000/\"",
            "billing_budgets_custom_endpoint     = \"http://127.0.0.1:4000/v1/\"",
            "pubsub_custom_endpoint              = \"http://127.0.0.1:4000/v1/\"",
            "resource_manager_v3_custom_endpoint = \"http://127.0.0.1:4000/v3/\"",
            "iam_credentials_custom_endpoint     = \"http://127.0.0.1:4000/v1/\"",
            "credentials                         = \"/tmp/k.json\"",
            "project                             = \"platform-local\"",
            "region                              = \"us-central1\"",
        ] {
            assert!(block.contains(line), "missing {line:?} in\n{block}");
        }
        assert!(block.starts_with("provider \"platform\" {\n") && block.ends_with("}\n"));
    }

    #[test]
    fn credentials_sit_next_to_the_state_file() {
        let scratch = Path::new("/tmp/scratch");
        assert_eq!(
            credentials_path(Some(Path::new("/data/emu.json")), scratch),
            PathBuf::from("/data/emu.credentials.json")
        );
        assert_eq!(
            credentials_path(None, scratch),
            scratch.join("credentials.json")
        );
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        write_private(&path, "{}").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
