//! Wiring check: module calls pass only declared inputs and every required one, and every
//! reference (`var.`, `local.`, `module.`, `data.`, resources) resolves to a declaration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::edit::structure::{Block, Body};

use crate::error::Result;
use crate::finding::Finding;
use crate::module::{Loc, Module};
use crate::refs::{self, Reference};
use crate::suggest::{hint, nearest};

/// Names Terraform itself provides in expressions.
const BUILTIN_ROOTS: &[&str] = &["each", "count", "self", "path", "terraform"];

/// Block types whose contents are not expressions over the module's namespace.
const SKIPPED_BLOCKS: &[&str] = &["terraform", "moved", "import", "removed"];

/// Checks one module; local child modules (`./`, `../` sources) are loaded to check calls.
pub fn check(module: &Module) -> Result<Vec<Finding>> {
    let mut children = BTreeMap::new();
    for call in module.calls.values() {
        if let Some(dir) = local_source(&module.dir, call.source.as_deref()) {
            children.insert(call.name.clone(), Module::load(&dir)?);
        }
    }
    let mut findings = Vec::new();
    check_calls(module, &children, &mut findings);
    for file in &module.files {
        for block in file.body.blocks() {
            let mut refs = Vec::new();
            block_references(block, &mut refs);
            for reference in refs {
                if let Some(message) = resolve(module, &children, &reference) {
                    findings.push(Finding {
                        file: file.path.clone(),
                        line: file.line_of(reference.span.clone()),
                        message,
                    });
                }
            }
        }
    }
    Ok(findings)
}

fn local_source(dir: &Path, source: Option<&str>) -> Option<PathBuf> {
    let source = source?;
    (source.starts_with("./") || source.starts_with("../")).then(|| dir.join(source))
}

fn finding(module: &Module, loc: Loc, message: String) -> Finding {
    Finding {
        file: module.file(loc).path.clone(),
        line: loc.line,
        message,
    }
}

fn check_calls(module: &Module, children: &BTreeMap<String, Module>, out: &mut Vec<Finding>) {
    for call in module.calls.values() {
        let Some(child) = children.get(&call.name) else {
            continue;
        };
        for (arg, line) in &call.args {
            if !child.variables.contains_key(arg) {
                let names = nearest(arg, child.variables.keys().map(String::as_str));
                out.push(Finding {
                    file: module.file(call.loc).path.clone(),
                    line: *line,
                    message: format!(
                        "module \"{}\" has no input variable `{arg}`{}",
                        call.name,
                        hint(&names)
                    ),
                });
            }
        }
        for variable in child.variables.values().filter(|v| v.required()) {
            if !call.args.iter().any(|(a, _)| *a == variable.name) {
                out.push(finding(
                    module,
                    call.loc,
                    format!(
                        "module \"{}\" is missing required input `{}`",
                        call.name, variable.name
                    ),
                ));
            }
        }
    }
}

/// Why `reference` does not resolve, or `None` when it does.
fn resolve(
    module: &Module,
    children: &BTreeMap<String, Module>,
    reference: &Reference,
) -> Option<String> {
    let root = reference.root.as_str();
    let first = reference.attrs.first().map(String::as_str);
    let missing = |what: &str, name: &str, known: Vec<&str>| {
        Some(format!(
            "reference to undeclared {what} `{name}`{}",
            hint(&nearest(name, known))
        ))
    };
    match (root, first) {
        (r, _) if BUILTIN_ROOTS.contains(&r) => None,
        ("var", Some(name)) => (!module.variables.contains_key(name))
            .then_some(())
            .and_then(|_| {
                missing(
                    "variable",
                    name,
                    module.variables.keys().map(String::as_str).collect(),
                )
            }),
        ("local", Some(name)) => (!module.locals.contains(name)).then_some(()).and_then(|_| {
            missing(
                "local value",
                name,
                module.locals.iter().map(String::as_str).collect(),
            )
        }),
        ("module", Some(name)) => {
            if !module.calls.contains_key(name) {
                return missing(
                    "module",
                    name,
                    module.calls.keys().map(String::as_str).collect(),
                );
            }
            let output = reference.attrs.get(1)?;
            let child = children.get(name)?;
            (!child.outputs.contains_key(output)).then(|| {
                format!(
                    "module \"{name}\" has no output `{output}`{}",
                    hint(&nearest(output, child.outputs.keys().map(String::as_str)))
                )
            })
        }
        ("data", Some(kind)) => {
            let name = reference.attrs.get(1)?;
            let key = (kind.to_string(), name.clone());
            (!module.data.contains(&key))
                .then(|| format!("reference to undeclared data source `data.{kind}.{name}`"))
        }
        (kind, Some(name)) => {
            let key = (kind.to_string(), name.to_string());
            (!module.resources.contains(&key)).then(|| {
                let known: Vec<String> = module
                    .resources
                    .iter()
                    .map(|(t, n)| format!("{t}.{n}"))
                    .collect();
                let wanted = format!("{kind}.{name}");
                format!(
                    "reference to undeclared resource `{wanted}`{}",
                    hint(&nearest(&wanted, known.iter().map(String::as_str)))
                )
            })
        }
        (name, None) => Some(format!("unknown name `{name}`")),
    }
}

/// References made anywhere in a top-level block.
fn block_references(block: &Block, out: &mut Vec<Reference>) {
    let kind = block.ident.as_str();
    if SKIPPED_BLOCKS.contains(&kind) {
        return;
    }
    match kind {
        // A variable's `type` holds type keywords, not references; only validations refer.
        "variable" => {
            for validation in block.body.get_blocks("validation") {
                body_references(&validation.body, &[], out);
            }
        }
        "module" => {
            for attr in block.body.attributes() {
                if !matches!(attr.key.as_str(), "source" | "version" | "providers") {
                    out.extend(refs::collect(&attr.value, &[]));
                }
            }
        }
        _ => body_references(&block.body, &[], out),
    }
}

fn body_references(body: &Body, bound: &[String], out: &mut Vec<Reference>) {
    for attr in body.attributes() {
        // `provider = google.x` names a provider configuration; `ignore_changes` lists attributes.
        if matches!(attr.key.as_str(), "provider" | "ignore_changes") {
            continue;
        }
        out.extend(refs::collect(&attr.value, bound));
    }
    for block in body.blocks() {
        if block.ident.as_str() == "dynamic" {
            let iterator = block
                .body
                .get_attribute("iterator")
                .and_then(|a| refs::collect(&a.value, &[]).first().map(|r| r.root.clone()))
                .or_else(|| block.labels.first().map(|l| l.as_str().to_string()));
            let mut inner = bound.to_vec();
            inner.extend(iterator);
            for attr in block.body.attributes() {
                if attr.key.as_str() == "for_each" {
                    out.extend(refs::collect(&attr.value, bound));
                } else if attr.key.as_str() != "iterator" {
                    out.extend(refs::collect(&attr.value, &inner));
                }
            }
            for content in block.body.blocks() {
                body_references(&content.body, &inner, out);
            }
        } else {
            body_references(&block.body, bound, out);
        }
    }
}
