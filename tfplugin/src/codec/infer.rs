//! Type inference for values of `dynamic` type, which msgpack sends as
//! `[type JSON, value]` and JSON as `{"value":..,"type":..}`.
//!
//! A [`Value`] cannot say "empty list of string", so inference is best-effort
//! and always yields a type that the value conforms to:
//! - null and unknown elements say nothing and infer `dynamic`;
//! - a collection whose known elements all infer the same type `T` is a
//!   collection of `T`; empty, all-null or mixed collections use `dynamic`
//!   elements (e.g. an empty list is `list(dynamic)`), which cty accepts and
//!   which wraps every element with its own type.

use crate::value::{Type, Value};

pub fn infer_type(v: &Value) -> Type {
    match v {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(common_type(items))),
        Value::Set(items) => Type::Set(Box::new(common_type(items))),
        Value::Map(m) => Type::Map(Box::new(common_type(m.values()))),
        Value::Object(m) => {
            Type::Object(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect())
        }
        Value::Tuple(items) => Type::Tuple(items.iter().map(infer_type).collect()),
    }
}

fn common_type<'a>(items: impl IntoIterator<Item = &'a Value>) -> Type {
    let mut found: Option<Type> = None;
    for item in items {
        let t = infer_type(item);
        if t == Type::Dynamic {
            continue;
        }
        match &found {
            None => found = Some(t),
            Some(prev) if *prev == t => {}
            Some(_) => return Type::Dynamic,
        }
    }
    found.unwrap_or(Type::Dynamic)
}
