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

/// `v` over [`empty_block`]: every attribute `v` lacks is null and every block
/// it lacks is empty (the shape Terraform holds), for values the provider
/// builds itself (import skeletons) before a model decodes them.
pub fn complete(block: &Block, v: &Value) -> Value {
    let mut out = empty_block(block);
    for (name, value) in v.as_map().into_iter().flatten() {
        if !value.is_null() {
            out.set(name, value.clone());
        }
    }
    out
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

/// A float64 an API returned, as the shortest decimal that reads back as the
/// same float64 (`0.8`, not 0.8000000000000000444…): Terraform 1.0 compares
/// numbers at 512-bit precision, so the binary expansion of a configured
/// `0.8` would differ from the configuration on every plan. `Null` for NaN
/// and infinities.
pub fn float(f: f64) -> Value {
    if f.is_finite() {
        number(&f.to_string())
    } else {
        Value::Null
    }
}

/// What to store for a number the API keeps as float64: `prior` itself (the
/// configuration's own decimal) when the API holds the same float64, so
/// even a decimal written with more digits than the float64 keeps reads
/// back unchanged; otherwise the API's value (real drift).
pub fn api_float(prior: &Value, api: f64) -> Value {
    match prior.as_f64() {
        Some(p) if p == api => prior.clone(),
        _ => float(api),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_as_the_configured_decimal() {
        let as_text = |v: Value| v.as_number().map(Number::to_decimal_string);
        assert_eq!(as_text(float(0.8)).as_deref(), Some("0.8"));
        assert_eq!(as_text(float(0.005)).as_deref(), Some("0.005"));
        assert_eq!(
            as_text(float(1e21)).as_deref(),
            Some("1000000000000000000000")
        );
        assert_eq!(float(f64::NAN), Value::Null);
        let configured = number("0.80000000000000001");
        assert_eq!(
            as_text(api_float(&configured, 0.8)).as_deref(),
            Some("0.80000000000000001")
        );
        assert_eq!(as_text(api_float(&configured, 0.9)).as_deref(), Some("0.9"));
        assert_eq!(
            as_text(api_float(&Value::Null, 0.25)).as_deref(),
            Some("0.25")
        );
    }
}
