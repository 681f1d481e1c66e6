//! Schema check for this project's own types (`platform_*`): every argument and block of a
//! `platform_*` resource or data source is checked against the provider's real schema, linked
//! in from the provider crate so it cannot drift. Beyond names it catches what a flat field
//! list cannot: an attribute written as a block (or the reverse), a computed-only attribute
//! being set, and missing required arguments and blocks.

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::structure::Body;
use hcl::edit::Span;
use platform_provider::PlatformProvider;
use tfplugin::{Block, Provider};

use crate::fields::{join, typed_blocks, TypedBlock, META_ARGS};
use crate::finding::{BlockFindings, Finding};
use crate::module::Module;
use crate::suggest::{hint, nearest};

/// Terraform's own blocks inside a resource (`timeouts` is not one: the schema declares it).
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection"];

/// Root block schemas of the provider's resources and data sources, by type name.
pub struct ProviderSchemas {
    resources: BTreeMap<String, Block>,
    data_sources: BTreeMap<String, Block>,
}

impl ProviderSchemas {
    /// The schemas of `platform-eng/platform` as compiled into this tool.
    pub fn platform() -> Self {
        let provider = PlatformProvider::new();
        ProviderSchemas {
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
        }
    }

    fn types(&self, block_kind: &str) -> &BTreeMap<String, Block> {
        match block_kind {
            "data" => &self.data_sources,
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
    } in typed_blocks(module, "platform_")
    {
        let mut ctx = Ctx {
            found: BlockFindings {
                file,
                address,
                out: &mut findings,
            },
        };
        let types = schemas.types(block_kind);
        match types.get(kind) {
            Some(schema) => ctx.body(schema, &block.body, "", block),
            None => {
                let names = nearest(kind, types.keys().map(String::as_str));
                ctx.found.report(
                    block,
                    format!(
                        "{block_kind} type `{kind}` does not exist in the platform provider{}",
                        hint(&names)
                    ),
                );
            }
        }
    }
    findings
}

struct Ctx<'a> {
    found: BlockFindings<'a>,
}

impl Ctx<'_> {
    /// Checks `body` against `schema`; `path` is the dotted block path ("" at the top) and
    /// `owner` the HCL element missing-argument findings point at.
    fn body(&mut self, schema: &Block, body: &Body, path: &str, owner: &impl Span) {
        let top = path.is_empty();
        let mut present = BTreeSet::new();
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
                Some(_) => {}
                None if schema.blocks.iter().any(|b| b.type_name == key) => self.found.report(
                    &attr.key,
                    format!("`{at}` is a block: write `{key} {{ … }}`, not `{key} = …`"),
                ),
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
                None => self.found.report(
                    &block.ident,
                    format!("unknown block `{at}`{}", suggest(name, schema)),
                ),
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
