//! Plausible values for what Google computes: IDs and self links in the formats the real
//! provider stores (its `id_format`s and Compute `selfLink`s), addresses, e-mails, numbers.
//! Deterministic (hashes of the resource's own values), so a re-apply gives the same state.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use tfplugin::{Block, NestingMode, Number, Type, Value};

/// The provider block's `project`, `region` and `zone`.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    pub project: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
}

/// `id` formats of the vendored types, `{attr}` taken from the resource's own top-level
/// values; `{n}` is a server-assigned number.
fn id_format(type_name: &str) -> &'static str {
    match type_name {
        "google_billing_budget" => "billingAccounts/{billing_account}/budgets/{n}",
        "google_cloud_run_v2_service" => "projects/{project}/locations/{location}/services/{name}",
        "google_compute_backend_bucket" => "projects/{project}/global/backendBuckets/{name}",
        "google_compute_backend_service" => "projects/{project}/global/backendServices/{name}",
        "google_compute_firewall" => "projects/{project}/global/firewalls/{name}",
        "google_compute_global_address" => "projects/{project}/global/addresses/{name}",
        "google_compute_global_forwarding_rule" => {
            "projects/{project}/global/forwardingRules/{name}"
        }
        "google_compute_health_check" => "projects/{project}/global/healthChecks/{name}",
        "google_compute_instance" => "projects/{project}/zones/{zone}/instances/{name}",
        "google_compute_instance_group" => "projects/{project}/zones/{zone}/instanceGroups/{name}",
        "google_compute_managed_ssl_certificate" => {
            "projects/{project}/global/sslCertificates/{name}"
        }
        "google_compute_network" => "projects/{project}/global/networks/{name}",
        "google_compute_region_commitment" => {
            "projects/{project}/regions/{region}/commitments/{name}"
        }
        "google_compute_region_network_endpoint_group" => {
            "projects/{project}/regions/{region}/networkEndpointGroups/{name}"
        }
        "google_compute_router" => "projects/{project}/regions/{region}/routers/{name}",
        "google_compute_router_nat" => "{project}/{region}/{router}/{name}",
        "google_compute_security_policy" => "projects/{project}/global/securityPolicies/{name}",
        "google_compute_subnetwork" => "projects/{project}/regions/{region}/subnetworks/{name}",
        "google_compute_target_http_proxy" => "projects/{project}/global/targetHttpProxies/{name}",
        "google_compute_target_https_proxy" => {
            "projects/{project}/global/targetHttpsProxies/{name}"
        }
        "google_compute_target_ssl_proxy" => "projects/{project}/global/targetSslProxies/{name}",
        "google_compute_url_map" => "projects/{project}/global/urlMaps/{name}",
        "google_logging_project_bucket_config" => {
            "projects/{project}/locations/{location}/buckets/{bucket_id}"
        }
        "google_logging_project_sink" => "projects/{project}/sinks/{name}",
        "google_monitoring_alert_policy" => "projects/{project}/alertPolicies/{n}",
        "google_monitoring_notification_channel" => "projects/{project}/notificationChannels/{n}",
        "google_monitoring_uptime_check_config" => "projects/{project}/uptimeCheckConfigs/{n}",
        "google_project_iam_audit_config" => "{project}/audit_config/{service}",
        "google_project_iam_member" => "{project}/{role}/{member}",
        "google_redis_instance" => "projects/{project}/locations/{region}/instances/{name}",
        "google_secret_manager_secret" => "projects/{project}/secrets/{secret_id}",
        "google_secret_manager_secret_iam_member" => "{secret_id}/{role}/{member}",
        "google_service_account" => "projects/{project}/serviceAccounts/{email}",
        "google_service_networking_connection" => "{network}:{service}",
        "google_sql_database" => "projects/{project}/instances/{instance}/databases/{name}",
        "google_sql_database_instance" => "{name}",
        "google_storage_bucket" => "{name}",
        "google_storage_bucket_iam_member" => "b/{bucket}/{role}/{member}",
        "google_vpc_access_connector" => "projects/{project}/locations/{region}/connectors/{name}",
        _ => "projects/{project}/{name}",
    }
}

const LOCATIONS: [&str; 3] = ["project", "region", "zone"];

