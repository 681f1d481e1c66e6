//! A throwaway Terraform working directory bound to one Terraform version.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::mirror::{provider_install, ProviderInstall};
use crate::process::{run_with_timeout, CommandOutput};
use crate::terraform::Terraform;
use crate::HarnessError;

/// Generous: 1.0.3 is slow to start and CI has two cores shared by parallel tests.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// Sub-commands given `-no-color` through `TF_CLI_ARGS_<cmd>`, so callers pass plain
/// arguments and commands that reject the flag (e.g. `version`) are untouched.
const NO_COLOR_COMMANDS: [&str; 9] = [
    "init",
    "plan",
    "apply",
    "destroy",
    "refresh",
    "validate",
    "import",
    "output",
    "providers_schema",
];

/// Temp directory with `.tf` files, run against one Terraform binary with the provider
/// installed from the harness's filesystem mirror. Nothing is shared between workspaces
/// except the read-only mirror, so tests can run in parallel.
pub struct Workspace<'a> {
    dir: TempDir,
    terraform: &'a Terraform,
    install: &'static ProviderInstall,
}

impl<'a> Workspace<'a> {
    /// Creates a workspace holding `files` (name, contents).
    pub fn new(terraform: &'a Terraform, files: &[(&str, &str)]) -> Result<Self, HarnessError> {
        let install = provider_install()?;
        let dir = tempfile::Builder::new()
            .prefix("e2e-workspace-")
            .tempdir()
            .map_err(HarnessError::io("creating workspace dir"))?;
        let ws = Self {
            dir,
            terraform,
            install,
        };
        for (name, contents) in files {
            ws.write_file(name, contents)?;
        }
        Ok(ws)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn terraform(&self) -> &Terraform {
        self.terraform
    }

    /// Writes (or replaces) a file in the workspace; `name` may hold directories
    /// (a local module's `media/main.tf`).
    pub fn write_file(&self, name: &str, contents: &str) -> Result<(), HarnessError> {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(HarnessError::io(format!("creating {}", parent.display())))?;
        }
        std::fs::write(&path, contents)
            .map_err(HarnessError::io(format!("writing {}", path.display())))
    }

    /// The `terraform <args>` command, hermetic and bound to this workspace.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(&self.terraform.path);
        cmd.args(args).current_dir(self.dir.path());
        // Hermetic: nothing from the caller's Terraform or Google set-up may leak in.
        for (key, _) in std::env::vars_os() {
            if is_inherited_config(&key) {
                cmd.env_remove(key);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.install.cli_config)
            .env("TF_DATA_DIR", self.dir.path().join(".terraform"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1");
        for sub in NO_COLOR_COMMANDS {
            cmd.env(format!("TF_CLI_ARGS_{sub}"), "-no-color");
        }
        cmd.envs(env.iter().copied());
        cmd
    }

    /// Runs `terraform <args>` with extra environment variables, whatever its exit status.
    /// Errors only if the process could not be run or timed out.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Result<CommandOutput, HarnessError> {
        let label = format!("terraform {} {}", self.terraform.version, args.join(" "));
        run_with_timeout(self.command(args, env), label, COMMAND_TIMEOUT)
    }

    /// Starts `terraform <args>` in the background (output discarded) in a process
    /// group of its own, e.g. to kill it mid-operation with [`Background::kill_group`].
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Result<Background, HarnessError> {
        let child = self
            .command(args, env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(HarnessError::io(format!(
                "spawning terraform {}",
                args.join(" ")
            )))?;
        Ok(Background { child: Some(child) })
    }

    /// Runs `terraform <args>` and requires exit status 0.
    pub fn run_ok(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<CommandOutput, HarnessError> {
        self.run(args, env)?.ok()
    }

    pub fn init(&self) -> Result<CommandOutput, HarnessError> {
        self.run_ok(&["init"], &[])
    }

    pub fn plan(&self) -> Result<CommandOutput, HarnessError> {
        self.run_ok(&["plan"], &[])
    }

    pub fn apply(&self) -> Result<CommandOutput, HarnessError> {
        self.run_ok(&["apply", "-auto-approve"], &[])
    }

    pub fn destroy(&self) -> Result<CommandOutput, HarnessError> {
        self.run_ok(&["destroy", "-auto-approve"], &[])
    }

    /// `terraform output -json` as an object `{name: value}` (the `value` of each output;
    /// indexing a missing name yields `Null`).
    pub fn outputs(&self) -> Result<Value, HarnessError> {
        let out = self.run_ok(&["output", "-json"], &[])?;
        let doc: serde_json::Map<String, Value> = self.parse_json(&out)?;
        Ok(doc
            .into_iter()
            .map(|(name, o)| (name, o.get("value").cloned().unwrap_or(Value::Null)))
            .collect())
    }

    /// `terraform show -json` (the state), parsed.
    pub fn show_json(&self) -> Result<Value, HarnessError> {
        let out = self.run_ok(&["show", "-json"], &[])?;
        self.parse_json(&out)
    }

    /// `terraform providers schema -json`, parsed.
    pub fn providers_schema(&self) -> Result<Value, HarnessError> {
        let out = self.run_ok(&["providers", "schema", "-json"], &[])?;
        self.parse_json(&out)
    }

    fn parse_json<T: serde::de::DeserializeOwned>(
        &self,
        out: &CommandOutput,
    ) -> Result<T, HarnessError> {
        serde_json::from_str(&out.stdout).map_err(|e| HarnessError::BadOutput {
            command: out.command.clone(),
            detail: format!("{e}\n{out}"),
        })
    }
}

fn is_inherited_config(key: &OsString) -> bool {
    let key = key.to_string_lossy();
    ["TF_", "GOOGLE_", "CLOUDSDK_"]
        .iter()
        .any(|prefix| key.starts_with(prefix))
}

/// A `terraform` run in the background; its process group is killed when dropped.
pub struct Background {
    child: Option<Child>,
}

impl Background {
    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGKILL to terraform and every plugin it started (its process group), as when
    /// a CI job is cancelled or the machine runs out of memory; then reaps terraform.
    pub fn kill_group(&mut self) -> Result<(), HarnessError> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        signal_group(child.id(), "KILL")?;
        child
            .wait()
            .map_err(HarnessError::io("reaping terraform"))?;
        Ok(())
    }

    /// SIGINT to terraform and its plugins, as Ctrl-C in a terminal delivers it to the
    /// foreground process group. Terraform then stops gracefully; see [`Self::wait`].
    pub fn interrupt(&mut self) -> Result<(), HarnessError> {
        match &self.child {
            Some(child) => signal_group(child.id(), "INT"),
            None => Ok(()),
        }
    }

    /// Waits up to `timeout` for terraform to exit on its own and returns its exit code
    /// (`None` when a signal ended it). On timeout the group is killed and it is an error.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<i32>, HarnessError> {
        let deadline = std::time::Instant::now() + timeout;
        while let Some(child) = self.child.as_mut() {
            if let Some(status) = child
                .try_wait()
                .map_err(HarnessError::io("waiting for terraform"))?
            {
                self.child = None;
                return Ok(status.code());
            }
            if std::time::Instant::now() >= deadline {
                self.kill_group()?;
                return Err(HarnessError::io("waiting for terraform")(
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("still running after {}s", timeout.as_secs()),
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(None)
    }
}

/// Sends `signal` to the process group `pgid` (terraform's pid, see `process_group(0)`).
fn signal_group(pgid: u32, signal: &str) -> Result<(), HarnessError> {
    Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{pgid}")])
        .status()
        .map_err(HarnessError::io("running kill"))?;
    Ok(())
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.kill_group();
    }
}
