//! The desired cluster as typed Rust: defaults, validation, node layout and
//! the configuration hash every node is labelled with.

use std::collections::BTreeMap;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tfplugin::{AttributePath, Diagnostic, Diagnostics, Value};

use crate::config::parse_duration;

pub mod defaults {
    pub const NODE_COUNT: i64 = 3;
    pub const MACHINE_TYPE: &str = "n2-standard-4";
    pub const IMAGE: &str = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts";
    pub const DISK_SIZE_GB: i64 = 50;
    pub const DISK_TYPE: &str = "pd-ssd";
    pub const NETWORK: &str = "default";
    pub const TAG: &str = "livekit-server";
    pub const LIVEKIT_VERSION: &str = "v1.8.4";
    pub const HTTP_PORT: i64 = 7880;
    pub const RTC_TCP_PORT: i64 = 7881;
    pub const RTC_PORT_START: i64 = 50000;
    pub const RTC_PORT_END: i64 = 60000;
    pub const TURN_TLS_PORT: i64 = 5349;
    pub const TURN_UDP_PORT: i64 = 3478;
    pub const LB_TIMEOUT_SEC: i64 = 36000;
    pub const MAX_UNAVAILABLE: i64 = 1;
    pub const DRAIN_TIMEOUT: &str = "10m";
    pub const HEALTH_TIMEOUT: &str = "10m";
    pub const CREATE_TIMEOUT: &str = "30m";
    pub const UPDATE_TIMEOUT: &str = "60m";
    pub const DELETE_TIMEOUT: &str = "30m";
}

/// Label naming the cluster on every VM (discovery, adoption).
pub const CLUSTER_LABEL: &str = "livekit_cluster";
/// Label carrying the node's configuration hash (rolling replacement).
pub const CONFIG_LABEL: &str = "livekit_config";

#[derive(Debug, Clone, PartialEq)]
pub struct Rtc {
    pub tcp_port: i64,
    pub port_range_start: i64,
    pub port_range_end: i64,
    pub use_external_ip: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub domain: String,
    pub tls_port: i64,
    pub udp_port: i64,
}

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

fn block_mut<'a>(v: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    match v.get_mut(name)? {
        Value::List(items) => items.first_mut(),
        _ => None,
    }
}

fn set_default(v: &mut Value, name: &str, default: Value) {
    if v.get(name).is_null() {
        v.set(name, default);
    }
}

/// Fills optional+computed attributes the configuration leaves null, in the
/// root and in blocks that are present (absent blocks stay absent: blocks
/// cannot be computed).
pub fn fill_defaults(v: &mut Value, project: Option<&str>, region: Option<&str>) {
    use defaults as d;
    if let Some(p) = project {
        set_default(v, "project", Value::from(p));
    }
    if let Some(r) = region {
        set_default(v, "region", Value::from(r));
    }
    set_default(v, "node_count", Value::from(d::NODE_COUNT));
    set_default(v, "machine_type", Value::from(d::MACHINE_TYPE));
    set_default(v, "image", Value::from(d::IMAGE));
    set_default(v, "disk_size_gb", Value::from(d::DISK_SIZE_GB));
    set_default(v, "disk_type", Value::from(d::DISK_TYPE));
    set_default(v, "network", Value::from(d::NETWORK));
    set_default(v, "network_tags", Value::List(vec![Value::from(d::TAG)]));
    if let Some(lk) = block_mut(v, "livekit") {
        set_default(lk, "version", Value::from(d::LIVEKIT_VERSION));
        if let Some(rtc) = block_mut(lk, "rtc") {
            set_default(rtc, "tcp_port", Value::from(d::RTC_TCP_PORT));
            set_default(rtc, "port_range_start", Value::from(d::RTC_PORT_START));
            set_default(rtc, "port_range_end", Value::from(d::RTC_PORT_END));
            set_default(rtc, "use_external_ip", Value::from(true));
        }
        if let Some(turn) = block_mut(lk, "turn") {
            set_default(turn, "tls_port", Value::from(d::TURN_TLS_PORT));
            set_default(turn, "udp_port", Value::from(d::TURN_UDP_PORT));
        }
    }
    if let Some(lb) = block_mut(v, "load_balancer") {
        set_default(lb, "enabled", Value::from(true));
        set_default(lb, "health_check_port", Value::from(d::HTTP_PORT));
        set_default(lb, "timeout_sec", Value::from(d::LB_TIMEOUT_SEC));
    }
    if let Some(fw) = block_mut(v, "firewall") {
        set_default(fw, "enabled", Value::from(true));
    }
    if let Some(r) = block_mut(v, "rollout") {
        set_default(r, "max_unavailable", Value::from(d::MAX_UNAVAILABLE));
        set_default(r, "drain_timeout", Value::from(d::DRAIN_TIMEOUT));
        set_default(r, "health_timeout", Value::from(d::HEALTH_TIMEOUT));
    }
}

fn err(path: AttributePath, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).at(path)
}

