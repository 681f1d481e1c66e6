//! `platform adopt`: which of the composites a root would create already exist,
//! and the `import` blocks that take them over instead of creating twins.
//!
//! The root is planned without touching anything, and each composite the plan
//! would create is looked up where the provider would create it: a Cloud Run
//! service by its ID, a LiveKit cluster by its backend service, a budget guard
//! by its budget's display name on the billing account. What is found gets an
//! `import` block at the plan's own address (module path and keys included);
//! what is not found is what the next apply creates; composites found in the
//! same project, location or billing account that the root has no place for
//! are listed apart, for a human to decide.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use gcp_client::GcpClient;
use serde_json::Value;

use platform_provider::resources::budget_guard::is_tenant_budget;
use platform_provider::resources::livekit_cluster::PORT_NAME;

use crate::google::client_from_env;
use crate::show::{ResourceChange, ShowDoc};
use crate::table::Table;
use crate::terraform::Terraform;
use crate::CliError;

/// Where the plan `adopt` surveys is saved, inside the root's data directory.
const PLAN_FILE: &str = ".terraform/platform-adopt.tfplan";

#[derive(Debug, Clone)]
pub struct AdoptOptions {
    pub dir: PathBuf,
    /// The file the `import` blocks go to; `<dir>/imports.tf` by default.
    pub out: Option<PathBuf>,
}

/// Plans the root (init first when needed; nothing is refreshed or applied),
/// surveys what exists, writes the `import` blocks and prints the report.
pub fn adopt(opts: &AdoptOptions) -> Result<Survey, CliError> {
    let tf = Terraform::locate(&opts.dir)?;
    if tf.require_initialised().is_err() {
        tf.run_to_stderr(&["init", "-input=false"])?;
    }
    // The client first: without credentials there is nothing to look up.
    let client = client_from_env()?;
    tf.run_to_stderr(&[
        "plan",
        "-input=false",
        "-refresh=false",
        &format!("-out={PLAN_FILE}"),
    ])?;
    let json = tf.output(&["show", "-json", PLAN_FILE])?;
    let plan = ShowDoc::parse(&json, "the saved plan")?;
    let runtime = tokio::runtime::Runtime::new()?;
    let found = runtime.block_on(survey(&client, &plan))?;
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
        "\nWrote {} ({} import block(s)). Next: `terraform plan` must show the imports and 0 to destroy; then apply and delete the file.",
        out.display(),
        found.adopted.len()
    );
    Ok(found)
}

const SERVICE: &str = "platform_blue_green_service";
const CLUSTER: &str = "platform_livekit_cluster";
const GUARD: &str = "platform_budget_guard";

/// One composite the root would create that already exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    pub address: String,
    pub import_id: String,
    /// What was found, for the report.
    pub object: String,
}

