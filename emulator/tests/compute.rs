//! Compute surface, request validation, faults, operations and the admin API.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use gcp_emulator::EmulatorConfig;
use serde_json::{json, Value};

const ZONES: &str = "/compute/v1/projects/platform-local/zones";

#[tokio::test]
async fn regions_zones_projects() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (status, zone) = env.get(&t, &format!("{ZONES}/us-central1-a")).await;
    assert_eq!(status, 200);
    assert_eq!(zone["status"], "UP");
    assert_eq!(
        zone["region"],
        "https://www.googleapis.com/compute/v1/projects/platform-local/regions/us-central1"
    );
    assert_eq!(
        zone["selfLink"],
        "https://www.googleapis.com/compute/v1/projects/platform-local/zones/us-central1-a"
    );

    let (_, region) = env
        .get(
            &t,
            "/compute/v1/projects/platform-local/regions/europe-west4",
        )
        .await;
    assert_eq!(region["zones"].as_array().unwrap().len(), 3);

    let (_, project) = env.get(&t, "/compute/v1/projects/platform-local").await;
    let number = project["id"].as_str().unwrap();
    assert_eq!(number.len(), 12);
    assert_eq!(
        project["defaultServiceAccount"],
        format!("{number}-compute@developer.gserviceaccount.com")
    );

    let (status, missing) = env.get(&t, &format!("{ZONES}/mars-north1-a")).await;
    assert_eq!(status, 404);
    assert_eq!(
        missing["error"]["message"],
        "The resource 'projects/platform-local/zones/mars-north1-a' was not found"
    );
    assert_eq!(missing["error"]["errors"][0]["reason"], "notFound");
    assert_eq!(missing["error"]["errors"][0]["domain"], "global");

    let (status, _) = env.get(&t, "/compute/v1/projects/nobody-home").await;
    assert_eq!(status, 404);
    env.admin("/_emulator/projects", json!({"projectId": "nobody-home"}))
        .await;
    assert_eq!(env.get(&t, "/compute/v1/projects/nobody-home").await.0, 200);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn zone_list_filter_order_and_paging() {
    let env = default_env().await;
    let t = env.access_token().await;
    let names = |body: &Value| -> Vec<String> {
        body["items"].as_array().map_or(vec![], |a| {
            a.iter()
                .map(|z| z["name"].as_str().unwrap().to_string())
                .collect()
        })
    };
    let (_, body) = env
        .get(&t, &format!("{ZONES}?filter=name%20eq%20us-central1-.*"))
        .await;
    assert_eq!(
        names(&body),
        [
            "us-central1-a",
            "us-central1-b",
            "us-central1-c",
            "us-central1-f"
        ]
    );
    let (_, body) = env
        .get(&t, &format!("{ZONES}?filter=name%20%3D%20%22us-east1-c%22"))
        .await;
    assert_eq!(names(&body), ["us-east1-c"]);
    let (_, body) = env
        .get(
            &t,
            &format!("{ZONES}?filter=region%20eq%20.*%2Feurope-west1&orderBy=name%20desc"),
        )
        .await;
    assert_eq!(
        names(&body),
        ["europe-west1-d", "europe-west1-c", "europe-west1-b"]
    );

    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let (_, page) = env
            .get(&t, &format!("{ZONES}?maxResults=5&pageToken={token}"))
            .await;
        all.extend(names(&page));
        match page["nextPageToken"].as_str() {
            Some(next) => token = next.to_string(),
            None => break,
        }
    }
    assert_eq!(all.len(), 19);
    let (status, err) = env
        .get(&t, &format!("{ZONES}?filter=this%20is%20not%20a%20filter"))
        .await;
    assert_eq!(status, 400, "{err}");
    env.emu.shutdown().await;
}