/// Static checks; unknown values are skipped (checked again at plan time).
pub fn validate(v: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let count = v.get("node_count");
    if let Some(n) = count.as_i64() {
        if n < 1 {
            d.push(err(
                AttributePath::root("node_count"),
                "Invalid node_count",
                format!("node_count is {n}; a cluster needs at least 1 node."),
            ));
        }
    }
    let lk = block(v, "livekit");
    let redis = lk.get("redis_address");
    if count.as_i64().unwrap_or(defaults::NODE_COUNT) > 1
        && !count.is_unknown()
        && !lk.is_unknown()
        && redis.is_null()
    {
        d.push(err(
            AttributePath::root("livekit").index(0).attr("redis_address"),
            "Redis required for more than one node",
            format!(
                "node_count is {}, but livekit.redis_address is not set. Without Redis every LiveKit node runs single-node routing and rooms are not shared across nodes. Set redis_address (e.g. a Memorystore instance's host:port) or set node_count = 1.",
                count.as_i64().unwrap_or(defaults::NODE_COUNT)
            ),
        ));
    }
    if let (Some(region), Some(zones)) = (v.get("region").as_str(), v.get("zones").as_seq()) {
        for (i, z) in zones.iter().enumerate() {
            if let Some(zone) = z.as_str() {
                if zone.rsplit_once('-').map(|(r, _)| r) != Some(region) {
                    d.push(err(
                        AttributePath::root("zones").index(i),
                        "Zone outside the cluster's region",
                        format!("Zone {zone:?} is not in region {region:?}. Use zones of {region} (e.g. \"{region}-a\"), or change `region`."),
                    ));
                }
            }
        }
    }
    if let Some(zones) = v.get("zones").as_seq() {
        if zones.is_empty() {
            d.push(err(
                AttributePath::root("zones"),
                "No zones",
                "List at least one zone to place nodes in.".into(),
            ));
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, z) in zones.iter().enumerate() {
            if let Some(s) = z.as_str() {
                if seen.contains(&s) {
                    d.push(err(
                        AttributePath::root("zones").index(i),
                        "Duplicate zone",
                        format!("{s:?} is listed twice; list each zone once."),
                    ));
                }
                seen.push(s);
            }
        }
    }
    if let Some(name) = v.get("name").as_str() {
        // Children append `-<zone suffix>-<index>`; Compute names stop at 63.
        let ok = name.len() <= 50
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !name.ends_with('-');
        if !ok {
            d.push(err(AttributePath::root("name"), "Invalid cluster name", format!("{name:?} must start with a lowercase letter, contain only lowercase letters, digits and hyphens, not end with a hyphen, and be at most 50 characters (children append suffixes).")));
        }
    }
    let r = block(v, "rollout");
    for attr in ["drain_timeout", "health_timeout"] {
        if let Some(s) = r.get(attr).as_str() {
            if let Err(e) = parse_duration(s) {
                d.push(err(
                    AttributePath::root("rollout").index(0).attr(attr),
                    "Invalid duration",
                    e,
                ));
            }
        }
    }
    if r.get("max_unavailable").as_i64().is_some_and(|m| m < 1) {
        d.push(err(
            AttributePath::root("rollout")
                .index(0)
                .attr("max_unavailable"),
            "Invalid max_unavailable",
            "max_unavailable must be at least 1.".into(),
        ));
    }
    let t = block(v, "timeouts");
    for attr in ["create", "update", "delete"] {
        if let Some(s) = t.get(attr).as_str() {
            if let Err(e) = parse_duration(s) {
                d.push(err(
                    AttributePath::root("timeouts").index(0).attr(attr),
                    "Invalid timeout",
                    e,
                ));
            }
        }
    }
    if let Some(port) = lk.get("prometheus_port").as_i64() {
        let http = block(v, "load_balancer")
            .get("health_check_port")
            .as_i64()
            .unwrap_or(defaults::HTTP_PORT);
        let tcp = block(lk, "rtc")
            .get("tcp_port")
            .as_i64()
            .unwrap_or(defaults::RTC_TCP_PORT);
        if !(1..=65535).contains(&port) || port == http || port == tcp {
            d.push(err(
                AttributePath::root("livekit").index(0).attr("prometheus_port"),
                "Invalid prometheus_port",
                format!("prometheus_port is {port}; use a free port between 1 and 65535 other than the HTTP port {http} and the RTC TCP port {tcp} (LiveKit's convention is 6789)."),
            ));
        }
    }
    let rtc = block(lk, "rtc");
    if let (Some(a), Some(b)) = (
        rtc.get("port_range_start").as_i64(),
        rtc.get("port_range_end").as_i64(),
    ) {
        if !(1024..=65535).contains(&a) || !(a..=65535).contains(&b) {
            d.push(err(
                AttributePath::root("livekit")
                    .index(0)
                    .attr("rtc")
                    .index(0)
                    .attr("port_range_start"),
                "Invalid RTC port range",
                format!("{a}-{b} must satisfy 1024 <= start <= end <= 65535."),
            ));
        }
    }
    d
}

