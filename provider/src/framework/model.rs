//! Typed models over `tfplugin::typed`: decoding with a diagnostic, and the
//! defaults of a nested block that the configuration leaves out.

use serde::de::DeserializeOwned;
use serde::Serialize;
use tfplugin::typed::{from_value, minimal_value, to_value, MaybeUnknown};
use tfplugin::{Block, Diagnostic, Value};

/// Decodes `v` into model `T`; a value that does not fit is a provider bug
/// (Terraform checked the types), reported at the attribute that failed.
pub fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostic> {
    from_value(v).map_err(|e| e.to_diagnostic("Value does not match the resource model"))
}

/// The model of a nested block left out of the configuration: every
/// attribute at its schema default (blocks cannot be computed, so Terraform
/// keeps them absent and the defaults are applied here, from the same
/// declaration).
pub fn block_defaults<T: DeserializeOwned>(block: &Block) -> Result<T, Diagnostic> {
    decode(&minimal_value(block))
}

/// Encodes a model for Terraform (a failure is a provider bug, reported).
pub fn encode<T: Serialize>(model: &T) -> Result<Value, Diagnostic> {
    to_value(model).map_err(|e| e.to_diagnostic("Resource model cannot be encoded"))
}

/// A known, non-empty string (configuration treats `""` like unset).
pub fn non_empty(v: &MaybeUnknown<String>) -> Option<&str> {
    v.known().map(String::as_str).filter(|s| !s.is_empty())
}
