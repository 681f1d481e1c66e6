//! Typed models over `tfplugin::typed`: decoding with a diagnostic, and the
//! defaults of a nested block that the configuration leaves out.

use serde::de::DeserializeOwned;
use serde::Serialize;
use tfplugin::typed::{from_value, minimal_value, to_value, MaybeUnknown};
use tfplugin::{AttributePath, Block, Diagnostic, Value};

/// Decodes `v` into model `T`; a value that does not fit is a provider bug
/// (Terraform checked the types), reported at the attribute that failed.
pub fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, Diagnostic> {
    from_value(v).map_err(|e| e.to_diagnostic("Value does not match the resource model"))
}

/// The model of a nested block left out of the configuration: every
/// attribute at its schema default (blocks cannot be computed, so Terraform
/// keeps them absent and the defaults are applied here, from the same
/// declaration).
pub fn block_defaults<T: DeserializeOwned>(block: &Block) -> Result<T, Diagnostic> {
    decode(&minimal_value(block))
}

/// The path of `attr` in the single (`max_items = 1`) block `block`.
pub fn in_block(block: &str, attr: &str) -> AttributePath {
    AttributePath::root(block).index(0).attr(attr)
}

/// Encodes a model for Terraform (a failure is a provider bug, reported).
pub fn encode<T: Serialize>(model: &T) -> Result<Value, Diagnostic> {
    to_value(model).map_err(|e| e.to_diagnostic("Resource model cannot be encoded"))
}

/// A known, non-empty string (configuration treats `""` like unset).
pub fn non_empty(v: &MaybeUnknown<String>) -> Option<&str> {
    v.known().map(String::as_str).filter(|s| !s.is_empty())
}

/// `v` shaped like `block`: every attribute it lacks is null and every
/// nested block it lacks is empty, at every level (values a provider or a
/// test builds by hand, before a model decodes them). Extra keys stay, so
/// the model still refuses them.
pub fn shaped(block: &Block, v: &Value) -> Value {
    let Some(given) = v.as_map() else {
        return v.clone();
    };
    let mut out = Value::Object(given.clone());
    for a in &block.attributes {
        if out.get_mut(&a.name).is_none() {
            out.set(&a.name, Value::Null);
        }
    }
    for b in &block.blocks {
        let elements = match v.get(&b.type_name) {
            Value::List(items) => Value::List(items.iter().map(|i| shaped(&b.block, i)).collect()),
            Value::Set(items) => Value::Set(items.iter().map(|i| shaped(&b.block, i)).collect()),
            obj @ Value::Object(_) => shaped(&b.block, obj),
            Value::Null => Value::List(Vec::new()),
            other => other.clone(),
        };
        out.set(&b.type_name, elements);
    }
    out
}

/// Marks unset (unknown or `""`) every attribute that declares a default,
/// here and in the nested blocks present.
fn clear_unset(block: &Block, v: &mut Value) {
    for a in block.attributes.iter().filter(|a| a.default.is_some()) {
        if let Some(slot) = v.get_mut(&a.name) {
            if slot.is_unknown() || slot.as_str() == Some("") {
                *slot = Value::Null;
            }
        }
    }
    for b in &block.blocks {
        match v.get_mut(&b.type_name) {
            Some(Value::List(items) | Value::Set(items)) => {
                items.iter_mut().for_each(|i| clear_unset(&b.block, i));
            }
            Some(obj @ Value::Object(_)) => clear_unset(&b.block, obj),
            _ => {}
        }
    }
}

/// A block's settings as the provider uses them without storing them: every
/// attribute that is unset (null, unknown until apply, or `""`) at its
/// schema default, here and in the nested blocks present; an absent block
/// (Null) is all defaults. Plan and state keep the configured values.
pub fn with_defaults(block: &Block, v: &Value) -> Value {
    if v.is_null() {
        return minimal_value(block);
    }
    let mut out = shaped(block, v);
    clear_unset(block, &mut out);
    block.apply_defaults(&mut out);
    out
}

/// Sets every null attribute of `block` itself that declares a default (not
/// those of nested blocks): the defaults a resource stores in its state.
pub fn apply_attribute_defaults(block: &Block, v: &mut Value) {
    for a in &block.attributes {
        if let (Some(slot @ Value::Null), Some(d)) = (v.get_mut(&a.name), &a.default) {
            *slot = d.clone();
        }
    }
}

/// For the nested blocks of `block` (at any depth): every attribute that
/// declares a default and is null in `config` is planned null, so its
/// default is applied where it is used and never stored (a removed setting
/// returns to its default instead of keeping the prior value Terraform
/// proposes for a computed attribute). Elements pair up by position.
pub fn keep_nested_defaults_unset(block: &Block, planned: &mut Value, config: &Value) {
    for b in &block.blocks {
        let given = config.get(&b.type_name).as_seq().unwrap_or_default();
        if let Some(Value::List(items) | Value::Set(items)) = planned.get_mut(&b.type_name) {
            for (p, c) in items.iter_mut().zip(given) {
                for a in b.block.attributes.iter().filter(|a| a.default.is_some()) {
                    if c.get(&a.name).is_null() && p.get_mut(&a.name).is_some() {
                        p.set(&a.name, Value::Null);
                    }
                }
                keep_nested_defaults_unset(&b.block, p, c);
            }
        }
    }
}
