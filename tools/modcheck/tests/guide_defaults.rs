#![allow(clippy::unwrap_used)] // tests fail loudly by design
//! The guide's production values are the modules' defaults; changing one must be deliberate.

mod common;

use common::repo_root;
use modcheck::Module;
use serde_json::{json, Value};

/// (module, variable, path inside the variable, expected default)
fn table() -> Vec<(&'static str, &'static str, &'static [&'static str], Value)> {
    vec![
        ("services", "services", &["api", "min_instances"], json!(2)),
        ("services", "services", &["api", "max_instances"], json!(20)),
        ("services", "services", &["api", "cpu"], json!("2")),
        ("services", "services", &["api", "memory"], json!("4Gi")),
        ("services", "services", &["api", "timeout"], json!("300s")),
        ("services", "services", &["api", "concurrency"], json!(80)),
        (
            "services",
            "services",
            &["websocket", "min_instances"],
            json!(2),
        ),
        (
            "services",
            "services",
            &["websocket", "max_instances"],
            json!(10),
        ),
        ("services", "services", &["websocket", "cpu"], json!("2")),
        (
            "services",
            "services",
            &["websocket", "memory"],
            json!("4Gi"),
        ),
        (
            "services",
            "services",
            &["websocket", "timeout"],
            json!("3600s"),
        ),
        (
            "services",
            "services",
            &["websocket", "concurrency"],
            json!(1000),
        ),
        (
            "services",
            "services",
            &["websocket", "session_affinity"],
            json!(true),
        ),
        (
            "services",
            "services",
            &["agent", "min_instances"],
            json!(2),
        ),
        (
            "services",
            "services",
            &["agent", "max_instances"],
            json!(10),
        ),
        ("services", "services", &["agent", "cpu"], json!("4")),
        ("services", "services", &["agent", "memory"], json!("8Gi")),
        (
            "services",
            "services",
            &["agent", "timeout"],
            json!("3600s"),
        ),
        ("services", "services", &["agent", "concurrency"], json!(10)),
        (
            "services",
            "environment",
            &["NODE_ENV"],
            json!("production"),
        ),
        ("services", "environment", &["LOG_LEVEL"], json!("warn")),
        (
            "database",
            "instance",
            &["database_version"],
            json!("POSTGRES_16"),
        ),
        (
            "database",
            "instance",
            &["tier"],
            json!("db-custom-4-15360"),
        ),
        ("database", "instance", &["edition"], json!("ENTERPRISE")),
        (
            "database",
            "instance",
            &["availability_type"],
            json!("REGIONAL"),
        ),
        ("database", "backup", &["start_time"], json!("02:00")),
        ("database", "backup", &["retained_backups"], json!(30)),
        (
            "database",
            "backup",
            &["point_in_time_recovery"],
            json!(true),
        ),
        (
            "database",
            "backup",
            &["transaction_log_retention_days"],
            json!(7),
        ),
        ("database", "maintenance", &["day"], json!(7)),
        ("database", "maintenance", &["hour"], json!(3)),
        ("database", "read_replica", &["enabled"], json!(true)),
        ("redis", "instance", &["tier"], json!("STANDARD_HA")),
        ("redis", "instance", &["memory_size_gb"], json!(5)),
        ("redis", "instance", &["redis_version"], json!("REDIS_7_2")),
        ("redis", "instance", &["auth_enabled"], json!(true)),
        (
            "redis",
            "instance",
            &["transit_encryption_mode"],
            json!("SERVER_AUTHENTICATION"),
        ),
        ("budget", "budget", &["amount"], json!(2000)),
        ("budget", "budget", &["currency"], json!("USD")),
        ("budget", "budget", &["thresholds"], json!([0.5, 0.8, 1.0])),
        ("budget", "tenant_ai_cost_limit", &[], json!(500)),
        (
            "budget",
            "cost_metric",
            &["type"],
            json!("custom.googleapis.com/platform/tenant_ai_cost_usd"),
        ),
        ("commitments", "commitment", &["enabled"], json!(false)),
        (
            "commitments",
            "commitment",
            &["plan"],
            json!("TWELVE_MONTH"),
        ),
        ("commitments", "commitment", &["vcpus"], json!(12)),
        ("commitments", "commitment", &["memory_mb"], json!(49152)),
        ("livekit", "signal", &["timeout_sec"], json!(3600)),
        ("monitoring", "uptime", &["period"], json!("60s")),
        ("monitoring", "uptime", &["path"], json!("/health")),
        ("monitoring", "thresholds", &["error_rate"], json!(0.05)),
        (
            "monitoring",
            "thresholds",
            &["error_rate_duration"],
            json!("300s"),
        ),
        (
            "monitoring",
            "thresholds",
            &["api_p95_latency_ms"],
            json!(200),
        ),
        ("monitoring", "thresholds", &["db_connections"], json!(0.8)),
        ("monitoring", "thresholds", &["redis_memory"], json!(0.9)),
        (
            "monitoring",
            "thresholds",
            &["livekit_packet_loss"],
            json!(0.01),
        ),
        ("livekit", "cluster", &["node_count"], json!(3)),
        (
            "livekit",
            "cluster",
            &["machine_type"],
            json!("n2-standard-4"),
        ),
        (
            "livekit",
            "zones",
            &[],
            json!(["us-central1-a", "us-central1-b", "us-central1-c"]),
        ),
        ("livekit", "signal", &["health_check_port"], json!(7880)),
        ("network", "region", &[], json!("us-central1")),
        ("frontend", "location", &[], json!("US")),
    ]
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => match (a.as_array(), b.as_array()) {
            (Some(xs), Some(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
            }
            _ => a == b,
        },
    }
}

#[test]
fn module_defaults_are_the_guide_values() {
    let mut wrong = Vec::new();
    for (module, variable, path, expected) in table() {
        let dir = repo_root().join("modules").join(module);
        let loaded = Module::load(&dir).unwrap();
        let var = loaded
            .variables
            .get(variable)
            .unwrap_or_else(|| panic!("{module}: no variable {variable}"));
        let got = if path.is_empty() {
            var.default.clone()
        } else {
            var.default_at(path)
        };
        match got {
            Some(v) if same(&v, &expected) => {}
            other => wrong.push(format!(
                "{module}.{variable}.{}: expected {expected}, got {other:?}",
                path.join(".")
            )),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
