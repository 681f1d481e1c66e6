//! `platform emulator` serves the bundled emulator and prints a provider block
//! whose credentials file exists and whose endpoints point at a live server.
#![allow(clippy::unwrap_used)]
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn value_of<'a>(block: &'a str, key: &str) -> &'a str {
    let line = block
        .lines()
        .find(|l| l.trim_start().starts_with(key))
        .unwrap();
    line.split('"').nth(1).unwrap()
}

#[test]
fn prints_a_working_provider_block_and_stops_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("emu.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(["emulator", "--state", state.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut block = String::new();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        block.push_str(&line);
        block.push('\n');
        if line == "}" {
            break;
        }
    }
    let credentials = value_of(&block, "credentials ");
    assert_eq!(
        credentials,
        dir.path().join("emu.credentials.json").to_str().unwrap()
    );
    let key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(credentials).unwrap()).unwrap();
    assert_eq!(key["type"], "service_account");

    // The compute endpoint answers HTTP on the printed address.
    let compute = value_of(&block, "compute_custom_endpoint");
    let authority = compute
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(stream, "GET /compute/v1/projects/platform-local/zones HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 "), "{response}");

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "emulator did not stop on SIGINT");
        std::thread::sleep(Duration::from_millis(100));
    }
}
