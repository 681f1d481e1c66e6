//! The guide's pre-production checklist, one function per item, evaluated on
//! resource values (google resource attribute names as in hashicorp/google).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use crate::show::{ResourceView, ShowDoc};

/// What one check found: the resources it looked at and what is wrong.
#[derive(Debug, Default)]
pub struct Outcome {
    pub checked: Vec<String>,
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Problem {
    /// `None` when the problem is that no suitable resource exists.
    pub address: Option<String>,
    pub message: String,
}

impl Outcome {
    fn check(&mut self, r: &ResourceView, ok: bool, message: impl FnOnce() -> String) {
        self.checked.push(r.address.clone());
        if !ok {
            self.problems.push(Problem {
                address: Some(r.address.clone()),
                message: message(),
            });
        }
    }

    fn missing(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            address: None,
            message: message.into(),
        });
    }

    /// Fails with `message` when nothing was checked.
    fn require_some(mut self, message: &str) -> Self {
        if self.checked.is_empty() && self.problems.is_empty() {
            self.missing(message);
        }
        self
    }
}

pub struct Check {
    pub id: &'static str,
    pub description: &'static str,
    pub fix: &'static str,
    pub run: fn(&ShowDoc) -> Outcome,
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "services-min-instances",
        description: "Cloud Run services keep at least 2 instances warm",
        fix: "set template.scaling.min_instance_count = 2 or more (services module: services[*].min_instances)",
        run: services_min_instances,
    },
    Check {
        id: "sql-regional",
        description: "Cloud SQL primary is regional (HA failover)",
        fix: "set settings.availability_type = \"REGIONAL\" (database module: instance.availability_type)",
        run: sql_regional,
    },
    Check {
        id: "sql-replica",
        description: "Cloud SQL primary has a read replica",
        fix: "add a google_sql_database_instance with master_instance_name = the primary's name",
        run: sql_replica,
    },
    Check {
        id: "sql-backups",
        description: "Cloud SQL automated backups are enabled",
        fix: "set settings.backup_configuration.enabled = true with a start_time (the guide: 02:00 UTC)",
        run: sql_backups,
    },
    Check {
        id: "sql-pitr",
        description: "Cloud SQL point-in-time recovery keeps 7 days of logs",
        fix: "set backup_configuration.point_in_time_recovery_enabled = true and transaction_log_retention_days = 7",
        run: sql_pitr,
    },
    Check {
        id: "sql-maintenance-window",
        description: "Cloud SQL has a maintenance window",
        fix: "add settings.maintenance_window { day = 7, hour = 3 } (Sunday 03:00 UTC)",
        run: sql_maintenance_window,
    },
    Check {
        id: "redis-ha",
        description: "Memorystore Redis is STANDARD_HA",
        fix: "set tier = \"STANDARD_HA\" on google_redis_instance",
        run: redis_ha,
    },
    Check {
        id: "managed-certificates",
        description: "Every public domain has a Google-managed certificate",
        fix: "list every load-balancer host in a google_compute_managed_ssl_certificate's managed.domains",
        run: managed_certificates,
    },
    Check {
        id: "cloud-armor",
        description: "Cloud Armor is attached to every backend",
        fix: "set security_policy on backend services and edge_security_policy on backend buckets",
        run: cloud_armor,
    },
    Check {
        id: "audit-logging",
        description: "Data access audit logging is on for all services",
        fix: "add google_project_iam_audit_config { service = \"allServices\" } with DATA_READ and DATA_WRITE log types",
        run: audit_logging,
    },
    Check {
        id: "budget-thresholds",
        description: "A budget alerts at 50 %, 80 % and 100 %",
        fix: "give platform_budget_guard threshold blocks with percent = 0.5, 0.8 and 1.0",
        run: budget_thresholds,
    },
    Check {
        id: "uptime-check",
        description: "An uptime check probes the API",
        fix: "add a google_monitoring_uptime_check_config for https://api.<domain>/health every 60s",
        run: uptime_check,
    },
    Check {
        id: "error-rate-alert",
        description: "An alert policy fires on the Cloud Run error rate",
        fix: "add a google_monitoring_alert_policy on run.googleapis.com/request_count for 5xx responses",
        run: error_rate_alert,
    },
    Check {
        id: "latency-alert",
        description: "An alert policy fires on Cloud Run latency",
        fix: "add a google_monitoring_alert_policy on run.googleapis.com/request_latencies (p95)",
        run: latency_alert,
    },
    Check {
        id: "livekit-ha",
        description: "LiveKit runs at least 3 nodes over at least 2 zones, sharing rooms through Redis",
        fix: "set node_count >= 3, two or more zones and livekit.redis_address on platform_livekit_cluster",
        run: livekit_ha,
    },
    Check {
        id: "no-plain-secrets",
        description: "No secret values in plain environment variables",
        fix: "move the value to Secret Manager and reference it with env_secret (value_source) instead of env.value",
        run: no_plain_secrets,
    },
];

