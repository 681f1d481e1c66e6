//! Plan-time validation, and the full life cycle against the in-process emulator.

use serde_json::{json, Value as Json};
use tfplugin::{ApplyRequest, PlanRequest, Resource, Value};

use super::LivekitCluster;
use crate::framework::model::decode;
use crate::framework::test_support::{
    assert_consistent, assert_plan_valid, assert_reached, ctx, destroy_resource, read_resource,
    sent, Harness,
};
use crate::framework::values::empty_block;

const ZONES: [&str; 3] = ["us-central1-a", "us-central1-b", "us-central1-c"];

/// A configuration value with every attribute and block present (unset = null / no block).
fn config(extra: &[(&str, Value)]) -> Value {
    let mut v = empty_block(&super::schema::schema().block);
    v.set("name", Value::from("lk"));
    v.set(
        "zones",
        Value::List(ZONES.iter().map(|z| Value::from(*z)).collect()),
    );
    v.set("node_count", Value::from(3));
    v.set("livekit", livekit(Some("10.0.0.3:6379")));
    v.set(
        "rollout",
        Value::List(vec![Value::object([
            ("max_unavailable", Value::Null),
            ("drain_timeout", Value::from("2s")),
            ("health_timeout", Value::from("3s")),
        ])]),
    );
    for (k, val) in extra {
        v.set(k, val.clone());
    }
    v
}

fn livekit(redis: Option<&str>) -> Value {
    Value::List(vec![Value::object([
        ("version", Value::Null),
        ("redis_address", redis.map_or(Value::Null, Value::from)),
        ("redis_tls_ca", Value::Null),
        ("keys_secret", Value::from("livekit-keys")),
        ("prometheus_port", Value::Null),
        ("rtc", Value::List(Vec::new())),
        ("turn", Value::List(Vec::new())),
    ])])
}

async fn harness() -> (Harness, LivekitCluster) {
    let h = Harness::configured(&[
        ("project", Value::from("platform-local")),
        ("region", Value::from("us-central1")),
    ])
    .await;
    let r = LivekitCluster::new(h.provider.state().clone());
    (h, r)
}

/// Terraform's plan of `config` over `prior`.
async fn plan_of(r: &LivekitCluster, prior: &Value, config: &Value) -> tfplugin::PlanResponse {
    r.plan(
        &ctx(),
        PlanRequest {
            prior_state: prior.clone(),
            proposed_new_state: config.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        },
    )
    .await
}

/// Plan then apply `config` over `prior`, like Terraform does.
async fn plan_apply(
    r: &LivekitCluster,
    prior: &Value,
    config: &Value,
) -> (Value, tfplugin::Diagnostics) {
    let plan = plan_of(r, prior, config).await;
    assert!(!plan.diagnostics.has_errors(), "{:?}", plan.diagnostics);
    assert_plan_valid(&super::schema::schema().block, config, &plan.planned_state);
    let applied = r
        .apply(
            &ctx(),
            ApplyRequest {
                prior_state: prior.clone(),
                planned_state: plan.planned_state.clone(),
                config: config.clone(),
                planned_private: Vec::new(),
            },
        )
        .await;
    if !applied.diagnostics.has_errors() {
        assert_consistent(&plan.planned_state, &applied.new_state);
    }
    (applied.new_state, applied.diagnostics)
}

async fn resources(h: &Harness) -> serde_json::Map<String, Json> {
    h.admin_get("/_emulator/resources")
        .await
        .as_object()
        .cloned()
        .unwrap_or_default()
}

/// Imports `id` and refreshes the result, as `terraform import` does.
async fn import_and_read(r: &LivekitCluster, id: &str) -> Value {
    let imported = r.import(&ctx(), id).await;
    assert!(
        !imported.diagnostics.has_errors(),
        "{:?}",
        imported.diagnostics
    );
    read_resource(r, &imported.imported[0].state).await
}

