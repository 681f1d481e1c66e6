//! Copies of repository directories for tests that run Terraform on them, so `init`
//! never writes into the source tree.

use std::path::Path;

use crate::HarnessError;

/// Copies `from` into `to`, leaving out Terraform's working files (a local `make demo` or
/// `terraform init` may have left some in the source tree).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), HarnessError> {
    let io = |what: &str, path: &Path| HarnessError::io(format!("{what} {}", path.display()));
    std::fs::create_dir_all(to).map_err(io("creating", to))?;
    for entry in std::fs::read_dir(from).map_err(io("reading", from))? {
        let entry = entry.map_err(io("reading", from))?;
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        if name_text.starts_with(".terraform") || name_text.contains(".tfstate") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name)).map_err(io("copying", &path))?;
        }
    }
    Ok(())
}
