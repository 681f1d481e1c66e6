//! The JSON encoding of cty values, as Terraform stores state (and sends it
//! to `UpgradeResourceState` as `RawState.json`).
//!
//! - Numbers decode from JSON numbers or numeric strings. A JSON float is
//!   taken as the decimal literal it prints as (`0.1`, not the float64 nearest
//!   to it), which is how cty itself reads state.
//! - Decimal numbers encode as JSON numbers when the float64 reading of that
//!   number prints back as the same decimal, otherwise as strings (which cty
//!   accepts), so no precision is lost.
//! - `dynamic` values are `{"value": ..., "type": ...}`.
//! - Object attributes the type does not have are ignored on decode: state
//!   written by an older schema may still carry attributes since removed.
//! - Unknown values have no JSON form (state never holds them).

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::msgpack::type_name;
use super::{
    check_tuple_len, index_step, infer_type, kind_of, parse_number, type_from_json, type_to_json,
    CodecError, WithinExt,
};
use crate::diag::PathStep;
use crate::value::{Number, NumberRepr, Type, Value};

pub fn to_json(v: &Value, t: &Type) -> Result<Json, CodecError> {
    let mismatch = || CodecError::new(format!("expected {}, got {}", type_name(t), kind_of(v)));
    Ok(match (v, t) {
        (Value::Null, _) => Json::Null,
        (Value::Unknown, _) => {
            return Err(CodecError::new("unknown values cannot be encoded as JSON"))
        }
        (_, Type::Dynamic) => {
            let inferred = infer_type(v);
            json!({ "value": to_json(v, &inferred)?, "type": type_to_json(&inferred) })
        }
        (Value::Bool(b), Type::Bool) => Json::Bool(*b),
        (Value::Number(n), Type::Number) => number_to_json(n),
        (Value::String(s), Type::String) => Json::String(s.clone()),
        (Value::List(items), Type::List(et)) | (Value::Set(items), Type::Set(et)) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, et).within(|| index_step(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => Json::Array(
            items
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (item, et))| to_json(item, et).within(|| index_step(i)))
                .collect::<Result<_, _>>()?,
        ),
        (Value::Map(m), Type::Map(et)) => Json::Object(
            m.iter()
                .map(|(k, item)| {
                    Ok((
                        k.clone(),
                        to_json(item, et).within(|| PathStep::Key(k.clone()))?,
                    ))
                })
                .collect::<Result<_, CodecError>>()?,
        ),
        (Value::Object(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(CodecError::new(format!("unsupported attribute {extra:?}")));
            }
            let mut out = serde_json::Map::new();
            for (k, at) in attrs {
                let item = m.get(k).unwrap_or(&Value::Null);
                out.insert(
                    k.clone(),
                    to_json(item, at).within(|| PathStep::Attribute(k.clone()))?,
                );
            }
            Json::Object(out)
        }
        _ => return Err(mismatch()),
    })
}

fn number_to_json(n: &Number) -> Json {
    match &n.0 {
        NumberRepr::Int(i) => json!(i),
        NumberRepr::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        NumberRepr::Decimal(s) => {
            let as_float = serde_json::Number::from_f64(n.as_f64());
            match as_float {
                Some(f) if Number::parse(&f.to_string()).is_ok_and(|back| back == *n) => {
                    Json::Number(f)
                }
                _ => Json::String(s.clone()),
            }
        }
    }
}

pub fn from_json(j: &Json, t: &Type) -> Result<Value, CodecError> {
    let mismatch = || {
        CodecError::new(format!(
            "expected {}, got JSON {}",
            type_name(t),
            json_kind(j)
        ))
    };
    Ok(match (j, t) {
        (Json::Null, _) => Value::Null,
        (Json::Object(fields), Type::Dynamic) => {
            let ty = fields
                .get("type")
                .ok_or_else(|| CodecError::new("dynamic value has no \"type\""))?;
            let concrete = type_from_json(ty)?;
            from_json(fields.get("value").unwrap_or(&Json::Null), &concrete)?
        }
        (Json::Bool(b), Type::Bool) => Value::Bool(*b),
        // serde_json prints floats in their shortest round-trip form, which
        // is the literal the state file held.
        (Json::Number(n), Type::Number) => Value::Number(parse_number(&n.to_string())?),
        (Json::String(s), Type::Number) => Value::Number(parse_number(s)?),
        (Json::String(s), Type::String) => Value::String(s.clone()),
        (Json::Array(items), Type::List(et)) => Value::List(decode_seq(items, |_| et)?),
        (Json::Array(items), Type::Set(et)) => Value::Set(decode_seq(items, |_| et)?),
        (Json::Array(items), Type::Tuple(types)) => {
            check_tuple_len(types.len(), items.len())?;
            Value::Tuple(decode_seq(items, |i| &types[i])?)
        }
        (Json::Object(fields), Type::Map(et)) => Value::Map(
            fields
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        from_json(v, et).within(|| PathStep::Key(k.clone()))?,
                    ))
                })
                .collect::<Result<BTreeMap<_, _>, CodecError>>()?,
        ),
        (Json::Object(fields), Type::Object(attrs)) => {
            let mut m = BTreeMap::new();
            for (k, at) in attrs {
                let v = match fields.get(k) {
                    Some(v) => from_json(v, at).within(|| PathStep::Attribute(k.clone()))?,
                    None => Value::Null,
                };
                m.insert(k.clone(), v);
            }
            Value::Object(m)
        }
        _ => return Err(mismatch()),
    })
}

fn decode_seq<'t>(
    items: &[Json],
    type_at: impl Fn(usize) -> &'t Type,
) -> Result<Vec<Value>, CodecError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| from_json(item, type_at(i)).within(|| index_step(i)))
        .collect()
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}
