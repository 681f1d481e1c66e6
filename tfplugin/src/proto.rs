//! Code generated from `proto/` by build.rs. Lints are relaxed for generated code only.

#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    missing_docs,
    unreachable_pub
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    missing_docs,
    unreachable_pub
)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
