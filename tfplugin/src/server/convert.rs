//! Mapping between the crate's model and the generated tfplugin6 messages.

use crate::codec::{self, CodecError};
use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::identity::IdentitySchema;
use crate::proto::tfplugin6 as pb;
use crate::schema::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind};
use crate::value::{Type, Value};

pub fn schema(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block(&s.block)),
    }
}

pub fn identity_schema(s: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: s.version,
        identity_attributes: s
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: codec::type_to_json_bytes(&a.ty),
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

fn block(b: &Block) -> pb::schema::Block {
    pb::schema::Block {
        version: 0,
        attributes: b.attributes.iter().map(attribute).collect(),
        block_types: b.blocks.iter().map(nested_block).collect(),
        description: b.description.clone(),
        description_kind: string_kind(b.description_kind) as i32,
        deprecated: b.deprecated,
    }
}

fn attribute(a: &Attribute) -> pb::schema::Attribute {
    pb::schema::Attribute {
        name: a.name.clone(),
        // Always `type`, never `nested_type`: Terraform rejects both, and
        // nested attributes break Terraform 1.0.x.
        r#type: codec::type_to_json_bytes(&a.ty),
        nested_type: None,
        description: a.description.clone(),
        required: a.required,
        optional: a.optional,
        computed: a.computed,
        sensitive: a.sensitive,
        description_kind: string_kind(a.description_kind) as i32,
        deprecated: a.deprecated,
        write_only: a.write_only,
    }
}

fn nested_block(nb: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as Pb;
    let nesting = match nb.nesting {
        NestingMode::Single => Pb::Single,
        NestingMode::List => Pb::List,
        NestingMode::Set => Pb::Set,
        NestingMode::Map => Pb::Map,
        NestingMode::Group => Pb::Group,
    };
    pb::schema::NestedBlock {
        type_name: nb.type_name.clone(),
        block: Some(block(&nb.block)),
        nesting: nesting as i32,
        min_items: nb.min_items,
        max_items: nb.max_items,
    }
}

fn string_kind(k: StringKind) -> pb::StringKind {
    match k {
        StringKind::Plain => pb::StringKind::Plain,
        StringKind::Markdown => pb::StringKind::Markdown,
    }
}

pub fn diagnostics(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.iter().map(diagnostic).collect()
}

fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
    let severity = match d.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d
            .attribute
            .as_ref()
            .filter(|p| !p.0.is_empty())
            .map(attribute_path),
    }
}

pub fn attribute_path(p: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    let steps =
        p.0.iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    PathStep::Attribute(a) => Selector::AttributeName(a.clone()),
                    PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect();
    pb::AttributePath { steps }
}

