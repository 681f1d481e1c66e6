//! The typed model of `platform_livekit_cluster`: one field per schema
//! attribute (checked by `model_matches_schema`), and its conversion into the
//! [`Spec`] the rest of the resource works with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tfplugin::typed::{single_block, MaybeUnknown};
use tfplugin::{AttributePath, Diagnostic, Fields, NestedBlock, Value};

use super::schema::schema;
use super::spec::{
    secret_path, Livekit as LivekitSpec, LoadBalancer as LbSpec, Rollout as RolloutSpec, Spec,
    Timeouts as TimeoutsSpec,
};
use crate::config::parse_duration;
use crate::framework::model::block_defaults;

/// Configuration, plan and state of the resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub name: String,
    /// Filled from the provider's `project` at plan when unset.
    pub project: Option<String>,
    pub region: Option<String>,
    pub zones: Vec<String>,
    pub node_count: i64,
    pub machine_type: String,
    pub image: String,
    pub disk_size_gb: i64,
    pub disk_type: String,
    pub network: String,
    pub subnetwork: Option<String>,
    pub network_tags: Vec<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub service_account: Option<String>,
    pub effective_labels: MaybeUnknown<BTreeMap<String, String>>,
    pub id: MaybeUnknown<String>,
    pub config_hash: MaybeUnknown<String>,
    pub nodes: MaybeUnknown<Vec<Node>>,
    pub instance_groups: MaybeUnknown<Vec<Group>>,
    pub health_check: MaybeUnknown<String>,
    pub backend_service: MaybeUnknown<String>,
    pub firewall_rules: MaybeUnknown<Vec<String>>,
    #[serde(with = "single_block")]
    pub livekit: Option<Livekit>,
    #[serde(with = "single_block")]
    pub load_balancer: Option<LoadBalancer>,
    #[serde(with = "single_block")]
    pub firewall: Option<Firewall>,
    #[serde(with = "single_block")]
    pub rollout: Option<Rollout>,
    #[serde(with = "single_block")]
    pub timeouts: Option<Timeouts>,
}

/// An element of the computed `nodes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub name: String,
    pub zone: String,
    pub self_link: String,
    pub internal_ip: String,
    pub external_ip: String,
    pub status: String,
    pub config_hash: String,
}

/// An element of the computed `instance_groups`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub name: String,
    pub zone: String,
    pub self_link: String,
    pub instances: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Livekit {
    pub version: String,
    pub redis_address: Option<String>,
    pub redis_tls_ca: Option<String>,
    /// Null only in the imported state of a hand-built cluster (its script is
    /// not ours to read); configuration requires it.
    pub keys_secret: Option<String>,
    pub prometheus_port: Option<i64>,
    #[serde(with = "single_block")]
    pub rtc: Option<Rtc>,
    #[serde(with = "single_block")]
    pub turn: Option<Turn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Rtc {
    pub tcp_port: i64,
    pub port_range_start: i64,
    pub port_range_end: i64,
    pub use_external_ip: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub domain: String,
    pub tls_port: i64,
    pub udp_port: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub enabled: bool,
    pub health_check_port: i64,
    pub timeout_sec: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    pub enabled: bool,
    pub admin_source_ranges: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    pub max_unavailable: i64,
    pub drain_timeout: String,
    pub health_timeout: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    pub create: String,
    pub update: String,
    pub delete: String,
}

/// `name`'s nested block in `parent` (a schema/model mismatch is caught by
/// `model_matches_schema`, so absence is a provider bug).
fn nested<'a>(parent: &'a [NestedBlock], name: &str) -> Result<&'a NestedBlock, Diagnostic> {
    parent
        .iter()
        .find(|b| b.type_name == name)
        .ok_or_else(|| Diagnostic::error("Schema has no such block", name.to_owned()))
}

/// The block's model, or its schema defaults when the block is absent.
fn or_defaults<T: serde::de::DeserializeOwned>(
    given: Option<T>,
    parent: &[NestedBlock],
    name: &str,
) -> Result<T, Diagnostic> {
    match given {
        Some(t) => Ok(t),
        None => block_defaults(&nested(parent, name)?.block),
    }
}

fn duration(path: AttributePath, text: &str) -> Result<std::time::Duration, Diagnostic> {
    parse_duration(text).map_err(|e| Diagnostic::error("Invalid duration", e).at(path))
}

/// What the schema's defaults make of the nested blocks a configuration leaves out.
pub struct BlockDefaults {
    pub rtc: Rtc,
    pub turn: Turn,
    pub load_balancer: LoadBalancer,
}

