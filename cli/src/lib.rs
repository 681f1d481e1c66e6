//! The `platform` CLI: the guide's `deploy.sh` interface over Terraform, the
//! pre-production checklist and rollout status. Terraform and the provider do
//! the work; this crate chooses what to run and explains the result.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod adopt;
pub mod args;
pub mod checklist;
pub mod deploy;
pub mod emulator_cmd;
pub mod error;
pub mod google;
pub mod plan_summary;
pub mod rollout_status;
pub mod rollout_watch;
pub mod root_module;
pub mod service_settings;
pub mod show;
pub mod source;
pub mod stages;
pub mod table;
pub mod terraform;

pub use error::CliError;
