//! Set-up the client's integration tests share: an in-process emulator and a
//! client configuration aimed at it.
#![allow(dead_code)] // each test file uses its own subset

use std::sync::Arc;
use std::time::Duration;

use gcp_client::{ClientConfig, CredentialsSpec, Endpoints, RetryPolicy};
use gcp_emulator::{start, EmulatorConfig, RunningEmulator};

/// Starts an emulator whose operations take `op_latency`.
pub async fn start_emulator(op_latency: Duration) -> RunningEmulator {
    start(EmulatorConfig {
        op_latency,
        ..EmulatorConfig::default()
    })
    .await
    .unwrap()
}

/// The emulator's own service-account key as credentials.
pub fn sa_spec(emu: &RunningEmulator) -> CredentialsSpec {
    CredentialsSpec::Json {
        origin: "test".into(),
        json: emu.service_account_key_json(),
    }
}

/// A configuration that sends every API to `emu`, with `credentials`.
pub fn config(emu: &RunningEmulator, credentials: CredentialsSpec) -> ClientConfig {
    let mut c = ClientConfig::new(credentials, "test");
    c.endpoints = Endpoints::all_at(&emu.base_url());
    // No ambient credentials may leak in from the machine running the tests.
    c.env = Arc::new(|_| None);
    c
}

/// Retries short enough for tests: from 5 ms, at most 50 ms apart.
pub fn quick_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_attempts,
    }
}
