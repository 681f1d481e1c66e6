//! The desired cluster as typed Rust: defaults, validation, node layout and
//! the configuration hash every node is labelled with.

use std::collections::BTreeMap;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tfplugin::{AttributePath, Diagnostic, Diagnostics, Value};

use super::model::{self, BlockDefaults, Model};
use crate::config::parse_duration;
use crate::framework::model::in_block;

/// Label naming the cluster on every VM (discovery, adoption).
pub const CLUSTER_LABEL: &str = "livekit_cluster";
/// Label carrying the node's configuration hash (rolling replacement).
pub const CONFIG_LABEL: &str = "livekit_config";

pub use super::model::{Rtc, Turn};

#[derive(Debug, Clone, PartialEq)]
pub struct Livekit {
    pub version: String,
    pub redis_address: Option<String>,
    pub redis_tls_ca: Option<String>,
    /// `projects/P/secrets/NAME`.
    pub keys_secret: String,
    pub prometheus_port: Option<i64>,
    pub rtc: Rtc,
    pub turn: Option<Turn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    pub enabled: bool,
    pub port: i64,
    pub timeout_sec: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub max_unavailable: usize,
    pub drain_timeout: Duration,
    pub health_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

/// Everything needed to build and check the cluster, decoded from a fully
/// known (planned or prior) value.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub name: String,
    pub project: String,
    pub region: String,
    pub zones: Vec<String>,
    pub node_count: usize,
    pub machine_type: String,
    pub image: String,
    pub disk_size_gb: i64,
    pub disk_type: String,
    pub network: String,
    pub subnetwork: Option<String>,
    pub tags: Vec<String>,
    /// Provider `default_labels` overlaid with `labels` (cluster labels added later).
    pub labels: BTreeMap<String, String>,
    pub service_account: Option<String>,
    pub livekit: Livekit,
    pub lb: LoadBalancer,
    pub firewall_enabled: bool,
    pub admin_source_ranges: Vec<String>,
    pub rollout: Rollout,
    pub timeouts: Timeouts,
}

/// The single element of a `max_items = 1` block, or Null.
pub fn block<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get(name)
        .as_seq()
        .and_then(|s| s.first())
        .unwrap_or(&Value::Null)
}

fn err(path: AttributePath, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).at(path)
}

