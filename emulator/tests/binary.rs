//! The `gcp-emulator` binary's stdout contract and credentials file.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

#[test]
fn prints_exactly_the_listening_line_and_writes_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("key.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gcp-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--op-latency",
            "250ms",
            "--project",
            "bin-project",
        ])
        .arg("--write-credentials")
        .arg(&creds)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let result = std::panic::catch_unwind(|| {
        let re =
            regex::Regex::new(r"^gcp-emulator listening on http://127\.0\.0\.1:(\d+)\n$").unwrap();
        assert!(re.is_match(&line), "unexpected first line {line:?}");
        let base = line
            .trim()
            .trim_start_matches("gcp-emulator listening on ")
            .to_string();
        let key: Value = serde_json::from_str(&std::fs::read_to_string(&creds).unwrap()).unwrap();
        assert_eq!(key["type"], "service_account");
        assert_eq!(key["project_id"], "bin-project");
        assert_eq!(key["token_uri"], format!("{base}/token"));
        assert!(key["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----"));
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "nothing else is printed to stdout");
    result.unwrap();
}
