//! Field check: every argument and nested block of a `google_*` resource or data source must
//! exist in the google provider's field list (names joined with `.` for nested blocks).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::finding::{BlockFindings, Finding};
use crate::module::Module;
use crate::source::TfFile;
use crate::suggest::{hint, nearest};

/// Arguments every resource accepts that are Terraform's, not the provider's.
pub(crate) const META_ARGS: &[&str] = &["count", "for_each", "depends_on", "provider"];
/// Top-level blocks every resource accepts (`timeouts` is provider-generic and absent from the
/// provider's per-resource field lists).
const META_BLOCKS: &[&str] = &["lifecycle", "provisioner", "connection", "timeouts"];

#[derive(Debug, Deserialize)]
struct FieldFile {
    #[serde(default)]
    resources: HashMap<String, Vec<String>>,
    #[serde(default)]
    data_sources: HashMap<String, Vec<String>>,
    /// Arguments every type accepts (the provider-injected `project`).
    #[serde(default)]
    common: Vec<String>,
}

#[derive(Debug, Default)]
pub struct FieldList {
    resources: HashMap<String, BTreeSet<String>>,
    data_sources: HashMap<String, BTreeSet<String>>,
    common: BTreeSet<String>,
}

impl FieldList {
    /// Loads and merges field files: the extracted provider list and our supplement.
    pub fn load(paths: &[&Path]) -> Result<FieldList> {
        let mut list = FieldList::default();
        for path in paths {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(*path, e))?;
            let file: FieldFile = serde_json::from_str(&text).map_err(|e| Error::FieldList {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
            merge(&mut list.resources, file.resources);
            merge(&mut list.data_sources, file.data_sources);
            list.common.extend(file.common);
        }
        let common = list.common.clone();
        for fields in list
            .resources
            .values_mut()
            .chain(list.data_sources.values_mut())
        {
            fields.extend(common.iter().cloned());
        }
        Ok(list)
    }

    fn fields(&self, block_kind: &str, kind: &str) -> Option<&BTreeSet<String>> {
        match block_kind {
            "data" => self.data_sources.get(kind),
            _ => self.resources.get(kind),
        }
    }
}

fn merge(into: &mut HashMap<String, BTreeSet<String>>, from: HashMap<String, Vec<String>>) {
    for (kind, fields) in from {
        into.entry(kind).or_default().extend(fields);
    }
}

/// A path names a field when it is one, or when it is a block containing fields.
fn known(fields: &BTreeSet<String>, path: &str) -> bool {
    let prefix = format!("{path}.");
    fields.contains(path)
        || fields
            .range(prefix.clone()..)
            .next()
            .is_some_and(|f| f.starts_with(&prefix))
}

/// Names valid directly under `parent` ("" for top level).
fn siblings<'a>(fields: &'a BTreeSet<String>, parent: &str) -> BTreeSet<&'a str> {
    let prefix = if parent.is_empty() {
        String::new()
    } else {
        format!("{parent}.")
    };
    fields
        .iter()
        .filter_map(|f| f.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('.').next())
        .collect()
}

/// A `resource` or `data` block of a provider's type, with its Terraform address.
pub(crate) struct TypedBlock<'a> {
    pub file: &'a TfFile,
    /// `resource`, `data`, `action` or `list`.
    pub block_kind: &'a str,
    pub kind: &'a str,
    pub address: String,
    pub block: &'a Block,
}

/// Every `resource`/`data`/`action`/`list` block of `module` whose type starts with `prefix`.
pub(crate) fn typed_blocks<'a>(
    module: &'a Module,
    prefix: &'a str,
) -> impl Iterator<Item = TypedBlock<'a>> + 'a {
    module.files.iter().flat_map(move |file| {
        file.body.blocks().filter_map(move |block| {
            let block_kind = block.ident.as_str();
            if !matches!(block_kind, "resource" | "data" | "action" | "list") {
                return None;
            }
            let kind = block.labels.first()?.as_str();
            let name = block.labels.get(1)?.as_str();
            kind.starts_with(prefix).then(|| TypedBlock {
                file,
                block_kind,
                kind,
                address: format!(
                    "{}{kind}.{name}",
                    match block_kind {
                        "data" => "data.",
                        "action" => "action.",
                        "list" => "list.",
                        _ => "",
                    }
                ),
                block,
            })
        })
    })
}

pub fn check(module: &Module, list: &FieldList) -> Vec<Finding> {
    let mut findings = Vec::new();
    // hashicorp/google's field list has no actions or list resources.
    for typed in
        typed_blocks(module, "google_").filter(|t| !matches!(t.block_kind, "action" | "list"))
    {
        let TypedBlock {
            file,
            block_kind,
            kind,
            address,
            block,
        } = typed;
        let mut ctx = Ctx {
            found: BlockFindings {
                file,
                address,
                out: &mut findings,
            },
        };
        match list.fields(block_kind, kind) {
            Some(fields) => ctx.body(fields, &block.body, ""),
            None => {
                let known_kinds = match block_kind {
                    "data" => list.data_sources.keys(),
                    _ => list.resources.keys(),
                };
                let names = nearest(kind, known_kinds.map(String::as_str));
                ctx.found.report(
                    block,
                    format!(
                        "{block_kind} type `{kind}` is not in the google provider field list{}",
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
    fn check_name(
        &mut self,
        fields: &BTreeSet<String>,
        parent: &str,
        name: &str,
        at: &impl Span,
    ) -> bool {
        let path = join(parent, name);
        if known(fields, &path) {
            return true;
        }
        let names = nearest(name, siblings(fields, parent));
        self.found.report(
            at,
            format!("unknown argument or block `{path}`{}", hint(&names)),
        );
        false
    }

    fn body(&mut self, fields: &BTreeSet<String>, body: &Body, parent: &str) {
        let top = parent.is_empty();
        for attr in body.attributes() {
            let key = attr.key.as_str();
            if top && META_ARGS.contains(&key) {
                continue;
            }
            self.check_name(fields, parent, key, &attr.key);
        }
        for block in body.blocks() {
            self.block(fields, block, parent, top);
        }
    }

    fn block(&mut self, fields: &BTreeSet<String>, block: &Block, parent: &str, top: bool) {
        let ident = block.ident.as_str();
        if top && META_BLOCKS.contains(&ident) {
            return;
        }
        if ident == "dynamic" {
            // `dynamic "x" { for_each = … content { … } }` generates `x` blocks from `content`.
            let Some(label) = block.labels.first() else {
                return;
            };
            if self.check_name(fields, parent, label.as_str(), &block.ident) {
                let path = join(parent, label.as_str());
                for content in block.body.get_blocks("content") {
                    self.body(fields, &content.body, &path);
                }
            }
            return;
        }
        if self.check_name(fields, parent, ident, &block.ident) {
            self.body(fields, &block.body, &join(parent, ident));
        }
    }
}

pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}.{name}")
    }
}