fn string(v: &Value, name: &str) -> Option<String> {
    v.get(name).as_str().map(str::to_owned)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn duration_or(v: &Value, name: &str, default: &str) -> Duration {
    v.get(name)
        .as_str()
        .and_then(|s| parse_duration(s).ok())
        .or_else(|| parse_duration(default).ok())
        .unwrap_or(Duration::from_secs(600))
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
    /// Decodes a value whose defaults are filled (see [`fill_defaults`]).
    pub fn from_value(
        v: &Value,
        default_labels: &BTreeMap<String, String>,
    ) -> Result<Spec, Diagnostic> {
        use defaults as d;
        let missing = |attr: &str| {
            Diagnostic::error("Missing value", format!("`{attr}` must be known to manage the cluster; set it here or in the provider block."))
                .at(AttributePath::root(attr))
        };
        let project = string(v, "project").ok_or_else(|| missing("project"))?;
        let lk = block(v, "livekit");
        let rtc = block(lk, "rtc");
        let turn = block(lk, "turn");
        let lb = block(v, "load_balancer");
        let fw = block(v, "firewall");
        let ro = block(v, "rollout");
        let to = block(v, "timeouts");
        let mut labels = default_labels.clone();
        if let Some(m) = v.get("labels").as_map() {
            for (k, val) in m {
                if let Some(s) = val.as_str() {
                    labels.insert(k.clone(), s.to_owned());
                }
            }
        }
        let num = |b: &Value, name: &str, default: i64| b.get(name).as_i64().unwrap_or(default);
        Ok(Spec {
            name: string(v, "name").ok_or_else(|| missing("name"))?,
            region: string(v, "region").ok_or_else(|| missing("region"))?,
            zones: strings(v.get("zones")),
            node_count: usize::try_from(num(v, "node_count", d::NODE_COUNT)).unwrap_or(0),
            machine_type: string(v, "machine_type").unwrap_or_else(|| d::MACHINE_TYPE.into()),
            image: string(v, "image").unwrap_or_else(|| d::IMAGE.into()),
            disk_size_gb: num(v, "disk_size_gb", d::DISK_SIZE_GB),
            disk_type: string(v, "disk_type").unwrap_or_else(|| d::DISK_TYPE.into()),
            network: string(v, "network").unwrap_or_else(|| d::NETWORK.into()),
            subnetwork: string(v, "subnetwork"),
            tags: match v.get("network_tags").as_seq() {
                Some(_) => strings(v.get("network_tags")),
                None => vec![d::TAG.into()],
            },
            labels,
            service_account: string(v, "service_account"),
            livekit: Livekit {
                version: string(lk, "version").unwrap_or_else(|| d::LIVEKIT_VERSION.into()),
                redis_address: string(lk, "redis_address"),
                redis_tls_ca: string(lk, "redis_tls_ca"),
                keys_secret: secret_path(&project, &string(lk, "keys_secret").unwrap_or_default()),
                prometheus_port: lk.get("prometheus_port").as_i64(),
                rtc: Rtc {
                    tcp_port: num(rtc, "tcp_port", d::RTC_TCP_PORT),
                    port_range_start: num(rtc, "port_range_start", d::RTC_PORT_START),
                    port_range_end: num(rtc, "port_range_end", d::RTC_PORT_END),
                    use_external_ip: rtc.get("use_external_ip").as_bool().unwrap_or(true),
                },
                turn: string(turn, "domain").map(|domain| Turn {
                    domain,
                    tls_port: num(turn, "tls_port", d::TURN_TLS_PORT),
                    udp_port: num(turn, "udp_port", d::TURN_UDP_PORT),
                }),
            },
            lb: LoadBalancer {
                enabled: lb.get("enabled").as_bool().unwrap_or(true),
                port: num(lb, "health_check_port", d::HTTP_PORT),
                timeout_sec: num(lb, "timeout_sec", d::LB_TIMEOUT_SEC),
            },
            firewall_enabled: fw.get("enabled").as_bool().unwrap_or(true),
            admin_source_ranges: strings(fw.get("admin_source_ranges")),
            rollout: Rollout {
                max_unavailable: usize::try_from(num(ro, "max_unavailable", d::MAX_UNAVAILABLE))
                    .unwrap_or(1)
                    .max(1),
                drain_timeout: duration_or(ro, "drain_timeout", d::DRAIN_TIMEOUT),
                health_timeout: duration_or(ro, "health_timeout", d::HEALTH_TIMEOUT),
            },
            timeouts: Timeouts {
                create: duration_or(to, "create", d::CREATE_TIMEOUT),
                update: duration_or(to, "update", d::UPDATE_TIMEOUT),
                delete: duration_or(to, "delete", d::DELETE_TIMEOUT),
            },
            project,
        })
    }

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

    fn spec(count: i64) -> Spec {
        let mut v = Value::object([
            ("name", Value::from("lk")),
            (
                "zones",
                Value::List(vec![Value::from("r-a"), Value::from("r-b")]),
            ),
            ("node_count", Value::from(count)),
        ]);
        fill_defaults(&mut v, Some("p"), Some("r"));
        Spec::from_value(&v, &BTreeMap::new()).unwrap()
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