/// Position of the first logged request whose (method, path) matches.
fn request_index(log: &Json, pred: &dyn Fn(&str, &str) -> bool) -> usize {
    log.as_array()
        .unwrap()
        .iter()
        .position(|e| pred(e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("request missing from {log}"))
}

fn vm_names(all: &serde_json::Map<String, Json>) -> Vec<String> {
    all.keys()
        .filter(|k| k.contains("/instances/"))
        .map(|k| k.rsplit('/').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn plan_time_validation() {
    let (_h, r) = harness().await;
    let plan = |c: Value| {
        let r = &r;
        async move { plan_of(r, &Value::Null, &c).await.diagnostics }
    };
    let d = plan(config(&[("livekit", livekit(None))])).await;
    assert!(
        d.iter().any(|x| x.summary.contains("Redis")
            && x.attribute
                .as_ref()
                .is_some_and(|p| p.to_string().contains("redis_address"))),
        "{d:?}"
    );
    let d = plan(config(&[("node_count", Value::from(0))])).await;
    assert!(d.iter().any(|x| x.summary == "Invalid node_count"), "{d:?}");
    // Metrics may not take LiveKit's own HTTP port.
    let mut lk = livekit(Some("10.0.0.3:6379"));
    if let Value::List(items) = &mut lk {
        items[0].set("prometheus_port", Value::from(7880));
    }
    let d = plan(config(&[("livekit", lk)])).await;
    assert!(
        d.iter().any(|x| x.summary == "Invalid prometheus_port"
            && x.attribute
                .as_ref()
                .is_some_and(|p| p.to_string().contains("prometheus_port"))),
        "{d:?}"
    );
    let d = plan(config(&[(
        "zones",
        Value::List(vec![
            Value::from("us-central1-a"),
            Value::from("europe-west1-b"),
        ]),
    )]))
    .await;
    assert!(
        d.iter()
            .any(|x| x.summary.contains("outside") && x.detail.contains("europe-west1-b")),
        "{d:?}"
    );
    // One node needs no Redis.
    let d = plan(config(&[
        ("node_count", Value::from(1)),
        ("livekit", livekit(None)),
    ]))
    .await;
    assert!(!d.has_errors(), "{d:?}");
}

#[tokio::test]
async fn create_read_scale_roll_destroy() {
    let (h, r) = harness().await;
    let base = config(&[]);
    let (state, d) = plan_apply(&r, &Value::Null, &base).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(state.get("nodes").as_seq().unwrap().len(), 3);

    let all = resources(&h).await;
    let mut names = vm_names(&all);
    names.sort();
    assert_eq!(names, ["lk-a-0", "lk-b-0", "lk-c-0"]);
    let vm = &all["projects/platform-local/zones/us-central1-a/instances/lk-a-0"];
    assert!(vm["disks"][0]["initializeParams"]["diskType"]
        .as_str()
        .unwrap()
        .ends_with("/pd-ssd"));
    assert_eq!(vm["disks"][0]["diskSizeGb"], "50");
    assert_eq!(vm["tags"]["items"], json!(["livekit-server"]));
    assert_eq!(vm["labels"]["livekit_cluster"], "lk");
    let metadata = vm["metadata"].to_string();
    assert!(
        metadata.contains("projects/platform-local/secrets/livekit-keys")
            && metadata.contains("10.0.0.3:6379")
    );
    let group = &all["projects/platform-local/zones/us-central1-b/instanceGroups/lk-b"];
    assert_eq!(
        group["namedPorts"],
        json!([{"name": "livekit-http", "port": 7880}])
    );
    let bs = &all["projects/platform-local/global/backendServices/lk"];
    assert_eq!(bs["portName"], "livekit-http");
    assert_eq!(bs["backends"].as_array().unwrap().len(), 3);
    assert!(bs["backends"][0]["group"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let hc_rule = &all["projects/platform-local/global/firewalls/lk-health"];
    assert_eq!(
        hc_rule["sourceRanges"],
        json!(["35.191.0.0/16", "130.211.0.0/22"])
    );

    // Refresh is stable and the next plan is a no-op.
    let refreshed = read_resource(&r, &state).await;
    assert_eq!(refreshed, state);
    let noop = plan_of(&r, &state, &base).await;
    assert_eq!(noop.planned_state, state);

    // Scale 3 -> 5 -> 2.
    let (state, d) = plan_apply(&r, &state, &config(&[("node_count", Value::from(5))])).await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(state.get("nodes").as_seq().unwrap().len(), 5);
    h.admin("DELETE", "/_emulator/requests", json!({})).await;
    let (state, d) = plan_apply(&r, &state, &config(&[("node_count", Value::from(2))])).await;
    assert!(!d.has_errors(), "{d:?}");
    let mut names = vm_names(&resources(&h).await);
    names.sort();
    assert_eq!(names, ["lk-a-0", "lk-b-0"]);
    // Drained: removed from its group before it was stopped, stopped before deleted.
    let log = h.admin_get("/_emulator/requests").await;
    let idx = |pred: &dyn Fn(&str, &str) -> bool| request_index(&log, pred);
    let removed = idx(&|m, p| m == "POST" && p.ends_with("instanceGroups/lk-a/removeInstances"));
    let stopped = idx(&|m, p| m == "POST" && p.ends_with("instances/lk-a-1/stop"));
    let deleted = idx(&|m, p| m == "DELETE" && p.ends_with("instances/lk-a-1"));
    assert!(removed < stopped && stopped < deleted);

    // Machine type change rolls one node at a time.
    h.admin("DELETE", "/_emulator/requests", json!({})).await;
    let bigger = config(&[
        ("node_count", Value::from(2)),
        ("machine_type", Value::from("n2-standard-8")),
    ]);
    let plan = plan_of(&r, &state, &bigger).await;
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.summary.starts_with("2 node(s) will be replaced")),
        "{:?}",
        plan.diagnostics
    );
    let (state, d) = plan_apply(&r, &state, &bigger).await;
    assert!(!d.has_errors(), "{d:?}");
    let log = h.admin_get("/_emulator/requests").await;
    let inserts: Vec<usize> = log
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e["method"] == "POST" && e["path"].as_str().unwrap().ends_with("/instances")
        })
        .map(|(i, _)| i)
        .collect();
    let second_removal = log
        .as_array()
        .unwrap()
        .iter()
        .position(|e| {
            e["path"]
                .as_str()
                .unwrap()
                .ends_with("instanceGroups/lk-b/removeInstances")
        })
        .unwrap();
    let first_health = log
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["path"].as_str().unwrap().ends_with("getHealth"))
        .unwrap();
    assert_eq!(inserts.len(), 2);
    assert!(
        first_health < second_removal,
        "node b was taken out before node a was healthy"
    );
    for node in state.get("nodes").as_seq().unwrap() {
        assert_eq!(node.get("config_hash"), state.get("config_hash"));
    }
    let all = resources(&h).await;
    assert!(
        all["projects/platform-local/zones/us-central1-b/instances/lk-b-0"]["machineType"]
            .as_str()
            .unwrap()
            .ends_with("n2-standard-8")
    );

    // Out-of-band deletion shows up as a diff.
    h.admin("POST", "/_emulator/reset", json!({})).await;
    let gone = read_resource(&r, &state).await;
    assert_eq!(gone, Value::Null);

    // Destroy of a fresh cluster leaves nothing.
    let (state, d) = plan_apply(
        &r,
        &Value::Null,
        &config(&[("node_count", Value::from(1)), ("livekit", livekit(None))]),
    )
    .await;
    assert!(!d.has_errors(), "{d:?}");
    let destroyed = destroy_resource(&r, state).await;
    assert!(
        !destroyed.diagnostics.has_errors(),
        "{:?}",
        destroyed.diagnostics
    );
    assert_eq!(destroyed.new_state, Value::Null);
    assert!(
        resources(&h).await.keys().all(|k| !k.contains("/lk")),
        "{:?}",
        resources(&h).await.keys()
    );
}

