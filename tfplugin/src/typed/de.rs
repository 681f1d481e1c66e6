//! `Value` → model. Strict: a null or unknown only fits `Option`/`MaybeUnknown`,
//! a list only a `Vec`, a set only a `Set`, an object only a struct.

use std::collections::btree_map;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{ValueError, MAYBE_UNKNOWN, NUMBER, SET};
use crate::diag::PathStep;
use crate::value::{NumberRepr, Value};

pub(crate) struct ValueDeserializer<'a>(pub &'a Value);

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Unknown => "an unknown value",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Object(_) => "an object",
        Value::Tuple(_) => "a tuple",
    }
}

impl ValueDeserializer<'_> {
    fn mismatch(&self, expected: &str) -> ValueError {
        let hint = match self.0 {
            Value::Null => " (the model field needs to be an Option)",
            Value::Unknown => " (the model field needs to be a MaybeUnknown)",
            Value::Set(_) => " (the model field needs to be a tfplugin::typed::Set)",
            _ => "",
        };
        ValueError::new(format!("expected {expected}, found {}{hint}", kind(self.0)))
    }

    fn integer(&self) -> Result<i64, ValueError> {
        match self.0 {
            Value::Number(n) => n
                .as_i64()
                .ok_or_else(|| ValueError::new(format!("{n} is not a whole number in range"))),
            _ => Err(self.mismatch("a whole number")),
        }
    }
}

macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
            v.visit_i64(self.integer()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Null => v.visit_unit(),
            Value::Unknown => Err(self.mismatch("a known value")),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Number(n) => match &n.0 {
                NumberRepr::Int(i) => v.visit_i64(*i),
                NumberRepr::Float(f) => v.visit_f64(*f),
                NumberRepr::Decimal(d) => v.visit_borrowed_str(d),
            },
            Value::String(s) => v.visit_borrowed_str(s),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                v.visit_seq(Seq(items.iter().enumerate()))
            }
            Value::Map(m) => v.visit_map(Map::new(m, PathStep::Key)),
            Value::Object(m) => v.visit_map(Map::new(m, PathStep::Attribute)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Bool(b) => v.visit_bool(*b),
            _ => Err(self.mismatch("a bool")),
        }
    }

    integers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
              deserialize_u8 deserialize_u16 deserialize_u32);

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Number(n) => match n.to_decimal_string().parse::<u64>() {
                Ok(u) => v.visit_u64(u),
                Err(_) => Err(ValueError::new(format!(
                    "{n} is not a whole number in range"
                ))),
            },
            _ => Err(self.mismatch("a whole number")),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_f64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Number(n) => v.visit_f64(n.as_f64()),
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::String(s) => v.visit_borrowed_str(s),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, ValueError> {
        Err(ValueError::new("cty has no bytes type"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_bytes(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Null => v.visit_none(),
            Value::Unknown => Err(self.mismatch("a known value or null")),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Null => v.visit_unit(),
            _ => Err(self.mismatch("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, ValueError> {
        match (name, self.0) {
            (MAYBE_UNKNOWN, Value::Unknown) => v.visit_unit(),
            (MAYBE_UNKNOWN, Value::Null) => v.visit_none(),
            (MAYBE_UNKNOWN, _) => v.visit_some(self),
            (NUMBER, Value::Number(_)) => self.deserialize_any(v),
            (NUMBER, _) => Err(self.mismatch("a number")),
            (SET, Value::Set(items)) => v.visit_newtype_struct(SetElements(items)),
            (SET, _) => Err(self.mismatch("a set")),
            _ => v.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::List(items) | Value::Tuple(items) => v.visit_seq(Seq(items.iter().enumerate())),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Map(m) => v.visit_map(Map::new(m, PathStep::Key)),
            _ => Err(self.mismatch("a map")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::Object(m) => v.visit_map(Map::new(m, PathStep::Attribute)),
            _ => Err(self.mismatch("an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, ValueError> {
        match self.0 {
            Value::String(s) => v.visit_enum(s.as_str().into_deserializer()),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        v.visit_unit()
    }
}

/// The elements of a set, for the `Vec` inside a [`super::Set`].
struct SetElements<'a>(&'a [Value]);

impl<'de> de::Deserializer<'de> for SetElements<'de> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, ValueError> {
        v.visit_seq(Seq(self.0.iter().enumerate()))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Seq<'a>(std::iter::Enumerate<std::slice::Iter<'a, Value>>);

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        match self.0.next() {
            None => Ok(None),
            Some((i, item)) => seed
                .deserialize(ValueDeserializer(item))
                .map(Some)
                .map_err(|e| e.inside(PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)))),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map<'a> {
    entries: btree_map::Iter<'a, String, Value>,
    current: Option<(&'a String, &'a Value)>,
    /// Object attributes and map keys are different path steps.
    step: fn(String) -> PathStep,
}

impl<'a> Map<'a> {
    fn new(m: &'a std::collections::BTreeMap<String, Value>, step: fn(String) -> PathStep) -> Self {
        Map {
            entries: m.iter(),
            current: None,
            step,
        }
    }
}

impl<'de> de::MapAccess<'de> for Map<'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some((k, v));
        seed.deserialize(BorrowedStrDeserializer::new(k))
            .map(Some)
            // An unknown field is reported at its own path.
            .map_err(|e: ValueError| e.inside((self.step)(k.clone())))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueError> {
        let (k, v) = self
            .current
            .take()
            .ok_or_else(|| ValueError::new("value requested before its key"))?;
        seed.deserialize(ValueDeserializer(v))
            .map_err(|e| e.inside((self.step)(k.clone())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
