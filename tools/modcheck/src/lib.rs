//! Offline checks for the bundled Terraform modules: field names of `google_*` blocks (the
//! 7.45 field list), `google_*` blocks against hashicorp/google's vendored 6.50 schema and
//! `platform_*` blocks against this project's provider schema (types, required arguments,
//! nesting, max items), module wiring, and generated README tables.

pub mod adoption;
pub mod docs;
pub mod error;
pub mod fields;
pub mod finding;
pub mod literal;
pub mod module;
pub mod provider_schema;
pub mod refs;
pub mod registry_docs;
pub mod source;
pub mod suggest;
pub mod vartype;
pub mod wiring;

pub use error::{Error, Result};
pub use fields::FieldList;
pub use finding::Finding;
pub use module::Module;
pub use provider_schema::ProviderSchemas;

use std::path::{Path, PathBuf};

/// The committed field list extracted from the google provider, relative to the repository root.
pub const FIELD_LIST: &str = "tools/modcheck/testdata/google-provider-fields.json";
/// hashicorp/google's vendored resource schemas (compiled into the google stand-in, which
/// modcheck links), relative to the repository root.
pub const GOOGLE_SCHEMA: &str = "tests/google-standin/schema/google-provider-schema-6.50.json";
/// Fields missing from the provider's generated lists (IAM resources, URL parameters).
pub const FIELD_SUPPLEMENT: &str = "tools/modcheck/testdata/google-provider-fields-supplement.json";

/// Loads every module of the repository at `root` (`modules/*`, `examples/*`).
pub fn load_all(root: &Path) -> Result<Vec<Module>> {
    source::discover(root)?
        .iter()
        .map(|dir| Module::load(dir))
        .collect()
}

/// The default field list files for a repository root.
pub fn field_list_paths(root: &Path) -> [PathBuf; 2] {
    [root.join(FIELD_LIST), root.join(FIELD_SUPPLEMENT)]
}

/// Field check over all modules of `root`: `google_*` blocks against the field list,
/// `platform_*` blocks against this project's provider schema.
pub fn check_fields(root: &Path) -> Result<Vec<Finding>> {
    let [list, supplement] = field_list_paths(root);
    let fields = FieldList::load(&[&list, &supplement])?;
    let platform = ProviderSchemas::platform();
    let google = ProviderSchemas::google().map_err(|message| Error::FieldList {
        path: root.join(GOOGLE_SCHEMA),
        message,
    })?;
    Ok(load_all(root)?
        .iter()
        .flat_map(|m| {
            let mut found = fields::check(m, &fields);
            found.extend(provider_schema::check(m, &platform));
            found.extend(provider_schema::check(m, &google));
            found
        })
        .collect())
}

/// Wiring check over all modules of `root`.
pub fn check_wiring(root: &Path) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for module in load_all(root)? {
        findings.extend(wiring::check(&module)?);
        findings.extend(adoption::check(&module));
    }
    Ok(findings)
}

/// README tables of the reusable modules (`modules/*`; examples have hand-written READMEs)
/// and the registry pages in `docs/`; returns the files that were (or would be) changed.
pub fn update_docs(root: &Path, check: bool) -> Result<Vec<PathBuf>> {
    let mut changed = registry_docs::update(root, check)?;
    let reusable = source::discover(root)?
        .into_iter()
        .filter(|d| d.parent().is_some_and(|p| p.ends_with("modules")));
    for dir in reusable {
        let module = Module::load(&dir)?;
        if docs::update(&module, check)? {
            changed.push(module.dir.join("README.md"));
        }
    }
    Ok(changed)
}
