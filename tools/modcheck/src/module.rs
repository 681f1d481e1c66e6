//! What a module declares: variables, outputs, locals, resources, data sources and module calls,
//! extracted from the parsed files with their locations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcl::edit::expr::Expression;
use hcl::edit::structure::{Block, Body};
use hcl::edit::Span;
use serde_json::Value;

use crate::error::Result;
use crate::literal::{one_line, to_json};
use crate::source::{ModuleDir, TfFile};
use crate::vartype;

/// Where a declaration sits: index into `Module::files` plus 1-based line.
#[derive(Debug, Clone, Copy)]
pub struct Loc {
    pub file: usize,
    pub line: usize,
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub loc: Loc,
    pub description: Option<String>,
    pub type_expr: Option<Expression>,
    pub type_text: Option<String>,
    /// Source text of the default, when one is declared.
    pub default_text: Option<String>,
    /// The default as a value, when it is a constant.
    pub default: Option<Value>,
}

impl Variable {
    /// Terraform requires a variable exactly when it declares no default.
    pub fn required(&self) -> bool {
        self.default_text.is_none()
    }

    /// The value Terraform would use at `path` when the caller leaves it unset: the variable's
    /// own default if that sets it, otherwise the `optional(T, default)` in the type.
    pub fn default_at(&self, path: &[&str]) -> Option<Value> {
        let explicit = self.default.as_ref().and_then(|d| {
            path.iter()
                .try_fold(d, |v, key| v.get(*key))
                .filter(|v| !v.is_null())
                .cloned()
        });
        explicit.or_else(|| {
            self.type_expr
                .as_ref()
                .and_then(|t| vartype::optional_default(t, path))
        })
    }
}

#[derive(Debug)]
pub struct Output {
    pub name: String,
    pub loc: Loc,
    pub description: Option<String>,
}

#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub loc: Loc,
    pub source: Option<String>,
    /// Arguments passed (meta-arguments excluded) with their lines.
    pub args: Vec<(String, usize)>,
}

/// Arguments of a `module` block that are not input variables.
pub const MODULE_META_ARGS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "depends_on",
    "providers",
];

#[derive(Debug)]
pub struct Module {
    pub files: Vec<TfFile>,
    pub dir: std::path::PathBuf,
    pub variables: BTreeMap<String, Variable>,
    pub outputs: BTreeMap<String, Output>,
    pub locals: BTreeSet<String>,
    pub resources: BTreeSet<(String, String)>,
    pub data: BTreeSet<(String, String)>,
    pub calls: BTreeMap<String, ModuleCall>,
}

fn label(block: &Block, i: usize) -> Option<String> {
    block.labels.get(i).map(|l| l.as_str().to_string())
}

fn string_attr(body: &Body, key: &str) -> Option<String> {
    body.get_attribute(key)
        .and_then(|a| to_json(&a.value))
        .and_then(|v| v.as_str().map(str::to_string))
}

impl Module {
    pub fn load(dir: &Path) -> Result<Module> {
        Ok(Module::from_dir(ModuleDir::load(dir)?))
    }

    pub fn from_dir(dir: ModuleDir) -> Module {
        let mut module = Module {
            files: Vec::new(),
            dir: dir.dir,
            variables: BTreeMap::new(),
            outputs: BTreeMap::new(),
            locals: BTreeSet::new(),
            resources: BTreeSet::new(),
            data: BTreeSet::new(),
            calls: BTreeMap::new(),
        };
        for (index, file) in dir.files.iter().enumerate() {
            for block in file.body.blocks() {
                module.declare(index, file, block);
            }
        }
        module.files = dir.files;
        module
    }

    fn declare(&mut self, index: usize, file: &TfFile, block: &Block) {
        let loc = Loc {
            file: index,
            line: file.line_of(block.ident.span()),
        };
        match (block.ident.as_str(), label(block, 0), label(block, 1)) {
            ("variable", Some(name), _) => {
                let body = &block.body;
                let type_attr = body.get_attribute("type");
                let default_attr = body.get_attribute("default");
                let variable = Variable {
                    name: name.clone(),
                    loc,
                    description: string_attr(body, "description"),
                    type_expr: type_attr.map(|a| a.value.clone()),
                    type_text: type_attr
                        .and_then(|a| file.snippet(a.value.span()))
                        .map(one_line),
                    default_text: default_attr.map(|a| {
                        file.snippet(a.value.span())
                            .map(one_line)
                            .unwrap_or_default()
                    }),
                    default: default_attr.and_then(|a| to_json(&a.value)),
                };
                self.variables.insert(name, variable);
            }
            ("output", Some(name), _) => {
                let description = string_attr(&block.body, "description");
                self.outputs.insert(
                    name.clone(),
                    Output {
                        name,
                        loc,
                        description,
                    },
                );
            }
            ("locals", _, _) => {
                for attr in block.body.attributes() {
                    self.locals.insert(attr.key.as_str().to_string());
                }
            }
            ("resource", Some(kind), Some(name)) => {
                self.resources.insert((kind, name));
            }
            ("data", Some(kind), Some(name)) => {
                self.data.insert((kind, name));
            }
            ("module", Some(name), _) => {
                let args = block
                    .body
                    .attributes()
                    .filter(|a| !MODULE_META_ARGS.contains(&a.key.as_str()))
                    .map(|a| (a.key.as_str().to_string(), file.line_of(a.key.span())))
                    .collect();
                let call = ModuleCall {
                    name: name.clone(),
                    loc,
                    source: string_attr(&block.body, "source"),
                    args,
                };
                self.calls.insert(name, call);
            }
            _ => {}
        }
    }

    pub fn file(&self, loc: Loc) -> &TfFile {
        &self.files[loc.file]
    }
}
