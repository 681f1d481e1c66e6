//! `platform adopt`: which of the composites a root would create already exist,
//! and the `import` blocks that take them over instead of creating twins.
//!
//! The root is planned without touching anything, and each composite the plan
//! would create is looked up (`survey`): where the provider would create it,
//! else by discovery under another name. What is found gets an `import` block
//! at the plan's own address (module path and keys included), and its name
//! goes to `adopt.auto.tfvars` when a root variable sets it (`names`), so the
//! plan keeps the name instead of replacing the object. What is not found is
//! what the next apply creates; composites found in the same project,
//! location or billing account that nothing adopts are listed apart, for a
//! human to decide.

pub mod google;
mod names;
mod survey;

use std::path::{Path, PathBuf};

use crate::google::client_from_env;
use crate::root_module::RootModule;
use crate::show::ShowDoc;
use crate::table::Table;
use crate::terraform::Terraform;
use crate::CliError;
pub use names::NameVar;
pub use survey::survey;

/// Where the names existing objects have are written, beside the root's files.
pub const TFVARS_FILE: &str = "adopt.auto.tfvars";

/// Where the plan `adopt` surveys is saved, inside the root's data directory.
const PLAN_FILE: &str = ".terraform/platform-adopt.tfplan";

/// Plans at most this often: names found can name more objects only a few
/// levels deep (an adopted VPC names its firewall rules, router and NAT).
const MAX_PASSES: usize = 3;

#[derive(Debug, Clone)]
pub struct AdoptOptions {
    pub dir: PathBuf,
    /// The file the `import` blocks go to; `<dir>/imports.tf` by default.
    pub out: Option<PathBuf>,
    /// Sets the root's `project_id` (or `project`) variable.
    pub project: Option<String>,
    /// Sets the root's `region` variable.
    pub region: Option<String>,
}

/// `-var` arguments for `--project` / `--region`, to the variables the root declares.
fn var_args(dir: &Path, opts: &AdoptOptions) -> Result<Vec<String>, CliError> {
    let root = RootModule::scan(dir)?;
    let mut args = Vec::new();
    for (flag, value, candidates) in [
        ("--project", &opts.project, &["project_id", "project"][..]),
        ("--region", &opts.region, &["region"][..]),
    ] {
        let Some(value) = value else { continue };
        let var = candidates
            .iter()
            .find(|v| root.variables.contains(**v))
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "{flag}: {} declares no `{}` variable to set. Set the value in the root's configuration or tfvars instead.",
                    dir.display(),
                    candidates.join("` or `")
                ))
            })?;
        args.push(format!("-var={var}={value}"));
    }
    Ok(args)
}

/// Plans the root (init first when needed; nothing is refreshed or applied),
/// surveys what exists, writes the `import` blocks and prints the report.
pub fn adopt(opts: &AdoptOptions) -> Result<Survey, CliError> {
    let tf = Terraform::locate(&opts.dir)?;
    let vars = var_args(&opts.dir, opts)?;
    if tf.require_initialised().is_err() {
        tf.run_to_stderr(&["init", "-input=false"])?;
    }
    // The client first: without credentials there is nothing to look up.
    let client = client_from_env()?;
    let runtime = tokio::runtime::Runtime::new()?;
    let tfvars = opts.dir.join(TFVARS_FILE);
    // Names found in every pass so far. A pass that finds new ones writes them
    // (beside what the file already set) and plans again: what the root names
    // after them (the VPC's firewall rules, router and NAT) is only looked up
    // under the right name on the next plan.
    let mut kept: Vec<(NameVar, String)> = Vec::new();
    let mut pass = 1;
    let found = loop {
        let (doc, found) = plan_and_survey(&tf, &client, &runtime, &vars)?;
        let new: Vec<_> = found
            .names()
            .into_iter()
            .filter(|n| !kept.contains(n))
            .collect();
        if new.is_empty() {
            break found;
        }
        let previous = std::fs::read_to_string(&tfvars).unwrap_or_default();
        std::fs::write(&tfvars, names::tfvars(&doc, &new, &previous)).map_err(|source| {
            CliError::Write {
                path: tfvars.clone(),
                source,
            }
        })?;
        kept.extend(new);
        if pass == MAX_PASSES {
            break found;
        }
        eprintln!(
            "Wrote {} existing name(s) to {}; planning again so what is named after them is found under those names.",
            kept.len(),
            tfvars.display()
        );
        pass += 1;
    };
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| opts.dir.join("imports.tf"));
    std::fs::write(&out, imports_tf(&found)).map_err(|source| CliError::Write {
        path: out.clone(),
        source,
    })?;
    print!("{}", report(&found));
    println!(
        "\nWrote {} ({} import block(s)){}. Next: `terraform plan{}` must show the imports and 0 to destroy; then apply and delete {}.",
        out.display(),
        found.adopted.len(),
        if kept.is_empty() {
            String::new()
        } else {
            format!(
                " and {} ({} name(s) the existing objects have)",
                tfvars.display(),
                kept.len()
            )
        },
        vars.iter().map(|a| format!(" {a}")).collect::<String>(),
        out.display()
    );
    Ok(found)
}

