//! The test-only hashicorp/google stand-in (`terraform-provider-google`), as a library so
//! `modcheck` checks modules against the same vendored schemas the stand-in serves.

pub mod fill;
pub mod provider;
pub mod schema;
