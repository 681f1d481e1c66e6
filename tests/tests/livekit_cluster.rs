//! `platform_livekit_cluster` end to end: real Terraform, provider and emulator.
//! Create over three zones, no-op plan, scale 3 -> 5 -> 2 with drained
//! removals, a rolling machine-type change, drift, destroy, and plan-time errors.

use e2e::{for_each_terraform, required_providers, Emulator, HarnessError, Workspace};
use serde_json::Value;

const P: &str = "projects/platform-local";

fn config(emu: &Emulator, body: &str) -> String {
    format!(
        "{}\n{}\nresource \"platform_livekit_cluster\" \"lk\" {{\n  name  = \"lk\"\n  zones = [\"us-central1-a\", \"us-central1-b\", \"us-central1-c\"]\n{body}\n}}\n",
        required_providers(),
        emu.provider_block("")
    )
}

/// Cluster settings with `extra` attributes; Redis set so several nodes are allowed.
fn cluster(extra: &str) -> String {
    format!(
        r#"{extra}
  livekit {{
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }}
  rollout {{
    drain_timeout  = "2s"
    health_timeout = "20s"
  }}"#
    )
}

fn vms(resources: &Value) -> Vec<String> {
    let mut names: Vec<String> = resources
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| k.contains("/instances/"))
                .filter_map(|k| k.rsplit('/').next().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn position(log: &[e2e::RecordedRequest], method: &str, suffix: &str) -> Option<usize> {
    log.iter()
        .position(|r| r.method == method && r.path.ends_with(suffix))
}

/// Deletes every emulated resource behind Terraform's back.
fn reset(emu: &Emulator) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}/_emulator/reset", emu.url()))
        .send()
        .unwrap_or_else(|e| panic!("reset: {e}"));
    assert!(resp.status().is_success(), "reset: {}", resp.status());
}

/// Compute API calls one `terraform plan` (refresh) makes.
fn refresh_calls(emu: &Emulator, ws: &Workspace) -> Result<usize, HarnessError> {
    let before = emu.requests()?.len();
    ws.run_ok(&["plan"], &[])?;
    Ok(emu.requests()?[before..]
        .iter()
        .filter(|r| r.path.starts_with("/compute/"))
        .count())
}

fn plan_exit_code(ws: &Workspace) -> Result<Option<i32>, HarnessError> {
    Ok(ws.run(&["plan", "-detailed-exitcode"], &[])?.code)
}

#[test]
fn livekit_cluster_create_scale_roll_drift_destroy() {
    for_each_terraform(|tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let ws = Workspace::new(tf, &[("main.tf", &config(&emu, &cluster("")))])?;
        ws.init()?;
        ws.apply()?;

        let all = emu.resources()?;
        assert_eq!(vms(&all), ["lk-a-0", "lk-b-0", "lk-c-0"]);
        let vm = &all[format!("{P}/zones/us-central1-a/instances/lk-a-0")];
        let disk = &vm["disks"][0];
        assert!(
            disk["initializeParams"]["diskType"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/diskTypes/pd-ssd"),
            "{vm:#}"
        );
        assert_eq!(disk["diskSizeGb"], "50");
        assert_eq!(vm["tags"]["items"], serde_json::json!(["livekit-server"]));
        let metadata = vm["metadata"].to_string();
        assert!(
            metadata.contains("secrets/livekit-keys"),
            "the script names the secret"
        );
        assert!(
            !metadata.contains("keys:"),
            "API keys must never be in metadata"
        );
        assert_eq!(
            all[format!("{P}/zones/us-central1-c/instanceGroups/lk-c")]["namedPorts"],
            serde_json::json!([{"name": "livekit-http", "port": 7880}])
        );
        let bs = &all[format!("{P}/global/backendServices/lk")];
        assert_eq!(bs["portName"], "livekit-http");
        assert!(bs.get("port").is_none());
        assert_eq!(bs["backends"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            all[format!("{P}/global/firewalls/lk-health")]["sourceRanges"],
            serde_json::json!(["35.191.0.0/16", "130.211.0.0/22"])
        );
        let refresh_calls_3 = refresh_calls(&emu, &ws)?;
        assert_eq!(plan_exit_code(&ws)?, Some(0), "a fresh cluster plans clean");

        // Scale up, then down with drained removals.
        ws.write_file("main.tf", &config(&emu, &cluster("  node_count = 5")))?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?).len(), 5);
        assert_eq!(
            refresh_calls(&emu, &ws)?,
            refresh_calls_3,
            "refresh cost must not grow with node_count"
        );
        ws.write_file("main.tf", &config(&emu, &cluster("  node_count = 2")))?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?), ["lk-a-0", "lk-b-0"]);
        let log = emu.requests()?;
        let removed = position(&log, "POST", "instanceGroups/lk-c/removeInstances");
        let stopped = position(&log, "POST", "instances/lk-c-0/stop");
        let deleted = position(&log, "DELETE", "instances/lk-c-0");
        assert!(
            removed.is_some() && removed < stopped && stopped < deleted,
            "drain order: {removed:?} {stopped:?} {deleted:?}"
        );

        // A machine-type change rolls one node at a time.
        let bigger = cluster("  node_count = 2\n  machine_type = \"n2-standard-8\"");
        ws.write_file("main.tf", &config(&emu, &bigger))?;
        let plan = ws.run(&["plan"], &[])?;
        assert!(
            plan.combined().contains("2 node(s) will be replaced"),
            "{plan}"
        );
        let before = emu.requests()?.len();
        ws.apply()?;
        let log = emu.requests()?.split_off(before);
        let a_health = log.iter().position(|r| r.path.ends_with("getHealth"));
        let b_out = position(&log, "POST", "instanceGroups/lk-b/removeInstances");
        assert!(
            a_health.is_some() && a_health < b_out,
            "lk-b-0 left its group before lk-a-0 was healthy"
        );
        let all = emu.resources()?;
        for node in ["a", "b"] {
            let mt = all[format!("{P}/zones/us-central1-{node}/instances/lk-{node}-0")]
                ["machineType"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(mt.ends_with("n2-standard-8"), "{mt}");
        }
        assert_eq!(plan_exit_code(&ws)?, Some(0));

        // Drift: everything deleted out of band shows up in the next plan.
        reset(&emu);
        assert_eq!(plan_exit_code(&ws)?, Some(2));
        ws.apply()?;
        ws.destroy()?;
        let left: Vec<String> = emu
            .resources()?
            .as_object()
            .map(|m| m.keys().filter(|k| k.contains("/lk")).cloned().collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "destroy left {left:?}");
        Ok(())
    });
}

