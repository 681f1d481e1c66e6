//! `terraform-provider-platform -debug`: the provider serves on its own and prints the
//! `TF_REATTACH_PROVIDERS` value; Terraform given that value attaches to the running
//! process instead of installing and starting one (the CLI config here names a mirror
//! that does not exist, so nothing else could serve the plan), every Terraform version
//! in turn against the same process, and Ctrl-C stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use e2e::{
    for_each_terraform, release_binary, required_providers, Emulator, Workspace, PROVIDER_BIN,
};

#[test]
fn debug_mode_serves_terraform_through_tf_reattach_providers() {
    let binary = release_binary(PROVIDER_BIN).unwrap_or_else(|e| panic!("{e}"));
    let mut provider = Command::new(&binary)
        .arg("-debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {} -debug: {e}", binary.display()));
    let _stop = KillOnDrop(provider.id());
    let stdout = provider
        .stdout
        .take()
        .unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    let reattach = loop {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = provider.kill();
            panic!("no TF_REATTACH_PROVIDERS line; printed: {printed:?}");
        };
        if let Some(value) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break value.trim_end_matches('\'').to_owned();
        }
        printed.push(line);
    };
    let parsed: serde_json::Value =
        serde_json::from_str(&reattach).unwrap_or_else(|e| panic!("{reattach}: {e}"));
    let entry = &parsed["registry.terraform.io/platform-eng/platform"];
    assert_eq!(entry["Pid"], provider.id(), "{reattach}");

    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cli_config = scratch.path().join("terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            scratch.path().join("no-such-mirror").display()
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cli_config = cli_config.display().to_string();
    let env = [
        ("TF_REATTACH_PROVIDERS", reattach.as_str()),
        ("TF_CLI_CONFIG_FILE", cli_config.as_str()),
    ];
    let emulator = Emulator::start().unwrap_or_else(|e| panic!("{e}"));
    let config = format!(
        "{}{}data \"platform_project\" \"this\" {{}}\noutput \"number\" {{\n  value = data.platform_project.this.number\n}}\n",
        required_providers(),
        emulator.provider_block("")
    );

    for_each_terraform(|tf| {
        let ws = Workspace::new(tf, &[("main.tf", &config)])?;
        ws.run_ok(&["init"], &env)?;
        let plan = ws.run_ok(&["plan"], &env)?;
        assert!(plan.stdout.contains("number"), "{plan}");
        Ok(())
    });

    // Ctrl-C ends debug mode with success.
    let pid = provider.id().to_string();
    Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap_or_else(|e| panic!("kill -INT: {e}"));
    let (done, exited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(provider.wait());
    });
    let Ok(status) = exited.recv_timeout(Duration::from_secs(30)) else {
        let _ = Command::new("kill").args(["-KILL", &pid]).status();
        panic!("-debug provider still running 30 s after SIGINT");
    };
    let status = status.unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "{status}");
}

/// Kills the debug provider if the test fails before stopping it (it has no parent
/// Terraform that would).
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}
