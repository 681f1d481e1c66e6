//! Import: adopt an existing deployment (e.g. the guide's hand-built one) by
//! its backend service, `projects/P/global/backendServices/NAME`.
//!
//! Discovery follows the references a deployment has: backend service →
//! groups (→ zones, region) → members (the nodes) → health check, then the
//! firewall rules that target the nodes' tags. Everything readable fills the
//! matching attribute; a block is filled only when what was found differs
//! from its defaults, so a configuration that leaves it out plans clean.
//!
//! The `livekit` settings (version, Redis, `keys_secret`, TURN) are read back
//! from a node's startup script when this provider rendered it; a hand-built
//! node's script is not parsed (its keys live in it), so they are left to the
//! configuration, like `rollout` and `timeouts`.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use gcp_client::compute::{BackendService, Firewall as FirewallRule, Instance, NetworkInterface};
use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown::{Known, Null};
use tfplugin::{Diagnostic, OpContext, Value};

use super::api::call;
use super::children::HEALTH_CHECK_RANGES;
use super::model::{BlockDefaults, Firewall, Livekit, LoadBalancer, Model, Rtc};
use super::read::{short_name, user_labels};
use super::render;
use super::spec::CONFIG_LABEL;
use crate::framework::model::encode;

/// `(project, backend service name)` from an import id.
pub fn parse_id(id: &str, default_project: Option<&str>) -> Result<(String, String), Diagnostic> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "global", "backendServices", n] if !p.is_empty() && !n.is_empty() => {
            Ok(((*p).to_owned(), (*n).to_owned()))
        }
        [n] if !n.is_empty() && default_project.is_some() => Ok((
            default_project.unwrap_or_default().to_owned(),
            (*n).to_owned(),
        )),
        _ => Err(Diagnostic::error(
            "Invalid import ID",
            format!("{id:?} is not `projects/PROJECT/global/backendServices/NAME` (or `NAME` with the provider's project). Use the backend service in front of the cluster."),
        )),
    }
}

/// What an import reads: the backend service's groups and their members.
struct Found {
    bs: BackendService,
    /// `(zone, group name, members)` in zone order.
    groups: Vec<(String, String, Vec<Instance>)>,
    health_port: Option<i64>,
    firewalls: Vec<FirewallRule>,
}

async fn discover(
    ctx: &OpContext,
    client: &GcpClient,
    project: &str,
    name: &str,
) -> Result<Found, Diagnostic> {
    let compute = client.compute();
    let bs = call(
        ctx,
        &format!("reading backend service {name}"),
        compute.get_backend_service(project, name),
    )
    .await?;
    let mut refs: Vec<(String, String)> = bs
        .backends
        .iter()
        .filter_map(|b| {
            let (_, rest) = b.group.split_once("/zones/")?;
            let (zone, group) = rest.split_once("/instanceGroups/")?;
            Some((zone.to_owned(), group.to_owned()))
        })
        .collect();
    refs.sort();
    if refs.is_empty() {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!("Backend service {name} has no zonal instance-group backends, so there are no LiveKit nodes to adopt. Import a backend service whose backends are the cluster's unmanaged instance groups."),
        ));
    }
    let compute = &compute;
    let groups = try_join_all(refs.into_iter().map(|(zone, group)| async move {
        let members = call(
            ctx,
            &format!("listing members of {group}"),
            compute.list_group_instances(project, &zone, &group),
        )
        .await?;
        let vms = try_join_all(members.iter().map(|m| {
            call(
                ctx,
                "reading a group member",
                compute.get_instance(project, &zone, short_name(&m.instance)),
            )
        }))
        .await?;
        Ok::<_, Diagnostic>((zone, group, vms))
    }))
    .await?;
    let health_port = match bs.health_checks.first() {
        Some(link) => call(
            ctx,
            "reading the health check",
            compute.get_health_check(project, short_name(link)),
        )
        .await?
        .http_health_check
        .and_then(|h| h.port),
        None => None,
    };
    let firewalls = call(
        ctx,
        "listing firewall rules",
        compute.list_firewalls(project, None),
    )
    .await?;
    Ok(Found {
        bs,
        groups,
        health_port,
        firewalls,
    })
}

/// Open to the world on `protocol`, aimed at one of `tags`.
fn world_rules<'a>(
    fws: &'a [FirewallRule],
    tags: &'a [String],
    protocol: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    fws.iter()
        .filter(move |f| f.target_tags.iter().any(|t| tags.contains(t)))
        .filter(|f| f.source_ranges.iter().any(|r| r == "0.0.0.0/0"))
        .flat_map(move |f| f.allowed.iter().filter(move |a| a.ip_protocol == protocol))
        .flat_map(|a| a.ports.iter().map(String::as_str))
}

