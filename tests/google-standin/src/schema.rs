//! The vendored `terraform providers schema -json` output of hashicorp/google, turned into
//! the protocol layer's schema model, plus the provider block the roots configure.

use serde_json::Value as Json;
use tfplugin::{Attribute, Block, NestedBlock, NestingMode, Schema, StringKind, Type};

/// `tests/google-standin/schema/` (see its README for source, version and licence).
const VENDORED: &str = include_str!("../schema/google-provider-schema-6.50.json");

/// Every vendored resource type with its schema (including its real `version`).
pub fn resource_schemas() -> Result<Vec<(String, Schema)>, String> {
    let doc: Json = serde_json::from_str(VENDORED).map_err(|e| format!("vendored schema: {e}"))?;
    let types = doc["resource_schemas"]
        .as_object()
        .ok_or("vendored schema has no resource_schemas object")?;
    types
        .iter()
        .map(|(name, s)| {
            let schema = Schema {
                version: s["version"].as_i64().unwrap_or(0),
                block: block(&s["block"]).map_err(|e| format!("{name}: {e}"))?,
            };
            Ok((name.clone(), schema))
        })
        .collect()
}

fn kind(j: &Json) -> StringKind {
    match j["description_kind"].as_str() {
        Some("markdown") => StringKind::Markdown,
        _ => StringKind::Plain,
    }
}

fn flag(j: &Json, name: &str) -> bool {
    j[name].as_bool().unwrap_or(false)
}

fn block(j: &Json) -> Result<Block, String> {
    let mut attributes = Vec::new();
    for (name, a) in j["attributes"].as_object().into_iter().flatten() {
        let ty = tfplugin::codec::type_from_json(&a["type"]).map_err(|e| format!("{name}: {e}"))?;
        attributes.push(Attribute {
            name: name.clone(),
            ty,
            description: a["description"].as_str().unwrap_or_default().to_owned(),
            description_kind: kind(a),
            required: flag(a, "required"),
            optional: flag(a, "optional"),
            computed: flag(a, "computed"),
            sensitive: flag(a, "sensitive"),
            write_only: flag(a, "write_only"),
            deprecated: flag(a, "deprecated"),
            default: None,
        });
    }
    let mut blocks = Vec::new();
    for (name, b) in j["block_types"].as_object().into_iter().flatten() {
        let nesting = match b["nesting_mode"].as_str() {
            Some("single") => NestingMode::Single,
            Some("list") => NestingMode::List,
            Some("set") => NestingMode::Set,
            Some("map") => NestingMode::Map,
            Some("group") => NestingMode::Group,
            other => return Err(format!("{name}: unknown nesting mode {other:?}")),
        };
        blocks.push(NestedBlock {
            type_name: name.clone(),
            block: block(&b["block"]).map_err(|e| format!("{name}.{e}"))?,
            nesting,
            min_items: b["min_items"].as_i64().unwrap_or(0),
            max_items: b["max_items"].as_i64().unwrap_or(0),
        });
    }
    Ok(Block {
        attributes,
        blocks,
        description: j["description"].as_str().unwrap_or_default().to_owned(),
        description_kind: kind(j),
        deprecated: flag(j, "deprecated"),
    })
}

/// The hashicorp/google provider arguments this project's roots and tests use, with the
/// real provider's types (`google/provider/provider.go`). Anything else in a `provider
/// "google"` block is an "Unsupported argument", which is what a typo gets from the real one.
pub fn provider_schema() -> Schema {
    let s = |name: &str| Attribute::optional(name, Type::String, "");
    Schema {
        version: 0,
        block: Block {
            attributes: vec![
                s("project"),
                s("region"),
                s("zone"),
                s("credentials").sensitive(),
                s("access_token").sensitive(),
                s("impersonate_service_account"),
                Attribute::optional(
                    "impersonate_service_account_delegates",
                    Type::List(Box::new(Type::String)),
                    "",
                ),
                s("billing_project"),
                Attribute::optional("user_project_override", Type::Bool, ""),
                s("request_timeout"),
                s("request_reason"),
                s("universe_domain"),
                Attribute::optional("scopes", Type::List(Box::new(Type::String)), ""),
                Attribute::optional("default_labels", Type::Map(Box::new(Type::String)), ""),
                Attribute::optional("add_terraform_attribution_label", Type::Bool, ""),
                s("terraform_attribution_label_addition_strategy"),
            ],
            ..Block::default()
        },
    }
}
