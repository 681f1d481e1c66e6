pub mod alerting;
pub mod filter;
pub mod metrics;
