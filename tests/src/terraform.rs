//! Discovery of the Terraform binaries every end-to-end test runs against.
//!
//! Sources, in order: `$TERRAFORM` (a path or colon-separated list), every `terraform` and
//! `tofu` on `PATH`, and the project-local installs in `.tools/bin/` made by `make setup`.
//! OpenTofu joins the matrix like any Terraform version (it speaks the same CLI and plugin
//! protocol). Binaries reporting the same product and version are deduplicated; the first
//! one found wins.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use crate::paths::workspace_root;
use crate::process::run_with_timeout;
use crate::HarnessError;

/// One Terraform (or OpenTofu) CLI binary and the version it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: String,
    /// OpenTofu rather than Terraform; `version` is then OpenTofu's.
    pub opentofu: bool,
}

impl Terraform {
    /// "terraform 1.11.4" or "tofu 1.8.0", for test output.
    pub fn label(&self) -> String {
        let product = if self.opentofu { "tofu" } else { "terraform" };
        format!("{product} {}", self.version)
    }

    /// Whether this is version `min` (e.g. "1.5") or newer.
    pub fn at_least(&self, min: &str) -> bool {
        version_key(&self.version) >= version_key(min)
    }
}

/// All distinct Terraform versions available, oldest first. Discovered once per process;
/// if none is found, `scripts/install-terraform.sh` is tried once before giving up.
pub fn terraform_versions() -> Result<&'static [Terraform], HarnessError> {
    static FOUND: OnceLock<Result<Vec<Terraform>, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let mut found = discover();
        if found.is_empty() {
            install_via_script()?;
            found = discover();
        }
        if found.is_empty() {
            return Err(String::new());
        }
        announce(&found);
        Ok(found)
    });
    match found {
        Ok(list) => Ok(list),
        Err(detail) => Err(HarnessError::NoTerraform {
            detail: detail.clone(),
        }),
    }
}

/// The newest Terraform found: the one benchmarks measure with.
pub fn newest_terraform() -> Result<&'static Terraform, HarnessError> {
    terraform_versions()?
        .last()
        .ok_or_else(|| HarnessError::NoTerraform {
            detail: String::new(),
        })
}

fn discover() -> Vec<Terraform> {
    let mut found: Vec<Terraform> = Vec::new();
    for path in candidates() {
        let Some((version, opentofu)) = probe_version(&path) else {
            continue;
        };
        if !found
            .iter()
            .any(|t| t.version == version && t.opentofu == opentofu)
        {
            found.push(Terraform {
                path,
                version,
                opentofu,
            });
        }
    }
    found.sort_by_key(|t| version_key(&t.version));
    found
}

fn candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(list) = std::env::var_os("TERRAFORM") {
        paths.extend(std::env::split_paths(&list).filter(|p| !p.as_os_str().is_empty()));
    }
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(
            std::env::split_paths(&path)
                .flat_map(|dir| [dir.join("terraform"), dir.join("tofu")])
                .filter(|p| p.is_file()),
        );
    }
    if let Ok(entries) = std::fs::read_dir(workspace_root().join(".tools/bin")) {
        let mut tools: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("terraform"))
            })
            .collect();
        tools.sort();
        paths.extend(tools);
    }
    paths
}

/// Asks a binary for its version and whether it is OpenTofu: `version -json` (Terraform
/// 0.13 and newer, and OpenTofu, which keeps the `terraform_version` key), falling back to
/// the human `Terraform vX.Y.Z` / `OpenTofu vX.Y.Z` line. Anything that does not answer is
/// neither.
fn probe_version(path: &Path) -> Option<(String, bool)> {
    let run = |args: &[&str]| {
        let mut cmd = Command::new(path);
        cmd.args(args)
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_CLI_CONFIG_FILE");
        run_with_timeout(cmd, format!("{} version", path.display()), PROBE_TIMEOUT)
            .ok()
            .filter(|out| out.success())
    };
    // The human line names the product; -json does not.
    let text = run(&["version"])?;
    let opentofu = text.stdout.contains("OpenTofu v");
    run(&["version", "-json"])
        .and_then(|out| parse_version_json(&out.stdout))
        .or_else(|| parse_version_text(&text.stdout))
        .map(|version| (version, opentofu))
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

fn parse_version_json(stdout: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(stdout).ok()?;
    doc.get("terraform_version")?.as_str().map(str::to_owned)
}

fn parse_version_text(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .find_map(|line| {
            let line = line.trim();
            line.strip_prefix("Terraform v")
                .or_else(|| line.strip_prefix("OpenTofu v"))
        })
        .map(|v| v.trim().to_owned())
}

/// Numeric sort key; pre-release suffixes sort with their base version.
fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-'])
        .map_while(|part| part.parse().ok())
        .collect()
}

fn install_via_script() -> Result<(), String> {
    let script = workspace_root().join("scripts/install-terraform.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script);
    match run_with_timeout(cmd, script.display().to_string(), INSTALL_TIMEOUT) {
        Ok(out) if out.success() => Ok(()),
        Ok(out) => Err(format!("\n{} failed: {out}", script.display())),
        Err(e) => Err(format!("\n{}: {e}", script.display())),
    }
}

const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// Prints the version matrix straight to the process's stderr: libtest captures
/// `eprintln!` output of passing tests, and this list should always be visible.
fn announce(found: &[Terraform]) {
    let list: Vec<String> = found
        .iter()
        .map(|t| format!("{} ({})", t.label(), t.path.display()))
        .collect();
    let _ = writeln!(
        std::io::stderr(),
        "e2e: terraform versions: {}",
        list.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_version() {
        let out = r#"{"terraform_version":"1.0.3","platform":"linux_amd64","provider_selections":{},"terraform_outdated":false}"#;
        assert_eq!(parse_version_json(out).as_deref(), Some("1.0.3"));
        assert_eq!(parse_version_json("Terraform v1.0.3"), None);
    }

    #[test]
    fn parses_text_version() {
        let out = "Terraform v1.11.4\non linux_amd64\n";
        assert_eq!(parse_version_text(out).as_deref(), Some("1.11.4"));
        assert_eq!(
            parse_version_text("OpenTofu v1.8.0\non linux_amd64\n").as_deref(),
            Some("1.8.0")
        );
        assert_eq!(parse_version_text("something else v1.8.0"), None);
    }

    #[test]
    fn versions_sort_numerically() {
        let mut v = vec!["1.11.4", "1.0.3", "1.2.10", "1.2.9"];
        v.sort_by_key(|s| version_key(s));
        assert_eq!(v, ["1.0.3", "1.2.9", "1.2.10", "1.11.4"]);
    }

    #[test]
    fn at_least_compares_major_and_minor() {
        let tf = |version: &str| Terraform {
            path: PathBuf::new(),
            version: version.into(),
            opentofu: false,
        };
        assert!(tf("1.11.4").at_least("1.5"));
        assert!(tf("1.5.0").at_least("1.5"));
        assert!(tf("1.6.0-alpha20230719").at_least("1.6"));
        assert!(!tf("1.0.3").at_least("1.5"));
        assert!(!tf("1.4.7").at_least("1.5"));
    }
}
