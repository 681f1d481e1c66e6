//! cty values and types as the provider sees them.

use std::collections::BTreeMap;
use std::fmt;

mod number;

pub use number::NumberParseError;

/// A cty type. `Dynamic` is cty's `DynamicPseudoType` ("any").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// Attribute name -> type. Optional-attribute markers are not needed on the wire.
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

/// A cty value. Nulls and unknowns are untyped here: the type comes from the schema.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply. Refined unknowns from Terraform >= 1.6 decode to this too.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

/// A cty number: arbitrary-precision decimal.
///
/// Kept in the exact form it arrived in (int64, float64 or decimal string) so
/// that a value sent back to Terraform is bit-for-bit the value it sent us;
/// equality compares the numeric value, not the form.
#[derive(Clone)]
pub struct Number(pub(crate) NumberRepr);

#[derive(Debug, Clone)]
pub(crate) enum NumberRepr {
    Int(i64),
    Float(f64),
    /// A canonical decimal literal (e.g. "0.005", "-12", "1e400" normalised to plain digits).
    Decimal(String),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().any(Value::contains_unknown)
            }
            Value::Map(m) | Value::Object(m) => m.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// Elements of a list, set or tuple.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// Entries of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Attribute of an object (or entry of a map); `Value::Null` when absent.
    pub fn get(&self, name: &str) -> &Value {
        const NULL: Value = Value::Null;
        self.as_map().and_then(|m| m.get(name)).unwrap_or(&NULL)
    }

    /// Mutable attribute of an object; `None` when this is not an object or map.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Map(m) | Value::Object(m) => m.get_mut(name),
            _ => None,
        }
    }

    /// Set an attribute on an object or map (no-op for other values).
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Map(m) | Value::Object(m) = self {
            m.insert(name.to_owned(), value);
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn object<I, K>(entries: I) -> Value
    where
        I: IntoIterator<Item = (K, Value)>,
        K: Into<String>,
    {
        Value::Object(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(Number::from(n))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

/// A list (for a set, use `Value::Set`).
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Self {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// `None` is null: optional attributes read back from an API.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.to_decimal_string())
    }
}
