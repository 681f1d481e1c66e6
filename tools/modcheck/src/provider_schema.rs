//! Schema check of `platform_*` blocks against this project's provider schema (linked in from
//! the provider crate so it cannot drift) and of `google_*` blocks against hashicorp/google's
//! vendored schema (the one the test stand-in serves). Beyond names it catches what a flat
//! field list cannot: an attribute written as a block (or the reverse), a computed-only
//! attribute being set, missing required arguments and blocks, more blocks than `max_items`,
//! and constant values of the wrong type.

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::structure::Body;
use hcl::edit::Span;
use platform_provider::PlatformProvider;
use tfplugin::{Block, Provider, Type};

use crate::fields::{join, typed_blocks, TypedBlock, META_ARGS};
use crate::finding::{BlockFindings, Finding};
use crate::literal;
use crate::module::Module;
use crate::suggest::{hint, nearest};

/// Terraform's own blocks inside a resource (`timeouts` is not one: the schema declares it).
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Root block schemas of the provider's resources, data sources and actions, by type name.
pub struct ProviderSchemas {
    /// Type-name prefix of the provider's types, e.g. `platform_`.
    prefix: &'static str,
    provider: &'static str,
    resources: BTreeMap<String, Block>,
    data_sources: BTreeMap<String, Block>,
    /// The `config` block schema of each action.
    actions: BTreeMap<String, Block>,
    /// The `config` block schema of each list resource (`terraform query`).
    lists: BTreeMap<String, Block>,
    /// Every type of the provider is listed, so an unlisted one does not exist. The vendored
    /// google schema holds only the types this project uses; the field list knows the rest.
    complete: bool,
}

impl ProviderSchemas {
    /// The schemas of `platform-eng/platform` as compiled into this tool.
    pub fn platform() -> Self {
        let provider = PlatformProvider::new();
        ProviderSchemas {
            prefix: "platform_",
            provider: "the platform provider",
            complete: true,
            resources: provider
                .resources()
                .iter()
                .map(|r| (r.type_name().to_owned(), r.schema().block))
                .collect(),
            data_sources: provider
                .data_sources()
                .iter()
                .map(|d| (d.type_name().to_owned(), d.schema().block))
                .collect(),
            actions: provider
                .actions()
                .iter()
                .map(|a| (a.type_name().to_owned(), a.schema().block))
                .collect(),
            lists: provider
                .list_resources()
                .iter()
                .map(|l| (l.type_name().to_owned(), l.config_schema().block))
                .collect(),
        }
    }

    /// hashicorp/google's vendored resource schemas (`tests/google-standin/schema/`).
    pub fn google() -> std::result::Result<Self, String> {
        Ok(ProviderSchemas {
            prefix: "google_",
            provider: "hashicorp/google",
            complete: false,
            resources: google_standin::schema::resource_schemas()?
                .into_iter()
                .map(|(name, schema)| (name, schema.block))
                .collect(),
            data_sources: BTreeMap::new(),
            actions: BTreeMap::new(),
            lists: BTreeMap::new(),
        })
    }

    fn types(&self, block_kind: &str) -> &BTreeMap<String, Block> {
        match block_kind {
            "data" => &self.data_sources,
            "action" => &self.actions,
            "list" => &self.lists,
            _ => &self.resources,
        }
    }
}

pub fn check(module: &Module, schemas: &ProviderSchemas) -> Vec<Finding> {
    let mut findings = Vec::new();
    for TypedBlock {
        file,
        block_kind,
        kind,
        address,
        block,
    } in typed_blocks(module, schemas.prefix)
    {
        let mut ctx = Ctx {
            unknown_names: schemas.complete,
            found: BlockFindings {
                file,
                address,
                out: &mut findings,
            },
        };
        let types = schemas.types(block_kind);
        match types.get(kind) {
            // An action's or list's arguments live in its `config` block (absent: all null).
            Some(schema) if matches!(block_kind, "action" | "list") => {
                let config = block.body.blocks().find(|b| b.ident.as_str() == "config");
                let empty = Body::default();
                ctx.body(schema, config.map_or(&empty, |c| &c.body), "", block);
            }
            Some(schema) => ctx.body(schema, &block.body, "", block),
            None if !schemas.complete => {}
            None => {
                let names = nearest(kind, types.keys().map(String::as_str));
                ctx.found.report(
                    block,
                    format!(
                        "{block_kind} type `{kind}` does not exist in {}{}",
                        schemas.provider,
                        hint(&names)
                    ),
                );
            }
        }
    }
    findings
}

struct Ctx<'a> {
    /// Report names the schema lacks. For google types the 7.45 field list judges names
    /// (an argument new in 7.x is valid there and absent from the vendored 6.50 schema).
    unknown_names: bool,
    found: BlockFindings<'a>,
}