/// One plan of the root (saved, not refreshed) and the survey of what it would create.
fn plan_and_survey(
    tf: &Terraform,
    client: &gcp_client::GcpClient,
    runtime: &tokio::runtime::Runtime,
    vars: &[String],
) -> Result<(serde_json::Value, Survey), CliError> {
    let mut plan_args = vec![
        "plan".to_owned(),
        "-input=false".to_owned(),
        "-refresh=false".to_owned(),
        format!("-out={PLAN_FILE}"),
    ];
    plan_args.extend(vars.iter().cloned());
    tf.run_to_stderr(&plan_args)?;
    let json = tf.output(&["show", "-json", PLAN_FILE])?;
    let plan = ShowDoc::parse(&json, "the saved plan")?;
    let doc: serde_json::Value =
        serde_json::from_slice(&json).map_err(|source| CliError::ShowJson {
            what: "the saved plan".into(),
            source,
        })?;
    let found = runtime.block_on(survey(client, &plan, &doc))?;
    Ok((doc, found))
}

/// One composite the root would create that already exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub address: String,
    pub import_id: String,
    /// What was found, for the report.
    pub object: String,
    /// The root variable that sets its name, and the name it has.
    pub name: Option<(NameVar, String)>,
}

/// An existing object the root would give another name, with no root
/// variable to keep its name: importing it would replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misnamed {
    pub adopted: Adopted,
    /// The name the root gives it.
    pub planned: String,
}

/// What a survey found.
#[derive(Debug, Default)]
pub struct Survey {
    pub adopted: Vec<Adopted>,
    pub misnamed: Vec<Misnamed>,
    /// Addresses the root would create because nothing matching exists.
    pub create: Vec<String>,
    /// Composites that exist where the root's composites live but match none of them.
    pub unplaced: Vec<String>,
    /// hashicorp/google resources of APIs the CLI does not call: (address, import ID).
    pub check: Vec<(String, String)>,
    /// hashicorp/google resources not looked up: (address, why).
    pub skipped: Vec<(String, String)>,
}

impl Survey {
    /// The names `adopt.auto.tfvars` sets.
    pub fn names(&self) -> Vec<(NameVar, String)> {
        self.adopted.iter().filter_map(|a| a.name.clone()).collect()
    }
}

/// The `import` blocks for what was found.
pub fn imports_tf(survey: &Survey) -> String {
    let mut out = String::from(
        "# Written by `platform adopt`: existing objects this root takes over instead of creating.\n# Review `terraform plan` (it must show imports, 0 to destroy), apply, then delete this file.\n",
    );
    for a in &survey.adopted {
        out.push_str(&format!(
            "\nimport {{\n  to = {}\n  id = {}\n}}\n",
            a.address,
            serde_json::to_string(&a.import_id).unwrap_or_default()
        ));
    }
    out
}

/// The report printed after the survey.
pub fn report(survey: &Survey) -> String {
    let mut out = String::new();
    if survey.adopted.is_empty() {
        out.push_str("Nothing this root would create exists yet.\n");
    } else {
        let mut t = Table::new(["address", "found", "import ID"]);
        for a in &survey.adopted {
            t.row([a.address.as_str(), a.object.as_str(), a.import_id.as_str()]);
        }
        out.push_str(&format!("Adopted (import blocks written):\n{t}"));
    }
    if !survey.misnamed.is_empty() {
        let mut t = Table::new(["address", "would be named", "found", "import ID"]);
        for m in &survey.misnamed {
            let a = &m.adopted;
            t.row([
                a.address.as_str(),
                m.planned.as_str(),
                a.object.as_str(),
                a.import_id.as_str(),
            ]);
        }
        out.push_str(&format!("\nFound under another name, not adopted (no root variable sets the name, and importing it under the new name would replace it). Give the address the name the object has, then run adopt again:\n{t}"));
    }
    if !survey.create.is_empty() {
        out.push_str("\nNot found, so the next apply creates them:\n");
        for a in &survey.create {
            out.push_str(&format!("  {a}\n"));
        }
    }
    if !survey.check.is_empty() {
        let mut t = Table::new(["address", "import ID if it exists"]);
        for (a, id) in &survey.check {
            t.row([a.as_str(), id.as_str()]);
        }
        out.push_str(&format!("\nNot looked up (this CLI does not call their APIs): check whether each exists and, if so, add an import block with this ID, or the apply creates it:\n{t}"));
    }
    if !survey.skipped.is_empty() {
        out.push_str("\nNot adopted:\n");
        for (a, why) in &survey.skipped {
            out.push_str(&format!("  {a}: {why}\n"));
        }
    }
    if !survey.unplaced.is_empty() {
        out.push_str("\nFound, but this root has no place for them (add them to the configuration, or leave them alone):\n");
        for a in &survey.unplaced {
            out.push_str(&format!("  {a}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_written_at_the_plans_addresses() {
        let survey = Survey {
            adopted: vec![Adopted {
                address: "module.services.platform_blue_green_service.service[\"api\"]".into(),
                import_id: "projects/p/locations/us-central1/services/api".into(),
                object: "Cloud Run service".into(),
                name: None,
            }],
            ..Survey::default()
        };
        let tf = imports_tf(&survey);
        assert!(tf.contains(
            "import {\n  to = module.services.platform_blue_green_service.service[\"api\"]\n  id = \"projects/p/locations/us-central1/services/api\"\n}"
        ), "{tf}");
    }
}
