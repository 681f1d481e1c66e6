//! Which composites a plan would create already exist. First where the
//! provider would create them (the planned ID); otherwise by discovery among
//! what exists where the root's composites live: a Cloud Run service whose
//! name carries the service's key (`api-prod-service` for `api`), the one
//! LiveKit-looking backend service of the project, the one budget of the
//! billing account that covers the guard's project. An object found under
//! another name is adopted with that name when a root variable sets it.

use std::collections::{BTreeMap, BTreeSet};

use gcp_client::budgets::Budget;
use gcp_client::compute::BackendService;
use gcp_client::run::Service;
use gcp_client::GcpClient;
use gcp_client::Optional;
use serde_json::Value;

use platform_provider::resources::budget_guard::is_tenant_budget;
use platform_provider::resources::livekit_cluster::PORT_NAME;

use super::google::{self, Defaults, Outcome};
use super::names::name_var;
use super::{Adopted, Misnamed, Survey};
use crate::show::{ResourceChange, ShowDoc};
use crate::CliError;

const SERVICE: &str = "platform_blue_green_service";
const CLUSTER: &str = "platform_livekit_cluster";
const GUARD: &str = "platform_budget_guard";

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
    rest.split_once("/global/backendServices/")
}

fn backend_id(project: &str, name: &str) -> String {
    format!("projects/{project}/global/backendServices/{name}")
}

fn short(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The instance key of `a["k"]`, if any.
fn instance_key(address: &str) -> Option<String> {
    let k = address.rsplit_once('[')?.1.strip_suffix(']')?;
    serde_json::from_str::<String>(k).ok()
}

/// What exists where the root's composites live, listed once per place.
#[derive(Default)]
struct Existing {
    services: BTreeMap<String, Vec<Service>>,
    backends: BTreeMap<String, Vec<BackendService>>,
    budgets: BTreeMap<String, Vec<Budget>>,
    project_numbers: BTreeMap<String, String>,
}

impl Existing {
    async fn services(&mut self, client: &GcpClient, parent: &str) -> Result<&[Service], CliError> {
        if !self.services.contains_key(parent) {
            let list = client
                .run()
                .list_services(parent)
                .await
                .map_err(google(format!(
                    "listing the Cloud Run services of {parent}"
                )))?;
            self.services.insert(parent.to_owned(), list);
        }
        Ok(&self.services[parent])
    }

    async fn backends(
        &mut self,
        client: &GcpClient,
        project: &str,
    ) -> Result<&[BackendService], CliError> {
        if !self.backends.contains_key(project) {
            let list = client
                .compute()
                .list_backend_services(project, None)
                .await
                .map_err(google(format!("listing the backend services of {project}")))?;
            self.backends.insert(project.to_owned(), list);
        }
        Ok(&self.backends[project])
    }

    async fn budgets(&mut self, client: &GcpClient, account: &str) -> Result<&[Budget], CliError> {
        if !self.budgets.contains_key(account) {
            let list = client
                .budgets()
                .list(account, None)
                .await
                .map_err(google(format!(
                    "listing the budgets of billing account {account}"
                )))?;
            self.budgets.insert(account.to_owned(), list);
        }
        Ok(&self.budgets[account])
    }

    /// `projects/<number>` of a project ID (budget filters hold numbers).
    async fn number(&mut self, client: &GcpClient, project: &str) -> Result<String, CliError> {
        if !self.project_numbers.contains_key(project) {
            let p = client
                .resource_manager()
                .get_project(project)
                .await
                .map_err(google(format!("reading project {project}")))?;
            self.project_numbers.insert(project.to_owned(), p.name);
        }
        Ok(self.project_numbers[project].clone())
    }
}

/// An existing object a planned create stands for.
struct Found {
    import_id: String,
    /// Its name, as the root's name attribute would hold it.
    name: String,
    object: String,
}

/// Looks up every composite the plan (`doc`: its `terraform show -json`) would create.
pub async fn survey(client: &GcpClient, plan: &ShowDoc, doc: &Value) -> Result<Survey, CliError> {
    let mut out = Survey::default();
    let mut existing = Existing::default();
    // IDs the root already manages, imports or adopts: never found twice.
    let mut placed: BTreeSet<String> = BTreeSet::new();
    let composites: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| {
            c.mode == "managed" && [SERVICE, CLUSTER, GUARD].contains(&c.resource_type.as_str())
        })
        .collect();
    let mut missing = Vec::new();
    for change in &composites {
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
                name: None,
            });
        } else if change.actions == ["create"] {
            missing.push(*change);
        }
    }
    // Exact matches first, so discovery never hands one object to two addresses.
    let mut unmatched = Vec::new();
    for change in missing {
        match exact(client, change, &mut existing).await? {
            Some(found) => {
                placed.insert(found.import_id.clone());
                out.adopted.push(adopted(doc, change, found));
            }
            None => unmatched.push(change),
        }
    }
    for change in unmatched {
        let Some(found) = discover(client, change, &mut existing, &placed).await? else {
            out.create.push(change.address.clone());
            continue;
        };
        placed.insert(found.import_id.clone());
        found_renamed(doc, change, found, &mut out);
    }
    for change in &composites {
        list_place(client, change, &mut existing).await?;
    }
    google_parts(client, plan, doc, &mut out).await?;
    unplaced(&existing, &placed, &mut out);
    Ok(out)
}

