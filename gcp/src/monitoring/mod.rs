//! Cloud Monitoring v3.

pub mod alerting;
pub mod metrics;
