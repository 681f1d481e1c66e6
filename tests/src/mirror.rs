//! Installs the provider the way users do: a filesystem mirror in Terraform's unpacked
//! layout plus a CLI config that routes `platform-eng/*` to it. `terraform init` then runs
//! for real, lock file and all, instead of relying on `dev_overrides`.
//!
//! The same mirror holds the test-only stand-in for `hashicorp/google`
//! (`tests/google-standin`), so roots on hashicorp/google validate and plan offline.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use crate::hcl::hcl_string;
use crate::paths::{release_binary, target_dir, GOOGLE_STANDIN_BIN, PROVIDER_BIN};
use crate::HarnessError;

/// Registry source address of the provider under test.
pub const PROVIDER_SOURCE: &str = "platform-eng/platform";
/// The provider shares the workspace version with this crate.
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Where the google stand-in is installed: what the modules' `~> 7.0` constraint accepts.
pub const GOOGLE_SOURCE: &str = "hashicorp/google";
pub const GOOGLE_STANDIN_VERSION: &str = "7.0.0";

const HOST: &str = "registry.terraform.io";
/// OpenTofu's default registry host: `platform-eng/platform` means this host to `tofu`, so
/// the mirror serves it too and OpenTofu runs the same configurations (see terraform.rs).
const TOFU_HOST: &str = "registry.opentofu.org";
const PLATFORM: &str = "linux_amd64";

/// A ready-to-use provider installation.
#[derive(Debug)]
pub struct ProviderInstall {
    /// Root of the filesystem mirror.
    pub mirror_dir: PathBuf,
    /// CLI config file to pass as `TF_CLI_CONFIG_FILE`.
    pub cli_config: PathBuf,
}

/// The mirror for the current release binary, created once per process.
///
/// It lives under the target dir, keyed by the binary's size and mtime: Terraform links
/// workspaces to unpacked mirror directories, so the mirror must outlive every test, and
/// concurrent test processes with the same binary can share it read-only.
pub fn provider_install() -> Result<&'static ProviderInstall, HarnessError> {
    static INSTALL: OnceLock<Result<ProviderInstall, String>> = OnceLock::new();
    let install = INSTALL.get_or_init(|| build().map_err(|e| e.to_string()));
    install.as_ref().map_err(|detail| HarnessError::Io {
        context: "installing the provider into a filesystem mirror".into(),
        source: std::io::Error::other(detail.clone()),
    })
}

fn build() -> Result<ProviderInstall, HarnessError> {
    let binary = release_binary(PROVIDER_BIN)?;
    let google = release_binary(GOOGLE_STANDIN_BIN)?;
    let root = target_dir().join("e2e").join(format!(
        "mirror-{}-{}",
        fingerprint(&binary)?,
        fingerprint(&google)?
    ));

    if !root.join(CLI_CONFIG).is_file() {
        // Build next to the final location and rename into place, so a concurrent process
        // never sees a half-copied binary.
        let parent = target_dir().join("e2e");
        fs::create_dir_all(&parent)
            .map_err(HarnessError::io(format!("creating {}", parent.display())))?;
        let staging = tempfile::Builder::new()
            .prefix(".mirror-staging-")
            .tempdir_in(&parent)
            .map_err(HarnessError::io("creating mirror staging dir"))?;
        populate(staging.path(), &binary, &google, &root)?;
        let staged = staging.keep();
        if fs::rename(&staged, &root).is_err() {
            // Another process won the race; its copy is identical.
            let _ = fs::remove_dir_all(&staged);
        }
    }
    Ok(ProviderInstall {
        mirror_dir: root.join(MIRROR),
        cli_config: root.join(CLI_CONFIG),
    })
}

/// Size and mtime: a rebuilt binary gets a fresh mirror.
fn fingerprint(binary: &Path) -> Result<String, HarnessError> {
    let meta =
        fs::metadata(binary).map_err(HarnessError::io(format!("stat {}", binary.display())))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok(format!("{}-{mtime}", meta.len()))
}

