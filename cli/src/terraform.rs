//! Finds and runs the `terraform` binary. Terraform does the work; this module
//! only chooses arguments, lets its output stream through and keeps its exit code.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::CliError;

/// A Terraform root directory plus the binary that operates on it.
#[derive(Debug, Clone)]
pub struct Terraform {
    program: PathBuf,
    dir: PathBuf,
    /// Set through `TF_WORKSPACE` so the directory's persisted selection stays as it was.
    workspace: Option<String>,
}

impl Terraform {
    /// Uses `$TERRAFORM` when set, else the first `terraform` on `$PATH`.
    pub fn locate(dir: &Path) -> Result<Self, CliError> {
        if !dir.is_dir() {
            return Err(CliError::NoSuchDir(dir.display().to_string()));
        }
        let program = find_program(
            std::env::var_os("TERRAFORM").as_deref(),
            std::env::var_os("PATH").as_deref(),
        )?;
        Ok(Self {
            program,
            dir: dir.to_path_buf(),
            workspace: None,
        })
    }

    pub fn with_workspace(self, workspace: &str) -> Self {
        Self {
            workspace: Some(workspace.to_string()),
            ..self
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Commands other than `init` need the providers and modules `init` installs.
    pub fn require_initialised(&self) -> Result<(), CliError> {
        if self.dir.join(".terraform").is_dir() {
            Ok(())
        } else {
            Err(CliError::NotInitialised {
                dir: self.dir.display().to_string(),
            })
        }
    }

    /// Runs with Terraform's output streaming to the terminal.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<(), CliError> {
        let status = self
            .command(args)
            .status()
            .map_err(|source| self.spawn_error(source))?;
        check(status, args)
    }

    /// Like [`Terraform::run`] but with Terraform's stdout sent to stderr, for
    /// commands whose own stdout must stay machine-readable (JSON reports).
    pub fn run_to_stderr<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<(), CliError> {
        let status = self
            .command(args)
            .stdout(Stdio::from(std::io::stderr()))
            .status()
            .map_err(|source| self.spawn_error(source))?;
        check(status, args)
    }

    /// Runs and returns stdout (e.g. `show -json`); stderr still streams.
    pub fn output<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Vec<u8>, CliError> {
        let out = self
            .command(args)
            .stdout(Stdio::piped())
            .output()
            .map_err(|source| self.spawn_error(source))?;
        check(out.status, args)?;
        Ok(out.stdout)
    }

    /// Runs quietly and reports only success, for probes such as `workspace select`.
    pub fn succeeds<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<bool, CliError> {
        let status = self
            .command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|source| self.spawn_error(source))?;
        Ok(status.success())
    }

    fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.program);
        let mut chdir = OsString::from("-chdir=");
        chdir.push(self.dir.as_os_str());
        cmd.arg(chdir).args(args);
        if let Some(workspace) = &self.workspace {
            cmd.env("TF_WORKSPACE", workspace);
        }
        tracing::debug!(program = %self.program.display(), args = ?cmd.get_args().collect::<Vec<_>>(), "running terraform");
        cmd
    }

    fn spawn_error(&self, source: std::io::Error) -> CliError {
        if source.kind() == std::io::ErrorKind::NotFound {
            CliError::TerraformNotFound {
                detail: format!(" at {}", self.program.display()),
            }
        } else {
            CliError::Spawn {
                program: self.program.clone(),
                source,
            }
        }
    }
}

fn check<S: AsRef<OsStr>>(status: std::process::ExitStatus, args: &[S]) -> Result<(), CliError> {
    if status.success() {
        return Ok(());
    }
    let command = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    // A signal-terminated Terraform has no code; 1 is what it would have used.
    let code = status.code().unwrap_or(1);
    Err(CliError::TerraformFailed { command, code })
}

/// `terraform_env` wins over `path`; the env var may be a bare name looked up on `path`.
pub fn find_program(
    terraform_env: Option<&OsStr>,
    path: Option<&OsStr>,
) -> Result<PathBuf, CliError> {
    if let Some(explicit) = terraform_env.filter(|v| !v.is_empty()) {
        let explicit = PathBuf::from(explicit);
        if explicit.components().count() > 1 {
            return if explicit.is_file() {
                Ok(explicit)
            } else {
                Err(CliError::TerraformNotFound {
                    detail: format!(" at TERRAFORM={}", explicit.display()),
                })
            };
        }
        return search_path(explicit.as_os_str(), path).ok_or_else(|| {
            CliError::TerraformNotFound {
                detail: format!(" (TERRAFORM={} is not on PATH)", explicit.display()),
            }
        });
    }
    search_path(OsStr::new("terraform"), path).ok_or_else(|| CliError::TerraformNotFound {
        detail: " on PATH".to_string(),
    })
}

fn search_path(name: &OsStr, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binary(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        path
    }

    #[test]
    fn explicit_path_wins_over_path_lookup() {
        let tmp = tempfile::tempdir().unwrap();
        let on_path = tempfile::tempdir().unwrap();
        fake_binary(on_path.path(), "terraform");
        let explicit = fake_binary(tmp.path(), "tf-1.5");
        let found =
            find_program(Some(explicit.as_os_str()), Some(on_path.path().as_os_str())).unwrap();
        assert_eq!(found, explicit);
    }

    #[test]
    fn falls_back_to_path() {
        let empty = tempfile::tempdir().unwrap();
        let on_path = tempfile::tempdir().unwrap();
        let expected = fake_binary(on_path.path(), "terraform");
        let joined = std::env::join_paths([empty.path(), on_path.path()]).unwrap();
        assert_eq!(find_program(None, Some(&joined)).unwrap(), expected);
    }

    #[test]
    fn bare_name_in_env_is_searched_on_path() {
        let on_path = tempfile::tempdir().unwrap();
        let expected = fake_binary(on_path.path(), "terraform1.9");
        let found = find_program(
            Some(OsStr::new("terraform1.9")),
            Some(on_path.path().as_os_str()),
        )
        .unwrap();
        assert_eq!(found, expected);
    }

    #[test]
    fn missing_terraform_says_how_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let err = find_program(None, Some(empty.path().as_os_str())).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("make setup"), "{msg}");
        assert!(
            msg.contains("developer.hashicorp.com/terraform/install"),
            "{msg}"
        );
        let err = find_program(Some(OsStr::new("/nope/terraform")), None).unwrap_err();
        assert!(err.to_string().contains("TERRAFORM=/nope/terraform"));
    }

    #[test]
    fn uninitialised_dir_names_the_command_to_run() {
        let root = tempfile::tempdir().unwrap();
        let tf = Terraform {
            program: PathBuf::from("terraform"),
            dir: root.path().to_path_buf(),
            workspace: None,
        };
        let msg = tf.require_initialised().unwrap_err().to_string();
        assert!(msg.contains("platform deploy --dir"), "{msg}");
        assert!(msg.contains("init"), "{msg}");
        std::fs::create_dir(root.path().join(".terraform")).unwrap();
        tf.require_initialised().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn exit_code_of_terraform_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let bin = tempfile::tempdir().unwrap();
        let script = bin.path().join("terraform");
        std::fs::write(&script, "#!/bin/sh\necho \"$@\"\nexit 3\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = tempfile::tempdir().unwrap();
        let tf = Terraform {
            program: script,
            dir: root.path().to_path_buf(),
            workspace: None,
        };
        let err = tf.output(&["plan"]).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("terraform plan"));
    }
}