impl BlockDefaults {
    pub fn get() -> Result<BlockDefaults, Diagnostic> {
        let s = schema();
        let livekit = nested(&s.block.blocks, "livekit")?;
        Ok(BlockDefaults {
            rtc: or_defaults(None, &livekit.block.blocks, "rtc")?,
            turn: or_defaults(None, &livekit.block.blocks, "turn")?,
            load_balancer: or_defaults(None, &s.block.blocks, "load_balancer")?,
        })
    }
}

impl Model {
    /// The model the schema's defaults describe: only the attributes that
    /// declare a default are meaningful (required ones hold placeholders).
    pub fn schema_defaults() -> Result<Model, Diagnostic> {
        block_defaults(&schema().block)
    }

    /// Fills what the configuration leaves null: the provider's project and
    /// region, then every schema default (present blocks only).
    pub fn fill_defaults(v: &mut Value, project: Option<&str>, region: Option<&str>) {
        for (attr, given) in [("project", project), ("region", region)] {
            if let Some(given) = given {
                if v.get(attr).is_null() {
                    v.set(attr, Value::from(given));
                }
            }
        }
        schema().block.apply_defaults(v);
    }

    /// The spec this (known) model describes.
    pub fn spec(&self, default_labels: &BTreeMap<String, String>) -> Result<Spec, Diagnostic> {
        self.clone().into_spec(default_labels)
    }

    fn into_spec(self, default_labels: &BTreeMap<String, String>) -> Result<Spec, Diagnostic> {
        let missing = |attr: &str| {
            Diagnostic::error("Missing value", format!("`{attr}` must be known to manage the cluster; set it here or in the provider block."))
                .at(AttributePath::root(attr))
        };
        let s = schema();
        let blocks = &s.block.blocks;
        let project = self.project.ok_or_else(|| missing("project"))?;
        let region = self.region.ok_or_else(|| missing("region"))?;
        let lk = self.livekit.ok_or_else(|| missing("livekit"))?;
        let rtc = or_defaults(lk.rtc, &nested(blocks, "livekit")?.block.blocks, "rtc")?;
        let lb: LoadBalancer = or_defaults(self.load_balancer, blocks, "load_balancer")?;
        let fw: Firewall = or_defaults(self.firewall, blocks, "firewall")?;
        let ro: Rollout = or_defaults(self.rollout, blocks, "rollout")?;
        let to: Timeouts = or_defaults(self.timeouts, blocks, "timeouts")?;
        let rollout_path = |attr: &str| AttributePath::root("rollout").index(0).attr(attr);
        let timeouts_path = |attr: &str| AttributePath::root("timeouts").index(0).attr(attr);
        let mut labels = default_labels.clone();
        labels.extend(self.labels.unwrap_or_default());
        Ok(Spec {
            name: self.name,
            region,
            zones: self.zones,
            node_count: usize::try_from(self.node_count).unwrap_or(0),
            machine_type: self.machine_type,
            image: self.image,
            disk_size_gb: self.disk_size_gb,
            disk_type: self.disk_type,
            network: self.network,
            subnetwork: self.subnetwork,
            tags: self.network_tags,
            labels,
            service_account: self.service_account,
            livekit: LivekitSpec {
                version: lk.version,
                redis_address: lk.redis_address,
                redis_tls_ca: lk.redis_tls_ca,
                keys_secret: lk
                    .keys_secret
                    .map(|k| secret_path(&project, &k))
                    .unwrap_or_default(),
                prometheus_port: lk.prometheus_port,
                rtc,
                turn: lk.turn,
            },
            lb: LbSpec {
                enabled: lb.enabled,
                port: lb.health_check_port,
                timeout_sec: lb.timeout_sec,
            },
            firewall_enabled: fw.enabled,
            admin_source_ranges: fw.admin_source_ranges.unwrap_or_default(),
            rollout: RolloutSpec {
                max_unavailable: usize::try_from(ro.max_unavailable).unwrap_or(1).max(1),
                drain_timeout: duration(rollout_path("drain_timeout"), &ro.drain_timeout)?,
                health_timeout: duration(rollout_path("health_timeout"), &ro.health_timeout)?,
            },
            timeouts: TimeoutsSpec {
                create: duration(timeouts_path("create"), &to.create)?,
                update: duration(timeouts_path("update"), &to.update)?,
                delete: duration(timeouts_path("delete"), &to.delete)?,
            },
            project,
        })
    }
}
