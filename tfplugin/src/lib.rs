//! Terraform plugin protocol 6 for Rust providers.
//!
//! This crate is the whole protocol layer: the go-plugin handshake (AutoMTLS),
//! the tfplugin6 gRPC service, the cty value codec (msgpack and JSON), the
//! schema model and diagnostics. It knows nothing about any cloud: a provider
//! implements [`Provider`], [`Resource`] and [`DataSource`] and calls [`serve`].

#[cfg(any(test, feature = "client"))]
pub mod client;
pub mod codec;
pub mod diag;
pub mod identity;
pub mod logging;
pub mod provider;
pub mod schema;
pub mod server;
pub mod typed;
pub mod value;

mod proto;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use identity::{IdentityAttribute, IdentitySchema};
pub use provider::{
    Action, ApplyRequest, ApplyResponse, ConfigureRequest, DataSource, ImportResponse,
    ImportedResource, ListEvent, ListRequest, ListResource, ListSink, MoveRequest, MoveResponse,
    OpContext, PlanRequest, PlanResponse, Progress, Provider, ReadDataRequest, ReadDataResponse,
    ReadRequest, ReadResponse, Resource,
};
pub use schema::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
pub use server::{serve, ServeError};
pub use tfplugin_derive::Fields;
pub use typed::{from_value, to_value, MaybeUnknown, Set, ValueError};
pub use value::{Number, Type, Value};
