//! The `platform` Terraform provider: configuration, data sources and resources on
//! top of `tfplugin` (protocol) and `gcp_client` (Google APIs).

// Tests unwrap freely: a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod config;
pub mod data_sources;
pub mod framework;
pub mod provider;
pub mod resources;
pub mod state;

pub use provider::PlatformProvider;