impl Ctx<'_> {
    /// Checks `body` against `schema`; `path` is the dotted block path ("" at the top) and
    /// `owner` the HCL element missing-argument findings point at.
    fn body(&mut self, schema: &Block, body: &Body, path: &str, owner: &impl Span) {
        let top = path.is_empty();
        let mut present = BTreeSet::new();
        // Literal blocks per name; `None` once a `dynamic` one makes the count unknowable.
        let mut counts: BTreeMap<&str, Option<(i64, &hcl::edit::structure::Block)>> =
            BTreeMap::new();
        for attr in body.attributes() {
            let key = attr.key.as_str();
            present.insert(key.to_owned());
            if top && META_ARGS.contains(&key) {
                continue;
            }
            let at = join(path, key);
            match schema.attributes.iter().find(|a| a.name == key) {
                Some(a) if a.computed && !a.optional && !a.required => {
                    self.found
                        .report(&attr.key, format!("`{at}` is computed and cannot be set"));
                }
                Some(a) => {
                    if let Some(problem) =
                        literal::to_json(&attr.value).and_then(|v| mismatch(&a.ty, &v))
                    {
                        self.found.report(&attr.key, format!("`{at}`: {problem}"));
                    }
                }
                None if schema.blocks.iter().any(|b| b.type_name == key) => self.found.report(
                    &attr.key,
                    format!("`{at}` is a block: write `{key} {{ … }}`, not `{key} = …`"),
                ),
                None if !self.unknown_names => {}
                None => self.found.report(
                    &attr.key,
                    format!("unknown argument `{at}`{}", suggest(key, schema)),
                ),
            }
        }
        for block in body.blocks() {
            let ident = block.ident.as_str();
            if top && META_BLOCKS.contains(&ident) {
                continue;
            }
            // `dynamic "x" { content { … } }` generates `x` blocks from `content`.
            let (name, contents): (&str, Vec<&Body>) = if ident == "dynamic" {
                let Some(label) = block.labels.first() else {
                    continue;
                };
                let contents = block.body.get_blocks("content").map(|c| &c.body).collect();
                (label.as_str(), contents)
            } else {
                (ident, vec![&block.body])
            };
            present.insert(name.to_owned());
            let counted = counts.entry(name).or_insert(Some((0, block)));
            if ident == "dynamic" {
                *counted = None;
            } else if let Some((n, _)) = counted {
                *n += 1;
            }
            let at = join(path, name);
            match schema.blocks.iter().find(|b| b.type_name == name) {
                Some(nested) => {
                    for content in contents {
                        self.body(&nested.block, content, &at, &block.ident);
                    }
                }
                None if schema.attributes.iter().any(|a| a.name == name) => self.found.report(
                    &block.ident,
                    format!("`{at}` is an attribute: write `{name} = …`, not a block"),
                ),
                None if !self.unknown_names => {}
                None => self.found.report(
                    &block.ident,
                    format!("unknown block `{at}`{}", suggest(name, schema)),
                ),
            }
        }
        for (name, counted) in counts {
            let Some((n, first)) = counted else {
                continue;
            };
            if let Some(nested) = schema.blocks.iter().find(|b| b.type_name == name) {
                if nested.max_items > 0 && n > nested.max_items {
                    self.found.report(
                        &first.ident,
                        format!(
                            "`{}` allows at most {} block(s), found {n}",
                            join(path, name),
                            nested.max_items
                        ),
                    );
                }
            }
        }
        let missing_attrs = schema
            .attributes
            .iter()
            .filter(|a| a.required)
            .map(|a| (a.name.as_str(), "argument"));
        let missing_blocks = schema
            .blocks
            .iter()
            .filter(|b| b.min_items > 0)
            .map(|b| (b.type_name.as_str(), "block"));
        for (name, what) in missing_attrs.chain(missing_blocks) {
            if !present.contains(name) {
                let at = join(path, name);
                self.found
                    .report(owner, format!("missing required {what} `{at}`"));
            }
        }
    }
}

/// Settable attribute and block names directly under `schema`.
fn names(schema: &Block) -> Vec<&str> {
    schema
        .attributes
        .iter()
        .filter(|a| a.optional || a.required)
        .map(|a| a.name.as_str())
        .chain(schema.blocks.iter().map(|b| b.type_name.as_str()))
        .collect()
}

/// Longest list of valid names worth printing when no name is close to the wrong one.
const MAX_LISTED: usize = 12;

/// "Did you mean" for a typo; otherwise, in a small block, the names that are valid there
/// (a wrong name from another provider's resource, such as `http_path`, is no typo).
fn suggest(name: &str, schema: &Block) -> String {
    let valid = names(schema);
    let close = nearest(name, valid.iter().copied());
    if !close.is_empty() || valid.len() > MAX_LISTED {
        return hint(&close);
    }
    let quoted: Vec<String> = valid.iter().map(|n| format!("`{n}`")).collect();
    format!(" (valid here: {})", quoted.join(", "))
}

/// Why constant `value` cannot be converted to `ty` the way Terraform converts (strings to
/// numbers and bools when they parse, primitives to strings), or `None` when it can.
fn mismatch(ty: &Type, value: &serde_json::Value) -> Option<String> {
    use serde_json::Value as J;
    let wrong = |expected: &str| Some(format!("expects {expected}, got {}", kind(value)));
    match (ty, value) {
        (_, J::Null) | (Type::Dynamic | Type::Tuple(_), _) => None,
        (Type::String, J::String(_) | J::Number(_) | J::Bool(_)) => None,
        (Type::Number, J::Number(_)) => None,
        (Type::Number, J::String(s)) if s.trim().parse::<f64>().is_ok() => None,
        (Type::Bool, J::Bool(_)) => None,
        (Type::Bool, J::String(s)) if s == "true" || s == "false" => None,
        (Type::List(e) | Type::Set(e), J::Array(items)) => {
            items.iter().find_map(|i| mismatch(e, i))
        }
        (Type::Map(e), J::Object(items)) => items.values().find_map(|i| mismatch(e, i)),
        (Type::Object(fields), J::Object(items)) => {
            items.iter().find_map(|(k, v)| match fields.get(k) {
                Some(t) => mismatch(t, v).map(|p| format!("`{k}` {p}")),
                None => Some(format!("has no attribute `{k}`")),
            })
        }
        (Type::String, _) => wrong("a string"),
        (Type::Number, _) => wrong("a number"),
        (Type::Bool, _) => wrong("a bool"),
        (Type::List(_), _) => wrong("a list"),
        (Type::Set(_), _) => wrong("a set"),
        (Type::Map(_), _) => wrong("a map"),
        (Type::Object(_), _) => wrong("an object"),
    }
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}