/// What a survey found.
#[derive(Debug, Default)]
pub struct Survey {
    pub adopted: Vec<Adopted>,
    /// Addresses the root would create because nothing matching exists.
    pub create: Vec<String>,
    /// Composites that exist where the root's composites live but match none of them.
    pub unplaced: Vec<String>,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn google(what: String) -> impl FnOnce(gcp_client::Error) -> CliError {
    move |e| CliError::Google {
        what,
        source: Box::new(e),
    }
}

/// `projects/P/global/backendServices/N` → `(P, N)`.
fn backend_parts(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix("projects/")?;
    let (project, name) = rest.split_once("/global/backendServices/")?;
    Some((project, name))
}

/// Looks up every composite `plan` would create.
pub async fn survey(client: &GcpClient, plan: &ShowDoc) -> Result<Survey, CliError> {
    let mut out = Survey::default();
    // IDs the root already manages or imports: never "unplaced".
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let mut locations: BTreeSet<String> = BTreeSet::new();
    let mut projects: BTreeSet<String> = BTreeSet::new();
    let mut budgets: BTreeMap<String, Vec<gcp_client::budgets::Budget>> = BTreeMap::new();
    let composites = plan.changes.iter().filter(|c| {
        c.mode == "managed" && [SERVICE, CLUSTER, GUARD].contains(&c.resource_type.as_str())
    });
    for change in composites {
        for v in [&change.before, &change.after] {
            if let Some(id) = text(v, "id") {
                placed.insert(id.to_owned());
            }
        }
        if let Some(id) = &change.importing_id {
            placed.insert(id.clone());
            out.adopted.push(Adopted {
                address: change.address.clone(),
                import_id: id.clone(),
                object: "already imported by this root".into(),
            });
            continue;
        }
        if change.actions != ["create"] {
            continue;
        }
        match lookup(client, change, &mut budgets).await? {
            Some(found) => {
                placed.insert(found.import_id.clone());
                out.adopted.push(found);
            }
            None => out.create.push(change.address.clone()),
        }
        let after = &change.after;
        match change.resource_type.as_str() {
            SERVICE => {
                if let (Some(p), Some(l)) = (text(after, "project"), text(after, "location")) {
                    locations.insert(format!("projects/{p}/locations/{l}"));
                }
            }
            CLUSTER => {
                if let Some((p, _)) = text(after, "id").and_then(backend_parts) {
                    projects.insert(p.to_owned());
                }
            }
            _ => {}
        }
    }
    for parent in &locations {
        let services = client
            .run()
            .list_services(parent)
            .await
            .map_err(google(format!(
                "listing the Cloud Run services of {parent}"
            )))?;
        out.unplaced.extend(
            services
                .into_iter()
                .map(|s| s.name)
                .filter(|n| !placed.contains(n))
                .map(|n| format!("{SERVICE}: {n}")),
        );
    }
    for project in &projects {
        let backends = client
            .compute()
            .list_backend_services(project, None)
            .await
            .map_err(google(format!("listing the backend services of {project}")))?;
        out.unplaced.extend(
            backends
                .into_iter()
                .filter(|b| b.port_name.as_deref() == Some(PORT_NAME))
                .map(|b| format!("projects/{project}/global/backendServices/{}", b.name))
                .filter(|id| !placed.contains(id))
                .map(|id| format!("{CLUSTER}: {id}")),
        );
    }
    for list in budgets.values() {
        out.unplaced.extend(
            list.iter()
                .filter(|b| !is_tenant_budget(&b.display_name) && !placed.contains(&b.name))
                .map(|b| format!("{GUARD}: {} ({})", b.name, b.display_name)),
        );
    }
    Ok(out)
}

/// The existing object `change` (a create) stands for, if any.
async fn lookup(
    client: &GcpClient,
    change: &ResourceChange,
    budgets: &mut BTreeMap<String, Vec<gcp_client::budgets::Budget>>,
) -> Result<Option<Adopted>, CliError> {
    let after = &change.after;
    let adopted = |import_id: &str, object: String| Adopted {
        address: change.address.clone(),
        import_id: import_id.to_owned(),
        object,
    };
    match change.resource_type.as_str() {
        SERVICE => {
            let Some(id) = text(after, "id") else {
                return Ok(None);
            };
            let found = client
                .run()
                .find_service(id)
                .await
                .map_err(google(format!("reading {id}")))?;
            Ok(found.map(|s| {
                adopted(
                    id,
                    format!("Cloud Run service, generation {}", s.generation),
                )
            }))
        }
        CLUSTER => {
            let Some((project, name)) = text(after, "id").and_then(backend_parts) else {
                return Ok(None);
            };
            match client.compute().get_backend_service(project, name).await {
                Ok(b) => Ok(Some(adopted(
                    &format!("projects/{project}/global/backendServices/{name}"),
                    format!("backend service with {} group(s)", b.backends.len()),
                ))),
                Err(e) if e.api().is_some_and(|a| a.is_not_found()) => Ok(None),
                Err(e) => Err(google(format!("reading backend service {name}"))(e)),
            }
        }
        GUARD => {
            let (Some(account), Some(display)) =
                (text(after, "billing_account"), text(after, "display_name"))
            else {
                return Ok(None);
            };
            if !budgets.contains_key(account) {
                let list = client
                    .budgets()
                    .list(account, None)
                    .await
                    .map_err(google(format!(
                        "listing the budgets of billing account {account}"
                    )))?;
                budgets.insert(account.to_owned(), list);
            }
            let matching: Vec<&gcp_client::budgets::Budget> = budgets[account]
                .iter()
                .filter(|b| b.display_name == display)
                .collect();
            match matching.as_slice() {
                [one] => Ok(Some(adopted(&one.name, format!("budget \"{display}\"")))),
                [] => Ok(None),
                several => Err(CliError::Usage(format!(
                    "{} budgets on billing account {account} are named \"{display}\" ({}); {} can adopt only one. Rename or delete the others, then run adopt again.",
                    several.len(),
                    several.iter().map(|b| b.name.as_str()).collect::<Vec<_>>().join(", "),
                    change.address
                ))),
            }
        }
        _ => Ok(None),
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
    if !survey.create.is_empty() {
        out.push_str("\nNot found, so the next apply creates them:\n");
        for a in &survey.create {
            out.push_str(&format!("  {a}\n"));
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
            }],
            ..Survey::default()
        };
        let tf = imports_tf(&survey);
        assert!(tf.contains(
            "import {\n  to = module.services.platform_blue_green_service.service[\"api\"]\n  id = \"projects/p/locations/us-central1/services/api\"\n}"
        ), "{tf}");
    }
}
