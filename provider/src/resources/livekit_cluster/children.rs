//! The Compute objects a cluster consists of, built from its [`Spec`].

use gcp_client::compute::{
    AccessConfig, AttachedDisk, Backend, BackendService, DiskInitializeParams, Firewall,
    FirewallRule, HealthCheck, HttpHealthCheck, Instance, InstanceGroup, Metadata, MetadataItem,
    NamedPort, NetworkInterface, ServiceAccount, Tags,
};

use super::spec::Spec;

/// Named port the backend service refers to with `portName`.
pub const PORT_NAME: &str = "livekit-http";
/// Google's health-check source ranges.
pub const HEALTH_CHECK_RANGES: [&str; 2] = ["35.191.0.0/16", "130.211.0.0/22"];

/// A partial URL for a network/subnetwork given by name or URL.
fn network_ref(project: &str, kind: &str, given: &str, region: Option<&str>) -> String {
    if given.contains('/') {
        return given.to_owned();
    }
    match region {
        Some(r) => format!("projects/{project}/regions/{r}/{kind}/{given}"),
        None => format!("projects/{project}/global/{kind}/{given}"),
    }
}

fn description(spec: &Spec) -> String {
    format!("Managed by platform_livekit_cluster {:?}.", spec.name)
}

pub fn instance(spec: &Spec, name: &str, zone: &str, config_hash: &str, script: &str) -> Instance {
    Instance {
        name: name.to_owned(),
        description: Some(description(spec)),
        machine_type: format!("zones/{zone}/machineTypes/{}", spec.machine_type),
        disks: vec![AttachedDisk {
            boot: true,
            auto_delete: true,
            initialize_params: Some(DiskInitializeParams {
                source_image: Some(spec.image.clone()),
                disk_size_gb: Some(spec.disk_size_gb.to_string()),
                disk_type: Some(format!("zones/{zone}/diskTypes/{}", spec.disk_type)),
            }),
            ..AttachedDisk::default()
        }],
        network_interfaces: vec![NetworkInterface {
            network: Some(network_ref(&spec.project, "networks", &spec.network, None)),
            subnetwork: spec
                .subnetwork
                .as_deref()
                .map(|s| network_ref(&spec.project, "subnetworks", s, Some(&spec.region))),
            // Media goes straight to each node's public address.
            access_configs: vec![AccessConfig {
                kind: "ONE_TO_ONE_NAT".into(),
                name: Some("External NAT".into()),
                nat_ip: None,
            }],
            network_ip: None,
        }],
        tags: Some(Tags {
            items: spec.tags.clone(),
            fingerprint: None,
        }),
        labels: spec.node_labels(config_hash),
        metadata: Some(Metadata {
            fingerprint: None,
            items: vec![MetadataItem {
                key: "startup-script".into(),
                value: script.to_owned(),
            }],
        }),
        service_accounts: vec![ServiceAccount {
            email: spec
                .service_account
                .clone()
                .unwrap_or_else(|| "default".into()),
            scopes: vec!["https://www.googleapis.com/auth/cloud-platform".into()],
        }],
        ..Instance::default()
    }
}

pub fn named_port(spec: &Spec) -> NamedPort {
    NamedPort {
        name: PORT_NAME.into(),
        port: spec.lb.port,
    }
}

pub fn group(spec: &Spec, zone: &str) -> InstanceGroup {
    InstanceGroup {
        name: spec.group_name(zone),
        description: Some(description(spec)),
        named_ports: vec![named_port(spec)],
        network: Some(network_ref(&spec.project, "networks", &spec.network, None)),
        ..InstanceGroup::default()
    }
}

pub fn health_check(spec: &Spec) -> HealthCheck {
    HealthCheck {
        name: spec.name.clone(),
        description: Some(description(spec)),
        kind: "HTTP".into(),
        http_health_check: Some(HttpHealthCheck {
            port: Some(spec.lb.port),
            request_path: Some("/".into()),
            // LiveKit answers 200 "OK" (406 "Not Ready" when its stats are stale).
            response: Some("OK".into()),
        }),
        check_interval_sec: Some(5),
        timeout_sec: Some(5),
        healthy_threshold: Some(2),
        unhealthy_threshold: Some(3),
        ..HealthCheck::default()
    }
}

/// The backend service; `group_links` are the groups' full self links.
pub fn backend_service(spec: &Spec, hc_link: &str, group_links: &[String]) -> BackendService {
    BackendService {
        name: spec.name.clone(),
        description: Some(description(spec)),
        protocol: Some("TCP".into()),
        port_name: Some(PORT_NAME.into()),
        timeout_sec: Some(spec.lb.timeout_sec),
        load_balancing_scheme: Some("EXTERNAL".into()),
        health_checks: vec![hc_link.to_owned()],
        backends: group_links
            .iter()
            .map(|g| Backend {
                group: g.clone(),
                balancing_mode: Some("CONNECTION".into()),
                capacity_scaler: Some(1.0),
            })
            .collect(),
        ..BackendService::default()
    }
}

fn rule(
    spec: &Spec,
    suffix: &str,
    protocol: &str,
    ports: Vec<String>,
    sources: Vec<String>,
) -> Firewall {
    Firewall {
        name: format!("{}-{suffix}", spec.name),
        description: Some(description(spec)),
        network: Some(network_ref(&spec.project, "networks", &spec.network, None)),
        direction: Some("INGRESS".into()),
        priority: Some(1000),
        allowed: vec![FirewallRule {
            ip_protocol: protocol.into(),
            ports,
        }],
        source_ranges: sources,
        target_tags: spec.tags.clone(),
        ..Firewall::default()
    }
}

/// Firewall rules the cluster needs (empty when the firewall is disabled).
pub fn firewalls(spec: &Spec) -> Vec<Firewall> {
    if !spec.firewall_enabled {
        return Vec::new();
    }
    let world = || vec!["0.0.0.0/0".to_owned()];
    let rtc = &spec.livekit.rtc;
    let mut rules = vec![
        rule(
            spec,
            "media-udp",
            "udp",
            vec![format!("{}-{}", rtc.port_range_start, rtc.port_range_end)],
            world(),
        ),
        rule(
            spec,
            "ice-tcp",
            "tcp",
            vec![rtc.tcp_port.to_string()],
            world(),
        ),
        rule(
            spec,
            "health",
            "tcp",
            vec![spec.lb.port.to_string()],
            HEALTH_CHECK_RANGES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        ),
    ];
    if let Some(turn) = &spec.livekit.turn {
        rules.push(rule(
            spec,
            "turn-udp",
            "udp",
            vec![turn.udp_port.to_string()],
            world(),
        ));
        rules.push(rule(
            spec,
            "turn-tls",
            "tcp",
            vec![turn.tls_port.to_string()],
            world(),
        ));
    }
    if !spec.admin_source_ranges.is_empty() {
        rules.push(rule(
            spec,
            "admin",
            "tcp",
            vec![spec.lb.port.to_string()],
            spec.admin_source_ranges.clone(),
        ));
    }
    rules
}

/// Whether an existing rule already says what `want` says.
pub fn firewall_matches(have: &Firewall, want: &Firewall) -> bool {
    let mut a = have.source_ranges.clone();
    let mut b = want.source_ranges.clone();
    a.sort();
    b.sort();
    have.allowed == want.allowed && a == b && have.target_tags == want.target_tags
}
