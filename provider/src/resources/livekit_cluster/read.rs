//! What exists remotely, found with a constant number of calls whatever the
//! node count: one aggregated instance list filtered by the cluster label, the
//! backend service, one filtered firewall list, the health check, and per zone
//! the group and its members. Only group members that lack the cluster label
//! (VMs of an imported, hand-built cluster before the first apply labels them)
//! are read one by one.
//!
//! The backend service is the cluster's anchor (its id): the groups and the
//! health check it references are the cluster's, whatever their names, which
//! is what lets an imported deployment keep its hand-made names.

use std::collections::BTreeSet;

use futures::future::{join_all, try_join_all};
use gcp_client::compute::{BackendService, Firewall, HealthCheck, Instance, InstanceGroup};
use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown::Known;
use tfplugin::{Diagnostic, OpContext};

use super::api::{call, not_found_as_none};
use super::model::{Group, Model, Node};
use super::spec::{Spec, CLUSTER_LABEL, CONFIG_LABEL};

/// One zone's instance group and the short names of its members.
#[derive(Debug, Clone)]
pub struct ObservedGroup {
    pub zone: String,
    pub group: InstanceGroup,
    pub members: BTreeSet<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Observed {
    /// VMs labelled with this cluster or members of its groups, sorted by name.
    pub nodes: Vec<Instance>,
    /// The groups found: the spec's zones first, then retired zones.
    pub groups: Vec<ObservedGroup>,
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

    pub fn group(&self, zone: &str) -> Option<&ObservedGroup> {
        self.groups.iter().find(|g| g.zone == zone)
    }

    /// Groups in zones the spec no longer lists (`zones` was changed).
    pub fn retired_groups<'a>(&'a self, spec: &'a Spec) -> impl Iterator<Item = &'a ObservedGroup> {
        self.groups.iter().filter(|g| !spec.zones.contains(&g.zone))
    }

    /// `(name, zone)` of every node found.
    pub fn existing(&self) -> Vec<(String, String)> {
        self.nodes
            .iter()
            .map(|n| (n.name.clone(), n.zone_name().to_owned()))
            .collect()
    }
}

/// Last segment of a resource URL.
pub fn short_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// The group name used in `zone`: the one the backend service points at, else ours.
pub fn group_name(spec: &Spec, bs: Option<&BackendService>, zone: &str) -> String {
    let marker = format!("/zones/{zone}/instanceGroups/");
    bs.and_then(|b| b.backends.iter().find(|x| x.group.contains(&marker)))
        .map_or_else(
            || spec.group_name(zone),
            |x| short_name(&x.group).to_owned(),
        )
}

/// The spec's zones, then zones the cluster may still occupy outside them (its
/// backend service's groups, its labelled VMs, the groups the state recorded):
/// after `zones` changed, those are retired by the next apply and must be seen
/// until they are gone.
fn occupied_zones(
    spec: &Spec,
    bs: Option<&BackendService>,
    nodes: &[Instance],
    recorded: &[String],
) -> Vec<String> {
    let mut zones = spec.zones.clone();
    let backend_zones = bs.into_iter().flat_map(|b| {
        b.backends.iter().filter_map(|x| {
            let (_, rest) = x.group.split_once("/zones/")?;
            rest.split('/').next()
        })
    });
    let node_zones = nodes.iter().map(Instance::zone_name);
    let recorded = recorded.iter().map(String::as_str);
    for zone in backend_zones.chain(node_zones).chain(recorded) {
        if !zone.is_empty() && !zones.iter().any(|z| z == zone) {
            zones.push(zone.to_owned());
        }
    }
    zones
}

/// The health check name: the one the backend service uses, else ours.
fn health_check_name(spec: &Spec, bs: Option<&BackendService>) -> String {
    bs.and_then(|b| b.health_checks.first())
        .map_or_else(|| spec.name.clone(), |h| short_name(h).to_owned())
}

async fn observe_group(
    ctx: &OpContext,
    client: &GcpClient,
    project: &str,
    zone: &str,
    name: &str,
) -> Result<Option<ObservedGroup>, Diagnostic> {
    let compute = client.compute();
    let found = call(
        ctx,
        &format!("reading instance group {name}"),
        not_found_as_none(compute.get_instance_group(project, zone, name)),
    )
    .await?;
    let Some(group) = found else {
        return Ok(None);
    };
    let members = call(
        ctx,
        &format!("listing members of {name}"),
        not_found_as_none(compute.list_group_instances(project, zone, name)),
    )
    .await?
    .unwrap_or_default()
    .into_iter()
    .map(|m| short_name(&m.instance).to_owned())
    .collect();
    Ok(Some(ObservedGroup {
        zone: zone.to_owned(),
        group,
        members,
    }))
}

/// What exists of the cluster `spec` describes. `recorded_zones` are the zones
/// whose groups the state recorded ([`recorded_zones`]): a group of a zone
/// removed from `zones` is found through them even once nothing else points
/// there, so an interrupted retirement never orphans it.
pub async fn observe(
    ctx: &OpContext,
    client: &GcpClient,
    spec: &Spec,
    recorded_zones: &[String],
) -> Result<Observed, Diagnostic> {
    let compute = client.compute();
    let p = spec.project.as_str();
    let filter = spec.label_filter();
    let fw_filter = format!("name eq \"{}-.*\"", spec.name);
    let (nodes, backend_service, firewalls) = tokio::try_join!(
        call(
            ctx,
            "listing the cluster's VMs",
            compute.aggregated_instances(p, Some(&filter)),
        ),
        call(
            ctx,
            "reading the backend service",
            not_found_as_none(compute.get_backend_service(p, &spec.name)),
        ),
        call(
            ctx,
            "listing the cluster's firewall rules",
            compute.list_firewalls(p, Some(&fw_filter)),
        ),
    )?;
    let bs = backend_service.as_ref();
    let hc_name = health_check_name(spec, bs);
    let zones = occupied_zones(spec, bs, &nodes, recorded_zones);
    let group_futs = zones.iter().map(|zone| {
        let name = group_name(spec, bs, zone);
        async move { observe_group(ctx, client, p, zone, &name).await }
    });
    let (groups, health_check) = tokio::try_join!(
        try_join_all(group_futs),
        call(
            ctx,
            "reading the health check",
            not_found_as_none(compute.get_health_check(p, &hc_name)),
        ),
    )?;
    let groups: Vec<ObservedGroup> = groups.into_iter().flatten().collect();
    let mut nodes = nodes;
    // Members without our label: adopted VMs of an imported cluster.
    let unlabelled: Vec<(&str, &str)> = groups
        .iter()
        .flat_map(|g| g.members.iter().map(move |m| (g.zone.as_str(), m.as_str())))
        .filter(|(_, m)| !nodes.iter().any(|n| n.name == *m))
        .collect();
    let fetched = join_all(unlabelled.into_iter().map(|(zone, name)| {
        call(
            ctx,
            "reading a group member",
            not_found_as_none(compute.get_instance(p, zone, name)),
        )
    }))
    .await;
    for f in fetched {
        if let Some(vm) = f? {
            // A member labelled for another cluster is not ours to manage.
            if vm.labels.get(CLUSTER_LABEL).is_none_or(|c| *c == spec.name) {
                nodes.push(vm);
            }
        }
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    for vm in &mut nodes {
        // The configuration label only vouches for what the provider built:
        // a VM whose machine type, disk or tags were changed out of band is
        // outdated, so plan shows drift and apply rolls it.
        if !hardware_matches(spec, vm) {
            vm.labels.remove(CONFIG_LABEL);
        }
    }
    let wanted: Vec<String> = super::children::firewalls(&Spec {
        firewall_enabled: true,
        ..spec.clone()
    })
    .into_iter()
    .map(|f| f.name)
    .collect();
    let firewalls = firewalls
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

/// Whether what can be read back of a VM (machine type, network tags, boot
/// disk size) is what `spec` asks for; its startup script cannot be compared.
pub fn hardware_matches(spec: &Spec, vm: &Instance) -> bool {
    let tags: BTreeSet<&String> = vm.tags.iter().flat_map(|t| t.items.iter()).collect();
    let want: BTreeSet<&String> = spec.tags.iter().collect();
    let boot = vm.disks.iter().find(|d| d.boot);
    let size_ok = boot
        .and_then(|d| d.disk_size_gb.as_deref())
        .is_none_or(|size| size == spec.disk_size_gb.to_string());
    // Google returns the disk type only where the insert's parameters are echoed.
    let type_ok = boot
        .and_then(|d| d.initialize_params.as_ref())
        .and_then(|p| p.disk_type.as_deref())
        .is_none_or(|t| short_name(t) == short_name(&spec.disk_type));
    vm.machine_type_name() == spec.machine_type && tags == want && size_ok && type_ok
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

pub fn node_of(n: &Instance) -> Node {
    let nic = n.network_interfaces.first();
    Node {
        name: n.name.clone(),
        zone: n.zone_name().to_owned(),
        self_link: s(n.self_link.as_deref()),
        internal_ip: s(nic.and_then(|i| i.network_ip.as_deref())),
        external_ip: s(nic
            .and_then(|i| i.access_configs.first())
            .and_then(|a| a.nat_ip.as_deref())),
        status: s(n.status.as_deref()),
        config_hash: s(n.labels.get(CONFIG_LABEL).map(String::as_str)),
    }
}

/// The zones of the instance groups a state records.
pub fn recorded_zones(state: Option<&Model>) -> Vec<String> {
    state
        .and_then(|m| m.instance_groups.known())
        .map(|groups| groups.iter().map(|g| g.zone.clone()).collect())
        .unwrap_or_default()
}

/// Writes the computed attributes of `state` from what was observed.
pub fn set_computed(state: &mut Model, obs: &Observed) {
    set_effective_labels(state, obs);
    state.nodes = Known(obs.nodes.iter().map(node_of).collect());
    state.instance_groups = Known(
        obs.groups
            .iter()
            .map(|g| Group {
                name: g.group.name.clone(),
                zone: g.zone.clone(),
                self_link: s(g.group.self_link.as_deref()),
                instances: g.members.iter().cloned().collect(),
            })
            .collect(),
    );
    state.health_check = Known(s(obs
        .health_check
        .as_ref()
        .and_then(|h| h.self_link.as_deref())));
    state.backend_service = Known(s(obs
        .backend_service
        .as_ref()
        .and_then(|b| b.self_link.as_deref())));
    let mut names: Vec<String> = obs.firewalls.iter().map(|f| f.name.clone()).collect();
    names.sort();
    state.firewall_rules = Known(names);
}

/// A VM's labels without the ones the cluster uses internally.
pub fn user_labels(vm: &Instance) -> std::collections::BTreeMap<String, String> {
    vm.labels
        .iter()
        .filter(|(k, _)| k.as_str() != CLUSTER_LABEL && k.as_str() != CONFIG_LABEL)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `effective_labels` as found on the VMs: the recorded value while every VM
/// carries it, else the labels of the first VM that differs, so drift shows.
fn set_effective_labels(state: &mut Model, obs: &Observed) {
    let differing = obs
        .nodes
        .iter()
        .map(user_labels)
        .find(|l| state.effective_labels.known() != Some(l));
    if let Some(found) = differing {
        state.effective_labels = Known(found);
    }
}
