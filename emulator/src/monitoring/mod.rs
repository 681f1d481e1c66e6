pub mod alerting;
pub mod metrics;
