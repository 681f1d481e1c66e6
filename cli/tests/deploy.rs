//! `platform deploy` with the real Terraform binary on a small root whose
//! module calls carry the production names but hold only built-in
//! `terraform_data` resources (no provider download, no cloud).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use platform_cli::terraform::find_program;

const MODULES: [&str; 5] = ["network", "database", "services", "frontend", "edge"];

/// These tests need a terraform >= 1.4 (for `terraform_data`); a missing one is a
/// failure, never a silent skip: `make test` installs what a fresh machine lacks.
fn require_terraform() {
    if let Err(e) = find_program(
        std::env::var_os("TERRAFORM").as_deref(),
        std::env::var_os("PATH").as_deref(),
    ) {
        panic!("no terraform binary for the deploy tests (run `make setup`): {e}");
    }
}

fn root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("stage")).unwrap();
    std::fs::write(
        dir.path().join("stage/main.tf"),
        "variable \"name\" {\n  type = string\n}\n\nresource \"terraform_data\" \"r\" {\n  input = var.name\n}\n",
    )
    .unwrap();
    let mut main =
        String::from("variable \"region\" {\n  type    = string\n  default = \"us-central1\"\n}\n");
    for m in MODULES {
        main.push_str(&format!(
            "\nmodule \"{m}\" {{\n  source = \"./stage\"\n  name   = \"{m}-${{var.region}}\"\n}}\n"
        ));
    }
    std::fs::write(dir.path().join("main.tf"), main).unwrap();
    dir
}

/// `platform deploy <args>` in a fresh [`root`], which is returned for a look at its state.
fn deploy_in_new_root(args: &[&str]) -> (tempfile::TempDir, Output) {
    require_terraform();
    let dir = root();
    let out = platform(dir.path(), args);
    (dir, out)
}

fn platform(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .arg("deploy")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap()
}

/// Top-level module names with resources in a state file.
fn modules_in_state(state: &Path) -> Vec<String> {
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    let mut names: Vec<String> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["module"].as_str())
        .map(|m| m.trim_start_matches("module.").to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_succeeded(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn plan_only_summarises_the_selected_stages_and_changes_nothing() {
    let (dir, out) = deploy_in_new_root(&[
        "--skip-infrastructure",
        "--skip-database",
        "--skip-frontend",
        "--skip-livekit",
        "--plan-only",
    ]);
    assert_succeeded(&out);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains("The normal path is a full apply"),
        "{stderr}"
    );
    assert!(
        stderr.contains("module \"monitoring\" is not declared"),
        "{stderr}"
    );
    let backend = stdout.lines().find(|l| l.starts_with("backend")).unwrap();
    let cells: Vec<&str> = backend.split_whitespace().collect();
    assert_eq!(cells[..5], ["backend", "1", "0", "0", "0"], "{stdout}");
    assert!(stdout.contains("nothing was applied"), "{stdout}");
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn skip_flags_apply_only_the_other_stages() {
    let (dir, out) = deploy_in_new_root(&["--skip-backend", "--skip-database", "--auto-approve"]);
    assert_succeeded(&out);
    assert_eq!(
        modules_in_state(&dir.path().join("terraform.tfstate")),
        ["edge", "frontend", "network"]
    );

    // A later full deploy brings the skipped stages in.
    let out = platform(dir.path(), &["--auto-approve"]);
    assert_succeeded(&out);
    let mut all = MODULES.to_vec();
    all.sort_unstable();
    assert_eq!(modules_in_state(&dir.path().join("terraform.tfstate")), all);
}

#[test]
fn without_a_terminal_the_apply_needs_auto_approve() {
    let (dir, out) = deploy_in_new_root(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--auto-approve"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("terraform.tfstate").exists());
}

#[test]
fn region_deploys_into_its_own_workspace() {
    let (dir, out) = deploy_in_new_root(&[
        "--region",
        "us-west1",
        "--auto-approve",
        "--skip-frontend",
        "--skip-database",
        "--skip-infrastructure",
    ]);
    assert_succeeded(&out);
    let state = dir
        .path()
        .join("terraform.tfstate.d/region-us-west1/terraform.tfstate");
    assert_eq!(modules_in_state(&state), ["services"]);
    let raw = std::fs::read_to_string(&state).unwrap();
    assert!(
        raw.contains("services-us-west1"),
        "the region variable reached the modules"
    );
    // The directory's own workspace selection is left alone.
    assert!(!dir.path().join("terraform.tfstate").exists());
    let selected = std::fs::read_to_string(dir.path().join(".terraform/environment"))
        .unwrap_or_else(|_| "default".into());
    assert_eq!(selected.trim(), "default");
}
