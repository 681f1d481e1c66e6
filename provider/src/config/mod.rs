//! Provider configuration: schema, environment fallbacks, validation, and the
//! `gcp_client::ClientConfig` it turns into.

mod client;
mod duration;
mod env;
#[cfg(test)]
mod reach_tests;
mod resolve;
mod schema;
mod validate;

pub use client::client_config;
pub use duration::parse_duration;
pub use env::{endpoint_attribute, endpoint_env_var};
pub use resolve::{resolve, Field, Settings, Source, Sourced};
pub use schema::provider_schema;
pub use validate::validate;
