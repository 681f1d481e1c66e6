//! Decoding `tfplugin::Value`s from config, plan and state into Rust types.

use std::collections::BTreeMap;

use tfplugin::{Block, Number, Value};

/// A value shaped like `block` with nothing set: attributes null, nested
/// blocks empty (how Terraform sends an unset block's contents).
pub fn empty_block(block: &Block) -> Value {
    let mut v = Value::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null)),
    );
    for b in &block.blocks {
        v.set(&b.type_name, Value::List(Vec::new()));
    }
    v
}

/// A known, non-empty string attribute.
pub fn string(v: &Value, name: &str) -> Option<String> {
    v.get(name)
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub fn bool_or(v: &Value, name: &str, default: bool) -> bool {
    v.get(name).as_bool().unwrap_or(default)
}

/// Known strings of a list or set attribute (unknown and null elements skipped).
pub fn strings(v: &Value, name: &str) -> Vec<String> {
    v.get(name)
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A map(string) attribute.
pub fn string_map(v: &Value, name: &str) -> BTreeMap<String, String> {
    v.get(name)
        .as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Elements of a list/set nested block (empty when null).
pub fn blocks<'a>(v: &'a Value, name: &str) -> &'a [Value] {
    v.get(name).as_seq().unwrap_or_default()
}

pub fn string_list(items: &[String]) -> Value {
    Value::List(items.iter().cloned().map(Value::from).collect())
}

pub fn string_map_value(map: &BTreeMap<String, String>) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect(),
    )
}

/// A number from its decimal text; `Null` when the text is not a number.
pub fn number(text: &str) -> Value {
    Number::parse(text).map_or(Value::Null, Value::Number)
}

pub fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}