const RUN_SERVICE_TYPES: [&str; 2] = ["platform_blue_green_service", "google_cloud_run_v2_service"];

fn run_services(doc: &ShowDoc) -> impl Iterator<Item = &ResourceView> {
    doc.resources
        .iter()
        .filter(|r| RUN_SERVICE_TYPES.contains(&r.resource_type.as_str()))
}

fn services_min_instances(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for service in run_services(doc) {
        let path = "template.0.scaling.0.min_instance_count";
        let min = service.f64(path);
        let ok = service.is_unknown(path) || min.is_some_and(|m| m >= 2.0);
        out.check(service, ok, || {
            format!(
                "min_instance_count is {}",
                min.map_or("unset".to_string(), |m| m.to_string())
            )
        });
    }
    out.require_some("no Cloud Run service found")
}

/// A replica names its master or says it is one. hashicorp/google plans a primary's
/// `master_instance_name` (optional and computed) as unknown, so unknown says nothing.
fn is_sql_replica(r: &ResourceView) -> bool {
    r.str("master_instance_name").is_some_and(|m| !m.is_empty())
        || r.str("instance_type") == Some("READ_REPLICA_INSTANCE")
}

/// Primaries are the instances that do not replicate from another.
fn sql_primaries(doc: &ShowDoc) -> impl Iterator<Item = &ResourceView> {
    doc.of_type("google_sql_database_instance")
        .filter(|r| !is_sql_replica(r))
}

fn sql_check(doc: &ShowDoc, judge: impl Fn(&ResourceView) -> Result<(), String>) -> Outcome {
    let mut out = Outcome::default();
    for primary in sql_primaries(doc) {
        let verdict = judge(primary);
        out.check(primary, verdict.is_ok(), || {
            verdict.err().unwrap_or_default()
        });
    }
    out.require_some("no Cloud SQL primary instance found")
}

fn sql_regional(doc: &ShowDoc) -> Outcome {
    sql_check(doc, |db| match db.str("settings.0.availability_type") {
        Some("REGIONAL") => Ok(()),
        _ if db.is_unknown("settings.0.availability_type") => Ok(()),
        other => Err(format!(
            "availability_type is {}",
            other.unwrap_or("ZONAL (default)")
        )),
    })
}

fn sql_replica(doc: &ShowDoc) -> Outcome {
    let replicas: Vec<&ResourceView> = doc
        .of_type("google_sql_database_instance")
        .filter(|r| is_sql_replica(r))
        .collect();
    sql_check(doc, |db| {
        let name = db.str("name");
        let has = replicas.iter().any(|replica| {
            replica.is_unknown("master_instance_name")
                || (name.is_some() && replica.str("master_instance_name") == name)
        });
        if has {
            Ok(())
        } else {
            Err("no instance names it as master_instance_name".to_string())
        }
    })
}

fn sql_backups(doc: &ShowDoc) -> Outcome {
    sql_check(doc, |db| {
        match db.bool("settings.0.backup_configuration.0.enabled") {
            Some(true) => Ok(()),
            _ => Err("backup_configuration.enabled is not true".to_string()),
        }
    })
}

fn sql_pitr(doc: &ShowDoc) -> Outcome {
    sql_check(doc, |db| {
        let backup = "settings.0.backup_configuration.0";
        if db.bool(&format!("{backup}.point_in_time_recovery_enabled")) != Some(true) {
            return Err("point_in_time_recovery_enabled is not true".to_string());
        }
        match db.f64(&format!("{backup}.transaction_log_retention_days")) {
            Some(days) if days >= 7.0 => Ok(()),
            Some(days) => Err(format!("transaction_log_retention_days is {days}")),
            None => Err("transaction_log_retention_days is unset".to_string()),
        }
    })
}