#[tokio::test]
async fn capacity_error_then_unhealthy_roll_then_resume() {
    let (h, r) = harness().await;
    h.admin("POST", "/_emulator/faults", json!({"method": "POST", "path_regex": "/zones/us-central1-c/instances$",
        "operation_error": {"code": "ZONE_RESOURCE_POOL_EXHAUSTED", "message": "The zone 'projects/platform-local/zones/us-central1-c' does not have enough resources available to fulfill the request."}})).await;
    let (partial, d) = plan_apply(&r, &Value::Null, &config(&[])).await;
    let err = d
        .iter()
        .find(|x| x.detail.contains("ZONE_RESOURCE_POOL_EXHAUSTED"))
        .expect("capacity error");
    assert!(err.detail.contains("no capacity"), "{err:?}");
    // Terraform taints a failed create: the detail says so and how to continue.
    assert!(
        err.detail
            .contains("terraform untaint platform_livekit_cluster."),
        "{err:?}"
    );
    // Partial state records the two nodes that exist.
    assert_eq!(partial.get("nodes").as_seq().unwrap().len(), 2);
    h.admin("DELETE", "/_emulator/faults", json!({})).await;
    let (state, d) = plan_apply(&r, &partial, &config(&[])).await;
    assert!(!d.has_errors(), "{d:?}");
    let mut names = vm_names(&resources(&h).await);
    names.sort();
    assert_eq!(names, ["lk-a-0", "lk-b-0", "lk-c-0"]);

    // A replacement that never becomes healthy halts the roll with partial state.
    h.admin(
        "POST",
        "/_emulator/faults",
        json!({"method": "HEALTH", "path_regex": "instances/lk-a-0$", "status": 503}),
    )
    .await;
    let changed = config(&[("machine_type", Value::from("n2-standard-8"))]);
    let (partial, d) = plan_apply(&r, &state, &changed).await;
    let err = d
        .iter()
        .find(|x| x.summary.contains("did not become healthy"))
        .expect("health error");
    assert!(err.summary.contains("lk-a-0"));
    let hashes: Vec<_> = partial
        .get("nodes")
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.get("config_hash").clone())
        .collect();
    assert_eq!(
        hashes
            .iter()
            .filter(|h| **h == *partial.get("config_hash"))
            .count(),
        1,
        "only lk-a-0 was replaced"
    );
    h.admin("DELETE", "/_emulator/faults", json!({})).await;

    // The next apply continues the roll (and scales up) from the partial state.
    let (state, d) = plan_apply(
        &r,
        &partial,
        &config(&[
            ("machine_type", Value::from("n2-standard-8")),
            ("node_count", Value::from(4)),
        ]),
    )
    .await;
    assert!(!d.has_errors(), "{d:?}");
    let nodes = state.get("nodes").as_seq().unwrap();
    assert_eq!(nodes.len(), 4);
    assert!(nodes
        .iter()
        .all(|n| n.get("config_hash") == state.get("config_hash")));
}

