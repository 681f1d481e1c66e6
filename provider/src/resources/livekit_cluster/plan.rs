//! Plan: defaults, validation, what must be replaced, and which computed
//! attributes will change (unknown) versus stay as they are.

use tfplugin::{AttributePath, Diagnostic, Diagnostics, PlanRequest, PlanResponse, Value};

use super::model::Model;
use super::observe::labels_value;
use super::render::startup_script;
use super::spec::{validate, Spec};
use crate::state::ProviderData;

/// Attributes the resource computes from what exists remotely.
pub const CHILD_ATTRS: [&str; 5] = [
    "nodes",
    "instance_groups",
    "health_check",
    "backend_service",
    "firewall_rules",
];
const DERIVED_ATTRS: [&str; 3] = ["id", "config_hash", "effective_labels"];
/// Changing these means another cluster (`zones` changes in place: added
/// zones get groups and nodes, removed ones are drained and deleted).
const REPLACE_ATTRS: [&str; 3] = ["name", "project", "region"];

pub fn cluster_id(spec: &Spec) -> String {
    id_of(&spec.project, &spec.name)
}

/// The id: the backend service, the cluster's anchor.
pub fn id_of(project: &str, name: &str) -> String {
    format!("projects/{project}/global/backendServices/{name}")
}

/// The configuration part of a state or plan (computed children removed).
fn config_part(v: &Value) -> Value {
    let mut c = v.clone();
    for a in CHILD_ATTRS.iter().chain(DERIVED_ATTRS.iter()) {
        c.set(a, Value::Null);
    }
    c
}

fn set_children(v: &mut Value, value: impl Fn() -> Value) {
    for a in CHILD_ATTRS {
        v.set(a, value());
    }
}