#[test]
fn livekit_cluster_plan_time_errors() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let cases = [
            (
                "  node_count = 0\n  livekit {\n    keys_secret = \"k\"\n  }",
                "at least 1 node",
            ),
            ("  livekit {\n    keys_secret = \"k\"\n  }", "redis_address"),
            (
                "  region = \"europe-west1\"\n  livekit {\n    keys_secret = \"k\"\n    redis_address = \"r:6379\"\n  }",
                "is not in region",
            ),
        ];
        for (body, expected) in cases {
            let ws = Workspace::new(tf, &[("main.tf", &config(&emu, body))])?;
            ws.init()?;
            let out = ws.run(&["plan"], &[])?;
            assert!(!out.success(), "plan succeeded: {out}");
            assert!(
                out.combined().contains(expected),
                "expected {expected:?} in {out}"
            );
        }
        assert!(
            emu.requests()?
                .iter()
                .all(|r| !r.path.contains("/instances")),
            "plan-time errors must not touch VMs"
        );
        Ok(())
    });
}

#[test]
fn livekit_cluster_failures_are_reported_and_recovered() {
    for_each_terraform(|tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let short_health = cluster("  node_count = 3").replace("\"20s\"", "\"3s\"");
        let ws = Workspace::new(tf, &[("main.tf", &config(&emu, &short_health))])?;
        ws.init()?;

        // No capacity in one zone: a clear error, then a clean re-apply without orphans.
        emu.add_fault(&serde_json::json!({
            "method": "POST", "path_regex": "/zones/us-central1-c/instances$",
            "operation_error": {"code": "ZONE_RESOURCE_POOL_EXHAUSTED",
                "message": "The zone 'projects/platform-local/zones/us-central1-c' does not have enough resources available to fulfill the request."}}))?;
        let out = ws.run(&["apply", "-auto-approve"], &[])?;
        assert!(!out.success(), "{out}");
        assert!(
            out.combined().contains("ZONE_RESOURCE_POOL_EXHAUSTED")
                && out.combined().contains("no capacity"),
            "{out}"
        );
        emu.clear_faults()?;
        // Transient 503 storms on inserts are retried by the client.
        emu.add_fault(&serde_json::json!({"method": "POST", "path_regex": "/instances$", "status": 503, "times": 4}))?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?), ["lk-a-0", "lk-b-0", "lk-c-0"]);
        assert!(
            emu.requests()?.iter().any(|r| r.status == 503),
            "the storm happened"
        );

        // Lost state (as after a SIGKILL before Terraform saved it): re-apply adopts, no duplicates.
        std::fs::remove_file(ws.dir().join("terraform.tfstate"))
            .map_err(HarnessError::io("removing state"))?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?), ["lk-a-0", "lk-b-0", "lk-c-0"]);
        assert_eq!(plan_exit_code(&ws)?, Some(0));

        // A replacement that never turns healthy stops the roll and names the node.
        emu.add_fault(&serde_json::json!({"method": "HEALTH", "path_regex": "instances/lk-a-0$", "status": 503}))?;
        let changed = short_health.replace(
            "node_count = 3",
            "node_count = 3\n  machine_type = \"n2-standard-8\"",
        );
        ws.write_file("main.tf", &config(&emu, &changed))?;
        let out = ws.run(&["apply", "-auto-approve"], &[])?;
        assert!(
            !out.success() && out.combined().contains("lk-a-0 did not become healthy"),
            "{out}"
        );
        let all = emu.resources()?;
        let machine = |z: &str| {
            all[format!("{P}/zones/us-central1-{z}/instances/lk-{z}-0")]["machineType"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(
            (machine("a"), machine("b"), machine("c")),
            (
                "n2-standard-8".into(),
                "n2-standard-4".into(),
                "n2-standard-4".into()
            )
        );
        emu.clear_faults()?;
        ws.apply()?;
        assert_eq!(plan_exit_code(&ws)?, Some(0));
        ws.destroy()?;
        assert!(vms(&emu.resources()?).is_empty());
        Ok(())
    });
}
