//! The `platform` CLI release binary, run hermetically against a Terraform version, the
//! harness's provider mirror and an emulator, and the plans it saves.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::emulator::Emulator;
use crate::mirror::provider_install;
use crate::paths::release_binary;
use crate::terraform::Terraform;
use crate::HarnessError;

/// `platform` with Terraform `tf` and its provider mirror, reaching the
/// emulator through the provider's environment variables. Hermetic, like the
/// harness's own terraform runs.
pub fn platform_cmd(tf: &Terraform, emu: &Emulator) -> Result<Command, HarnessError> {
    let mut cmd = Command::new(release_binary("platform")?);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if ["TF_", "GOOGLE_", "CLOUDSDK_"]
            .iter()
            .any(|p| key.starts_with(p))
        {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd.env("TERRAFORM", &tf.path)
        .env("TF_CLI_CONFIG_FILE", &provider_install()?.cli_config)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .envs(emu.provider_env());
    Ok(cmd)
}

/// Top-level module names whose resources a saved plan (in root `dir`) changes.
pub fn planned_modules(
    tf: &Terraform,
    dir: &Path,
    plan: &str,
) -> Result<Vec<String>, HarnessError> {
    let out = Command::new(&tf.path)
        .arg(format!("-chdir={}", dir.display()))
        .args(["show", "-json", plan])
        .env("TF_CLI_CONFIG_FILE", &provider_install()?.cli_config)
        .output()
        .map_err(HarnessError::io("running terraform show -json"))?;
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|e| HarnessError::BadOutput {
        command: "terraform show -json".into(),
        detail: format!("{e}\nstderr:\n{}", String::from_utf8_lossy(&out.stderr)),
    })?;
    let mut modules: Vec<String> = doc["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| {
            c["change"]["actions"] != json!(["no-op"]) && c["change"]["actions"] != json!(["read"])
        })
        .map(|c| {
            c["module_address"]
                .as_str()
                .and_then(|m| m.strip_prefix("module."))
                .map_or("(root)".to_string(), |m| {
                    m.split(['.', '[']).next().unwrap_or(m).to_string()
                })
        })
        .collect();
    modules.sort();
    modules.dedup();
    Ok(modules)
}
