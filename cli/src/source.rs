//! Where a `terraform show -json` document comes from: a fresh plan, a saved
//! plan file, the current state, or a JSON file produced elsewhere (CI, run tasks).

use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::show::ShowDoc;
use crate::terraform::Terraform;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Plan the directory now into a temporary plan file.
    FreshPlan,
    PlanFile(PathBuf),
    State,
    /// Already-rendered `terraform show -json` output.
    JsonFile(PathBuf),
}

pub fn load(dir: &Path, source: &Source) -> Result<ShowDoc, CliError> {
    match source {
        Source::JsonFile(path) => {
            let bytes = std::fs::read(path).map_err(|source| CliError::Read {
                path: path.clone(),
                source,
            })?;
            ShowDoc::parse(&bytes, &path.display().to_string())
        }
        Source::State => {
            let tf = initialised(dir)?;
            ShowDoc::parse(&tf.output(&["show", "-json"])?, "the state")
        }
        Source::PlanFile(path) => {
            // Terraform runs with -chdir, so a relative plan path must be made absolute first.
            let absolute = std::fs::canonicalize(path).map_err(|source| CliError::Read {
                path: path.clone(),
                source,
            })?;
            let tf = initialised(dir)?;
            let json = tf.output(&[
                std::ffi::OsStr::new("show"),
                "-json".as_ref(),
                absolute.as_os_str(),
            ])?;
            ShowDoc::parse(&json, &path.display().to_string())
        }
        Source::FreshPlan => {
            let tf = initialised(dir)?;
            let scratch = tempfile::tempdir()?;
            let plan = scratch.path().join("checklist.tfplan");
            let mut out = std::ffi::OsString::from("-out=");
            out.push(plan.as_os_str());
            tf.run_to_stderr(&["plan".as_ref(), "-input=false".as_ref(), out.as_os_str()])?;
            let json = tf.output(&[
                std::ffi::OsStr::new("show"),
                "-json".as_ref(),
                plan.as_os_str(),
            ])?;
            ShowDoc::parse(&json, "a fresh plan")
        }
    }
}

fn initialised(dir: &Path) -> Result<Terraform, CliError> {
    let tf = Terraform::locate(dir)?;
    tf.require_initialised()?;
    Ok(tf)
}
