//! End-to-end harness: drives real `terraform` binaries against the release builds of
//! `terraform-provider-platform` and `gcp-emulator`.
//!
//! Flow of a test: [`for_each_terraform`] runs the body once per discovered Terraform
//! version; the body starts an [`Emulator`], writes `.tf` files into a [`Workspace`]
//! (which installs the provider through a real filesystem mirror) and runs terraform.
//!
//! What no installed Terraform can run (resource identity, list resources, actions)
//! is tested at the protocol level instead: [`start_provider`] starts the release
//! provider binary the way Terraform does and hands back `tfplugin::client::Core`,
//! a Terraform-core stand-in (see `tests/tests/protocol.rs`).
//!
//! Fallible set-up returns [`HarnessError`]; its `Display` carries everything needed to
//! diagnose a failure (terraform output, emulator log), because that is what a failing
//! test prints.

mod bench;
mod emulator;
mod error;
mod guide;
mod hcl;
mod https;
mod matrix;
mod mirror;
mod paths;
mod platform_cli;
mod process;
mod protocol;
mod terraform;
mod totals;
mod tree;
mod workspace;

pub use bench::Targets;
pub use emulator::{
    budget_threshold_percents, Emulator, RecordedRequest, DEFAULT_PROJECT, DEFAULT_REGION,
    ENDPOINTS,
};
pub use error::HarnessError;
pub use guide::{
    build_livekit, build_livekit_by_hand, create_budget_by_hand, create_budget_with,
    create_channel_by_hand, deploy_run_service, gcloud_compute, gcloud_compute_in,
    HandBuiltLivekit, GUIDE_ACCOUNT, GUIDE_PROJECT,
};
pub use hcl::{
    blue_green_service, hcl_string, livekit_cluster, livekit_settings, required_providers,
};
pub use https::{Handler, HttpsServer, Request, Response};
pub use matrix::{
    for_each_terraform, for_each_terraform_at_least, panic_message, MODULES_MIN_TERRAFORM,
};
pub use mirror::{
    provider_install, ProviderInstall, GOOGLE_SOURCE, GOOGLE_STANDIN_VERSION, PROVIDER_SOURCE,
    PROVIDER_VERSION,
};
pub use paths::{release_binary, workspace_root, EMULATOR_BIN, GOOGLE_STANDIN_BIN, PROVIDER_BIN};
pub use platform_cli::{planned_modules, platform_cmd};
pub use process::CommandOutput;
pub use protocol::{
    invoke_as_terraform, null_object, start_configured, start_provider, start_provider_with,
};
pub use terraform::{newest_terraform, terraform_versions, Terraform};
pub use totals::record_suite_totals;
pub use tree::copy_tree;
pub use workspace::{Background, Workspace};

/// Result alias used throughout the harness and by test bodies.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