fn sql_maintenance_window(doc: &ShowDoc) -> Outcome {
    sql_check(doc, |db| {
        if db.get("settings.0.maintenance_window.0.day").is_some() {
            Ok(())
        } else {
            Err("no maintenance_window".to_string())
        }
    })
}

fn redis_ha(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for redis in doc.of_type("google_redis_instance") {
        let tier = redis.str("tier");
        out.check(redis, tier == Some("STANDARD_HA"), || {
            format!("tier is {}", tier.unwrap_or("BASIC (default)"))
        });
    }
    out.require_some("no google_redis_instance found")
}

fn strings(values: &[Value]) -> impl Iterator<Item = &str> {
    values.iter().filter_map(Value::as_str)
}

fn normalise_domain(domain: &str) -> String {
    domain.trim_end_matches('.').to_ascii_lowercase()
}

fn managed_certificates(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    let mut covered = BTreeSet::new();
    let mut any_unknown = false;
    for cert in doc.of_type("google_compute_managed_ssl_certificate") {
        out.checked.push(cert.address.clone());
        any_unknown |= cert.is_unknown("managed.0.domains");
        covered.extend(strings(cert.list("managed.0.domains")).map(normalise_domain));
    }
    if out.checked.is_empty() {
        out.missing("no google_compute_managed_ssl_certificate found");
        return out;
    }
    for url_map in doc.of_type("google_compute_url_map") {
        let hosts: BTreeSet<String> = url_map
            .list("host_rule")
            .iter()
            .flat_map(|rule| {
                rule.get("hosts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .filter(|h| !h.contains('*'))
            .map(normalise_domain)
            .collect();
        let uncovered: Vec<_> = hosts.difference(&covered).cloned().collect();
        out.check(url_map, any_unknown || uncovered.is_empty(), || {
            format!("no managed certificate for {}", uncovered.join(", "))
        });
    }
    out
}

fn cloud_armor(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    if doc
        .of_type("google_compute_security_policy")
        .next()
        .is_none()
    {
        out.missing("no google_compute_security_policy found");
        return out;
    }
    for backend in doc.of_type("google_compute_backend_service") {
        let internal = backend
            .str("load_balancing_scheme")
            .is_some_and(|s| s.starts_with("INTERNAL"));
        if internal {
            continue;
        }
        out.check(backend, backend.is_set("security_policy"), || {
            "security_policy is not set".to_string()
        });
    }
    for bucket in doc.of_type("google_compute_backend_bucket") {
        out.check(bucket, bucket.is_set("edge_security_policy"), || {
            "edge_security_policy is not set".to_string()
        });
    }
    out.require_some("no backend service or backend bucket to protect")
}

fn audit_logging(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for config in doc.of_type("google_project_iam_audit_config") {
        if config.str("service") != Some("allServices") {
            continue;
        }
        let types: BTreeSet<&str> = config
            .list("audit_log_config")
            .iter()
            .filter_map(|c| c.get("log_type").and_then(Value::as_str))
            .collect();
        let missing: Vec<_> = ["DATA_READ", "DATA_WRITE"]
            .into_iter()
            .filter(|t| !types.contains(t))
            .collect();
        out.check(config, missing.is_empty(), || {
            format!("log types miss {}", missing.join(", "))
        });
    }
    out.require_some("no google_project_iam_audit_config for allServices found")
}

fn budget_thresholds(doc: &ShowDoc) -> Outcome {
    const WANTED: [f64; 3] = [0.5, 0.8, 1.0];
    let mut out = Outcome::default();
    let budgets = doc
        .of_type("platform_budget_guard")
        .map(|b| (b, "threshold", "percent"))
        .chain(
            doc.of_type("google_billing_budget")
                .map(|b| (b, "threshold_rules", "threshold_percent")),
        );
    for (budget, list, field) in budgets {
        let have: Vec<f64> = budget
            .list(list)
            .iter()
            .filter_map(|t| t.get(field).and_then(Value::as_f64))
            .collect();
        let missing: Vec<String> = WANTED
            .iter()
            .filter(|w| !have.iter().any(|h| (h - *w).abs() < 1e-9))
            .map(|w| format!("{} %", w * 100.0))
            .collect();
        out.check(budget, missing.is_empty(), || {
            format!("no threshold at {}", missing.join(", "))
        });
    }
    out.require_some("no platform_budget_guard or google_billing_budget found")
}

fn uptime_check(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for check in doc.of_type("google_monitoring_uptime_check_config") {
        out.check(check, true, String::new);
    }
    out.require_some("no google_monitoring_uptime_check_config found")
}

/// Alert policies with a threshold condition whose filter satisfies `matches`.
fn alert_on(doc: &ShowDoc, matches: impl Fn(&Value) -> bool, missing: &str) -> Outcome {
    let mut out = Outcome::default();
    for policy in doc.of_type("google_monitoring_alert_policy") {
        let hit = policy.list("conditions").iter().any(|condition| {
            condition
                .get("condition_threshold")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(&matches)
        });
        if hit {
            out.check(policy, true, String::new);
        }
    }
    out.require_some(missing)
}

fn filter_of<'a>(threshold: &'a Value, key: &str) -> &'a str {
    threshold
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn error_rate_alert(doc: &ShowDoc) -> Outcome {
    alert_on(
        doc,
        |t| {
            let filter = filter_of(t, "filter");
            filter.contains("run.googleapis.com/request_count")
                && (filter.contains("5xx") || !filter_of(t, "denominator_filter").is_empty())
        },
        "no alert policy on the Cloud Run 5xx error rate",
    )
}

fn latency_alert(doc: &ShowDoc) -> Outcome {
    alert_on(
        doc,
        |t| filter_of(t, "filter").contains("run.googleapis.com/request_latencies"),
        "no alert policy on Cloud Run request latencies",
    )
}

fn livekit_ha(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for cluster in doc.of_type("platform_livekit_cluster") {
        let nodes = cluster.f64("node_count").unwrap_or(1.0);
        let zones: BTreeSet<&str> = strings(cluster.list("zones")).collect();
        let mut wrong = Vec::new();
        if nodes < 3.0 {
            wrong.push(format!("node_count is {nodes}"));
        }
        if zones.len() < 2 && !cluster.is_unknown("zones") {
            wrong.push(format!("{} zone(s)", zones.len()));
        }
        if !cluster.is_set("livekit.0.redis_address") {
            wrong.push("livekit.redis_address is unset".to_string());
        }
        out.check(cluster, wrong.is_empty(), || wrong.join("; "));
    }
    out.require_some("no platform_livekit_cluster found")
}

fn secret_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Whole name parts only, so KEYBOARD_LAYOUT or MONKEY do not match.
    RE.get_or_init(|| {
        Regex::new(r"(?i)(^|[_\-.])(SECRETS?|TOKENS?|PASSWORDS?|PASSWD|KEYS?|DSN)([_\-.]|$)")
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    })
}

pub fn is_secret_name(name: &str) -> bool {
    secret_like().is_match(name)
}

fn no_plain_secrets(doc: &ShowDoc) -> Outcome {
    let mut out = Outcome::default();
    for service in run_services(doc) {
        let leaked: Vec<&str> = service
            .list("template.0.containers")
            .iter()
            .flat_map(|c| c.get("env").and_then(Value::as_array).into_iter().flatten())
            .filter(|env| {
                env.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.is_empty())
            })
            .filter_map(|env| env.get("name").and_then(Value::as_str))
            .filter(|name| is_secret_name(name))
            .collect();
        // The value itself is never echoed: only the variable names.
        out.check(service, leaked.is_empty(), || {
            format!("plain env value for {}", leaked.join(", "))
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "API_KEY",
            "SENTRY_DSN",
            "DB_PASSWORD",
            "JWT_SECRET",
            "SLACK_TOKEN",
            "secret_key_base",
            "KEY",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "NODE_ENV",
            "KEYBOARD_LAYOUT",
            "MONKEY",
            "RATE_LIMIT_MAX_REQUESTS",
            "CSRF_ENABLED",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn check_ids_are_unique() {
        let ids: BTreeSet<_> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CHECKS.len());
    }
}
