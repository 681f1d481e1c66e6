//! Where the workspace, its target directory and the release binaries live.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

/// The directory the running test executable was built into (`…/release/deps/x` →
/// `…/release`): `target/release` for a host build, `target/<triple>/release` for the
/// static one `make test` builds. Outside `deps/` (a copied executable), `target/release`.
pub fn release_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            (deps.file_name()? == "deps").then(|| deps.parent().map(Path::to_path_buf))?
        })
        .unwrap_or_else(|| target_dir().join("release"))
}

/// Path of a release binary built together with this test (`make test`). Tests never build
/// binaries themselves, so every test in the run shares one build; they refuse a binary
/// older than one of its sources, so an edit is never tested against the previous build.
pub fn release_binary(name: &'static str) -> Result<PathBuf, HarnessError> {
    let path = release_dir().join(name);
    if !path.is_file() {
        return Err(HarnessError::MissingBinary { name, path });
    }
    match newer_source(&path)? {
        None => Ok(path),
        Some(newer) => Err(HarnessError::StaleBinary { name, path, newer }),
    }
}

fn modified(path: &Path) -> Result<SystemTime, HarnessError> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(HarnessError::io(format!(
            "reading the time of {}",
            path.display()
        )))
}

/// A source file changed after `binary` was built, if any. The sources are
/// the ones cargo lists in the binary's dep-info file (`<binary>.d`: exactly
/// what rustc read, so test-only modules do not count).
fn newer_source(binary: &Path) -> Result<Option<PathBuf>, HarnessError> {
    let dep_info = binary.with_extension("d");
    let text = std::fs::read_to_string(&dep_info)
        .map_err(HarnessError::io(format!("reading {}", dep_info.display())))?;
    let built = modified(binary)?;
    for source in dep_info_sources(&text) {
        // A source deleted since the build changed it too.
        match std::fs::metadata(&source).and_then(|m| m.modified()) {
            Ok(t) if t <= built => {}
            _ => return Ok(Some(source)),
        }
    }
    Ok(None)
}

/// The prerequisites of the first rule of a make-style dep-info file
/// (`target: a.rs b\ c.rs`, spaces in paths escaped).
fn dep_info_sources(text: &str) -> Vec<PathBuf> {
    let Some(line) = text.lines().next() else {
        return Vec::new();
    };
    let Some((_, deps)) = line.split_once(": ") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' => {
                if !current.is_empty() {
                    out.push(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(PathBuf::from(current));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_edited_after_the_build_makes_the_binary_stale() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("my lib.rs");
        let other = dir.path().join("main.rs");
        let bin = dir.path().join("bin");
        for f in [&lib, &other, &bin] {
            std::fs::write(f, "").unwrap();
        }
        std::fs::write(
            bin.with_extension("d"),
            format!(
                "{}: {} {}\n\n{}:\n",
                bin.display(),
                lib.display().to_string().replace(' ', "\\ "),
                other.display(),
                lib.display()
            ),
        )
        .unwrap();
        let at = |path: &Path, secs: u64| {
            let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(t)
                .unwrap();
        };
        at(&lib, 1_000);
        at(&other, 1_000);
        at(&bin, 2_000);
        assert_eq!(newer_source(&bin).unwrap(), None);
        at(&lib, 3_000);
        assert_eq!(newer_source(&bin).unwrap(), Some(lib.clone()));
        at(&lib, 1_000);
        std::fs::remove_file(&other).unwrap();
        assert_eq!(newer_source(&bin).unwrap(), Some(other));
    }
}