/// `livekit.rtc` from the firewall rules: the UDP range and the ICE/TCP
/// port; no block when they are the defaults.
fn rtc_block(fws: &[FirewallRule], tags: &[String], http_port: i64, d: &Rtc) -> Option<Rtc> {
    let range = world_rules(fws, tags, "udp").find_map(|p| {
        let (a, b) = p.split_once('-')?;
        Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?))
    });
    let tcp = world_rules(fws, tags, "tcp")
        .filter_map(|p| p.parse::<i64>().ok())
        .find(|p| *p != http_port && *p != 443);
    let (start, end) = range.unwrap_or((d.port_range_start, d.port_range_end));
    let tcp = tcp.unwrap_or(d.tcp_port);
    let non_default = (start, end, tcp) != (d.port_range_start, d.port_range_end, d.tcp_port);
    non_default.then_some(Rtc {
        tcp_port: tcp,
        port_range_start: start,
        port_range_end: end,
        use_external_ip: true,
    })
}

/// Extra sources (besides the health-check ranges) allowed to the HTTP port.
fn admin_ranges(fws: &[FirewallRule], tags: &[String], http_port: i64) -> Vec<String> {
    let port = http_port.to_string();
    let mut out: Vec<String> = fws
        .iter()
        .filter(|f| f.target_tags.iter().any(|t| tags.contains(t)))
        .filter(|f| {
            f.allowed
                .iter()
                .any(|a| a.ip_protocol == "tcp" && a.ports.contains(&port))
        })
        .flat_map(|f| f.source_ranges.iter())
        .filter(|r| !HEALTH_CHECK_RANGES.contains(&r.as_str()) && *r != "0.0.0.0/0")
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The subnetwork a node was placed in, when one was chosen: Compute reports
/// one for every interface, and in an auto-mode network it bears the
/// network's name, which is also where a node without `subnetwork` lands.
fn chosen_subnetwork(nic: Option<&NetworkInterface>, default_network: &str) -> Option<String> {
    let nic = nic?;
    let subnet = short_name(nic.subnetwork.as_deref()?);
    let network = nic.network.as_deref().map_or(default_network, short_name);
    (subnet != network).then(|| subnet.to_owned())
}

/// The configuration label every node carries, when they agree (a cluster
/// this provider built and finished rolling): a configuration that hashes the
/// same then plans clean. Hand-built nodes have none; the first apply adopts
/// them.
fn common_config_hash(nodes: &[&Instance]) -> Option<String> {
    let first = nodes.first()?.labels.get(CONFIG_LABEL)?;
    nodes
        .iter()
        .all(|n| n.labels.get(CONFIG_LABEL) == Some(first))
        .then(|| first.clone())
}

/// The `livekit` block: read back from a node whose startup script this
/// provider rendered (a cluster it built, imported again, e.g. after its
/// state was lost), otherwise left to the configuration; `version` then holds
/// its default (what the configuration most likely plans: an adopted node
/// keeps its own script until a later change replaces it).
fn livekit_block(project: &str, nodes: &[&Instance], rtc: Option<Rtc>, version: &str) -> Livekit {
    let back = nodes
        .iter()
        .find_map(|n| render::read_back(n.metadata_value("startup-script")?));
    let Some(b) = back else {
        return Livekit {
            version: version.to_owned(),
            redis_address: None,
            redis_tls_ca: None,
            keys_secret: None,
            prometheus_port: None,
            rtc,
            turn: None,
        };
    };
    // The short form is what a configuration in the same project writes.
    let own = format!("projects/{project}/secrets/");
    let secret = b
        .keys_secret
        .strip_prefix(&own)
        .map_or(b.keys_secret.clone(), str::to_owned);
    Livekit {
        version: b.version,
        redis_address: b.redis_address,
        redis_tls_ca: b.redis_tls_ca,
        keys_secret: Some(secret),
        prometheus_port: b.prometheus_port,
        rtc,
        turn: b.turn,
    }
}

/// The imported state: configuration attributes as found, computed ones
/// left for the read Terraform runs right after an import.
fn state_of(
    project: &str,
    name: &str,
    found: &Found,
    default_labels: &BTreeMap<String, String>,
) -> Result<Value, Diagnostic> {
    let zones: Vec<String> = found.groups.iter().map(|(z, _, _)| z.clone()).collect();
    let nodes: Vec<&Instance> = found.groups.iter().flat_map(|(_, _, v)| v).collect();
    let Some(first) = nodes.first() else {
        return Err(Diagnostic::error(
            "Nothing to import",
            format!("The instance groups behind backend service {name} have no members, so there are no LiveKit nodes to adopt."),
        ));
    };
    let region = zones[0]
        .rsplit_once('-')
        .map_or(zones[0].as_str(), |(r, _)| r)
        .to_owned();
    let tags: Vec<String> = first
        .tags
        .as_ref()
        .map(|t| t.items.clone())
        .unwrap_or_default();
    let boot = first.disks.iter().find(|d| d.boot);
    let init = boot.and_then(|d| d.initialize_params.as_ref());
    let disk_size = boot
        .and_then(|d| d.disk_size_gb.as_deref())
        .or_else(|| init.and_then(|i| i.disk_size_gb.as_deref()))
        .and_then(|s| s.parse::<i64>().ok());
    let nic = first.network_interfaces.first();
    let found_labels = user_labels(first);
    // Labels the provider adds anyway are not the resource's own `labels`.
    let own_labels: BTreeMap<String, String> = found_labels
        .iter()
        .filter(|(k, v)| default_labels.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let service_account = first
        .service_accounts
        .first()
        .map(|s| s.email.clone())
        .filter(|e| e != "default" && !e.ends_with("-compute@developer.gserviceaccount.com"));
    let defaults = Model::schema_defaults()?;
    let blocks = BlockDefaults::get()?;
    let lb_defaults = &blocks.load_balancer;
    let http_port = found.health_port.unwrap_or(lb_defaults.health_check_port);
    let timeout = found.bs.timeout_sec.unwrap_or(lb_defaults.timeout_sec);
    let admin = admin_ranges(&found.firewalls, &tags, http_port);
    let rtc = rtc_block(&found.firewalls, &tags, http_port, &blocks.rtc);
    let version = defaults.livekit.as_ref().map_or("", |l| l.version.as_str());
    let state = Model {
        name: name.to_owned(),
        project: Some(project.to_owned()),
        region: Some(region),
        node_count: i64::try_from(nodes.len()).unwrap_or(i64::MAX),
        machine_type: first.machine_type_name().to_owned(),
        image: init
            .and_then(|i| i.source_image.clone())
            .unwrap_or_else(|| defaults.image.clone()),
        disk_size_gb: disk_size.unwrap_or(defaults.disk_size_gb),
        disk_type: init
            .and_then(|i| i.disk_type.as_deref())
            .map_or(defaults.disk_type.as_str(), short_name)
            .to_owned(),
        network: nic
            .and_then(|n| n.network.as_deref())
            .map_or(defaults.network.as_str(), short_name)
            .to_owned(),
        subnetwork: chosen_subnetwork(nic, &defaults.network),
        network_tags: tags,
        labels: (!own_labels.is_empty()).then_some(own_labels),
        service_account,
        effective_labels: Known(found_labels),
        id: Known(super::plan::id_of(project, name)),
        config_hash: common_config_hash(&nodes).into(),
        // The computed children are null until the read that follows.
        nodes: Null,
        instance_groups: Null,
        health_check: Null,
        backend_service: Null,
        firewall_rules: Null,
        livekit: Some(livekit_block(project, &nodes, rtc, version)),
        load_balancer: (http_port != lb_defaults.health_check_port
            || timeout != lb_defaults.timeout_sec)
            .then_some(LoadBalancer {
                enabled: true,
                health_check_port: http_port,
                timeout_sec: timeout,
            }),
        firewall: (!admin.is_empty()).then_some(Firewall {
            enabled: true,
            admin_source_ranges: Some(admin),
        }),
        rollout: None,
        timeouts: None,
        zones,
    };
    encode(&state)
}

pub async fn import(
    ctx: &OpContext,
    client: &GcpClient,
    default_project: Option<&str>,
    default_labels: &BTreeMap<String, String>,
    id: &str,
) -> Result<Value, Diagnostic> {
    let (project, name) = parse_id(id, default_project)?;
    let found = discover(ctx, client, &project, &name).await?;
    state_of(&project, &name, &found, default_labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(
            parse_id("projects/p/global/backendServices/lk", None).ok(),
            Some(("p".into(), "lk".into()))
        );
        assert_eq!(
            parse_id("lk", Some("d")).ok(),
            Some(("d".into(), "lk".into()))
        );
        assert!(parse_id("lk", None).is_err());
        assert!(parse_id("projects/p/regions/r/backendServices/lk", None).is_err());
        assert!(parse_id("", Some("d")).is_err());
    }

    #[test]
    fn only_a_chosen_subnetwork_is_read_back() {
        let nic = |network: &str, subnet: &str| NetworkInterface {
            network: Some(format!(
                "https://www.googleapis.com/compute/v1/projects/p/global/networks/{network}"
            )),
            subnetwork: Some(format!(
                "https://www.googleapis.com/compute/v1/projects/p/regions/r/subnetworks/{subnet}"
            )),
            ..NetworkInterface::default()
        };
        // Auto mode: the subnet is named after the network, as without `subnetwork`.
        assert_eq!(
            chosen_subnetwork(Some(&nic("default", "default")), "default"),
            None
        );
        assert_eq!(
            chosen_subnetwork(Some(&nic("platform-vpc", "platform-subnet")), "default").as_deref(),
            Some("platform-subnet")
        );
        assert_eq!(chosen_subnetwork(None, "default"), None);
    }
}