#[tokio::test]
async fn unknown_query_parameter_and_body_field_are_400() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (status, body) = env.get(&t, &format!("{ZONES}?bogus=1")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    assert_eq!(body["error"]["errors"][0]["reason"], "invalid");
    assert_eq!(
        env.get(&t, &format!("{ZONES}?maxResults=lots")).await.0,
        400
    );
    assert_eq!(
        env.get(&t, &format!("{ZONES}?prettyPrint=false&alt=json"))
            .await
            .0,
        200
    );

    let path = "/compute/v1/projects/platform-local/setCommonInstanceMetadata";
    let (status, body) = env
        .post(
            &t,
            path,
            json!({"items": [{"key": "a", "value": "b", "colour": "red"}]}),
        )
        .await;
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert_eq!(message, "Invalid JSON payload received. Unknown name \"colour\" at 'metadata.items[0]': Cannot find field.");
    assert_eq!(
        body["error"]["details"][0]["fieldViolations"][0]["field"],
        "metadata.items[0]"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn faults_fire_n_times_then_clear() {
    let env = default_env().await;
    let t = env.access_token().await;
    let fault: Value = env
        .admin("/_emulator/faults", json!({"method": "GET", "path_regex": "/zones/us-central1-a$", "status": 503, "times": 2}))
        .await
        .json()
        .await
        .unwrap();
    assert!(fault["id"].is_string());
    let path = format!("{ZONES}/us-central1-a");
    let (status, body) = env.get(&t, &path).await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["status"], "UNAVAILABLE");
    assert_eq!(env.get(&t, &path).await.0, 503);
    assert_eq!(env.get(&t, &path).await.0, 200);
    assert_eq!(env.get(&t, &format!("{ZONES}/us-central1-b")).await.0, 200);

    env.admin(
        "/_emulator/faults",
        json!({"path_regex": "zones", "status": 429, "body": {"custom": true}}),
    )
    .await;
    let (status, body) = env.get(&t, ZONES).await;
    assert_eq!((status, body), (429, json!({"custom": true})));
    env.admin_delete("/_emulator/faults").await;
    assert_eq!(env.get(&t, ZONES).await.0, 200);
    env.emu.shutdown().await;
}

const SET_METADATA: &str = "/compute/v1/projects/platform-local/setCommonInstanceMetadata";

/// The path of an operation, from its `selfLink`.
fn op_path(op: &Value) -> String {
    op["selfLink"]
        .as_str()
        .unwrap()
        .replace("https://www.googleapis.com", "")
}

fn metadata_items(project: &Value) -> Value {
    project["commonInstanceMetadata"]["items"].clone()
}

#[tokio::test]
async fn operations_progress_to_done_and_apply_effects() {
    let env = start_env(EmulatorConfig {
        op_latency: Duration::from_millis(1500),
        ..EmulatorConfig::default()
    })
    .await;
    let t = env.access_token().await;
    let request_id = "6f1c3c84-3b47-4d4c-9f8e-0d4b2d3c1a10";
    let items = json!([{"key": "team", "value": "platform"}]);
    let (status, op) = env
        .post(
            &t,
            &format!("{SET_METADATA}?requestId={request_id}"),
            json!({"items": items}),
        )
        .await;
    assert_eq!(status, 200, "{op}");
    assert_eq!(op["kind"], "compute#operation");
    assert_ne!(op["status"], "DONE");
    assert_eq!(op["clientOperationId"], request_id);
    assert_eq!(
        op["targetLink"],
        "https://www.googleapis.com/compute/v1/projects/platform-local"
    );
    let op_path = op_path(&op);
    assert!(op_path.starts_with("/compute/v1/projects/platform-local/global/operations/operation-"));

    // Not visible until the operation is DONE.
    let (_, project) = env.get(&t, "/compute/v1/projects/platform-local").await;
    assert_eq!(metadata_items(&project), json!([]));

    // A retry with the same requestId returns the original operation.
    let (_, again) = env
        .post(
            &t,
            &format!("{SET_METADATA}?requestId={request_id}"),
            json!({"items": items}),
        )
        .await;
    assert_eq!(again["name"], op["name"]);

    let started = Instant::now();
    let (_, waited) = env.post(&t, &format!("{op_path}/wait"), json!(null)).await;
    assert_eq!(waited["status"], "DONE");
    assert_eq!(waited["progress"], 100);
    assert!(waited["endTime"].is_string() && waited["startTime"].is_string());
    assert!(started.elapsed() < Duration::from_secs(10));
    let (_, got) = env.get(&t, &op_path).await;
    assert_eq!(got["status"], "DONE");
    let (_, project) = env.get(&t, "/compute/v1/projects/platform-local").await;
    assert_eq!(metadata_items(&project), items);

    let (status, _) = env
        .post(
            &t,
            &format!("{SET_METADATA}?requestId=00000000-0000-0000-0000-000000000000"),
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = env
        .get(
            &t,
            "/compute/v1/projects/platform-local/global/operations/operation-nope",
        )
        .await;
    assert_eq!(status, 404);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn operation_error_fault_and_per_kind_latency() {
    let env = default_env().await;
    let t = env.access_token().await;
    let resp = env
        .admin("/_emulator/latency", json!({"kind": "compute.projects.setCommonInstanceMetadata", "operation": "300ms", "request": "200ms"}))
        .await;
    assert!(resp.status().is_success());
    env.admin(
        "/_emulator/faults",
        json!({"path_regex": "setCommonInstanceMetadata", "times": 1,
               "operation_error": {"code": "QUOTA_EXCEEDED", "message": "Quota 'CPUS' exceeded."}}),
    )
    .await;
    let started = Instant::now();
    let (_, op) = env
        .post(
            &t,
            SET_METADATA,
            json!({"items": [{"key": "k", "value": "v"}]}),
        )
        .await;
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "request latency applies"
    );
    assert_eq!(op["status"], "PENDING");
    let op_path = op_path(&op);
    let (_, done) = env.post(&t, &format!("{op_path}/wait"), json!(null)).await;
    assert_eq!(done["status"], "DONE");
    assert_eq!(done["error"]["errors"][0]["code"], "QUOTA_EXCEEDED");
    assert_eq!(done["httpErrorStatusCode"], 403);
    let (_, project) = env.get(&t, "/compute/v1/projects/platform-local").await;
    assert_eq!(
        metadata_items(&project),
        json!([]),
        "a failed operation has no effect"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn admin_resources_requests_and_reset() {
    let env = default_env().await;
    let t = env.access_token().await;
    env.post(
        &t,
        SET_METADATA,
        json!({"items": [{"key": "k", "value": "v"}]}),
    )
    .await;
    let resources: Value = env.admin_get("/_emulator/resources").await;
    assert_eq!(
        resources["projects/platform-local"]["commonInstanceMetadata"]["items"][0]["key"],
        "k"
    );

    env.get(&t, &format!("{ZONES}?maxResults=1")).await;
    let log: Value = env.admin_get("/_emulator/requests").await;
    let log = log.as_array().unwrap();
    let token_call = log.iter().find(|r| r["path"] == "/token").unwrap();
    assert_eq!(token_call["body"]["assertion"], "<redacted>");
    let list_call = log.iter().find(|r| r["path"] == ZONES).unwrap();
    assert_eq!(list_call["query"]["maxResults"], "1");
    assert_eq!(list_call["status"], 200);
    assert!(
        !serde_json::to_string(log).unwrap().contains("ya29."),
        "tokens never appear in the log"
    );

    env.admin_delete("/_emulator/requests").await;
    let log: Value = env.admin_get("/_emulator/requests").await;
    assert_eq!(log, json!([]));

    env.admin("/_emulator/reset", json!({})).await;
    let resources: Value = env.admin_get("/_emulator/resources").await;
    assert_eq!(resources, json!({}));
    // Credentials survive a reset.
    assert_eq!(env.get(&t, ZONES).await.0, 200);
    let health = env
        .http
        .get(env.url("/_emulator/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "ok");
    env.emu.shutdown().await;
}