/// Static checks; unknown values are skipped (checked again at plan time).
pub fn validate(v: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let (defaults, blocks) = match (Model::schema_defaults(), BlockDefaults::get()) {
        (Ok(m), Ok(b)) => (m, b),
        (Err(e), _) | (_, Err(e)) => {
            d.push(e);
            return d;
        }
    };
    let count = v.get(Model::NODE_COUNT);
    if let Some(n) = count.as_i64() {
        if n < 1 {
            d.push(err(
                AttributePath::root(Model::NODE_COUNT),
                "Invalid node_count",
                format!("node_count is {n}; a cluster needs at least 1 node."),
            ));
        }
    }
    let lk = block(v, Model::LIVEKIT);
    let redis = lk.get(model::Livekit::REDIS_ADDRESS);
    if count.as_i64().unwrap_or(defaults.node_count) > 1
        && !count.is_unknown()
        && !lk.is_unknown()
        && redis.is_null()
    {
        d.push(err(
            in_block(Model::LIVEKIT, model::Livekit::REDIS_ADDRESS),
            "Redis required for more than one node",
            format!(
                "node_count is {}, but livekit.redis_address is not set. Without Redis every LiveKit node runs single-node routing and rooms are not shared across nodes. Set redis_address (e.g. a Memorystore instance's host:port) or set node_count = 1.",
                count.as_i64().unwrap_or(defaults.node_count)
            ),
        ));
    }
    // Both land in the nodes' startup script (a container tag in the systemd unit, a
    // here-document): anything else could end the document and run as shell.
    if let Some(version) = lk
        .get(model::Livekit::VERSION)
        .as_str()
        .filter(|v| !is_image_tag(v))
    {
        d.push(err(
            in_block(Model::LIVEKIT, model::Livekit::VERSION),
            "Invalid LiveKit version",
            format!("{version:?} is not a container tag: use LiveKit's release tag such as \"v1.8.4\" (letters, digits, `_`, `.`, `-`; at most 128)."),
        ));
    }
    if let Some(ca) = lk
        .get(model::Livekit::REDIS_TLS_CA)
        .as_str()
        .filter(|c| !is_pem(c))
    {
        d.push(err(
            in_block(Model::LIVEKIT, model::Livekit::REDIS_TLS_CA),
            "Invalid redis_tls_ca",
            format!("redis_tls_ca ({} characters) is not a PEM certificate: give the CA as -----BEGIN CERTIFICATE----- … -----END CERTIFICATE----- (e.g. from `gcloud redis instances describe … --format='value(serverCaCerts[0].cert)'`).", ca.len()),
        ));
    }
    if let Some(secret) = lk
        .get(model::Livekit::KEYS_SECRET)
        .as_str()
        .filter(|s| !is_secret_name(s))
    {
        d.push(err(
            in_block(Model::LIVEKIT, model::Livekit::KEYS_SECRET),
            "Invalid keys_secret",
            format!("{secret:?} is not a Secret Manager secret: give its ID (up to 255 letters, digits, `_` or `-`, e.g. \"livekit-keys\") or its name projects/PROJECT/secrets/ID."),
        ));
    }
    if let (Some(region), Some(zones)) =
        (v.get(Model::REGION).as_str(), v.get(Model::ZONES).as_seq())
    {
        for (i, z) in zones.iter().enumerate() {
            if let Some(zone) = z.as_str() {
                if zone.rsplit_once('-').map(|(r, _)| r) != Some(region) {
                    d.push(err(
                        AttributePath::root(Model::ZONES).index(i),
                        "Zone outside the cluster's region",
                        format!("Zone {zone:?} is not in region {region:?}. Use zones of {region} (e.g. \"{region}-a\"), or change `region`."),
                    ));
                }
            }
        }
    }
    if let Some(zones) = v.get(Model::ZONES).as_seq() {
        if zones.is_empty() {
            d.push(err(
                AttributePath::root(Model::ZONES),
                "No zones",
                "List at least one zone to place nodes in.".into(),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            if let Some(s) = z.as_str() {
                if seen.contains(&s) {
                    d.push(err(
                        AttributePath::root(Model::ZONES).index(i),
                        "Duplicate zone",
                        format!("{s:?} is listed twice; list each zone once."),
                    ));
                }
                seen.push(s);
            }
        }
    }
    if let Some(name) = v.get(Model::NAME).as_str() {
        // Children append `-<zone suffix>-<index>`; Compute names stop at 63.
        let ok = name.len() <= 50
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.ends_with('-');
        if !ok {
            d.push(err(AttributePath::root(Model::NAME), "Invalid cluster name", format!("{name:?} must start with a lowercase letter, contain only lowercase letters, digits and hyphens, not end with a hyphen, and be at most 50 characters (children append suffixes).")));
        }
    }
    let r = block(v, Model::ROLLOUT);
    for attr in [
        model::Rollout::DRAIN_TIMEOUT,
        model::Rollout::HEALTH_TIMEOUT,
    ] {
        if let Some(s) = r.get(attr).as_str() {
            if let Err(e) = parse_duration(s) {
                d.push(err(in_block(Model::ROLLOUT, attr), "Invalid duration", e));
            }
        }
    }
    if r.get(model::Rollout::MAX_UNAVAILABLE)
        .as_i64()
        .is_some_and(|m| m < 1)
    {
        d.push(err(
            in_block(Model::ROLLOUT, model::Rollout::MAX_UNAVAILABLE),
            "Invalid max_unavailable",
            "max_unavailable must be at least 1.".into(),
        ));
    }
    let t = block(v, Model::TIMEOUTS);
    for attr in [
        model::Timeouts::CREATE,
        model::Timeouts::UPDATE,
        model::Timeouts::DELETE,
    ] {
        if let Some(s) = t.get(attr).as_str() {
            if let Err(e) = parse_duration(s) {
                d.push(err(in_block(Model::TIMEOUTS, attr), "Invalid timeout", e));
            }
        }
    }
    if let Some(port) = lk.get(model::Livekit::PROMETHEUS_PORT).as_i64() {
        let http = block(v, Model::LOAD_BALANCER)
            .get(model::LoadBalancer::HEALTH_CHECK_PORT)
            .as_i64()
            .unwrap_or(blocks.load_balancer.health_check_port);
        let tcp = block(lk, model::Livekit::RTC)
            .get(model::Rtc::TCP_PORT)
            .as_i64()
            .unwrap_or(blocks.rtc.tcp_port);
        if !(1..=65535).contains(&port) || port == http || port == tcp {
            d.push(err(
                in_block(Model::LIVEKIT, model::Livekit::PROMETHEUS_PORT),
                "Invalid prometheus_port",
                format!("prometheus_port is {port}; use a free port between 1 and 65535 other than the HTTP port {http} and the RTC TCP port {tcp} (LiveKit's convention is 6789)."),
            ));
        }
    }
    network_checks(v, &blocks, &mut d);
    let rtc = block(lk, model::Livekit::RTC);
    if let (Some(a), Some(b)) = (
        rtc.get(model::Rtc::PORT_RANGE_START).as_i64(),
        rtc.get(model::Rtc::PORT_RANGE_END).as_i64(),
    ) {
        if !(1024..=65535).contains(&a) || !(a..=65535).contains(&b) {
            d.push(err(
                in_block(Model::LIVEKIT, model::Livekit::RTC)
                    .index(0)
                    .attr(model::Rtc::PORT_RANGE_START),
                "Invalid RTC port range",
                format!("{a}-{b} must satisfy 1024 <= start <= end <= 65535."),
            ));
        }
    }
    d.extend(crate::framework::labels::check(
        v.get(Model::LABELS),
        &AttributePath::root(Model::LABELS),
    ));
    d
}

fn is_image_tag(t: &str) -> bool {
    (1..=128).contains(&t.len())
        && !t.starts_with(['.', '-'])
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// PEM blocks only: BEGIN/END lines and base64 between them.
fn is_pem(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.first().is_some_and(|l| l.starts_with("-----BEGIN "))
        && lines.last().is_some_and(|l| l.starts_with("-----END "))
        && lines.iter().all(|l| {
            // Strip, not slice: a line of only dashes ("-----") must not panic.
            let label = l
                .strip_prefix("-----")
                .and_then(|r| r.strip_suffix("-----"));
            label.is_some_and(|t| t.chars().all(|c| c.is_ascii_uppercase() || c == ' '))
                || l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        })
}

/// A secret ID or `projects/P/secrets/ID`. The name reaches the nodes' startup script,
/// so nothing outside these characters may pass.
fn is_secret_name(s: &str) -> bool {
    let id_ok = |id: &str| {
        (1..=255).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    match s
        .strip_prefix("projects/")
        .map(|rest| rest.split_once("/secrets/"))
    {
        None => id_ok(s),
        Some(Some((project, id))) => {
            !project.is_empty()
                && project
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && id_ok(id)
        }
        Some(None) => false,
    }
}

/// Ports that must not collide (the RTC TCP and TURN rules open theirs to the
/// world, the HTTP port is only for health checks and admin ranges), Redis as
/// host:port, admin ranges as CIDRs: what the firewall and the nodes would
/// otherwise get wrong without an API error.
fn network_checks(v: &Value, defaults: &BlockDefaults, d: &mut Diagnostics) {
    let lk = block(v, Model::LIVEKIT);
    let (rtc, turn) = (
        block(lk, model::Livekit::RTC),
        block(lk, model::Livekit::TURN),
    );
    let lk_path = |sub: &str, attr: &str| in_block(Model::LIVEKIT, sub).index(0).attr(attr);
    let port = |b: &Value, attr: &str, default: i64| b.get(attr).as_i64().unwrap_or(default);
    let http = port(
        block(v, Model::LOAD_BALANCER),
        model::LoadBalancer::HEALTH_CHECK_PORT,
        defaults.load_balancer.health_check_port,
    );
    let tcp = port(rtc, model::Rtc::TCP_PORT, defaults.rtc.tcp_port);
    let http_path = in_block(Model::LOAD_BALANCER, model::LoadBalancer::HEALTH_CHECK_PORT);
    let mut ports = vec![
        (http_path, http),
        (lk_path(model::Livekit::RTC, model::Rtc::TCP_PORT), tcp),
    ];
    let turn_ports = (!turn.is_null()).then(|| {
        (
            port(turn, model::Turn::TLS_PORT, defaults.turn.tls_port),
            port(turn, model::Turn::UDP_PORT, defaults.turn.udp_port),
        )
    });
    if let Some((tls, udp)) = turn_ports {
        ports.push((lk_path(model::Livekit::TURN, model::Turn::TLS_PORT), tls));
        ports.push((lk_path(model::Livekit::TURN, model::Turn::UDP_PORT), udp));
    }
    for (path, p) in &ports {
        if !(1..=65535).contains(p) {
            d.push(err(
                path.clone(),
                "Port out of range",
                format!("Port {p} is not a TCP/UDP port; use one between 1 and 65535."),
            ));
        }
    }
    // The RTC TCP and TURN/TLS rules admit 0.0.0.0/0: sharing the HTTP port
    // would open LiveKit's API to the world past the health-check-only rule.
    let world_tcp = [
        Some((lk_path(model::Livekit::RTC, model::Rtc::TCP_PORT), tcp)),
        turn_ports.map(|(tls, _)| (lk_path(model::Livekit::TURN, model::Turn::TLS_PORT), tls)),
    ];
    for (path, p) in world_tcp.into_iter().flatten().filter(|(_, p)| *p == http) {
        d.push(err(path, "Port shared with the HTTP port", format!("Port {p} is also the HTTP port (load_balancer.health_check_port), which the firewall opens only to Google's health checks and admin_source_ranges; this port's rule admits 0.0.0.0/0 and would open the HTTP API to the world. Use another port (LiveKit's defaults: RTC TCP 7881, TURN/TLS 5349).")));
    }
    let (start, end) = (
        port(
            rtc,
            model::Rtc::PORT_RANGE_START,
            defaults.rtc.port_range_start,
        ),
        port(rtc, model::Rtc::PORT_RANGE_END, defaults.rtc.port_range_end),
    );
    if let Some((tls, udp)) = turn_ports {
        if tls == tcp {
            d.push(err(lk_path(model::Livekit::TURN, model::Turn::TLS_PORT), "Port shared with RTC TCP", format!("TURN/TLS and RTC over TCP both use port {tcp}; give TURN/TLS its own port (e.g. 5349).")));
        }
        if (start..=end).contains(&udp) {
            d.push(err(lk_path(model::Livekit::TURN, model::Turn::UDP_PORT), "TURN/UDP port inside the RTC range", format!("TURN/UDP port {udp} lies in the RTC media range {start}-{end}, so LiveKit would hand it out for media too. Use a port outside it (LiveKit's default 3478).")));
        }
    }
    if let Some(redis) = lk.get(model::Livekit::REDIS_ADDRESS).as_str() {
        let valid = redis
            .rsplit_once(':')
            .filter(|(host, _)| {
                // It lands in the startup script's livekit.yaml here-document.
                !host.is_empty()
                    && host.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                    })
            })
            .and_then(|(_, p)| p.parse::<u16>().ok())
            .is_some_and(|p| p > 0);
        if !valid {
            d.push(err(in_block(Model::LIVEKIT, model::Livekit::REDIS_ADDRESS), "Invalid redis_address", format!("redis_address is {redis:?}; give host:port, e.g. \"10.0.0.3:6379\" (a Memorystore instance's host and port).")));
        }
    }
    for (i, range) in block(v, Model::FIREWALL)
        .get(model::Firewall::ADMIN_SOURCE_RANGES)
        .as_seq()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(text) = range.as_str().filter(|t| !is_cidr(t)) {
            d.push(err(in_block(Model::FIREWALL, model::Firewall::ADMIN_SOURCE_RANGES).index(i), "Invalid CIDR range", format!("{text:?} is not an IP range; give CIDR notation such as \"203.0.113.0/24\" or \"2001:db8::/32\".")));
        }
    }
}

/// `a.b.c.d/n` (n ≤ 32) or an IPv6 address with `/n` (n ≤ 128); a bare address too.
fn is_cidr(text: &str) -> bool {
    let (addr, bits) = text.split_once('/').unwrap_or((text, ""));
    let max = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    bits.is_empty() || bits.parse::<u8>().is_ok_and(|b| b <= max) && !bits.starts_with('+')
}

/// `projects/P/secrets/NAME` for a bare secret name.
pub fn secret_path(project: &str, given: &str) -> String {
    if given.starts_with("projects/") {
        given.to_owned()
    } else {
        format!("projects/{project}/secrets/{given}")
    }
}

impl Spec {
    /// `(node name, zone)` for every desired node, given the `(name, zone)` of
    /// the nodes that exist. Zones get `node_count` round-robin, so they stay
    /// balanced. In each zone existing nodes are kept before new ones are
    /// named: adopted VMs (hand-built names, found through an imported
    /// cluster's groups) first, then ours by index, so scaling down removes
    /// the newest nodes and an import never plans to delete what it adopted.
    pub fn layout(&self, existing: &[(String, String)]) -> Vec<(String, String)> {
        let zones = self.zones.len();
        if zones == 0 {
            return Vec::new();
        }
        let per_zone: Vec<Vec<String>> = self
            .zones
            .iter()
            .enumerate()
            .map(|(zi, zone)| {
                let quota = (0..self.node_count).filter(|i| i % zones == zi).count();
                let mut here: Vec<(Option<usize>, &str)> = existing
                    .iter()
                    .filter(|(_, z)| z == zone)
                    .map(|(n, _)| (self.node_index(n, zone), n.as_str()))
                    .collect();
                // `None` (adopted) sorts before any index.
                here.sort();
                here.dedup();
                let mut names: Vec<String> = here
                    .into_iter()
                    .take(quota)
                    .map(|(_, n)| n.to_owned())
                    .collect();
                let mut index = 0;
                while names.len() < quota {
                    let candidate = node_name(&self.name, zone, index);
                    if !names.contains(&candidate) {
                        names.push(candidate);
                    }
                    index += 1;
                }
                names
            })
            .collect();
        let depth = per_zone.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = Vec::with_capacity(self.node_count);
        for slot in 0..depth {
            for (zi, names) in per_zone.iter().enumerate() {
                if let Some(n) = names.get(slot) {
                    out.push((n.clone(), self.zones[zi].clone()));
                }
            }
        }
        out
    }

    /// The index of a node named by this cluster's scheme in `zone`.
    fn node_index(&self, node: &str, zone: &str) -> Option<usize> {
        node.strip_prefix(&format!("{}-{}-", self.name, zone_suffix(zone)))?
            .parse()
            .ok()
    }

    pub fn group_name(&self, zone: &str) -> String {
        format!("{}-{}", self.name, zone_suffix(zone))
    }

    /// Hash over everything that shapes a node; a node whose label differs is outdated.
    pub fn config_hash(&self, startup_script: &str) -> String {
        let parts = [
            self.machine_type.as_str(),
            &self.image,
            &self.disk_size_gb.to_string(),
            &self.disk_type,
            &self.network,
            self.subnetwork.as_deref().unwrap_or(""),
            &self.tags.join(","),
            self.service_account.as_deref().unwrap_or(""),
            startup_script,
        ];
        let digest = Sha256::digest(parts.join("\n").as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Labels every VM carries.
    pub fn node_labels(&self, config_hash: &str) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.insert(CLUSTER_LABEL.into(), self.name.clone());
        labels.insert(CONFIG_LABEL.into(), config_hash.into());
        labels
    }

    /// Compute list filter selecting this cluster's VMs.
    pub fn label_filter(&self) -> String {
        format!("labels.{CLUSTER_LABEL} = \"{}\"", self.name)
    }
}

pub fn zone_suffix(zone: &str) -> &str {
    zone.rsplit('-').next().unwrap_or(zone)
}

pub fn node_name(cluster: &str, zone: &str, index: usize) -> String {
    format!("{cluster}-{}-{index}", zone_suffix(zone))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::values::empty_block;

    #[test]
    fn startup_script_inputs_accept_only_their_own_syntax() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIBab+/=\n-----END CERTIFICATE-----\n";
        assert!(is_pem(pem));
        for bad in [
            "-----",
            "--------",
            "-----\n-----",
            "x\nREDIS_CA\nreboot",
            "",
        ] {
            assert!(!is_pem(bad), "{bad:?}");
        }
        assert!(is_image_tag("v1.8.4") && !is_image_tag("v1\nUNIT") && !is_image_tag("-x"));
        assert!(is_secret_name("livekit-keys") && is_secret_name("projects/p-1/secrets/k_2"));
        for bad in [
            "",
            "a b",
            "projects/p/secrets/",
            "projects//secrets/k",
            "k;sh",
        ] {
            assert!(!is_secret_name(bad), "{bad:?}");
        }
    }

    fn spec(count: i64) -> Spec {
        let schema = super::super::schema::schema();
        let mut livekit = empty_block(&schema.block.nested(Model::LIVEKIT).unwrap().block);
        livekit.set(model::Livekit::KEYS_SECRET, Value::from("k"));
        let mut v = empty_block(&schema.block);
        v.set(Model::NAME, Value::from("lk"));
        v.set(Model::ZONES, Value::from(vec!["r-a", "r-b"]));
        v.set(Model::NODE_COUNT, Value::from(count));
        v.set(Model::LIVEKIT, Value::List(vec![livekit]));
        Model::fill_defaults(&mut v, Some("p"), Some("r"));
        crate::framework::model::decode::<Model>(&v)
            .unwrap()
            .spec(&BTreeMap::new())
            .unwrap()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(n, z)| ((*n).to_owned(), (*z).to_owned()))
            .collect()
    }

    #[test]
    fn layout_is_round_robin_and_keeps_existing_nodes() {
        assert_eq!(
            spec(3).layout(&[]),
            pairs(&[("lk-a-0", "r-a"), ("lk-b-0", "r-b"), ("lk-a-1", "r-a")])
        );
        // Adopted names are kept first, gaps are filled with the lowest free index.
        let existing = pairs(&[("hand-made", "r-a"), ("lk-a-1", "r-a"), ("lk-b-3", "r-b")]);
        assert_eq!(
            spec(3).layout(&existing),
            pairs(&[("hand-made", "r-a"), ("lk-b-3", "r-b"), ("lk-a-1", "r-a")])
        );
        // Scaling down drops the newest of ours, never an adopted one first.
        assert_eq!(
            spec(2).layout(&pairs(&[
                ("lk-a-0", "r-a"),
                ("old", "r-a"),
                ("lk-b-0", "r-b")
            ])),
            pairs(&[("old", "r-a"), ("lk-b-0", "r-b")])
        );
    }
}
