//! A throwaway Terraform working directory bound to one Terraform version.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
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

    /// Writes (or replaces) a file in the workspace.
    pub fn write_file(&self, name: &str, contents: &str) -> Result<(), HarnessError> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents)
            .map_err(HarnessError::io(format!("writing {}", path.display())))
    }

    /// Runs `terraform <args>` with extra environment variables, whatever its exit status.
    /// Errors only if the process could not be run or timed out.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Result<CommandOutput, HarnessError> {
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
        let label = format!("terraform {} {}", self.terraform.version, args.join(" "));
        run_with_timeout(cmd, label, COMMAND_TIMEOUT)
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
