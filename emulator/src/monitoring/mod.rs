pub mod alerting;
pub mod descriptors;
pub mod filter;
pub mod metrics;
