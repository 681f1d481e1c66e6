//! What exists remotely, found with a constant number of calls whatever the
//! node count: one aggregated instance list filtered by the cluster label, one
//! group GET per zone, the health check, the backend service and one filtered
//! firewall list.

use gcp_client::compute::{BackendService, Firewall, HealthCheck, Instance, InstanceGroup};
use gcp_client::GcpClient;
use tfplugin::{Diagnostic, OpContext, Value};

use super::api::{call, not_found_as_none};
use super::spec::{Spec, CONFIG_LABEL};

#[derive(Debug, Default, Clone)]
pub struct Observed {
    /// VMs labelled with this cluster, sorted by name.
    pub nodes: Vec<Instance>,
    /// `(zone, group)` for the zones that have a group.
    pub groups: Vec<(String, InstanceGroup)>,
    pub health_check: Option<HealthCheck>,
    pub backend_service: Option<BackendService>,
    pub firewalls: Vec<Firewall>,
}

impl Observed {
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.groups.is_empty()
            && self.health_check.is_none()
            && self.backend_service.is_none()
            && self.firewalls.is_empty()
    }

    pub fn node(&self, name: &str) -> Option<&Instance> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

pub async fn observe(
    ctx: &OpContext,
    client: &GcpClient,
    spec: &Spec,
) -> Result<Observed, Diagnostic> {
    let compute = client.compute();
    let p = spec.project.as_str();
    let filter = spec.label_filter();
    let mut nodes = call(
        ctx,
        "listing the cluster's VMs",
        compute.aggregated_instances(p, Some(&filter)),
    )
    .await?;
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut groups = Vec::new();
    for zone in &spec.zones {
        let found = call(
            ctx,
            &format!("reading instance group {}", spec.group_name(zone)),
            not_found_as_none(compute.get_instance_group(p, zone, &spec.group_name(zone))),
        )
        .await?;
        if let Some(g) = found {
            groups.push((zone.clone(), g));
        }
    }
    let health_check = call(
        ctx,
        "reading the health check",
        not_found_as_none(compute.get_health_check(p, &spec.name)),
    )
    .await?;
    let backend_service = call(
        ctx,
        "reading the backend service",
        not_found_as_none(compute.get_backend_service(p, &spec.name)),
    )
    .await?;
    let fw_filter = format!("name eq \"{}-.*\"", spec.name);
    let wanted: Vec<String> = super::children::firewalls(&Spec {
        firewall_enabled: true,
        ..spec.clone()
    })
    .into_iter()
    .map(|f| f.name)
    .collect();
    let firewalls = call(
        ctx,
        "listing the cluster's firewall rules",
        compute.list_firewalls(p, Some(&fw_filter)),
    )
    .await?
    .into_iter()
    // The name filter is a prefix match; keep only names this cluster uses.
    .filter(|f| wanted.contains(&f.name) || f.name == format!("{}-admin", spec.name))
    .collect();
    Ok(Observed {
        nodes,
        groups,
        health_check,
        backend_service,
        firewalls,
    })
}

fn s(v: Option<&str>) -> Value {
    Value::from(v.unwrap_or_default())
}

pub fn node_value(n: &Instance) -> Value {
    let nic = n.network_interfaces.first();
    Value::object([
        ("name", Value::from(n.name.clone())),
        ("zone", Value::from(n.zone_name())),
        ("self_link", s(n.self_link.as_deref())),
        ("internal_ip", s(nic.and_then(|i| i.network_ip.as_deref()))),
        (
            "external_ip",
            s(nic
                .and_then(|i| i.access_configs.first())
                .and_then(|a| a.nat_ip.as_deref())),
        ),
        ("status", s(n.status.as_deref())),
        (
            "config_hash",
            s(n.labels.get(CONFIG_LABEL).map(String::as_str)),
        ),
    ])
}

/// Writes the computed attributes of `state` from what was observed.
pub fn set_computed(state: &mut Value, obs: &Observed) {
    state.set(
        "nodes",
        Value::List(obs.nodes.iter().map(node_value).collect()),
    );
    state.set(
        "instance_groups",
        Value::List(
            obs.groups
                .iter()
                .map(|(zone, g)| {
                    Value::object([
                        ("name", Value::from(g.name.clone())),
                        ("zone", Value::from(zone.clone())),
                        ("self_link", s(g.self_link.as_deref())),
                    ])
                })
                .collect(),
        ),
    );
    state.set(
        "health_check",
        s(obs
            .health_check
            .as_ref()
            .and_then(|h| h.self_link.as_deref())),
    );
    state.set(
        "backend_service",
        s(obs
            .backend_service
            .as_ref()
            .and_then(|b| b.self_link.as_deref())),
    );
    let mut names: Vec<String> = obs.firewalls.iter().map(|f| f.name.clone()).collect();
    names.sort();
    state.set(
        "firewall_rules",
        Value::List(names.into_iter().map(Value::from).collect()),
    );
}