/// Decode a `DynamicValue` Terraform sent. An absent or empty one is null.
pub fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostic> {
    let result = match dv {
        Some(dv) if !dv.msgpack.is_empty() => codec::from_msgpack(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => serde_json::from_slice(&dv.json)
            .map_err(|e| CodecError::new(format!("invalid JSON: {e}")))
            .and_then(|j| codec::from_json(&j, ty)),
        _ => Ok(Value::Null),
    };
    result.map_err(|e| {
        let d = Diagnostic::error(
            format!("Invalid {what}"),
            format!("The provider could not decode the {what} sent by Terraform: {e}. This is a bug in Terraform or in the provider."),
        );
        if e.path.0.is_empty() {
            d
        } else {
            d.at(e.path)
        }
    })
}

/// Encode a value the provider produced. Failing here is a provider bug.
pub fn encode(v: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostic> {
    codec::to_msgpack(v, ty).map(|msgpack| pb::DynamicValue { msgpack, json: Vec::new() }).map_err(|e| {
        Diagnostic::error(
            format!("Provider bug: invalid {what}"),
            format!("The provider produced a {what} that does not match its schema: {e}. Please report this issue."),
        )
    })
}

/// Null every write-only attribute, at any depth of nested blocks: Terraform
/// rejects plans and states that carry their values.
pub fn strip_write_only(b: &Block, v: &mut Value) {
    let Value::Object(fields) = v else { return };
    for a in b.attributes.iter().filter(|a| a.write_only) {
        if let Some(slot) = fields.get_mut(&a.name) {
            *slot = Value::Null;
        }
    }
    for nb in &b.blocks {
        let Some(inner) = fields.get_mut(&nb.type_name) else {
            continue;
        };
        match inner {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items
                    .iter_mut()
                    .for_each(|item| strip_write_only(&nb.block, item));
            }
            Value::Map(m) => m
                .values_mut()
                .for_each(|item| strip_write_only(&nb.block, item)),
            obj @ Value::Object(_) => strip_write_only(&nb.block, obj),
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;
    use crate::schema::NestedBlock;

    fn sample() -> Schema {
        Schema {
            version: 2,
            block: Block {
                attributes: vec![
                    Attribute::required("name", Type::String, "The name."),
                    Attribute::optional("password", Type::String, "Secret.")
                        .sensitive()
                        .write_only(),
                    Attribute::computed("tags", Type::Map(Box::new(Type::String)), "Tags.")
                        .deprecated(),
                ],
                blocks: vec![NestedBlock {
                    type_name: "rule".to_owned(),
                    block: Block {
                        attributes: vec![
                            Attribute::optional("token", Type::String, "").write_only(),
                            Attribute::optional("port", Type::Number, ""),
                        ],
                        ..Block::default()
                    },
                    nesting: NestingMode::List,
                    min_items: 1,
                    max_items: 3,
                }],
                description: "A thing.".to_owned(),
                ..Block::default()
            },
        }
    }

    fn all_attributes(b: &pb::schema::Block) -> Vec<&pb::schema::Attribute> {
        let mut out: Vec<_> = b.attributes.iter().collect();
        for nb in &b.block_types {
            out.extend(all_attributes(nb.block.as_ref().unwrap()));
        }
        out
    }

    #[test]
    fn schema_maps_to_proto() {
        let p = schema(&sample());
        assert_eq!(p.version, 2);
        let b = p.block.unwrap();
        assert_eq!(b.description, "A thing.");
        assert_eq!(b.description_kind, pb::StringKind::Markdown as i32);
        for a in all_attributes(&b) {
            assert!(
                a.nested_type.is_none() && !a.r#type.is_empty(),
                "{} sets nested_type or lacks type",
                a.name
            );
        }
        let pw = &b.attributes[1];
        assert!(pw.write_only && pw.sensitive && pw.optional && !pw.required);
        assert_eq!(b.attributes[2].r#type, br#"["map","string"]"#);
        assert!(b.attributes[2].deprecated && b.attributes[2].computed);
        let rule = &b.block_types[0];
        assert_eq!(
            (rule.nesting, rule.min_items, rule.max_items),
            (pb::schema::nested_block::NestingMode::List as i32, 1, 3)
        );
    }

    #[test]
    fn write_only_values_are_nulled_at_every_depth() {
        let s = sample();
        let rule =
            |t: &str| Value::object([("token", Value::string(t)), ("port", Value::from(80))]);
        let mut v = Value::object([
            ("name", Value::string("n")),
            ("password", Value::string("hunter2")),
            ("tags", Value::Null),
            ("rule", Value::List(vec![rule("a"), rule("b")])),
        ]);
        strip_write_only(&s.block, &mut v);
        assert_eq!(v.get("password"), &Value::Null);
        assert_eq!(v.get("name"), &Value::string("n"));
        for r in v.get("rule").as_seq().unwrap() {
            assert_eq!(r.get("token"), &Value::Null);
            assert_eq!(r.get("port"), &Value::from(80));
        }
    }

    #[test]
    fn diagnostics_carry_paths() {
        let mut d = Diagnostics::new();
        d.error_at(
            AttributePath::root("rule").index(0).attr("port").key("k"),
            "bad",
            "why",
        );
        d.warning("careful", "");
        let p = diagnostics(&d);
        assert_eq!(p[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(p[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(p[1].attribute.is_none());
        use pb::attribute_path::step::Selector;
        let steps: Vec<_> = p[0]
            .attribute
            .as_ref()
            .unwrap()
            .steps
            .iter()
            .map(|s| s.selector.clone().unwrap())
            .collect();
        assert_eq!(
            steps,
            vec![
                Selector::AttributeName("rule".into()),
                Selector::ElementKeyInt(0),
                Selector::AttributeName("port".into()),
                Selector::ElementKeyString("k".into())
            ]
        );
    }

    #[test]
    fn decode_errors_become_diagnostics() {
        let ty = sample().value_type();
        let bad = pb::DynamicValue {
            msgpack: vec![0xc1],
            json: vec![],
        };
        let d = decode(Some(&bad), &ty, "configuration").unwrap_err();
        assert_eq!(d.severity, Severity::Error);
        assert!(d.summary.contains("configuration"));
        assert_eq!(decode(None, &ty, "state").unwrap(), Value::Null);
    }
}
