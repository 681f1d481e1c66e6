//! Typed models: serde structs mapped to and from [`Value`].
//!
//! A resource declares its configuration, plan and state as
//! `#[derive(Serialize, Deserialize)] #[serde(deny_unknown_fields)]` structs and
//! converts with [`from_value`] / [`to_value`], so an attribute name the schema
//! lacks (or a schema attribute the model lacks) is an error instead of a
//! silent null. The mapping:
//!
//! | cty | Rust |
//! |---|---|
//! | null | `Option<T>` (`None`), or [`MaybeUnknown::Null`] |
//! | unknown | [`MaybeUnknown::Unknown`] only: any other field type rejects it |
//! | string | `String`, or an enum of unit variants (`"RUNNING"` ↔ `Running` with `rename_all`) |
//! | number | `i64` and friends (integers only), `f64`, or [`Number`] (exact, kept as sent) |
//! | bool | `bool` |
//! | list, tuple | `Vec<T>` |
//! | set | [`Set<T>`] |
//! | map | `BTreeMap<String, T>` |
//! | object, nested block element | a struct |
//! | list block with `max_items = 1` | `Option<T>` with `#[serde(with = "tfplugin::typed::single_block")]` |
//!
//! Errors carry the attribute path ([`ValueError::path`]). [`check_model`]
//! tests a model against its schema.

mod check;
mod de;
mod ser;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diag::{AttributePath, Diagnostic, PathStep};
use crate::value::{Number, NumberRepr, Value};

pub use check::{check_model, check_model_with, check_plan_model, minimal_value, sample_value};

/// Newtype-struct names the [`Value`] (de)serializer treats specially; any
/// other serde format sees plain newtypes.
pub(crate) const MAYBE_UNKNOWN: &str = "$tfplugin::MaybeUnknown";
pub(crate) const UNKNOWN: &str = "$tfplugin::Unknown";
pub(crate) const NUMBER: &str = "$tfplugin::Number";
pub(crate) const SET: &str = "$tfplugin::Set";

/// A value that did not fit the model, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.0.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ValueError {
    /// Where in the value (empty: the value itself).
    pub path: AttributePath,
    pub message: String,
}

impl ValueError {
    pub(crate) fn new(message: impl fmt::Display) -> Self {
        ValueError {
            path: AttributePath::default(),
            message: message.to_string(),
        }
    }

    /// The same error one level further out (`step` is where it happened).
    pub(crate) fn inside(mut self, step: PathStep) -> Self {
        self.path.0.insert(0, step);
        self
    }

    /// An error diagnostic at the failing attribute. Config and plan values
    /// that reach a model have passed Terraform's own type checks, so this is
    /// a provider bug or an unknown where the model expects a known value;
    /// `summary` says which step failed.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let d = Diagnostic::error(summary, self.message.clone());
        if self.path.0.is_empty() {
            d
        } else {
            d.at(self.path.clone())
        }
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ValueError::new(msg)
    }
}

impl serde::ser::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ValueError::new(msg)
    }
}

/// Decodes a value into a model.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ValueError> {
    T::deserialize(de::ValueDeserializer(value))
}

/// Encodes a model as a value.
pub fn to_value<T: Serialize + ?Sized>(model: &T) -> Result<Value, ValueError> {
    model.serialize(ser::ValueSerializer)
}

/// An attribute that may be unknown: computed attributes in a plan, or any
/// attribute of a configuration that is validated before apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MaybeUnknown<T> {
    #[default]
    Null,
    /// Known after apply.
    Unknown,
    Known(T),
}

impl<T> MaybeUnknown<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            MaybeUnknown::Known(t) => Some(t),
            _ => None,
        }
    }

    pub fn into_known(self) -> Option<T> {
        match self {
            MaybeUnknown::Known(t) => Some(t),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, MaybeUnknown::Unknown)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, MaybeUnknown::Null)
    }
}

/// `None` is null.
impl<T> From<Option<T>> for MaybeUnknown<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(MaybeUnknown::Null, MaybeUnknown::Known)
    }
}

impl<T: Serialize> Serialize for MaybeUnknown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MaybeUnknown::Null => s.serialize_none(),
            MaybeUnknown::Unknown => s.serialize_unit_struct(UNKNOWN),
            MaybeUnknown::Known(t) => s.serialize_some(t),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeUnknown<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = MaybeUnknown<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value, null or unknown")
            }
            // The Value deserializer: unit is unknown.
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeUnknown::Unknown)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(MaybeUnknown::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                T::deserialize(d).map(MaybeUnknown::Known)
            }
            // Other formats have no unknowns: an optional value.
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Option::<T>::deserialize(d).map(MaybeUnknown::from)
            }
        }
        d.deserialize_newtype_struct(MAYBE_UNKNOWN, V(std::marker::PhantomData))
    }
}

/// A cty set. Element order is whatever Terraform sent; compare as sets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Set<T>(pub Vec<T>);

impl<T> std::ops::Deref for Set<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Serialize> Serialize for Set<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(SET, &self.0)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Set<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Set<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a set")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Self::Value, D::Error> {
                Vec::<T>::deserialize(d).map(Set)
            }
        }
        d.deserialize_newtype_struct(SET, V(std::marker::PhantomData))
    }
}

/// Numbers keep their wire form (int64, float64 or exact decimal) through a
/// model, so a value written back is the value Terraform sent.
impl Serialize for Number {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            NumberRepr::Int(i) => s.serialize_i64(*i),
            NumberRepr::Float(f) => s.serialize_f64(*f),
            NumberRepr::Decimal(d) => s.serialize_newtype_struct(NUMBER, d.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E>(self, i: i64) -> Result<Number, E> {
                Ok(Number::from(i))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Number, E> {
                Ok(Number::from_u64(u))
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Number, E> {
                Number::from_f64(f).ok_or_else(|| E::custom("NaN and infinity are not numbers"))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Number, E> {
                Number::parse(s).map_err(E::custom)
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Number, D::Error> {
                d.deserialize_any(self)
            }
        }
        d.deserialize_newtype_struct(NUMBER, V)
    }
}

/// `#[serde(with = "tfplugin::typed::single_block")]` on an `Option<T>`: a
/// list block with `max_items = 1` (how Terraform 1.0 spells a single block).
pub mod single_block {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        // A `dynamic` block over a value unknown until apply (validate sees
        // every variable so) is not known to be there: handled as absent, as
        // a block list is, rather than refusing the configuration.
        let items = match super::MaybeUnknown::<Vec<T>>::deserialize(d)? {
            super::MaybeUnknown::Known(items) => items,
            super::MaybeUnknown::Null | super::MaybeUnknown::Unknown => Vec::new(),
        };
        if items.len() > 1 {
            return Err(serde::de::Error::custom(format!(
                "at most one block is allowed, found {}",
                items.len()
            )));
        }
        Ok(items.into_iter().next())
    }
}
