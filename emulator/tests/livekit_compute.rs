//! Compute surface a LiveKit cluster uses: instances, unmanaged instance
//! groups, health checks, backend services (getHealth), firewalls, machine
//! types and images, with their failure behaviours.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use gcp_emulator::EmulatorConfig;
use serde_json::{json, Value};

const P: &str = "/compute/v1/projects/platform-local";

fn instance(name: &str, zone: &str, labels: Value) -> Value {
    json!({
        "name": name,
        "machineType": format!("zones/{zone}/machineTypes/n2-standard-4"),
        "disks": [{"boot": true, "autoDelete": true, "initializeParams": {
            "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
            "diskSizeGb": "50", "diskType": format!("zones/{zone}/diskTypes/pd-ssd")}}],
        "networkInterfaces": [{"network": "global/networks/default", "accessConfigs": [{"type": "ONE_TO_ONE_NAT"}]}],
        "tags": {"items": ["livekit-server"]},
        "labels": labels,
    })
}

/// Waits for a Compute operation returned by a mutation and returns it DONE.
async fn wait(env: &Env, t: &str, op: &Value) -> Value {
    let link = op["selfLink"].as_str().unwrap();
    let rel = &link[link.find("projects/").unwrap()..];
    let (status, done) = env
        .post(t, &format!("/compute/v1/{rel}/wait"), json!({}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "DONE");
    done
}

async fn mutate(env: &Env, t: &str, path: &str, body: Value) -> Value {
    let (status, op) = env.post(t, path, body).await;
    assert_eq!(status, 200, "{path}: {op}");
    let done = wait(env, t, &op).await;
    assert!(done.get("error").is_none(), "{done}");
    done
}

/// Requests VM `name` in `zone`: the status and the reply (an operation or an error).
async fn insert_instance(
    env: &Env,
    t: &str,
    zone: &str,
    name: &str,
    labels: Value,
) -> (u16, Value) {
    let path = format!("{P}/zones/{zone}/instances");
    env.post(t, &path, instance(name, zone, labels)).await
}

/// Creates VM `name` in `zone` and waits for its insert.
async fn create_instance(env: &Env, t: &str, zone: &str, name: &str, labels: Value) -> Value {
    let path = format!("{P}/zones/{zone}/instances");
    mutate(env, t, &path, instance(name, zone, labels)).await
}

/// Creates group `lk-a` in `zone`, naming port 7880 `livekit-http`.
async fn create_lk_group(env: &Env, t: &str, zone: &str) -> Value {
    mutate(
        env,
        t,
        &format!("{P}/zones/{zone}/instanceGroups"),
        json!({"name": "lk-a", "namedPorts": [{"name": "livekit-http", "port": 7880}]}),
    )
    .await
}

/// Adds the VM at `vm_link` to group `lk-a` in `zone`.
async fn join_lk_group(env: &Env, t: &str, zone: &str, vm_link: &str) -> Value {
    mutate(
        env,
        t,
        &format!("{P}/zones/{zone}/instanceGroups/lk-a/addInstances"),
        json!({"instances": [{"instance": vm_link}]}),
    )
    .await
}

/// How backend service `lk` sees the first member of `group_link`.
async fn lk_health(env: &Env, t: &str, group_link: &str) -> Value {
    let (_, health) = env
        .post(
            t,
            &format!("{P}/global/backendServices/lk/getHealth"),
            json!({"group": group_link}),
        )
        .await;
    health["healthStatus"][0].clone()
}

#[tokio::test]
async fn instances_groups_backend_health_and_teardown_order() {
    let env = default_env().await;
    let t = env.access_token().await;
    let zone = "us-central1-a";
    let zp = format!("{P}/zones/{zone}");
    create_instance(&env, &t, zone, "lk-a-0", json!({"cluster": "lk"})).await;
    create_instance(&env, &t, zone, "other", json!({"cluster": "x"})).await;

    let (_, vm) = env.get(&t, &format!("{zp}/instances/lk-a-0")).await;
    assert_eq!(vm["status"], "RUNNING");
    assert!(vm["disks"][0]["initializeParams"]["diskType"]
        .as_str()
        .unwrap()
        .ends_with("/diskTypes/pd-ssd"));
    assert_eq!(vm["disks"][0]["diskSizeGb"], "50");
    assert!(vm["networkInterfaces"][0]["accessConfigs"][0]["natIP"].is_string());

    // 409 on a duplicate name.
    let (status, err) = insert_instance(&env, &t, zone, "lk-a-0", json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(err["error"]["errors"][0]["reason"], "alreadyExists");

    // Label filter and aggregatedList.
    let (_, listed) = env
        .get(
            &t,
            &format!("{zp}/instances?filter=labels.cluster%20%3D%20%22lk%22"),
        )
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (_, agg) = env
        .get(
            &t,
            &format!("{P}/aggregated/instances?filter=labels.cluster%20%3D%20%22lk%22"),
        )
        .await;
    assert_eq!(
        agg["items"][format!("zones/{zone}")]["instances"][0]["name"],
        "lk-a-0"
    );
    assert!(agg["items"]["zones/us-central1-b"]["warning"].is_object());

    // Group, named port, membership.
    create_lk_group(&env, &t, zone).await;
    let vm_link = vm["selfLink"].as_str().unwrap();
    join_lk_group(&env, &t, zone, vm_link).await;
    let (_, group) = env.get(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    assert_eq!(group["size"], 1);
    let (status, dup) = env
        .post(
            &t,
            &format!("{zp}/instanceGroups/lk-a/addInstances"),
            json!({"instances": [{"instance": vm_link}]}),
        )
        .await;
    assert_eq!(
        (status, dup["error"]["errors"][0]["reason"].as_str()),
        (400, Some("memberAlreadyExists"))
    );
    let (_, members) = env
        .post(
            &t,
            &format!("{zp}/instanceGroups/lk-a/listInstances"),
            json!({"instanceState": "ALL"}),
        )
        .await;
    assert_eq!(members["items"][0]["instance"], vm_link);

    // Health check + backend service using portName.
    mutate(&env, &t, &format!("{P}/global/healthChecks"), json!({"name": "lk-hc", "type": "HTTP", "httpHealthCheck": {"port": 7880, "requestPath": "/", "response": "OK"}})).await;
    let group_link = group["selfLink"].as_str().unwrap();
    let (status, _) = env
        .post(
            &t,
            &format!("{P}/global/backendServices"),
            json!({"name": "lk", "healthChecks": [format!("{P}/global/healthChecks/nope")]}),
        )
        .await;
    assert_eq!(status, 400);
    mutate(
        &env,
        &t,
        &format!("{P}/global/backendServices"),
        json!({
        "name": "lk", "protocol": "TCP", "portName": "livekit-http", "timeoutSec": 36000,
        "healthChecks": [format!("projects/platform-local/global/healthChecks/lk-hc")],
        "backends": [{"group": group_link}]}),
    )
    .await;
    let health = lk_health(&env, &t, group_link).await;
    assert_eq!(health["healthState"], "HEALTHY");
    assert_eq!(health["port"], 7880);

    // A health fault keeps the VM unhealthy; a stopped VM is unhealthy.
    env.admin(
        "/_emulator/faults",
        json!({"method": "HEALTH", "path_regex": "instances/lk-a-0$", "status": 503}),
    )
    .await;
    let health = lk_health(&env, &t, group_link).await;
    assert_eq!(health["healthState"], "UNHEALTHY");
    env.admin_delete("/_emulator/faults").await;
    mutate(&env, &t, &format!("{zp}/instances/lk-a-0/stop"), json!({})).await;
    let health = lk_health(&env, &t, group_link).await;
    assert_eq!(health["healthState"], "UNHEALTHY");

    // The group and health check are in use by the backend service.
    let (status, err) = env.delete(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    assert_eq!(status, 400);
    assert_eq!(
        err["error"]["errors"][0]["reason"],
        "resourceInUseByAnotherResource"
    );
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("backendServices/lk"));
    let (status, _) = env
        .delete(&t, &format!("{P}/global/healthChecks/lk-hc"))
        .await;
    assert_eq!(status, 400);

    // Dependency order succeeds; deleting a member VM drops it from its group.
    let (_, op) = env
        .delete(&t, &format!("{P}/global/backendServices/lk"))
        .await;
    wait(&env, &t, &op).await;
    let (_, op) = env.delete(&t, &format!("{zp}/instances/lk-a-0")).await;
    wait(&env, &t, &op).await;
    let (_, group) = env.get(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    assert_eq!(group["size"], 0);
    let (_, op) = env.delete(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    wait(&env, &t, &op).await;
    let (status, _) = env.get(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    assert_eq!(status, 404);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn operations_progress_fail_and_dedupe() {
    let env = start_env(EmulatorConfig {
        op_latency: Duration::from_millis(300),
        ..EmulatorConfig::default()
    })
    .await;
    let t = env.access_token().await;
    let zp = format!("{P}/zones/us-central1-b");
    let rid = "6f1c1f53-2b8e-4c33-9a55-1f5d1f7a0c11";
    let path = format!("{zp}/instances?requestId={rid}");
    let (_, op) = env
        .post(&t, &path, instance("lk-b-0", "us-central1-b", json!({})))
        .await;
    assert_ne!(op["status"], "DONE");
    // A retry with the same requestId returns the same operation instead of a 409.
    let (status, again) = env
        .post(&t, &path, instance("lk-b-0", "us-central1-b", json!({})))
        .await;
    assert_eq!((status, &again["name"]), (200, &op["name"]));
    wait(&env, &t, &op).await;
    let (status, again) = env
        .post(&t, &path, instance("lk-b-0", "us-central1-b", json!({})))
        .await;
    assert_eq!((status, &again["name"]), (200, &op["name"]));

    // Capacity exhaustion in one zone: DONE with error.errors, nothing created.
    env.admin("/_emulator/faults", json!({"method": "POST", "path_regex": "/zones/us-central1-c/instances$",
        "operation_error": {"code": "ZONE_RESOURCE_POOL_EXHAUSTED", "message": "The zone 'projects/platform-local/zones/us-central1-c' does not have enough resources available to fulfill the request."}})).await;
    let (_, op) = insert_instance(&env, &t, "us-central1-c", "lk-c-0", json!({})).await;
    // Visible while provisioning, gone once the operation fails.
    let (status, vm) = env
        .get(&t, &format!("{P}/zones/us-central1-c/instances/lk-c-0"))
        .await;
    assert_eq!(status, 200);
    assert_ne!(vm["status"], "RUNNING");
    let done = wait(&env, &t, &op).await;
    assert_eq!(
        done["error"]["errors"][0]["code"],
        "ZONE_RESOURCE_POOL_EXHAUSTED"
    );
    assert_eq!(
        env.get(&t, &format!("{P}/zones/us-central1-c/instances/lk-c-0"))
            .await
            .0,
        404
    );

    // Bad input is rejected like Google does.
    let mut bad = instance("lk-b-1", "us-central1-b", json!({}));
    bad["machineType"] = json!("zones/us-central1-b/machineTypes/n9-huge");
    let (status, err) = env.post(&t, &format!("{zp}/instances"), bad).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("n9-huge"));
    let (status, _) = insert_instance(&env, &t, "us-central1-b", "Bad_Name", json!({})).await;
    assert_eq!(status, 400);
    let (status, _) = env
        .post(
            &t,
            &format!("{P}/global/firewalls"),
            json!({"name": "fw", "sourceRanges": ["0.0.0.0/0"]}),
        )
        .await;
    assert_eq!(status, 400, "a rule needs allowed or denied");
    let (status, _) = env.post(&t, &format!("{P}/global/firewalls"), json!({"name": "fw", "allowed": [{"IPProtocol": "tcp", "ports": ["7880"]}], "sourceRanges": ["35.191.0.0/33"]})).await;
    assert_eq!(status, 400);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn catalogue_and_labels() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (_, image) = env
        .get(
            &t,
            "/compute/v1/projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
        )
        .await;
    assert_eq!(image["family"], "ubuntu-2204-lts");
    let (_, mt) = env
        .get(
            &t,
            &format!("{P}/zones/us-central1-a/machineTypes/n2-standard-4"),
        )
        .await;
    assert_eq!(mt["guestCpus"], 4);
    let zp = format!("{P}/zones/us-central1-a");
    create_instance(&env, &t, "us-central1-a", "vm", json!({"a": "1"})).await;
    let (_, vm) = env.get(&t, &format!("{zp}/instances/vm")).await;
    let (status, _) = env
        .post(
            &t,
            &format!("{zp}/instances/vm/setLabels"),
            json!({"labels": {"b": "2"}, "labelFingerprint": "AAAAAAAAAAA="}),
        )
        .await;
    assert_eq!(status, 412);
    mutate(
        &env,
        &t,
        &format!("{zp}/instances/vm/setLabels"),
        json!({"labels": {"b": "2"}, "labelFingerprint": vm["labelFingerprint"]}),
    )
    .await;
    let (_, vm) = env.get(&t, &format!("{zp}/instances/vm")).await;
    assert_eq!(vm["labels"], json!({"b": "2"}));
    env.emu.shutdown().await;
}

/// As on Google: an instance is listed at once as PROVISIONING, becomes
/// STAGING while its insert runs and RUNNING when it is done; it can join a
/// group meanwhile, but getHealth reports it HEALTHY only once RUNNING.
#[tokio::test]
async fn instance_visible_while_provisioning() {
    let env = default_env().await;
    let t = env.access_token().await;
    let zone = "us-central1-a";
    let zp = format!("{P}/zones/{zone}");
    create_lk_group(&env, &t, zone).await;
    mutate(
        &env,
        &t,
        &format!("{P}/global/healthChecks"),
        json!({"name": "lk-hc", "type": "HTTP", "httpHealthCheck": {"port": 7880}}),
    )
    .await;
    let (_, group) = env.get(&t, &format!("{zp}/instanceGroups/lk-a")).await;
    let group_link = group["selfLink"].as_str().unwrap().to_string();
    mutate(
        &env,
        &t,
        &format!("{P}/global/backendServices"),
        json!({"name": "lk", "protocol": "TCP", "portName": "livekit-http",
        "healthChecks": ["projects/platform-local/global/healthChecks/lk-hc"],
        "backends": [{"group": group_link}]}),
    )
    .await;
    env.admin(
        "/_emulator/latency",
        json!({"kind": "compute.instances.insert", "operation": "3s"}),
    )
    .await;
    let (status, op) = insert_instance(&env, &t, zone, "lk-a-0", json!({"cluster": "lk"})).await;
    assert_eq!(status, 200, "{op}");
    let (status, vm) = env.get(&t, &format!("{zp}/instances/lk-a-0")).await;
    assert_eq!((status, vm["status"].as_str()), (200, Some("PROVISIONING")));
    let (_, listed) = env.get(&t, &format!("{zp}/instances")).await;
    assert_eq!(listed["items"][0]["name"], "lk-a-0");
    // A second insert of the same name conflicts while the first is pending.
    let (status, _) = insert_instance(&env, &t, zone, "lk-a-0", json!({})).await;
    assert_eq!(status, 409);
    join_lk_group(&env, &t, zone, vm["selfLink"].as_str().unwrap()).await;
    // The operation leaves PENDING after a fifth of its 3 s latency.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (_, vm) = env.get(&t, &format!("{zp}/instances/lk-a-0")).await;
    assert_eq!(vm["status"], "STAGING");
    let health = lk_health(&env, &t, &group_link).await;
    assert_eq!(health["healthState"], "UNHEALTHY");
    wait(&env, &t, &op).await;
    let (_, vm) = env.get(&t, &format!("{zp}/instances/lk-a-0")).await;
    assert_eq!(vm["status"], "RUNNING");
    let health = lk_health(&env, &t, &group_link).await;
    assert_eq!(health["healthState"], "HEALTHY");
    env.emu.shutdown().await;
}

/// VMs and firewall rules must name an existing network; a custom-mode network
/// needs an explicit subnetwork of its own; in-use networks and subnetworks
/// cannot be deleted. `default` exists in every project as an auto-mode network.
#[tokio::test]
async fn networks_and_subnetworks_are_checked_like_compute() {
    let env = default_env().await;
    let t = env.access_token().await;
    let zone = "us-central1-a";
    let vm_in = |network: &str, subnet: Option<&str>| {
        let mut body = instance("vm", zone, json!({}));
        body["networkInterfaces"][0]["network"] = json!(network);
        if let Some(s) = subnet {
            body["networkInterfaces"][0]["subnetwork"] = json!(s);
        }
        body
    };
    let insert = format!("{P}/zones/{zone}/instances");

    let rejected = |expected: &'static str| {
        let (env, t, insert) = (&env, &t, &insert);
        async move {
            let (status, err) = env
                .post(t, insert, vm_in("global/networks/vpc", None))
                .await;
            assert_eq!(status, 400, "{err}");
            let message = err["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(expected), "{err}");
        }
    };
    rejected("The referenced network resource cannot be found").await;
    let (status, err) = env
        .post(&t, &format!("{P}/global/firewalls"), json!({"name": "fw", "network": "global/networks/vpc", "allowed": [{"IPProtocol": "tcp"}]}))
        .await;
    assert_eq!(status, 400, "{err}");

    let (status, default) = env.get(&t, &format!("{P}/global/networks/default")).await;
    assert_eq!(status, 200, "{default}");
    assert_eq!(default["autoCreateSubnetworks"], true);

    mutate(
        &env,
        &t,
        &format!("{P}/global/networks"),
        json!({"name": "vpc", "autoCreateSubnetworks": false}),
    )
    .await;
    rejected("Subnetwork should be specified for custom subnetmode network").await;
    let (status, err) = env
        .post(
            &t,
            &format!("{P}/regions/us-central1/subnetworks"),
            json!({"name": "bad", "network": "global/networks/vpc", "ipCidrRange": "10.0.0.0/33"}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    mutate(
        &env,
        &t,
        &format!("{P}/regions/us-central1/subnetworks"),
        json!({"name": "apps", "network": "global/networks/vpc", "ipCidrRange": "10.10.0.0/20"}),
    )
    .await;
    let (status, err) = env
        .post(
            &t,
            &insert,
            vm_in(
                "global/networks/vpc",
                Some("regions/us-central1/subnetworks/nope"),
            ),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    let done = mutate(
        &env,
        &t,
        &insert,
        vm_in(
            "global/networks/vpc",
            Some("regions/us-central1/subnetworks/apps"),
        ),
    )
    .await;
    assert!(done.get("error").is_none(), "{done}");
    let (_, vm) = env.get(&t, &format!("{P}/zones/{zone}/instances/vm")).await;
    assert!(
        vm["networkInterfaces"][0]["subnetwork"]
            .as_str()
            .unwrap()
            .ends_with("/regions/us-central1/subnetworks/apps"),
        "{vm}"
    );

    // In use: neither the subnetwork nor the network may go.
    for path in [
        format!("{P}/regions/us-central1/subnetworks/apps"),
        format!("{P}/global/networks/vpc"),
    ] {
        let (status, err) = env.delete(&t, &path).await;
        assert_eq!(status, 400, "{path}: {err}");
        assert_eq!(
            err["error"]["errors"][0]["reason"], "resourceInUseByAnotherResource",
            "{err}"
        );
    }
}
