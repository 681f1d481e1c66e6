use std::path::PathBuf;

use crate::process::CommandOutput;

/// Everything that can go wrong while setting up or driving an end-to-end test.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("{name} not found at {}: run `make build` first", path.display())]
    MissingBinary { name: &'static str, path: PathBuf },

    #[error("{name} at {} is older than its source {}: rebuild with `cargo build --release --workspace --bins` (or `make build`) so the tests run the code you edited", path.display(), newer.display())]
    StaleBinary {
        name: &'static str,
        path: PathBuf,
        newer: PathBuf,
    },

    #[error("no terraform binary found ($TERRAFORM, PATH, .tools/bin): run `make setup`{detail}")]
    NoTerraform { detail: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("gcp-emulator failed to start: {reason}\n--- emulator log ---\n{log}")]
    EmulatorStart { reason: String, log: String },

    #[error("emulator admin API {method} {path}: {detail}")]
    Admin {
        method: &'static str,
        path: String,
        detail: String,
    },

    #[error("command failed: {0}")]
    CommandFailed(Box<CommandOutput>),

    #[error("command timed out after {secs}s: {output}")]
    Timeout {
        secs: u64,
        output: Box<CommandOutput>,
    },

    #[error("unexpected output of `{command}`: {detail}")]
    BadOutput { command: String, detail: String },

    #[error("benchmark target missed: {0}")]
    TargetMissed(String),

    #[error("provider protocol: {0}")]
    Protocol(#[from] tfplugin::client::ClientError),
}

impl HarnessError {
    /// Wraps an I/O error with what the harness was doing when it happened.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}
