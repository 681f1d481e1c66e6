//! cty's JSON type notation: `"string"`, `["list","string"]`,
//! `["object",{"a":"bool"}]`, `["tuple",["string"]]`, `"dynamic"`.

use std::collections::BTreeMap;

use serde_json::{json, Value as Json};

use super::CodecError;
use crate::value::Type;

pub fn type_to_json(t: &Type) -> Json {
    match t {
        Type::Bool => json!("bool"),
        Type::Number => json!("number"),
        Type::String => json!("string"),
        Type::Dynamic => json!("dynamic"),
        Type::List(e) => json!(["list", type_to_json(e)]),
        Type::Set(e) => json!(["set", type_to_json(e)]),
        Type::Map(e) => json!(["map", type_to_json(e)]),
        Type::Object(attrs) => {
            let fields: serde_json::Map<String, Json> = attrs
                .iter()
                .map(|(k, v)| (k.clone(), type_to_json(v)))
                .collect();
            json!(["object", fields])
        }
        Type::Tuple(elems) => json!(["tuple", elems.iter().map(type_to_json).collect::<Vec<_>>()]),
    }
}

pub fn type_to_json_bytes(t: &Type) -> Vec<u8> {
    type_to_json(t).to_string().into_bytes()
}

pub fn type_from_json_bytes(bytes: &[u8]) -> Result<Type, CodecError> {
    let j: Json = serde_json::from_slice(bytes)
        .map_err(|e| CodecError::new(format!("invalid type JSON: {e}")))?;
    type_from_json(&j)
}

pub fn type_from_json(j: &Json) -> Result<Type, CodecError> {
    match j {
        Json::String(s) => match s.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(CodecError::new(format!("unknown primitive type {other:?}"))),
        },
        Json::Array(parts) => {
            let kind = parts.first().and_then(Json::as_str).unwrap_or_default();
            let arg = parts
                .get(1)
                .ok_or_else(|| CodecError::new(format!("type {kind:?} has no argument")))?;
            match kind {
                "list" => Ok(Type::List(Box::new(type_from_json(arg)?))),
                "set" => Ok(Type::Set(Box::new(type_from_json(arg)?))),
                "map" => Ok(Type::Map(Box::new(type_from_json(arg)?))),
                // A third element lists optional attributes (type constraints
                // only); values on the wire never need it.
                "object" => {
                    let fields = arg.as_object().ok_or_else(|| {
                        CodecError::new("object type attributes must be a JSON object")
                    })?;
                    let attrs = fields
                        .iter()
                        .map(|(k, v)| Ok((k.clone(), type_from_json(v)?)))
                        .collect::<Result<BTreeMap<_, _>, CodecError>>()?;
                    Ok(Type::Object(attrs))
                }
                "tuple" => {
                    let elems = arg.as_array().ok_or_else(|| {
                        CodecError::new("tuple type elements must be a JSON array")
                    })?;
                    Ok(Type::Tuple(
                        elems.iter().map(type_from_json).collect::<Result<_, _>>()?,
                    ))
                }
                other => Err(CodecError::new(format!("unknown type kind {other:?}"))),
            }
        }
        _ => Err(CodecError::new("a type must be a JSON string or array")),
    }
}
