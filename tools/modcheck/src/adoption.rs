//! Adoption check: every hashicorp/google resource type a module uses is one
//! `platform adopt` knows how to find (`platform_cli::adopt::google`), so a
//! module change cannot turn the adoption of an existing object into a twin.

use hcl::edit::Span;
use platform_cli::adopt::google::finder;

use crate::finding::Finding;
use crate::module::Module;

pub fn check(module: &Module) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in &module.files {
        for block in file.body.blocks() {
            let kind = block.labels.first().map(|l| l.as_str().to_owned());
            let Some(kind) =
                kind.filter(|k| block.ident.as_str() == "resource" && k.starts_with("google_"))
            else {
                continue;
            };
            if finder(&kind).is_none() {
                findings.push(Finding {
                    file: file.path.clone(),
                    line: file.line_of(block.ident.span()),
                    message: format!("`platform adopt` does not know how to find an existing {kind}: add it to GOOGLE_TYPES in cli/src/adopt/google.rs (a Compute collection, an import ID template, or not adopted)"),
                });
            }
        }
    }
    findings
}