const MIRROR: &str = "mirror";
const CLI_CONFIG: &str = "terraform.rc";

/// Writes the unpacked layout and the CLI config into `dir`, referring to `final_root`
/// (where `dir` will be renamed to) in the config.
fn populate(
    dir: &Path,
    binary: &Path,
    google: &Path,
    final_root: &Path,
) -> Result<(), HarnessError> {
    for (source, version, bin, from) in [
        (PROVIDER_SOURCE, PROVIDER_VERSION, PROVIDER_BIN, binary),
        (
            GOOGLE_SOURCE,
            GOOGLE_STANDIN_VERSION,
            GOOGLE_STANDIN_BIN,
            google,
        ),
    ] {
        let mut copied: Option<PathBuf> = None;
        for host in [HOST, TOFU_HOST] {
            let pkg = dir.join(MIRROR).join(package_dir(host, source, version));
            fs::create_dir_all(&pkg)
                .map_err(HarnessError::io(format!("creating {}", pkg.display())))?;
            let dest = pkg.join(format!("{bin}_v{version}"));
            // One copy; the second host gets a hard link to it where the filesystem allows.
            let linked = copied
                .as_ref()
                .is_some_and(|c| fs::hard_link(c, &dest).is_ok());
            if !linked {
                fs::copy(from, &dest).map_err(HarnessError::io(format!(
                    "copying {bin} to {}",
                    dest.display()
                )))?;
            }
            copied = Some(dest);
        }
    }
    let config = cli_config(&final_root.join(MIRROR));
    fs::write(dir.join(CLI_CONFIG), config).map_err(HarnessError::io("writing CLI config"))
}

/// `HOST/NAMESPACE/TYPE/VERSION/OS_ARCH` below the mirror root.
fn package_dir(host: &str, source: &str, version: &str) -> PathBuf {
    let mut path = PathBuf::from(host);
    path.extend(source.split('/'));
    path.push(version);
    path.push(PLATFORM);
    path
}

/// CLI config that installs our namespace and hashicorp/google only from the mirror and
/// everything else directly from the registry.
fn cli_config(mirror: &Path) -> String {
    let namespace = [HOST, TOFU_HOST]
        .into_iter()
        .flat_map(|host| {
            [
                hcl_string(&format!("{host}/{}/*", namespace())),
                hcl_string(&format!("{host}/{GOOGLE_SOURCE}")),
            ]
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [{namespace}]\n  }}\n  direct {{\n    exclude = [{namespace}]\n  }}\n}}\n",
        hcl_string(&mirror.display().to_string()),
    )
}

fn namespace() -> &'static str {
    PROVIDER_SOURCE.split('/').next().unwrap_or(PROVIDER_SOURCE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_dir_follows_unpacked_layout() {
        assert_eq!(
            package_dir(HOST, PROVIDER_SOURCE, PROVIDER_VERSION),
            PathBuf::from(format!(
                "registry.terraform.io/platform-eng/platform/{PROVIDER_VERSION}/linux_amd64"
            ))
        );
    }

    #[test]
    fn cli_config_routes_namespace_to_mirror() {
        let config = cli_config(Path::new("/m"));
        assert!(config.contains(r#"path    = "/m""#), "{config}");
        assert!(
            config.contains(
                r#"include = ["registry.terraform.io/platform-eng/*", "registry.terraform.io/hashicorp/google", "registry.opentofu.org/platform-eng/*", "registry.opentofu.org/hashicorp/google"]"#
            ),
            "{config}"
        );
        assert!(
            config.contains(
                r#"exclude = ["registry.terraform.io/platform-eng/*", "registry.terraform.io/hashicorp/google", "registry.opentofu.org/platform-eng/*", "registry.opentofu.org/hashicorp/google"]"#
            ),
            "{config}"
        );
    }
}
