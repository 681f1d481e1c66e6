//! Helpers shared by the resources and data sources.

pub mod api;
pub mod labels;
pub mod model;
#[cfg(test)]
pub(crate) mod test_support;
pub mod values;
