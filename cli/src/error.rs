//! Errors of the `platform` CLI. Every message says what to do next.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(
        "terraform was not found{detail}. Install it with `make setup` in this repository or from \
         https://developer.hashicorp.com/terraform/install, or point the TERRAFORM environment \
         variable at the binary"
    )]
    TerraformNotFound { detail: String },

    #[error("could not run {program}: {source}")]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Terraform ran and failed; its own output already explained why.
    #[error("`terraform {command}` failed with exit code {code}")]
    TerraformFailed { command: String, code: i32 },

    #[error(
        "{dir} is not initialised (no .terraform directory). Run `platform deploy --dir {dir}` \
         (which runs init) or `terraform -chdir={dir} init`"
    )]
    NotInitialised { dir: String },

    #[error("directory {0} does not exist; pass the Terraform root with --dir")]
    NoSuchDir(String),

    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{what} is not valid `terraform show -json` output: {source}")]
    ShowJson {
        what: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("{0}")]
    Usage(String),

    #[error("deploy cancelled: nothing was applied")]
    Declined,

    #[error(transparent)]
    Emulator(#[from] gcp_emulator::EmulatorError),

    #[error(
        "cannot build the Google API client from the environment: {0}. The CLI reads the same \
         variables as the provider: GOOGLE_CREDENTIALS (or Application Default Credentials), \
         GOOGLE_OAUTH_ACCESS_TOKEN and GOOGLE_<API>_CUSTOM_ENDPOINT"
    )]
    GoogleConfig(String),

    #[error("{what}: {source}")]
    Google {
        what: String,
        /// Boxed: the client error is large and every CLI result carries this type.
        #[source]
        source: Box<gcp_client::Error>,
    },

    #[error("{address} in the state cannot be read as a blue-green service: {detail}")]
    BadServiceState { address: String, detail: String },

    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl CliError {
    /// The process exit code: Terraform's own code when Terraform failed.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::TerraformFailed { code, .. } => *code,
            _ => 1,
        }
    }
}