/// Unset `project`/`region`/`zone` (where the type has them as computed) from the
/// provider block, as the real provider does at plan time.
pub fn provider_defaults(block: &Block, state: &mut Value, defaults: &Defaults) {
    for name in LOCATIONS {
        let computed = block.attribute(name).is_some_and(|a| a.computed);
        let value = match name {
            "project" => &defaults.project,
            "region" => &defaults.region,
            _ => &defaults.zone,
        };
        if let (true, Some(v), true) = (computed, value, state.get(name).is_null()) {
            state.set(name, Value::string(v.clone()));
        }
    }
}

/// Replaces every unknown in a planned state with a plausible computed value.
pub fn resolve(type_name: &str, block: &Block, state: &mut Value, defaults: &Defaults) {
    let seed = hash(&format!("{type_name}{state:?}"));
    let mut ctx = Ctx {
        type_name,
        seed,
        vars: BTreeMap::new(),
    };
    // Locations first: the ID and the self link are made of them.
    for name in ["project", "region", "zone", "location"] {
        if state.get(name).is_unknown() {
            let value = match name {
                "project" => defaults.project.clone(),
                "zone" => defaults
                    .zone
                    .clone()
                    .or_else(|| defaults.region.as_ref().map(|r| format!("{r}-b"))),
                _ => defaults.region.clone(),
            };
            state.set(name, Value::from(value.unwrap_or_else(|| "unknown".into())));
        }
    }
    if block.attribute("email").is_some() && state.get("email").is_unknown() {
        let email = format!(
            "{}@{}.iam.gserviceaccount.com",
            text(state, "account_id"),
            text(state, "project")
        );
        state.set("email", Value::string(email));
    }
    if let Some(m) = state.as_map() {
        for (k, v) in m {
            if let Some(s) = v.as_str() {
                ctx.vars.insert(k.clone(), s.to_owned());
            }
        }
    }
    ctx.vars
        .insert("n".into(), (seed % 10u64.pow(12)).to_string());
    let id = ctx.format(id_format(type_name));
    ctx.vars.insert("id".into(), id);
    ctx.block(block, state, "");
}

fn text(state: &Value, name: &str) -> String {
    state.get(name).as_str().unwrap_or_default().to_owned()
}

fn hash(s: &str) -> u64 {
    let digest = Sha256::digest(s.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(bytes)
}

struct Ctx<'a> {
    type_name: &'a str,
    seed: u64,
    /// The resource's own top-level string values, plus `n` and `id`.
    vars: BTreeMap<String, String>,
}

