//! `platform_livekit_cluster` end to end: real Terraform, provider and emulator.
//! Create over three zones, no-op plan, scale 3 -> 5 -> 2 with drained
//! removals, a rolling machine-type change, zones changed in place, drift,
//! destroy, plan-time errors, import of a hand-built cluster, and SIGKILL
//! mid-create.

use e2e::{
    build_livekit_by_hand, for_each_terraform, gcloud_compute, livekit_cluster, livekit_settings,
    required_providers, Emulator, HarnessError, Workspace,
};
use serde_json::Value;

const P: &str = e2e::GUIDE_PROJECT;

fn config(emu: &Emulator, body: &str) -> String {
    format!(
        "{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        livekit_cluster(body)
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
        let ws = Workspace::new(tf, &[("main.tf", &config(&emu, &livekit_settings("")))])?;
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
        // Metadata holds exactly the startup script, which names the secret
        // but carries no `keys:` section and no secret-looking setting.
        let items = vm["metadata"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let keys: Vec<&str> = items.iter().filter_map(|i| i["key"].as_str()).collect();
        assert_eq!(keys, ["startup-script"], "{items:#?}");
        let script = items[0]["value"].as_str().unwrap_or_default();
        assert!(
            script.contains("secretmanager.googleapis.com/v1/projects/platform-local/secrets/livekit-keys/versions/latest:access"),
            "the script fetches the keys at boot: {script}"
        );
        for line in script.lines() {
            let l = line.trim_start();
            assert!(
                !l.starts_with("keys:"),
                "keys rendered into metadata: {line}"
            );
            for secretish in ["api_key:", "api_secret:", "secret:", "password:", "token:"] {
                assert!(
                    !l.starts_with(secretish),
                    "secret-looking setting in metadata: {line}"
                );
            }
        }
        // Health check, backend timeout and firewall sources as the issue asks.
        let hc = &all[format!("{P}/global/healthChecks/lk")];
        assert_eq!(hc["type"], "HTTP", "{hc:#}");
        assert_eq!(hc["httpHealthCheck"]["port"], 7880, "{hc:#}");
        assert_eq!(hc["httpHealthCheck"]["requestPath"], "/", "{hc:#}");
        assert_eq!(hc["httpHealthCheck"]["response"], "OK", "{hc:#}");
        let fw = |n: &str| all[format!("{P}/global/firewalls/lk-{n}")].clone();
        let world = serde_json::json!(["0.0.0.0/0"]);
        assert_eq!(fw("media-udp")["sourceRanges"], world);
        assert_eq!(fw("media-udp")["allowed"][0]["IPProtocol"], "udp");
        assert_eq!(fw("ice-tcp")["sourceRanges"], world);
        assert_eq!(
            fw("ice-tcp")["allowed"][0],
            serde_json::json!({"IPProtocol": "tcp", "ports": ["7881"]})
        );
        assert_eq!(
            fw("health")["allowed"][0],
            serde_json::json!({"IPProtocol": "tcp", "ports": ["7880"]})
        );
        for n in ["media-udp", "ice-tcp", "health"] {
            assert_eq!(
                fw(n)["targetTags"],
                serde_json::json!(["livekit-server"]),
                "{n}"
            );
        }
        assert_eq!(
            all[format!("{P}/zones/us-central1-c/instanceGroups/lk-c")]["namedPorts"],
            serde_json::json!([{"name": "livekit-http", "port": 7880}])
        );
        let bs = &all[format!("{P}/global/backendServices/lk")];
        assert_eq!(bs["portName"], "livekit-http");
        assert!(bs.get("port").is_none());
        assert_eq!(bs["backends"].as_array().map(Vec::len), Some(3));
        assert_eq!(bs["timeoutSec"], 36000, "WebSocket-friendly timeout");
        for (i, z) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(
                bs["backends"][i]["group"],
                format!("https://www.googleapis.com/compute/v1/{P}/zones/us-central1-{z}/instanceGroups/lk-{z}"),
                "fully qualified group URLs"
            );
        }
        assert_eq!(
            all[format!("{P}/global/firewalls/lk-health")]["sourceRanges"],
            serde_json::json!(["35.191.0.0/16", "130.211.0.0/22"])
        );
        let refresh_calls_3 = refresh_calls(&emu, &ws)?;
        assert_eq!(plan_exit_code(&ws)?, Some(0), "a fresh cluster plans clean");

        // Scale up, then down with drained removals.
        ws.write_file(
            "main.tf",
            &config(&emu, &livekit_settings("  node_count = 5")),
        )?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?).len(), 5);
        assert_eq!(
            refresh_calls(&emu, &ws)?,
            refresh_calls_3,
            "refresh cost must not grow with node_count"
        );
        ws.write_file(
            "main.tf",
            &config(&emu, &livekit_settings("  node_count = 2")),
        )?;
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
        let bigger = livekit_settings("  node_count = 2\n  machine_type = \"n2-standard-8\"");
        ws.write_file("main.tf", &config(&emu, &bigger))?;
        let plan = ws.run(&["plan"], &[])?;
        assert!(
            plan.combined().contains("2 node(s) will be replaced"),
            "{plan}"
        );
        let before = emu.requests()?.len();
        ws.apply()?;
        let log = emu.requests()?.split_off(before);
        // Proof from the responses: a getHealth answer listing lk-a-0's
        // replacement HEALTHY precedes lk-b-0 leaving its group.
        let a_out = position(&log, "POST", "instanceGroups/lk-a/removeInstances");
        let a_healthy = log.iter().position(|r| {
            r.path.ends_with("/getHealth")
                && r.response["healthStatus"].as_array().is_some_and(|s| {
                    s.iter().any(|h| {
                        h["instance"]
                            .as_str()
                            .is_some_and(|i| i.ends_with("/instances/lk-a-0"))
                            && h["healthState"] == "HEALTHY"
                    })
                })
        });
        let b_out = position(&log, "POST", "instanceGroups/lk-b/removeInstances");
        assert!(
            a_out.is_some() && a_out < a_healthy && a_healthy.is_some() && a_healthy < b_out,
            "roll order: lk-a out {a_out:?}, lk-a HEALTHY {a_healthy:?}, lk-b out {b_out:?}"
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

        // Zones change in place: b and c go, f comes; lk-a-0 stays untouched.
        let moved = config(&emu, &bigger).replace(
            r#"["us-central1-a", "us-central1-b", "us-central1-c"]"#,
            r#"["us-central1-a", "us-central1-f"]"#,
        );
        ws.write_file("main.tf", &moved)?;
        let plan = ws.run_ok(&["plan", "-no-color"], &[])?.flat();
        assert!(
            plan.contains("0 to add, 1 to change, 0 to destroy")
                && plan.contains("The cluster's zones change")
                && plan.contains("Removed: us-central1-b, us-central1-c"),
            "{plan}"
        );
        let kept =
            emu.resources()?[format!("{P}/zones/us-central1-a/instances/lk-a-0")]["id"].clone();
        ws.apply()?;
        let all = emu.resources()?;
        assert_eq!(vms(&all), ["lk-a-0", "lk-f-0"]);
        assert_eq!(
            all[format!("{P}/zones/us-central1-a/instances/lk-a-0")]["id"],
            kept
        );
        let mut groups =
            emu.resource_names(|k| k.contains("/instanceGroups/") && !k.ends_with("/members"))?;
        groups.sort();
        assert_eq!(
            groups,
            [
                format!("{P}/zones/us-central1-a/instanceGroups/lk-a"),
                format!("{P}/zones/us-central1-f/instanceGroups/lk-f")
            ]
        );
        assert_eq!(
            all[format!("{P}/global/backendServices/lk")]["backends"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(plan_exit_code(&ws)?, Some(0), "clean after the move");

        // Drift: everything deleted out of band shows up in the next plan.
        reset(&emu);
        assert_eq!(plan_exit_code(&ws)?, Some(2));
        ws.apply()?;
        ws.destroy()?;
        let left = emu.resource_names(|k| k.contains("/lk"))?;
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
        let short_health = livekit_settings("  node_count = 3").replace("\"20s\"", "\"3s\"");
        let ws = Workspace::new(tf, &[("main.tf", &config(&emu, &short_health))])?;
        ws.init()?;

        // No capacity in one zone: a clear error, then a clean re-apply without orphans.
        // Slow inserts make lk-c-0 join its group while PROVISIONING, before its insert fails.
        emu.set_latency(
            &serde_json::json!({"kind": "compute.instances.insert", "operation": "1500ms"}),
        )?;
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
        // Terraform taints the failed create; the error says how to keep the
        // partial cluster, and untainting makes the next apply an update.
        let said = out.flat();
        assert!(
            said.contains("terraform untaint platform_livekit_cluster."),
            "{out}"
        );
        ws.run_ok(&["untaint", "platform_livekit_cluster.lk"], &[])?;
        let partial = vms(&emu.resources()?);
        assert_eq!(partial, ["lk-a-0", "lk-b-0"], "the failed zone left no VM");
        let log = emu.requests()?;
        let joined = log.iter().position(|r| {
            r.path.ends_with("instanceGroups/lk-c/addInstances")
                && r.status == 200
                && r.body.to_string().contains("instances/lk-c-0")
        });
        let failed = log.iter().position(|r| {
            r.path.contains("/operations/")
                && r.response
                    .to_string()
                    .contains("ZONE_RESOURCE_POOL_EXHAUSTED")
        });
        assert!(
            joined.is_some() && joined < failed,
            "lk-c-0 joined its group before its insert failed: {joined:?} {failed:?}"
        );
        let members = emu.google_send(
            reqwest::Method::POST,
            &format!("/compute/v1/{P}/zones/us-central1-c/instanceGroups/lk-c/listInstances"),
            Some(&serde_json::json!({})),
        )?;
        assert!(
            !members.to_string().contains("lk-c-0"),
            "the failed VM is still a member: {members}"
        );
        emu.set_latency(
            &serde_json::json!({"kind": "compute.instances.insert", "operation": "50ms"}),
        )?;
        let before = emu.requests()?.len();
        emu.clear_faults()?;
        // Transient 503 storms on inserts are retried by the client.
        emu.add_fault(&serde_json::json!({"method": "POST", "path_regex": "/instances$", "status": 503, "times": 4}))?;
        ws.apply()?;
        assert_eq!(vms(&emu.resources()?), ["lk-a-0", "lk-b-0", "lk-c-0"]);
        let resumed = &emu.requests()?[before..];
        assert!(
            resumed.iter().any(|r| r.status == 503),
            "the storm happened"
        );
        assert!(
            !resumed
                .iter()
                .any(|r| r.method == "DELETE" && r.path.contains("/instances/")),
            "an existing VM was deleted: the apply was not an update"
        );
        for vm in &partial {
            assert!(
                !resumed.iter().any(|r| r.method == "POST"
                    && r.path.ends_with("/instances")
                    && r.body["name"] == vm.as_str()),
                "existing VM {vm} was inserted again"
            );
        }

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

#[test]
fn livekit_cluster_import_adopts_a_hand_built_cluster() {
    for_each_terraform(|tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let zones = ["us-central1-a", "us-central1-b", "us-central1-c"];
        build_livekit_by_hand(&emu, "livekit", &zones)?;
        let hand: Vec<String> = zones
            .iter()
            .map(|z| format!("livekit-server-{z}"))
            .collect();
        assert_eq!(vms(&emu.resources()?), hand);

        let main = config(&emu, &livekit_settings(""))
            .replace("name  = \"lk\"", "name  = \"livekit\"")
            // Provider default labels reach the VMs without a perpetual diff.
            .replace(
                "provider \"platform\" {\n",
                "provider \"platform\" {\n  default_labels = { env = \"test\" }\n",
            );
        let ws = Workspace::new(tf, &[("main.tf", &main)])?;
        ws.init()?;
        ws.run_ok(
            &[
                "import",
                "platform_livekit_cluster.lk",
                &format!("{P}/global/backendServices/livekit"),
            ],
            &[],
        )?;
        let plan = ws.plan()?.combined();
        assert!(
            plan.contains("0 to add, 1 to change, 0 to destroy")
                && !plan.contains("must be replaced"),
            "import then plan must not destroy or replace anything:\n{plan}"
        );
        assert!(plan.contains("3 imported VM(s) will be adopted"), "{plan}");

        // Apply adopts in place: the same VMs, now labelled; nothing recreated.
        let before = emu.requests()?.len();
        ws.apply()?;
        let log = emu.requests()?.split_off(before);
        assert!(
            !log.iter().any(|r| r.path.contains("/instances")
                && (r.method == "DELETE"
                    || (r.method == "POST" && r.path.ends_with("/instances")))),
            "no VM may be created or deleted: {:?}",
            log.iter()
                .filter(|r| r.method != "GET")
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        );
        let all = emu.resources()?;
        assert_eq!(vms(&all), hand);
        for z in zones {
            let vm = &all[format!("{P}/zones/{z}/instances/livekit-server-{z}")];
            assert_eq!(vm["labels"]["livekit_cluster"], "livekit", "{vm:#}");
            assert!(vm["labels"]["livekit_config"].is_string(), "{vm:#}");
            assert_eq!(vm["labels"]["env"], "test", "{vm:#}");
        }
        assert_eq!(plan_exit_code(&ws)?, Some(0), "adopted cluster plans clean");

        // Out-of-band deletion of one VM shows as drift and is repaired.
        let gone = "us-central1-b";
        gcloud_compute(
            &emu,
            reqwest::Method::DELETE,
            &format!("zones/{gone}/instances/livekit-server-{gone}"),
            Value::Null,
        )?;
        assert_eq!(plan_exit_code(&ws)?, Some(2));
        ws.apply()?;
        let names = vms(&emu.resources()?);
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"livekit-b-0".to_owned()), "{names:?}");
        // A VM taken out of its group out of band is put back.
        gcloud_compute(
            &emu,
            reqwest::Method::POST,
            "zones/us-central1-a/instanceGroups/livekit-us-central1-a/removeInstances",
            serde_json::json!({"instances": [{"instance": format!("{P}/zones/us-central1-a/instances/livekit-server-us-central1-a")}]}),
        )?;
        assert_eq!(plan_exit_code(&ws)?, Some(2));
        ws.apply()?;
        assert_eq!(plan_exit_code(&ws)?, Some(0));
        ws.destroy()?;
        let left = emu.resource_names(|k| k.contains("/livekit"))?;
        assert!(left.is_empty(), "destroy left {left:?}");
        Ok(())
    });
}