/// The hashicorp/google resources the plan would create, each looked up by
/// its planned name (see `google`).
async fn google_parts(
    client: &GcpClient,
    plan: &ShowDoc,
    doc: &Value,
    out: &mut Survey,
) -> Result<(), CliError> {
    let variable = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| doc["variables"][n]["value"].as_str())
            .map(str::to_owned)
    };
    let defaults = Defaults {
        project: variable(&["project_id", "project"]),
        region: variable(&["region"]),
    };
    let creates = plan.changes.iter().filter(|c| {
        c.mode == "managed" && c.resource_type.starts_with("google_") && c.actions == ["create"]
    });
    for change in creates {
        let address = change.address.clone();
        match google::look_up(client, change, &defaults).await? {
            Outcome::Found(import_id) => out.adopted.push(Adopted {
                address,
                object: change.resource_type.clone(),
                import_id,
                name: None,
            }),
            Outcome::FoundAs { import_id, name } => {
                let object = format!("{} {name}", change.resource_type);
                let found = Found {
                    import_id,
                    name,
                    object,
                };
                found_renamed(doc, change, found, out);
            }
            Outcome::Missing => out.create.push(address),
            Outcome::Check(id) => out.check.push((address, id)),
            Outcome::Skipped(why) => out.skipped.push((address, why)),
        }
    }
    Ok(())
}

/// Lists what exists where `change`'s composite lives, for the unplaced report.
async fn list_place(
    client: &GcpClient,
    change: &ResourceChange,
    existing: &mut Existing,
) -> Result<(), CliError> {
    let v = if change.after.is_object() {
        &change.after
    } else {
        &change.before
    };
    match change.resource_type.as_str() {
        SERVICE => {
            if let (Some(p), Some(l)) = (text(v, "project"), text(v, "location")) {
                existing
                    .services(client, &format!("projects/{p}/locations/{l}"))
                    .await?;
            }
        }
        CLUSTER => {
            if let Some(p) = text(v, "project") {
                existing.backends(client, p).await?;
            }
        }
        _ => {
            if let Some(a) = text(v, "billing_account") {
                existing.budgets(client, a).await?;
            }
        }
    }
    Ok(())
}

fn name_attribute(change: &ResourceChange) -> &'static str {
    if change.resource_type == GUARD {
        "display_name"
    } else {
        "name"
    }
}

/// The adoption of `found` at `change`'s address, with the root variable that
/// sets its name when there is one: written even when the name is the one
/// planned, so `adopt.auto.tfvars` stays complete across runs.
fn adopted(doc: &Value, change: &ResourceChange, found: Found) -> Adopted {
    Adopted {
        address: change.address.clone(),
        import_id: found.import_id,
        object: found.object,
        name: name_var(doc, &change.address, name_attribute(change)).map(|v| (v, found.name)),
    }
}

/// An object found under another name than `change` plans: adopted when a
/// root variable sets the name (written to `adopt.auto.tfvars`), else reported
/// as misnamed (importing it under the planned name would replace it).
fn found_renamed(doc: &Value, change: &ResourceChange, found: Found, out: &mut Survey) {
    let a = adopted(doc, change, found);
    if a.name.is_some() {
        out.adopted.push(a);
    } else {
        out.misnamed.push(Misnamed {
            planned: text(&change.after, name_attribute(change))
                .unwrap_or_default()
                .to_owned(),
            adopted: a,
        });
    }
}

