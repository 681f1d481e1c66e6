//! Schema ↔ model consistency, for one unit test per resource:
//! `tfplugin::typed::check_model::<Model>(&schema().block).unwrap()`.
//!
//! A schema-shaped value is decoded into the model (a schema attribute the
//! model lacks fails `deny_unknown_fields`; a field of the wrong type fails to
//! decode) and encoded back; the result must equal the input (a model field
//! the schema lacks shows up as an extra attribute, a list modelled as a set
//! as a different kind).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{from_value, to_value};
use crate::schema::{Block, NestedBlock, NestingMode};
use crate::value::{Number, Type, Value};

/// A value of type `ty` with everything set: strings `"x"`, numbers `1`,
/// bools `true`, one element in every collection.
fn sample_of(ty: &Type) -> Value {
    let one = |t: &Type| vec![sample_of(t)];
    match ty {
        Type::Bool => Value::Bool(true),
        Type::Number => Value::Number(Number::from(1)),
        Type::String | Type::Dynamic => Value::from("x"),
        Type::List(t) => Value::List(one(t)),
        Type::Set(t) => Value::Set(one(t)),
        Type::Map(t) => Value::Map(BTreeMap::from([("k".to_owned(), sample_of(t))])),
        Type::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, t)| (k.clone(), sample_of(t)))
                .collect(),
        ),
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(sample_of).collect()),
    }
}

/// How `n` holds its elements, given how many.
fn nested(n: &NestedBlock, elements: Vec<Value>) -> Value {
    match n.nesting {
        NestingMode::List => Value::List(elements),
        NestingMode::Set => Value::Set(elements),
        NestingMode::Single | NestingMode::Group => elements.into_iter().next().unwrap_or_default(),
        NestingMode::Map => Value::Map(elements.into_iter().map(|e| ("k".to_owned(), e)).collect()),
    }
}

/// A value of `block` with every attribute and one of every nested block set.
pub fn sample_value(block: &Block) -> Value {
    let mut v = Value::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), sample_of(&a.ty))),
    );
    for b in &block.blocks {
        v.set(&b.type_name, nested(b, vec![sample_value(&b.block)]));
    }
    v
}

/// A value of `block` as a plan sees the least configuration: required
/// attributes set, defaults applied, everything else null, only required
/// nested blocks present.
pub fn minimal_value(block: &Block) -> Value {
    let mut v = Value::object(block.attributes.iter().map(|a| {
        let value = match (&a.default, a.required) {
            (Some(d), _) => d.clone(),
            (None, true) => sample_of(&a.ty),
            (None, false) => Value::Null,
        };
        (a.name.clone(), value)
    }));
    for b in &block.blocks {
        let elements = if b.min_items > 0 {
            vec![minimal_value(&b.block)]
        } else {
            Vec::new()
        };
        v.set(&b.type_name, nested(b, elements));
    }
    v
}

/// `v` with every computed-only attribute unknown, as a plan marks what
/// apply decides. (Any attribute may be unknown when the configuration sets it
/// from an unknown value; a resource that decodes such a plan models that.)
fn computed_unknown(block: &Block, v: &mut Value) {
    for a in block
        .attributes
        .iter()
        .filter(|a| a.computed && !a.optional)
    {
        v.set(&a.name, Value::Unknown);
    }
    for b in &block.blocks {
        match v.get_mut(&b.type_name) {
            Some(Value::List(items) | Value::Set(items)) => {
                items.iter_mut().for_each(|i| computed_unknown(&b.block, i));
            }
            Some(Value::Map(m)) => m.values_mut().for_each(|i| computed_unknown(&b.block, i)),
            Some(obj @ Value::Object(_)) => computed_unknown(&b.block, obj),
            _ => {}
        }
    }
}

/// The first place where two values differ, as `path: expected X, model gave Y`.
fn difference(path: &str, want: &Value, got: &Value) -> Option<String> {
    let at = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) | (Value::Map(w), Value::Map(g)) => {
            if let Some(k) = g.keys().find(|k| !w.contains_key(*k)) {
                return Some(format!("{}: model field has no schema attribute", at(k)));
            }
            w.iter().find_map(|(k, wv)| match g.get(k) {
                None => Some(format!(
                    "{}: schema attribute missing from the model's output",
                    at(k)
                )),
                Some(gv) => difference(&at(k), wv, gv),
            })
        }
        (Value::List(w), Value::List(g))
        | (Value::Set(w), Value::Set(g))
        | (Value::Tuple(w), Value::Tuple(g))
            if w.len() == g.len() =>
        {
            w.iter()
                .zip(g)
                .enumerate()
                .find_map(|(i, (wv, gv))| difference(&format!("{path}[{i}]"), wv, gv))
        }
        _ if want == got => None,
        _ => Some(format!(
            "{path}: schema value {want:?}, model gave back {got:?}"
        )),
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(case: &str, value: &Value) -> Result<(), String> {
    let model: T = from_value(value).map_err(|e| format!("{case}: decoding: {e}"))?;
    let back = to_value(&model).map_err(|e| format!("{case}: encoding: {e}"))?;
    match difference("", value, &back) {
        None => Ok(()),
        Some(d) => Err(format!("{case}: {d}")),
    }
}

/// Checks that model `T` and `block` describe the same attributes with
/// compatible types: every attribute set, and the least configuration.
pub fn check_model<T: Serialize + DeserializeOwned>(block: &Block) -> Result<(), String> {
    check_model_with::<T>(block, |_| {})
}

/// [`check_model`] with the sample values adjusted first, for attributes
/// whose model type accepts only some values (an enum needs a real variant
/// name instead of `"x"`).
pub fn check_model_with<T: Serialize + DeserializeOwned>(
    block: &Block,
    adjust: impl Fn(&mut Value),
) -> Result<(), String> {
    let adjusted = |mut v: Value| {
        adjust(&mut v);
        v
    };
    round_trip::<T>("every attribute set", &adjusted(sample_value(block)))?;
    round_trip::<T>(
        "only required attributes and defaults set",
        &adjusted(minimal_value(block)),
    )
}

/// [`check_model_with`], and every computed-only attribute may be unknown (a
/// model that decodes planned values).
pub fn check_plan_model<T: Serialize + DeserializeOwned>(
    block: &Block,
    adjust: impl Fn(&mut Value),
) -> Result<(), String> {
    check_model_with::<T>(block, &adjust)?;
    let mut v = sample_value(block);
    adjust(&mut v);
    computed_unknown(block, &mut v);
    round_trip::<T>("computed attributes unknown", &v)
}