/// A deployment built by hand like the guide's gcloud loop: VMs named
/// `livekit-server-<zone>` without any cluster label, groups
/// `livekit-<zone>`, health check `livekit-hc`, backend service `livekit`.
async fn hand_built(h: &Harness) {
    use super::api::Waiter;
    use super::children;
    use gcp_client::new_request_id;
    let client = h.provider.state().get().unwrap().client.clone();
    let w = Waiter::new(client.clone(), ctx(), std::time::Duration::from_secs(60));
    let compute = client.compute();
    let p = "platform-local";
    let (_, spec) = super::model_of(&h.provider.state().get().unwrap(), &{
        let mut v = config(&[("name", Value::from("livekit"))]);
        super::model::Model::fill_defaults(&mut v, Some(p), Some("us-central1"));
        v
    })
    .unwrap();
    for zone in ZONES {
        let name = format!("livekit-server-{zone}");
        let mut vm = children::instance(&spec, &name, zone, "", "#!/bin/bash\necho hand-built");
        vm.labels.clear();
        w.run(
            "vm",
            compute.insert_instance(p, zone, &vm, &new_request_id()),
        )
        .await
        .unwrap();
        let mut group = children::group(&spec, zone);
        group.name = format!("livekit-{zone}");
        w.run(
            "group",
            compute.insert_instance_group(p, zone, &group, &new_request_id()),
        )
        .await
        .unwrap();
        let link = format!("projects/{p}/zones/{zone}/instances/{name}");
        w.run(
            "add",
            compute.add_instances(p, zone, &group.name, &[link], &new_request_id()),
        )
        .await
        .unwrap();
    }
    let mut hc = children::health_check(&spec);
    hc.name = "livekit-hc".into();
    w.run("hc", compute.insert_health_check(p, &hc, &new_request_id()))
        .await
        .unwrap();
    let groups: Vec<String> = ZONES
        .iter()
        .map(|z| format!("https://compute.googleapis.com/compute/v1/projects/{p}/zones/{z}/instanceGroups/livekit-{z}"))
        .collect();
    let bs = children::backend_service(
        &spec,
        &format!("projects/{p}/global/healthChecks/livekit-hc"),
        &groups,
    );
    w.run(
        "bs",
        compute.insert_backend_service(p, &bs, &new_request_id()),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn import_adopts_a_hand_built_cluster() {
    let (h, r) = harness().await;
    hand_built(&h).await;
    let state = import_and_read(&r, "projects/platform-local/global/backendServices/livekit").await;
    assert_eq!(state.get("zones").as_seq().unwrap().len(), 3);
    assert_eq!(state.get("node_count").as_i64(), Some(3));
    assert_eq!(state.get("machine_type").as_str(), Some("n2-standard-4"));
    assert_eq!(state.get("disk_size_gb").as_i64(), Some(50));
    let nodes: Vec<&str> = state
        .get("nodes")
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.get("name").as_str().unwrap())
        .collect();
    assert_eq!(
        nodes,
        [
            "livekit-server-us-central1-a",
            "livekit-server-us-central1-b",
            "livekit-server-us-central1-c"
        ]
    );

    // A hand-built node's script is not ours to parse: the settings stay unset.
    let livekit = &state.get("livekit").as_seq().unwrap()[0];
    assert!(livekit.get("keys_secret").is_null() && livekit.get("redis_address").is_null());

    let cfg = config(&[("name", Value::from("livekit"))]);
    let plan = plan_of(&r, &state, &cfg).await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert!(
        plan.diagnostics
            .iter()
            .any(|d| d.summary.contains("3 imported VM(s) will be adopted")),
        "{:?}",
        plan.diagnostics
    );
    let (state, d) = plan_apply(&r, &state, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    // Adopted in place: same VMs, now labelled, nothing created or deleted.
    let all = resources(&h).await;
    let mut names = vm_names(&all);
    names.sort();
    assert_eq!(names, nodes);
    let vm =
        &all["projects/platform-local/zones/us-central1-b/instances/livekit-server-us-central1-b"];
    assert_eq!(vm["labels"]["livekit_cluster"], "livekit");
    assert_eq!(
        vm["labels"]["livekit_config"],
        state.get("config_hash").as_str().unwrap()
    );
    assert!(all.contains_key("projects/platform-local/global/firewalls/livekit-media-udp"));
    // And the cluster is now steady.
    let refreshed = read_resource(&r, &state).await;
    let noop = plan_of(&r, &refreshed, &cfg).await;
    assert_eq!(noop.planned_state, refreshed);
    // Destroy removes the adopted children under their own names.
    let gone = destroy_resource(&r, refreshed).await;
    assert!(!gone.diagnostics.has_errors(), "{:?}", gone.diagnostics);
    let left: Vec<String> = resources(&h)
        .await
        .keys()
        .filter(|k| k.contains("/livekit"))
        .cloned()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn reimporting_a_cluster_it_built_reads_the_livekit_settings_back() {
    let (h, r) = harness().await;
    let cfg = config(&[]);
    let (_, d) = plan_apply(&r, &Value::Null, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let before = resources(&h).await;
    // The state is lost; import finds everything again.
    let state = import_and_read(&r, "projects/platform-local/global/backendServices/lk").await;
    let livekit = &state.get("livekit").as_seq().unwrap()[0];
    assert_eq!(livekit.get("keys_secret").as_str(), Some("livekit-keys"));
    assert_eq!(livekit.get("redis_address").as_str(), Some("10.0.0.3:6379"));
    assert_eq!(
        livekit.get("version").as_str(),
        Some(
            super::model::Model::schema_defaults()
                .unwrap()
                .livekit
                .unwrap()
                .version
                .as_str()
        )
    );
    // The same configuration then changes no VM: same hash, nothing rolled.
    let (_, d) = plan_apply(&r, &state, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let after = resources(&h).await;
    for vm in ["lk-a-0", "lk-b-0", "lk-c-0"] {
        let key = format!(
            "projects/platform-local/zones/us-central1-{}/instances/{vm}",
            &vm[3..4]
        );
        assert_eq!(before[&key]["id"], after[&key]["id"], "{vm} kept");
    }
}

#[tokio::test]
async fn membership_and_label_drift_are_seen_and_repaired() {
    let (h, r) = harness().await;
    let cfg = config(&[]);
    let (state, d) = plan_apply(&r, &Value::Null, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(state.get("effective_labels").as_map().is_some());
    // Out of band: lk-b-0 leaves its group.
    let client = h.provider.state().get().unwrap().client.clone();
    let w = super::api::Waiter::new(client.clone(), ctx(), std::time::Duration::from_secs(60));
    w.run(
        "remove",
        client.compute().remove_instances(
            "platform-local",
            "us-central1-b",
            "lk-b",
            &["projects/platform-local/zones/us-central1-b/instances/lk-b-0".to_owned()],
            &gcp_client::new_request_id(),
        ),
    )
    .await
    .unwrap();
    let drifted = read_resource(&r, &state).await;
    assert_ne!(drifted, state, "membership drift is read back");
    let (state, d) = plan_apply(&r, &drifted, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let members = &state.get("instance_groups").as_seq().unwrap()[1];
    assert_eq!(
        members.get("instances").as_seq().unwrap().len(),
        1,
        "repaired"
    );
    // Labels: a change is applied to the running VMs in place.
    let mut labelled = cfg.clone();
    labelled.set(
        "labels",
        Value::Map(
            [("team".to_owned(), Value::from("media"))]
                .into_iter()
                .collect(),
        ),
    );
    let (state, d) = plan_apply(&r, &state, &labelled).await;
    assert!(!d.has_errors(), "{d:?}");
    let all = resources(&h).await;
    assert_eq!(
        all["projects/platform-local/zones/us-central1-a/instances/lk-a-0"]["labels"]["team"],
        "media"
    );
    assert_eq!(
        state.get("effective_labels").get("team").as_str(),
        Some("media")
    );
    assert_eq!(read_resource(&r, &state).await, state);
}

/// Runs one Compute mutation to completion.
async fn run_op(
    h: &Harness,
    what: &str,
    op: impl std::future::Future<
        Output = Result<gcp_client::operations::ComputeOperation, gcp_client::Error>,
    >,
) {
    let client = h.provider.state().get().unwrap().client.clone();
    let w = super::api::Waiter::new(client, ctx(), std::time::Duration::from_secs(60));
    w.run(what, op).await.unwrap();
}

#[tokio::test]
async fn out_of_band_machine_type_change_is_drift_and_rolled() {
    let (h, r) = harness().await;
    let cfg = config(&[]);
    let (state, d) = plan_apply(&r, &Value::Null, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let client = h.provider.state().get().unwrap().client.clone();
    let c = client.compute();
    let (p, z, vm) = ("platform-local", "us-central1-b", "lk-b-0");
    let rid = gcp_client::new_request_id;
    run_op(&h, "stop", c.stop_instance(p, z, vm, &rid())).await;
    run_op(
        &h,
        "resize",
        c.set_machine_type(
            p,
            z,
            vm,
            &format!("zones/{z}/machineTypes/n2-standard-8"),
            &rid(),
        ),
    )
    .await;
    run_op(&h, "start", c.start_instance(p, z, vm, &rid())).await;
    // The configuration label is unchanged, yet the refresh shows drift.
    let drifted = read_resource(&r, &state).await;
    let node = |s: &Value| {
        s.get("nodes")
            .as_seq()
            .unwrap()
            .iter()
            .find(|n| n.get("name").as_str() == Some(vm))
            .cloned()
            .unwrap()
    };
    assert_eq!(node(&drifted).get("config_hash").as_str(), Some(""));
    let (state, d) = plan_apply(&r, &drifted, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let all = resources(&h).await;
    let mt = all[&format!("projects/{p}/zones/{z}/instances/{vm}")]["machineType"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        mt.ends_with("/n2-standard-4"),
        "rolled back to the spec: {mt}"
    );
    assert_eq!(node(&state).get("config_hash"), state.get("config_hash"));
    assert_eq!(read_resource(&r, &state).await, state);
}

#[tokio::test]
async fn foreign_vm_with_a_node_name_is_an_error_that_says_so() {
    let (h, r) = harness().await;
    let client = h.provider.state().get().unwrap().client.clone();
    let mut foreign = gcp_client::compute::Instance {
        name: "lk-a-0".into(),
        machine_type: "zones/us-central1-a/machineTypes/n2-standard-4".into(),
        ..Default::default()
    };
    foreign.disks.push(gcp_client::compute::AttachedDisk {
        boot: true,
        auto_delete: true,
        initialize_params: Some(gcp_client::compute::DiskInitializeParams {
            source_image: Some(
                "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts".into(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    });
    foreign
        .labels
        .insert(super::spec::CLUSTER_LABEL.into(), "someone-else".into());
    run_op(
        &h,
        "foreign insert",
        client.compute().insert_instance(
            "platform-local",
            "us-central1-a",
            &foreign,
            &gcp_client::new_request_id(),
        ),
    )
    .await;
    let (partial, d) = plan_apply(&r, &Value::Null, &config(&[])).await;
    let err = d
        .iter()
        .find(|x| x.summary.contains("lk-a-0"))
        .unwrap_or_else(|| panic!("no error about lk-a-0: {d:?}"));
    assert!(err.summary.contains("belongs to someone else"), "{err:?}");
    assert!(err.detail.contains("\"someone-else\""), "{err:?}");
    assert!(
        err.detail.contains("choose another cluster `name`"),
        "{err:?}"
    );
    // The foreign VM is neither adopted nor touched.
    let names: Vec<String> = partial
        .get("nodes")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.get("name").as_str().map(str::to_owned))
        .collect();
    assert!(!names.contains(&"lk-a-0".to_owned()), "{names:?}");
    let all = resources(&h).await;
    assert_eq!(
        all["projects/platform-local/zones/us-central1-a/instances/lk-a-0"]["labels"]
            [super::spec::CLUSTER_LABEL],
        "someone-else"
    );
}

/// The API keys are fetched at boot from Secret Manager with the VM's
/// identity; neither `livekit.yaml` nor the script carries a `keys:` section.
#[test]
fn renderer_fetches_keys_at_boot_instead_of_rendering_them() {
    let mut v = config(&[("project", Value::from("platform-local"))]);
    super::model::Model::fill_defaults(&mut v, Some("platform-local"), Some("us-central1"));
    let spec = crate::framework::model::decode::<super::model::Model>(&v)
        .unwrap()
        .spec(&Default::default())
        .unwrap();
    let script = super::render::startup_script(&spec);
    let yaml = super::render::livekit_yaml(&spec.livekit, spec.lb.port);
    let access = "https://secretmanager.googleapis.com/v1/projects/platform-local/secrets/livekit-keys/versions/latest:access";
    let fetch = script
        .lines()
        .find(|l| l.contains(access))
        .unwrap_or_else(|| panic!("no Secret Manager access in:\n{script}"));
    assert!(fetch.contains("Authorization: Bearer $TOKEN"), "{fetch}");
    assert!(fetch.contains("/etc/livekit/keys.yaml"), "{fetch}");
    assert!(
        script.contains("computeMetadata/v1/instance/service-accounts/default/token"),
        "the token comes from the VM's own identity"
    );
    assert!(yaml.contains("key_file: /etc/livekit/keys.yaml"), "{yaml}");
    for text in [&script, &yaml] {
        assert!(
            !text.lines().any(|l| l.trim_start().starts_with("keys:")),
            "a keys: section was rendered:\n{text}"
        );
    }
}

/// Import reads the `livekit` settings back from a script this provider
/// rendered (every field, TLS CA and TURN included), and from no other.
#[test]
fn rendered_settings_read_back_exactly() {
    let lk = Value::List(vec![Value::object([
        ("version", Value::from("v1.9.0")),
        ("redis_address", Value::from("10.1.2.3:6378")),
        (
            "redis_tls_ca",
            Value::from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"),
        ),
        ("keys_secret", Value::from("livekit-keys")),
        ("prometheus_port", Value::from(6789)),
        ("rtc", Value::List(Vec::new())),
        (
            "turn",
            Value::List(vec![Value::object([
                ("domain", Value::from("turn.example.com")),
                ("tls_port", Value::from(5349)),
                ("udp_port", Value::from(3479)),
            ])]),
        ),
    ])]);
    let mut v = config(&[("project", Value::from("platform-local")), ("livekit", lk)]);
    super::model::Model::fill_defaults(&mut v, Some("platform-local"), Some("us-central1"));
    let spec = crate::framework::model::decode::<super::model::Model>(&v)
        .unwrap()
        .spec(&Default::default())
        .unwrap();
    let back = super::render::read_back(&super::render::startup_script(&spec)).unwrap();
    let l = &spec.livekit;
    assert_eq!(
        back,
        super::render::ReadBack {
            version: l.version.clone(),
            prometheus_port: Some(6789),
            redis_address: l.redis_address.clone(),
            redis_tls_ca: l.redis_tls_ca.clone(),
            keys_secret: "projects/platform-local/secrets/livekit-keys".to_owned(),
            turn: l.turn.clone(),
        }
    );
    assert_eq!(back.version, "v1.9.0");
    // Metrics: LiveKit serves them and the Ops Agent scrapes that port on the node.
    let script = super::render::startup_script(&spec);
    assert!(
        super::render::livekit_yaml(&spec.livekit, spec.lb.port)
            .contains("prometheus_port: 6789\n"),
        "{script}"
    );
    assert!(
        script.contains("add-google-cloud-ops-agent-repo.sh --also-install"),
        "{script}"
    );
    assert!(
        script.contains("type: prometheus") && script.contains("targets: [\"localhost:6789\"]"),
        "{script}"
    );
    assert_eq!(back.turn.unwrap().udp_port, 3479);
    assert_eq!(
        super::render::read_back("#!/bin/bash\ncurl -sSL https://get.livekit.io | bash\n"),
        None
    );
}

fn zones_value(zones: &[&str]) -> Value {
    Value::List(zones.iter().map(|z| Value::from(*z)).collect())
}

fn backend_zones(all: &serde_json::Map<String, Json>) -> Vec<String> {
    let bs = &all["projects/platform-local/global/backendServices/lk"];
    let mut zones: Vec<String> = bs["backends"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let group = b["group"].as_str().unwrap();
            group
                .split("/zones/")
                .nth(1)
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    zones.sort();
    zones
}

#[tokio::test]
async fn zones_change_in_place_keeping_the_nodes_of_zones_that_stay() {
    let (h, r) = harness().await;
    let (state, d) = plan_apply(&r, &Value::Null, &config(&[])).await;
    assert!(!d.has_errors(), "{d:?}");
    let before = resources(&h).await;
    let created_at = |all: &serde_json::Map<String, Json>, vm: &str| {
        all[&format!(
            "projects/platform-local/zones/us-central1-{}/instances/{vm}",
            &vm[3..4]
        )]["id"]
            .clone()
    };

    // c -> f: an update, not a replacement.
    let moved = config(&[(
        "zones",
        zones_value(&["us-central1-a", "us-central1-b", "us-central1-f"]),
    )]);
    let plan = plan_of(&r, &state, &moved).await;
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    h.admin("DELETE", "/_emulator/requests", json!({})).await;
    let (state, d) = plan_apply(&r, &state, &moved).await;
    assert!(!d.has_errors(), "{d:?}");

    let after = resources(&h).await;
    let mut names = vm_names(&after);
    names.sort();
    assert_eq!(names, ["lk-a-0", "lk-b-0", "lk-f-0"]);
    for vm in ["lk-a-0", "lk-b-0"] {
        assert_eq!(created_at(&before, vm), created_at(&after, vm), "{vm} kept");
    }
    assert!(!after.contains_key("projects/platform-local/zones/us-central1-c/instanceGroups/lk-c"));
    assert!(after.contains_key("projects/platform-local/zones/us-central1-f/instanceGroups/lk-f"));
    assert_eq!(
        backend_zones(&after),
        ["us-central1-a", "us-central1-b", "us-central1-f"]
    );
    assert_eq!(
        super::read::recorded_zones(Some(&decode(&state).unwrap())),
        ["us-central1-a", "us-central1-b", "us-central1-f"]
    );

    // Order: the new node exists before the retired zone leaves the load
    // balancer; its node is stopped (drained) before it is deleted, and the
    // group goes last.
    let log = h.admin_get("/_emulator/requests").await;
    let idx = |pred: &dyn Fn(&str, &str) -> bool| request_index(&log, pred);
    let inserted = idx(&|m, p| m == "POST" && p.ends_with("zones/us-central1-f/instances"));
    let lb = idx(&|m, p| m == "PATCH" && p.ends_with("backendServices/lk"));
    let stopped = idx(&|m, p| m == "POST" && p.ends_with("instances/lk-c-0/stop"));
    let deleted = idx(&|m, p| m == "DELETE" && p.ends_with("instances/lk-c-0"));
    let group_deleted = idx(&|m, p| m == "DELETE" && p.ends_with("instanceGroups/lk-c"));
    assert!(inserted < lb && lb < stopped && stopped < deleted && deleted < group_deleted);

    // Clean afterwards: refresh is stable and the next plan is a no-op.
    assert_eq!(read_resource(&r, &state).await, state);
    let gone = destroy_resource(&r, state).await;
    assert!(!gone.diagnostics.has_errors(), "{:?}", gone.diagnostics);
    assert!(resources(&h)
        .await
        .keys()
        .all(|k| !k.contains("/instanceGroups/") && !k.contains("/instances/")));
}

#[tokio::test]
async fn a_retired_group_left_by_an_interrupted_apply_is_found_from_the_state() {
    let (h, r) = harness().await;
    let two = config(&[
        ("zones", zones_value(&["us-central1-a", "us-central1-b"])),
        ("node_count", Value::from(2)),
    ]);
    let (state, d) = plan_apply(&r, &Value::Null, &two).await;
    assert!(!d.has_errors(), "{d:?}");
    // What an apply killed between the backend service update and the group's
    // deletion leaves: lk-b out of the load balancer, its node gone, the group
    // still there. Only the state still points at it.
    let one = config(&[
        ("zones", zones_value(&["us-central1-a"])),
        ("node_count", Value::from(1)),
    ]);
    let client = h.provider.state().get().unwrap().client.clone();
    let compute = client.compute();
    let bs = compute
        .get_backend_service("platform-local", "lk")
        .await
        .unwrap();
    let keep: Vec<Json> = bs
        .backends
        .iter()
        .filter(|b| b.group.contains("/zones/us-central1-a/"))
        .map(|b| serde_json::to_value(b).unwrap())
        .collect();
    run_op(
        &h,
        "drop lk-b from the backend service",
        compute.patch_backend_service(
            "platform-local",
            "lk",
            &json!({"backends": keep, "fingerprint": bs.fingerprint}),
            &gcp_client::new_request_id(),
        ),
    )
    .await;
    run_op(
        &h,
        "delete lk-b-0",
        compute.delete_instance(
            "platform-local",
            "us-central1-b",
            "lk-b-0",
            &gcp_client::new_request_id(),
        ),
    )
    .await;

    let refreshed = read_resource(&r, &state).await;
    assert_eq!(
        super::read::recorded_zones(Some(&decode(&refreshed).unwrap())),
        ["us-central1-a", "us-central1-b"],
        "the leftover group is still seen"
    );
    let (state, d) = plan_apply(&r, &refreshed, &one).await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(!resources(&h)
        .await
        .contains_key("projects/platform-local/zones/us-central1-b/instanceGroups/lk-b"));
    assert_eq!(state.get("instance_groups").as_seq().unwrap().len(), 1);
    let gone = destroy_resource(&r, state).await;
    assert!(!gone.diagnostics.has_errors(), "{:?}", gone.diagnostics);
}

/// A valid configuration the robustness test mutates one attribute at a time.
pub(crate) fn valid_config() -> Value {
    config(&[])
}

#[test]
fn model_matches_schema() {
    tfplugin::typed::check_plan_model::<super::model::Model>(
        &super::schema::schema().block,
        |_| {},
    )
    .unwrap();
}

fn one_block(attrs: Vec<(&str, Value)>) -> Value {
    Value::List(vec![Value::object(attrs)])
}

/// Every optional attribute set to a value that is neither its default nor
/// anything the provider would pick itself reaches the request (or the
/// startup script, or the labels) that carries it. `rollout` and `timeouts`
/// only pace the provider's own waits and send nothing.
#[tokio::test]
async fn every_optional_attribute_reaches_the_api() {
    let (h, r) = harness().await;
    h.configure(&[
        ("project", Value::from("platform-local")),
        ("region", Value::from("us-central1")),
        (
            "default_labels",
            Value::Map([("cost-center".to_owned(), Value::from("reach"))].into()),
        ),
    ])
    .await;
    let cfg = config(&[
        ("node_count", Value::from(2)),
        ("machine_type", Value::from("e2-standard-4")),
        (
            "image",
            Value::from("projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64"),
        ),
        ("disk_size_gb", Value::from(77)),
        ("disk_type", Value::from("pd-balanced")),
        ("network_tags", Value::from(vec!["lk-media"])),
        (
            "labels",
            Value::Map([("team".to_owned(), Value::from("media"))].into()),
        ),
        (
            "service_account",
            Value::from("lk-nodes@platform-local.iam.gserviceaccount.com"),
        ),
        (
            "livekit",
            one_block(vec![
                ("version", Value::from("v1.9.9")),
                ("redis_address", Value::from("10.9.9.9:6380")),
                (
                    "redis_tls_ca",
                    Value::from(
                        "-----BEGIN CERTIFICATE-----\nCAPEMMARKER\n-----END CERTIFICATE-----",
                    ),
                ),
                ("keys_secret", Value::from("other-keys")),
                ("prometheus_port", Value::from(6790)),
                (
                    "rtc",
                    one_block(vec![
                        ("tcp_port", Value::from(7981)),
                        ("port_range_start", Value::from(51001)),
                        ("port_range_end", Value::from(52002)),
                        ("use_external_ip", Value::from(false)),
                    ]),
                ),
                (
                    "turn",
                    one_block(vec![
                        ("domain", Value::from("turn.example.test")),
                        ("tls_port", Value::from(5351)),
                        ("udp_port", Value::from(3471)),
                    ]),
                ),
            ]),
        ),
        (
            "load_balancer",
            one_block(vec![
                ("enabled", Value::from(true)),
                ("health_check_port", Value::from(7891)),
                ("timeout_sec", Value::from(3601)),
            ]),
        ),
        (
            "firewall",
            one_block(vec![
                ("enabled", Value::from(true)),
                ("admin_source_ranges", Value::from(vec!["203.0.113.0/24"])),
            ]),
        ),
    ]);
    let (_, d) = plan_apply(&r, &Value::Null, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let log = h.admin_get("/_emulator/requests").await;
    let post_to = |collection: &str| sent(&log, |m, p| m == "POST" && p.ends_with(collection));
    let instances = post_to("/instances");
    assert_reached(
        &instances,
        &[
            ("machine_type", "machineTypes/e2-standard-4"),
            ("image", "family/ubuntu-2404-lts-amd64"),
            ("disk_size_gb", "\"77\""),
            ("disk_type", "diskTypes/pd-balanced"),
            ("network_tags", "lk-media"),
            ("labels", "\"team\":\"media\""),
            ("provider default_labels", "\"cost-center\":\"reach\""),
            (
                "service_account",
                "lk-nodes@platform-local.iam.gserviceaccount.com",
            ),
            ("livekit.version", "v1.9.9"),
            ("livekit.redis_address", "10.9.9.9:6380"),
            ("livekit.redis_tls_ca", "CAPEMMARKER"),
            (
                "livekit.keys_secret",
                "projects/platform-local/secrets/other-keys",
            ),
            ("livekit.prometheus_port", "6790"),
            ("livekit.rtc.tcp_port", "7981"),
            ("livekit.rtc.port_range_start", "51001"),
            ("livekit.rtc.port_range_end", "52002"),
            ("livekit.rtc.use_external_ip", "use_external_ip: false"),
            ("livekit.turn.domain", "turn.example.test"),
            ("livekit.turn.tls_port", "5351"),
            ("livekit.turn.udp_port", "3471"),
            ("load_balancer.health_check_port", "7891"),
        ],
    );
    let count = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "POST" && e["path"].as_str().unwrap().ends_with("/instances"))
        .count();
    assert_eq!(count, 2, "node_count");
    assert!(
        post_to("/healthChecks").contains("7891"),
        "health_check_port"
    );
    assert!(
        post_to("/backendServices").contains("\"timeoutSec\":3601"),
        "timeout_sec"
    );
    let firewalls = post_to("/firewalls");
    assert_reached(
        &firewalls,
        &[
            ("firewall.admin_source_ranges", "203.0.113.0/24"),
            ("livekit.rtc.port_range", "51001-52002"),
            ("livekit.rtc.tcp_port", "7981"),
            ("livekit.turn.tls_port", "5351"),
            ("livekit.turn.udp_port", "3471"),
            ("network_tags", "lk-media"),
        ],
    );
}

/// What the firewall or Compute would get wrong (or refuse after children
/// exist) is an error at plan with its attribute path: ports that collide,
/// Redis without a port, ranges that are no CIDR, and, read from Compute,
/// a region or machine type that does not exist, more vCPUs than the quota,
/// a boot disk smaller than its image.
#[tokio::test]
async fn network_and_catalogue_mistakes_fail_the_plan() {
    let (_h, r) = harness().await;
    let with_livekit = |f: &dyn Fn(&mut Value)| {
        let mut lk = livekit(Some("10.0.0.3:6379"));
        if let Value::List(items) = &mut lk {
            f(&mut items[0]);
        }
        ("livekit", lk)
    };
    let block = |pairs: Vec<(&str, Value)>| Value::List(vec![Value::object(pairs)]);
    let rtc = |tcp: i64| {
        block(vec![
            ("tcp_port", Value::from(tcp)),
            ("port_range_start", Value::Null),
            ("port_range_end", Value::Null),
            ("use_external_ip", Value::Null),
        ])
    };
    let turn = |tls: i64, udp: i64| {
        block(vec![
            ("domain", Value::from("turn.example.com")),
            ("tls_port", Value::from(tls)),
            ("udp_port", Value::from(udp)),
        ])
    };
    // (attributes set, summary, attribute path)
    type Case<'a> = (Vec<(&'a str, Value)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![with_livekit(&|l| l.set("rtc", rtc(7880)))],
            "Port shared with the HTTP port",
            "rtc[0].tcp_port",
        ),
        (
            vec![with_livekit(&|l| l.set("turn", turn(7880, 3478)))],
            "Port shared with the HTTP port",
            "turn[0].tls_port",
        ),
        (
            vec![with_livekit(&|l| l.set("turn", turn(7881, 3478)))],
            "Port shared with RTC TCP",
            "turn[0].tls_port",
        ),
        (
            vec![with_livekit(&|l| l.set("turn", turn(5349, 50100)))],
            "TURN/UDP port inside the RTC range",
            "turn[0].udp_port",
        ),
        (
            vec![with_livekit(&|l| l.set("rtc", rtc(70000)))],
            "Port out of range",
            "rtc[0].tcp_port",
        ),
        (
            vec![with_livekit(&|l| {
                l.set("redis_address", Value::from("redis.internal"))
            })],
            "Invalid redis_address",
            "redis_address",
        ),
        (
            vec![(
                "firewall",
                block(vec![
                    ("enabled", Value::Null),
                    (
                        "admin_source_ranges",
                        Value::List(vec![Value::from("10.0.0.0/8"), Value::from("10.0.0.0/33")]),
                    ),
                ]),
            )],
            "Invalid CIDR range",
            "admin_source_ranges[1]",
        ),
        (
            vec![
                ("region", Value::from("mars-north1")),
                ("zones", Value::List(vec![Value::from("mars-north1-a")])),
            ],
            "Region not found",
            "region",
        ),
        (
            vec![("machine_type", Value::from("n2-standard-3"))],
            "Machine type not found",
            "machine_type",
        ),
        (
            vec![("node_count", Value::from(1000))],
            "Not enough CPU quota",
            "node_count",
        ),
        (
            vec![("disk_size_gb", Value::from(5))],
            "Boot disk smaller than its image",
            "disk_size_gb",
        ),
        (
            vec![(
                "image",
                Value::from("projects/ubuntu-os-cloud/global/images/family/no-such-family"),
            )],
            "Image not found",
            "image",
        ),
    ];
    for (extra, summary, path) in cases {
        let d = plan_of(&r, &Value::Null, &config(&extra)).await.diagnostics;
        let found = d.iter().find(|x| x.summary == summary);
        assert!(
            found.is_some_and(|x| x
                .attribute
                .as_ref()
                .is_some_and(|p| p.to_string().contains(path))),
            "{summary} at {path}: {d:?}"
        );
    }
    // The defaults pass every one of these checks.
    let d = plan_of(&r, &Value::Null, &config(&[])).await.diagnostics;
    assert!(!d.has_errors(), "{d:?}");
}

/// Ctrl-C during a large create: nothing new starts after the stop request, inserts
/// already sent still land and are recorded, and the cancel is one diagnostic with counts
/// (it was one per VM). The next apply (after untaint) completes without duplicates.
#[tokio::test]
async fn a_cancelled_large_create_records_every_vm_and_says_so_once() {
    let (h, r) = harness().await;
    // Each insert is held 200 ms before it lands, so 300 of them take several waves.
    h.admin(
        "POST",
        "/_emulator/latency",
        json!({"kind": "compute.instances.insert", "request": "200ms"}),
    )
    .await;
    let config = config(&[("node_count", Value::from(300))]);
    let plan = plan_of(&r, &Value::Null, &config).await;
    assert!(!plan.diagnostics.has_errors(), "{:?}", plan.diagnostics);
    let stop = tokio_util::sync::CancellationToken::new();
    let op = tfplugin::OpContext {
        cancel: stop.clone(),
        ..ctx()
    };
    let (applied, ()) = tokio::join!(
        r.apply(
            &op,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: plan.planned_state.clone(),
                config: config.clone(),
                planned_private: Vec::new(),
            },
        ),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            stop.cancel();
        }
    );
    let vms = vm_names(&resources(&h).await);
    let recorded = applied
        .new_state
        .get("nodes")
        .as_seq()
        .map_or(0, <[Value]>::len);
    assert!(
        (1..300).contains(&vms.len()),
        "the cancel came mid-create: {} VMs",
        vms.len()
    );
    assert_eq!(recorded, vms.len(), "every VM that exists is in state");
    let errors: Vec<_> = applied.diagnostics.iter().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].summary, "Apply cancelled");
    assert!(
        errors[0]
            .detail
            .contains(&format!("{recorded} node(s) in state"))
            && errors[0].detail.contains("terraform untaint"),
        "{:?}",
        errors[0]
    );
    h.admin(
        "POST",
        "/_emulator/latency",
        json!({"kind": "compute.instances.insert", "request": "0ms"}),
    )
    .await;
    let (state, d) = plan_apply(&r, &applied.new_state, &config).await;
    assert!(!d.has_errors(), "{d:?}");
    let mut vms = vm_names(&resources(&h).await);
    let count = vms.len();
    vms.dedup();
    assert_eq!((count, vms.len()), (300, 300));
    assert_eq!(state.get("nodes").as_seq().map_or(0, <[Value]>::len), 300);
}