/// `(name, zone)` of the nodes a state value records.
fn recorded_nodes(v: &Value) -> Vec<(String, String)> {
    v.get("nodes")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| {
            Some((
                n.get("name").as_str()?.to_owned(),
                n.get("zone").as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// Whether the prior state's children show the cluster as the spec wants it.
fn children_match(prior: &Value, spec: &Spec, hash: &str) -> bool {
    let nodes = prior.get("nodes").as_seq().unwrap_or_default();
    let desired = spec.layout(&recorded_nodes(prior));
    let nodes_ok = nodes.len() == desired.len()
        && desired.iter().all(|(name, _)| {
            nodes.iter().any(|n| {
                n.get("name").as_str() == Some(name)
                    && n.get("status").as_str() == Some("RUNNING")
                    && n.get("config_hash").as_str() == Some(hash)
            })
        });
    let groups = prior.get("instance_groups").as_seq().unwrap_or_default();
    // Each group holds exactly its zone's nodes (membership drift shows here).
    let groups_ok = groups.len() == spec.zones.len()
        && groups.iter().all(|g| {
            let mut want: Vec<String> = desired
                .iter()
                .filter(|(_, z)| Some(z.as_str()) == g.get("zone").as_str())
                .map(|(n, _)| n.clone())
                .collect();
            want.sort();
            names(g.get("instances")) == want
        });
    let lb_present = prior
        .get("backend_service")
        .as_str()
        .is_some_and(|s| !s.is_empty())
        && prior
            .get("health_check")
            .as_str()
            .is_some_and(|s| !s.is_empty());
    let mut want_fw: Vec<String> = super::children::firewalls(spec)
        .into_iter()
        .map(|f| f.name)
        .collect();
    want_fw.sort();
    let have_fw = names(prior.get("firewall_rules"));
    nodes_ok && groups_ok && lb_present == spec.lb.enabled && want_fw == have_fw
}

pub fn plan(data: &ProviderData, req: &PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse::default();
    if req.proposed_new_state.is_null() {
        return resp;
    }
    let mut planned = req.proposed_new_state.clone();
    Model::fill_defaults(
        &mut planned,
        data.project.as_deref(),
        data.region.as_deref(),
    );
    let diags = validate(&planned);
    if diags.has_errors() {
        resp.diagnostics = diags;
        return resp;
    }
    if planned.get("region").is_null() {
        resp.diagnostics.push(
            Diagnostic::error(
                "No region",
                "Set `region` here, or `region` in the provider block.",
            )
            .at(AttributePath::root("region")),
        );
        return resp;
    }
    let prior = &req.prior_state;
    if !prior.is_null() {
        for a in REPLACE_ATTRS {
            if prior.get(a) != planned.get(a) {
                resp.requires_replace.push(AttributePath::root(a));
            }
        }
    }
    if planned.contains_unknown() {
        // Not enough known to name children or hash the config yet.
        for a in DERIVED_ATTRS {
            planned.set(a, Value::Unknown);
        }
        set_children(&mut planned, || Value::Unknown);
        resp.planned_state = planned;
        return resp;
    }
    let spec = match Spec::from_value(&planned, &data.default_labels) {
        Ok(s) => s,
        Err(d) => {
            resp.diagnostics.push(d);
            return resp;
        }
    };
    let hash = spec.config_hash(&startup_script(&spec));
    planned.set("id", Value::from(cluster_id(&spec)));
    planned.set("config_hash", Value::from(hash.clone()));
    planned.set("effective_labels", labels_value(&spec.labels));
    let unchanged = !prior.is_null()
        && resp.requires_replace.is_empty()
        && prior.get("effective_labels") == planned.get("effective_labels")
        && config_part(prior) == config_part(&planned)
        && prior.get("config_hash").as_str() == Some(hash.as_str())
        && children_match(prior, &spec, &hash);
    if unchanged {
        for a in CHILD_ATTRS {
            planned.set(a, prior.get(a).clone());
        }
    } else {
        set_children(&mut planned, || Value::Unknown);
    }
    if !prior.is_null() && resp.requires_replace.is_empty() {
        resp.diagnostics = replacement_notice(prior, &spec, &hash);
    }
    resp.planned_state = planned;
    resp
}

/// Warnings naming the running nodes a change will roll, and the VMs an
/// import found that the next apply adopts.
fn replacement_notice(prior: &Value, spec: &Spec, hash: &str) -> Diagnostics {
    let desired: Vec<String> = spec
        .layout(&recorded_nodes(prior))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let kept: Vec<&Value> = prior
        .get("nodes")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter(|n| {
            n.get("name")
                .as_str()
                .is_some_and(|name| desired.iter().any(|d| d == name))
        })
        .collect();
    let unlabelled = |n: &Value| n.get("config_hash").as_str().unwrap_or_default().is_empty();
    let outdated = kept
        .iter()
        .filter(|n| !unlabelled(n) && n.get("config_hash").as_str() != Some(hash))
        .count();
    let adopted = kept.iter().filter(|n| unlabelled(n)).count();
    let mut d = Diagnostics::new();
    if outdated > 0 {
        d.push(Diagnostic::warning(
            format!("{outdated} node(s) will be replaced, {} at a time", spec.rollout.max_unavailable),
            format!(
                "Their configuration (machine type, image, disk, network or LiveKit settings) changed. Each node is taken out of its instance group, stopped (LiveKit drains for up to {}s), recreated, and must report HEALTHY before the next one is replaced.",
                spec.rollout.drain_timeout.as_secs()
            ),
        ));
    }
    let recorded = super::observe::recorded_zones(prior);
    let retired: Vec<&String> = recorded
        .iter()
        .filter(|z| !spec.zones.contains(z))
        .collect();
    let added: Vec<&String> = spec
        .zones
        .iter()
        .filter(|z| !recorded.contains(z))
        .collect();
    if !retired.is_empty() || !added.is_empty() {
        let drained: Vec<String> = recorded_nodes(prior)
            .into_iter()
            .filter(|(name, zone)| retired.contains(&zone) || !desired.contains(name))
            .map(|(name, _)| name)
            .collect();
        let list = |zones: &[&String]| {
            zones
                .iter()
                .map(|z| z.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut detail = String::from("The cluster is changed in place.");
        if !added.is_empty() {
            detail.push_str(&format!(
                " Added: {} (a group each, and their share of the nodes, created first).",
                list(&added)
            ));
        }
        if !retired.is_empty() {
            detail.push_str(&format!(
                " Removed: {} (their groups leave the backend service and are deleted).",
                list(&retired)
            ));
        }
        if !drained.is_empty() {
            detail.push_str(&format!(
                " Drained (stopped for up to {}s) and deleted: {}.",
                spec.rollout.drain_timeout.as_secs(),
                drained.join(", ")
            ));
        }
        d.push(Diagnostic::warning("The cluster's zones change", detail));
    }
    if adopted > 0 {
        d.push(Diagnostic::warning(
            format!("{adopted} imported VM(s) will be adopted"),
            "They are labelled with the cluster's labels in place, without a restart. A VM whose machine type, disk or network tags differ from the configuration is then replaced like any outdated node; one that matches keeps running with its own startup script until a later configuration change replaces it.",
        ));
    }
    d
}
