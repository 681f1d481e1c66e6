//! Plan: defaults, validation, what must be replaced, and which computed
//! attributes will change (unknown) versus stay as they are.

use tfplugin::{AttributePath, Diagnostic, Diagnostics, PlanRequest, PlanResponse, Value};

use tfplugin::typed::MaybeUnknown::{self, Known, Unknown};

use super::model::{Model, Node};
use super::render::startup_script;
use super::spec::{validate, Spec};
use crate::framework::model::{decode, encode};
use crate::state::ProviderData;

/// Attributes the resource computes from what exists remotely.
const CHILD_ATTRS: [&str; 5] = [
    Model::NODES,
    Model::INSTANCE_GROUPS,
    Model::HEALTH_CHECK,
    Model::BACKEND_SERVICE,
    Model::FIREWALL_RULES,
];
const DERIVED_ATTRS: [&str; 3] = [Model::ID, Model::CONFIG_HASH, Model::EFFECTIVE_LABELS];
/// Changing these means another cluster (`zones` changes in place: added
/// zones get groups and nodes, removed ones are drained and deleted).
const REPLACE_ATTRS: [&str; 3] = [Model::NAME, Model::PROJECT, Model::REGION];

pub fn cluster_id(spec: &Spec) -> String {
    id_of(&spec.project, &spec.name)
}

/// The id: the backend service, the cluster's anchor.
pub fn id_of(project: &str, name: &str) -> String {
    format!("projects/{project}/global/backendServices/{name}")
}

impl Model {
    /// The computed children, taken from `other`.
    fn take_children(&mut self, other: &Model) {
        self.nodes = other.nodes.clone();
        self.instance_groups = other.instance_groups.clone();
        self.health_check = other.health_check.clone();
        self.backend_service = other.backend_service.clone();
        self.firewall_rules = other.firewall_rules.clone();
    }

    /// Marks the computed children unknown until apply.
    fn forget_children(&mut self) {
        self.nodes = Unknown;
        self.instance_groups = Unknown;
        self.health_check = Unknown;
        self.backend_service = Unknown;
        self.firewall_rules = Unknown;
    }

    /// The configuration part (computed children and derived values unset).
    fn config_part(&self) -> Model {
        let mut c = self.clone();
        c.forget_children();
        c.id = Unknown;
        c.config_hash = Unknown;
        c.effective_labels = Unknown;
        c
    }

    /// `(name, zone)` of the nodes recorded.
    fn recorded_nodes(&self) -> Vec<(String, String)> {
        self.nodes()
            .iter()
            .map(|n| (n.name.clone(), n.zone.clone()))
            .collect()
    }

    fn nodes(&self) -> &[Node] {
        self.nodes.known().map_or(&[], Vec::as_slice)
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Whether the prior state's children show the cluster as the spec wants it.
fn children_match(prior: &Model, spec: &Spec, hash: &str) -> bool {
    let nodes = prior.nodes();
    let desired = spec.layout(&prior.recorded_nodes());
    let nodes_ok = nodes.len() == desired.len()
        && desired.iter().all(|(name, _)| {
            nodes
                .iter()
                .any(|n| &n.name == name && n.status == "RUNNING" && n.config_hash == hash)
        });
    let groups = prior.instance_groups.known().map_or(&[][..], Vec::as_slice);
    // Each group holds exactly its zone's nodes (membership drift shows here).
    let groups_ok = groups.len() == spec.zones.len()
        && groups.iter().all(|g| {
            let want = desired
                .iter()
                .filter(|(_, z)| *z == g.zone)
                .map(|(n, _)| n.clone())
                .collect();
            sorted(g.instances.clone()) == sorted(want)
        });
    let set = |v: &MaybeUnknown<String>| v.known().is_some_and(|s| !s.is_empty());
    let lb_present = set(&prior.backend_service) && set(&prior.health_check);
    let want_fw = super::children::firewalls(spec)
        .into_iter()
        .map(|f| f.name)
        .collect();
    let have_fw = prior.firewall_rules.known().cloned().unwrap_or_default();
    nodes_ok && groups_ok && lb_present == spec.lb.enabled && sorted(want_fw) == sorted(have_fw)
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
    if planned.get(Model::REGION).is_null() {
        resp.diagnostics.push(
            Diagnostic::error(
                "No region",
                "Set `region` here, or `region` in the provider block.",
            )
            .at(AttributePath::root(Model::REGION)),
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
        for a in CHILD_ATTRS.iter().chain(&DERIVED_ATTRS) {
            planned.set(a, Value::Unknown);
        }
        resp.planned_state = planned;
        return resp;
    }
    let planned_value = planned;
    let (mut planned, spec, prior) = match typed(&planned_value, prior, &data.default_labels) {
        Ok(t) => t,
        Err(d) => {
            resp.diagnostics.push(d);
            return resp;
        }
    };
    let hash = spec.config_hash(&startup_script(&spec));
    planned.id = Known(cluster_id(&spec));
    planned.config_hash = Known(hash.clone());
    planned.effective_labels = Known(spec.labels.clone());
    let unchanged = prior.as_ref().is_some_and(|prior| {
        resp.requires_replace.is_empty()
            && prior.effective_labels == planned.effective_labels
            && prior.config_part() == planned.config_part()
            && prior.config_hash.known() == Some(&hash)
            && children_match(prior, &spec, &hash)
    });
    match (&prior, unchanged) {
        (Some(prior), true) => planned.take_children(prior),
        _ => planned.forget_children(),
    }
    if let (Some(prior), true) = (&prior, resp.requires_replace.is_empty()) {
        resp.diagnostics = replacement_notice(prior, &spec, &hash);
    }
    match encode(&planned) {
        Ok(v) => resp.planned_state = v,
        Err(d) => resp.diagnostics.push(d),
    }
    resp
}

/// The known planned value and prior state as models, and the spec.
fn typed(
    planned: &Value,
    prior: &Value,
    default_labels: &std::collections::BTreeMap<String, String>,
) -> Result<(Model, Spec, Option<Model>), Diagnostic> {
    let planned: Model = decode(planned)?;
    let spec = planned.spec(default_labels)?;
    let prior = if prior.is_null() {
        None
    } else {
        Some(decode(prior)?)
    };
    Ok((planned, spec, prior))
}

/// Warnings naming the running nodes a change will roll, and the VMs an
/// import found that the next apply adopts.
fn replacement_notice(prior: &Model, spec: &Spec, hash: &str) -> Diagnostics {
    let desired: Vec<String> = spec
        .layout(&prior.recorded_nodes())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let kept: Vec<&Node> = prior
        .nodes()
        .iter()
        .filter(|n| desired.contains(&n.name))
        .collect();
    let unlabelled = |n: &Node| n.config_hash.is_empty();
    let outdated = kept
        .iter()
        .filter(|n| !unlabelled(n) && n.config_hash != hash)
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
    let recorded = super::read::recorded_zones(Some(prior));
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
        let drained: Vec<String> = prior
            .recorded_nodes()
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