impl Ctx<'_> {
    fn var(&self, name: &str) -> &str {
        self.vars.get(name).map_or("", String::as_str)
    }

    fn format(&self, template: &str) -> String {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.push_str(self.var(&rest[start + 1..start + len]));
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    fn number(&self, path: &str, modulo: u64) -> u64 {
        hash(&format!("{}{path}", self.seed)) % modulo
    }

    fn block(&self, block: &Block, value: &mut Value, path: &str) {
        let Value::Object(fields) = value else {
            return;
        };
        for a in &block.attributes {
            if let Some(v) = fields.get_mut(&a.name) {
                let at = format!("{path}.{}", a.name);
                self.value(&a.name, &a.ty, v, &at);
            }
        }
        // Label maps follow the labels the configuration gave.
        if path.is_empty() {
            for (derived, source) in [
                ("effective_labels", "labels"),
                ("terraform_labels", "labels"),
                ("effective_annotations", "annotations"),
            ] {
                if let (Some(Value::Map(m)), Some(src)) = (
                    fields.get(derived),
                    fields.get(source).and_then(Value::as_map),
                ) {
                    if m.is_empty() {
                        let copy = Value::Map(src.clone());
                        fields.insert(derived.to_owned(), copy);
                    }
                }
            }
        }
        for nested in &block.blocks {
            let Some(v) = fields.get_mut(&nested.type_name) else {
                continue;
            };
            let at = format!("{path}.{}", nested.type_name);
            match (nested.nesting, v) {
                (NestingMode::Single | NestingMode::Group, v) => self.block(&nested.block, v, &at),
                (_, Value::List(items) | Value::Set(items)) => {
                    for (i, item) in items.iter_mut().enumerate() {
                        self.block(&nested.block, item, &format!("{at}[{i}]"));
                    }
                }
                (_, Value::Map(items)) => {
                    for (k, item) in items.iter_mut() {
                        self.block(&nested.block, item, &format!("{at}[{k}]"));
                    }
                }
                _ => {}
            }
        }
    }

    /// Fills `v` if it is unknown (or holds unknowns) according to its name and type.
    fn value(&self, name: &str, ty: &Type, v: &mut Value, path: &str) {
        match v {
            Value::Unknown => *v = self.invent(name, ty, path),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    let elem = match ty {
                        Type::List(e) | Type::Set(e) => e.as_ref().clone(),
                        Type::Tuple(es) => es.get(i).cloned().unwrap_or(Type::Dynamic),
                        _ => Type::Dynamic,
                    };
                    self.value(name, &elem, item, &format!("{path}[{i}]"));
                }
            }
            Value::Map(items) | Value::Object(items) => {
                for (k, item) in items.iter_mut() {
                    let elem = match ty {
                        Type::Map(e) => e.as_ref().clone(),
                        Type::Object(fs) => fs.get(k).cloned().unwrap_or(Type::Dynamic),
                        _ => Type::Dynamic,
                    };
                    self.value(k, &elem, item, &format!("{path}.{k}"));
                }
            }
            _ => {}
        }
    }

    fn invent(&self, name: &str, ty: &Type, path: &str) -> Value {
        match ty {
            Type::String => Value::string(self.string(name, path)),
            Type::Number => Value::Number(Number::from(match name {
                "port" => 6379,
                "mtu" => 1460,
                _ if name.ends_with("id") || name.ends_with("number") => {
                    self.number(path, 10u64.pow(12)) as i64
                }
                _ => 0,
            })),
            Type::Bool => Value::Bool(false),
            Type::List(_) => Value::List(Vec::new()),
            Type::Set(_) => Value::Set(Vec::new()),
            Type::Map(_) => Value::Map(BTreeMap::new()),
            Type::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, t)| (k.clone(), self.invent(k, t, &format!("{path}.{k}"))))
                    .collect(),
            ),
            Type::Tuple(_) | Type::Dynamic => Value::Null,
        }
    }

    fn string(&self, name: &str, path: &str) -> String {
        let id = self.var("id");
        let compute = self.type_name.starts_with("google_compute_");
        match name {
            "id" => id.to_owned(),
            "self_link" if compute => format!("https://www.googleapis.com/compute/v1/{id}"),
            "self_link" if self.type_name == "google_storage_bucket" => {
                format!("https://www.googleapis.com/storage/v1/b/{id}")
            }
            "self_link" if self.type_name == "google_sql_database_instance" => format!(
                "https://sqladmin.googleapis.com/sql/v1beta4/projects/{}/instances/{id}",
                self.var("project")
            ),
            "self_link" => id.to_owned(),
            "url" if self.type_name == "google_storage_bucket" => format!("gs://{id}"),
            // Server-named types (alert policies, channels, budgets, secrets): the full name.
            "name" => id.to_owned(),
            "uptime_check_id" => id.rsplit('/').next().unwrap_or(id).to_owned(),
            "uri" => format!(
                "https://{}-{}.a.run.app",
                self.var("name"),
                self.number(path, 10u64.pow(10))
            ),
            "member" => format!("serviceAccount:{}", self.var("email")),
            "connection_name" => format!(
                "{}:{}:{}",
                self.var("project"),
                self.var("region"),
                self.var("name")
            ),
            "writer_identity" => format!(
                "serviceAccount:service-{}@gcp-sa-logging.iam.gserviceaccount.com",
                self.number(path, 10u64.pow(12))
            ),
            "etag" | "fingerprint" | "label_fingerprint" => {
                format!("{:016x}", self.number(path, u64::MAX))
            }
            "state" => "READY".into(),
            _ if is_address(name) => {
                let n = self.number(path, 250) + 2;
                if compute {
                    format!("203.0.113.{n}")
                } else {
                    format!("10.10.0.{n}")
                }
            }
            _ if name.ends_with("_time") || name.ends_with("timestamp") => {
                "2026-01-01T00:00:00Z".into()
            }
            _ if name.ends_with("_id") || name == "unique_id" => {
                self.number(path, 10u64.pow(12)).to_string()
            }
            _ if name.ends_with("_link") => format!("https://www.googleapis.com/compute/v1/{id}"),
            _ => format!("{name}-{:08x}", self.number(path, 1 << 32)),
        }
    }
}

fn is_address(name: &str) -> bool {
    matches!(name, "address" | "host" | "ip_address" | "gateway_ipv4")
        || name.ends_with("_ip_address")
        || name.ends_with("_ip")
}
