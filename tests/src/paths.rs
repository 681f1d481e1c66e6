//! Where the workspace, its target directory and the release binaries live.

use std::path::{Path, PathBuf};

use crate::HarnessError;

pub const PROVIDER_BIN: &str = "terraform-provider-platform";
pub const EMULATOR_BIN: &str = "gcp-emulator";
/// The test-only hashicorp/google stand-in (`tests/google-standin`).
pub const GOOGLE_STANDIN_BIN: &str = "terraform-provider-google";

/// Root of the cargo workspace (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory, honouring `CARGO_TARGET_DIR` like cargo does
/// (relative values are relative to the workspace root).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// Path of a release binary built by `make build`. Tests never build binaries themselves,
/// so every test in the run shares one build.
pub fn release_binary(name: &'static str) -> Result<PathBuf, HarnessError> {
    let path = target_dir().join("release").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(HarnessError::MissingBinary { name, path })
    }
}
