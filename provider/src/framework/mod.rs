//! Helpers shared by the composite resources.

pub mod values;
