//! README inputs/outputs tables, generated from `variables.tf`/`outputs.tf` between markers.

use std::fmt::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::module::Module;
use crate::vartype::abbreviate;

pub const BEGIN: &str = "<!-- BEGIN MODCHECK DOCS -->";
pub const END: &str = "<!-- END MODCHECK DOCS -->";

/// Longest type/default shown in full; longer ones are abbreviated (variables.tf has them all).
const MAX_CELL: usize = 60;

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn code(text: &str) -> String {
    format!("`{}`", cell(text))
}

fn short_default(text: &str) -> String {
    if text.chars().count() <= MAX_CELL {
        return text.to_string();
    }
    match text.chars().next() {
        Some('{') => "{…}".to_string(),
        Some('[') => "[…]".to_string(),
        _ => format!("{}…", text.chars().take(MAX_CELL).collect::<String>()),
    }
}

/// The generated tables (without markers).
pub fn render(module: &Module) -> String {
    let mut out = String::from("\n### Inputs\n\n");
    if module.variables.is_empty() {
        out.push_str("No inputs.\n");
    } else {
        out.push_str("| Name | Description | Type | Default | Required |\n");
        out.push_str("|------|-------------|------|---------|:--------:|\n");
        for v in module.variables.values() {
            let ty = v
                .type_text
                .as_deref()
                .map_or_else(|| "any".to_string(), |t| abbreviate(t, MAX_CELL));
            let default = v
                .default_text
                .as_deref()
                .map_or_else(|| "n/a".to_string(), |d| code(&short_default(d)));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&v.name),
                cell(v.description.as_deref().unwrap_or("")),
                code(&ty),
                default,
                if v.required() { "yes" } else { "no" }
            );
        }
    }
    out.push_str("\n### Outputs\n\n");
    if module.outputs.is_empty() {
        out.push_str("No outputs.\n");
    } else {
        out.push_str("| Name | Description |\n|------|-------------|\n");
        for o in module.outputs.values() {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code(&o.name),
                cell(o.description.as_deref().unwrap_or(""))
            );
        }
    }
    out
}

/// `readme` with the text between the markers replaced by `tables`.
pub fn splice(readme: &str, tables: &str, path: &Path) -> Result<String> {
    let missing = |what: &str| Error::Readme {
        path: path.to_path_buf(),
        message: format!("missing marker {what}"),
    };
    let start = readme.find(BEGIN).ok_or_else(|| missing(BEGIN))? + BEGIN.len();
    let end = start + readme[start..].find(END).ok_or_else(|| missing(END))?;
    Ok(format!("{}{}{}", &readme[..start], tables, &readme[end..]))
}

/// Regenerates the module's README tables. Returns whether the file was (or, with `check`,
/// would be) changed; with `check` nothing is written.
pub fn update(module: &Module, check: bool) -> Result<bool> {
    let path = module.dir.join("README.md");
    let current = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let wanted = splice(&current, &render(module), &path)?;
    if wanted == current {
        return Ok(false);
    }
    if !check {
        std::fs::write(&path, wanted).map_err(|e| Error::io(&path, e))?;
    }
    Ok(true)
}