#[test]
fn livekit_cluster_sigkill_mid_create_then_reapply() {
    for_each_terraform(|tf| {
        let emu = Emulator::start_with(&["--op-latency", "2s"])?;
        let ws = Workspace::new(
            tf,
            &[(
                "main.tf",
                &config(&emu, &livekit_settings("  node_count = 6")),
            )],
        )?;
        ws.init()?;
        let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
        let inserting = |emu: &Emulator| -> Result<bool, HarnessError> {
            Ok(emu
                .requests()?
                .iter()
                .any(|r| r.method == "POST" && r.path.ends_with("/instances")))
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !inserting(&emu)? {
            assert!(apply.running(), "terraform finished before any VM insert");
            assert!(
                std::time::Instant::now() < deadline,
                "no VM insert within 60s"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        apply.kill_group()?;
        // Re-apply at once: the killed apply's inserts are still running, so
        // their VMs are PROVISIONING/STAGING and must be adopted, not duplicated or replaced.
        let pending: Vec<String> = emu
            .resources()?
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, v)| {
                        k.contains("/instances/")
                            && matches!(v["status"].as_str(), Some("PROVISIONING" | "STAGING"))
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            !pending.is_empty(),
            "no VM was pending when terraform was killed"
        );
        let before = emu.requests()?.len();
        ws.apply()?;
        let want = ["lk-a-0", "lk-a-1", "lk-b-0", "lk-b-1", "lk-c-0", "lk-c-1"];
        let all = emu.resources()?;
        assert_eq!(vms(&all), want, "each node exactly once, nothing orphaned");
        let reapply = &emu.requests()?[before..];
        assert!(
            !reapply
                .iter()
                .any(|r| r.method == "DELETE" && r.path.contains("/instances/")),
            "a pending VM was deleted instead of adopted"
        );
        for key in &pending {
            let name = key.rsplit('/').next().unwrap_or_default();
            assert!(
                !reapply.iter().any(|r| r.method == "POST"
                    && r.path.ends_with("/instances")
                    && r.status == 200
                    && r.body["name"] == name),
                "pending VM {name} was inserted again"
            );
            assert_eq!(all[key]["status"], "RUNNING", "{key}");
        }
        for z in ["a", "b", "c"] {
            let members = emu.google_send(
                reqwest::Method::POST,
                &format!(
                    "/compute/v1/{P}/zones/us-central1-{z}/instanceGroups/lk-{z}/listInstances"
                ),
                Some(&serde_json::json!({})),
            )?;
            assert_eq!(
                members["items"].as_array().map(Vec::len),
                Some(2),
                "{members:#}"
            );
        }
        assert_eq!(plan_exit_code(&ws)?, Some(0));
        ws.destroy()?;
        assert!(vms(&emu.resources()?).is_empty());
        Ok(())
    });
}