/// The object at the ID the plan gives `change`, if it exists.
async fn exact(
    client: &GcpClient,
    change: &ResourceChange,
    existing: &mut Existing,
) -> Result<Option<Found>, CliError> {
    let after = &change.after;
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
            Ok(found.map(|s| service_found(&s)))
        }
        CLUSTER => {
            let Some((project, name)) = text(after, "id").and_then(backend_parts) else {
                return Ok(None);
            };
            let found = client.compute().get_backend_service(project, name).await;
            found
                .optional()
                .map(|b| b.map(|b| backend_found(project, &b)))
                .map_err(google(format!("reading backend service {name}")))
        }
        GUARD => {
            let (Some(account), Some(display)) =
                (text(after, "billing_account"), text(after, "display_name"))
            else {
                return Ok(None);
            };
            let budgets = existing.budgets(client, account).await?;
            let matching: Vec<&Budget> = budgets
                .iter()
                .filter(|b| b.display_name == display)
                .collect();
            match matching.as_slice() {
                [one] => Ok(Some(budget_found(one))),
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

fn service_found(s: &Service) -> Found {
    Found {
        import_id: s.name.clone(),
        name: short(&s.name).to_owned(),
        object: format!("Cloud Run service, generation {}", s.generation),
    }
}

fn backend_found(project: &str, b: &BackendService) -> Found {
    Found {
        import_id: backend_id(project, &b.name),
        name: b.name.clone(),
        object: format!("backend service with {} group(s)", b.backends.len()),
    }
}

fn budget_found(b: &Budget) -> Found {
    Found {
        import_id: b.name.clone(),
        name: b.display_name.clone(),
        object: format!("budget \"{}\"", b.display_name),
    }
}

/// Exactly one candidate, or none (several are reported, never guessed).
fn only<T>(mut candidates: Vec<T>) -> Option<T> {
    (candidates.len() == 1).then(|| candidates.remove(0))
}

/// The one unplaced object that `change` stands for under another name.
async fn discover(
    client: &GcpClient,
    change: &ResourceChange,
    existing: &mut Existing,
    placed: &BTreeSet<String>,
) -> Result<Option<Found>, CliError> {
    let after = &change.after;
    match change.resource_type.as_str() {
        SERVICE => {
            let (Some(project), Some(location)) = (text(after, "project"), text(after, "location"))
            else {
                return Ok(None);
            };
            // The service's key (`api` of services["api"]) or its planned name.
            let Some(token) =
                instance_key(&change.address).or_else(|| text(after, "name").map(str::to_owned))
            else {
                return Ok(None);
            };
            let parent = format!("projects/{project}/locations/{location}");
            let services = existing.services(client, &parent).await?;
            Ok(only(
                services
                    .iter()
                    .filter(|s| !placed.contains(&s.name))
                    .filter(|s| short(&s.name).split('-').any(|t| t == token))
                    .collect(),
            )
            .map(service_found))
        }
        CLUSTER => {
            let Some(project) = text(after, "project") else {
                return Ok(None);
            };
            let backends = existing.backends(client, project).await?;
            Ok(only(
                backends
                    .iter()
                    .filter(|b| !placed.contains(&backend_id(project, &b.name)))
                    .filter(|b| {
                        b.port_name.as_deref() == Some(PORT_NAME) || b.name.contains("livekit")
                    })
                    .collect(),
            )
            .map(|b| backend_found(project, b)))
        }
        GUARD => {
            let Some(account) = text(after, "billing_account") else {
                return Ok(None);
            };
            let projects: Vec<String> = after
                .get("projects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let mut numbers = Vec::new();
            for p in &projects {
                numbers.push(existing.number(client, p).await?);
            }
            let budgets = existing.budgets(client, account).await?;
            Ok(only(
                budgets
                    .iter()
                    .filter(|b| !is_tenant_budget(&b.display_name) && !placed.contains(&b.name))
                    .filter(|b| {
                        let covered = b.budget_filter.as_ref().map(|f| &f.projects);
                        numbers.is_empty()
                            || covered.is_none_or(|c| {
                                c.is_empty() || numbers.iter().all(|n| c.contains(n))
                            })
                    })
                    .collect(),
            )
            .map(budget_found))
        }
        _ => Ok(None),
    }
}

/// Composites that exist where the root's live but that nothing adopts.
fn unplaced(existing: &Existing, placed: &BTreeSet<String>, out: &mut Survey) {
    for services in existing.services.values() {
        out.unplaced.extend(
            services
                .iter()
                .filter(|s| !placed.contains(&s.name))
                .map(|s| format!("{SERVICE}: {}", s.name)),
        );
    }
    for (project, backends) in &existing.backends {
        out.unplaced.extend(
            backends
                .iter()
                .filter(|b| b.port_name.as_deref() == Some(PORT_NAME))
                .map(|b| backend_id(project, &b.name))
                .filter(|id| !placed.contains(id))
                .map(|id| format!("{CLUSTER}: {id}")),
        );
    }
    for budgets in existing.budgets.values() {
        out.unplaced.extend(
            budgets
                .iter()
                .filter(|b| !is_tenant_budget(&b.display_name) && !placed.contains(&b.name))
                .map(|b| format!("{GUARD}: {} ({})", b.name, b.display_name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::instance_key;

    #[test]
    fn instance_keys() {
        assert_eq!(
            instance_key("module.services.platform_blue_green_service.service[\"api\"]"),
            Some("api".into())
        );
        assert_eq!(instance_key("platform_blue_green_service.api"), None);
    }
}
