//! cty values on the wire: msgpack `DynamicValue`s, JSON state and type JSON.
//!
//! Every function takes the cty [`Type`] the value must conform to, because
//! the [`Value`](crate::Value) model carries no type of its own (nulls and
//! unknowns are untyped).

mod infer;
mod json;
mod msgpack;
mod type_json;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests;

use std::fmt;

use crate::diag::{AttributePath, PathStep};

pub use infer::infer_type;
pub use json::{from_json, to_json};
pub use msgpack::{from_msgpack, to_msgpack};
pub use type_json::{type_from_json, type_from_json_bytes, type_to_json, type_to_json_bytes};

/// A value that does not fit its type, or bytes that are not a valid encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CodecError {
    /// Where inside the value the problem is (empty = the value itself).
    pub path: AttributePath,
    pub message: String,
}

impl CodecError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CodecError {
            path: AttributePath::default(),
            message: message.into(),
        }
    }

    /// Record that the error happened inside `step` (errors bubble up from the leaves).
    pub(crate) fn within(mut self, step: PathStep) -> Self {
        self.path.0.insert(0, step);
        self
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

/// Attach a path step to the error of a nested codec call.
pub(crate) trait WithinExt<T> {
    fn within(self, step: impl FnOnce() -> PathStep) -> Result<T, CodecError>;
}

impl<T> WithinExt<T> for Result<T, CodecError> {
    fn within(self, step: impl FnOnce() -> PathStep) -> Result<T, CodecError> {
        self.map_err(|e| e.within(step()))
    }
}

/// A decimal number as either encoding may carry it (a JSON/msgpack string).
pub(crate) fn parse_number(s: &str) -> Result<crate::value::Number, CodecError> {
    crate::value::Number::parse(s).map_err(|e| CodecError::new(e.to_string()))
}

/// A tuple's element count is part of its type.
pub(crate) fn check_tuple_len(want: usize, got: usize) -> Result<(), CodecError> {
    if want == got {
        Ok(())
    } else {
        Err(CodecError::new(format!(
            "tuple needs {want} elements, got {got}"
        )))
    }
}

pub(crate) fn index_step(i: usize) -> PathStep {
    PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX))
}

/// Describe a value's kind for "expected X, got Y" messages (never its content:
/// it may be a secret).
pub(crate) fn kind_of(v: &crate::Value) -> &'static str {
    use crate::Value;
    match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Set(_) => "set",
        Value::Map(_) => "map",
        Value::Object(_) => "object",
        Value::Tuple(_) => "tuple",
    }
}
