//! The Cloud Run v2 and Monitoring time-series clients against the in-process
//! emulator: rollout-shaped sequences, etag conflicts, unready revisions and
//! synthetic metrics.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::TimeSeriesQuery;
use gcp_client::operations::WaitOptions;
use gcp_client::run::{service_name, Container, RevisionTemplate, Service, TrafficTarget};
use gcp_client::GcpClient;
use gcp_emulator::RunningEmulator;
use serde_json::json;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "platform-local";
const LOCATION: &str = "us-central1";

async fn setup() -> (RunningEmulator, GcpClient) {
    let emu = common::start_emulator(Duration::from_millis(50)).await;
    let mut c = common::config(&emu, common::sa_spec(&emu));
    c.retry = common::quick_retry(3);
    let client = GcpClient::new(c).unwrap();
    (emu, client)
}

async fn behavior(emu: &RunningEmulator, body: serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/_emulator/run/behaviors", emu.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
}

fn opts() -> WaitOptions {
    let mut o = WaitOptions::new(Duration::from_secs(10), CancellationToken::new());
    o.poll_interval = Duration::from_millis(20);
    o
}

fn template(revision: Option<&str>, image: &str) -> RevisionTemplate {
    RevisionTemplate {
        revision: revision.map(str::to_owned),
        containers: vec![Container {
            image: image.into(),
            ..Container::default()
        }],
        ..RevisionTemplate::default()
    }
}

#[tokio::test]
async fn blue_green_sequence_with_tags_etags_and_unready_candidates() {
    let (emu, client) = setup().await;
    let run = client.run();
    let name = service_name(PROJECT, LOCATION, "api");
    let parent = format!("projects/{PROJECT}/locations/{LOCATION}");
    let svc = Service {
        template: Some(template(Some("api-v1"), "img:v1")),
        ..Service::default()
    };
    let op = run.create_service(&parent, "api", &svc).await.unwrap();
    run.wait(op, &opts()).await.unwrap();
    let s = run.wait_converged(&name, &opts()).await.unwrap();
    assert_eq!(s.serving_split().get("api-v1"), Some(&100));
    assert!(s.uri.starts_with("https://api-"));

    // Candidate at 0 % with a tag, in one PATCH carrying the etag.
    let mut patch = Service {
        name: name.clone(),
        etag: s.etag.clone(),
        template: Some(template(Some("api-v2"), "img:v2")),
        traffic: vec![
            TrafficTarget::revision("api-v1", 100, None),
            TrafficTarget::revision("api-v2", 0, Some("candidate")),
        ],
        ..Service::default()
    };
    let op = run
        .patch_service(&patch, &["template", "traffic"])
        .await
        .unwrap();
    run.wait(op, &opts()).await.unwrap();
    let s = run.wait_converged(&name, &opts()).await.unwrap();
    assert!(s
        .tag_uri("candidate")
        .unwrap()
        .starts_with("https://candidate---api-"));
    assert_eq!(s.latest_ready_revision, format!("{name}/revisions/api-v2"));

    // A stale etag is an ABORTED conflict.
    patch.template = None;
    let err = run.patch_service(&patch, &["traffic"]).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!((api.http_status, api.status.as_str()), (409, "ABORTED"));

    // Traffic-only step: no new revision.
    let step = Service {
        name: name.clone(),
        etag: s.etag.clone(),
        traffic: vec![
            TrafficTarget::revision("api-v1", 95, None),
            TrafficTarget::revision("api-v2", 5, Some("candidate")),
        ],
        ..Service::default()
    };
    run.wait(
        run.patch_service(&step, &["traffic"]).await.unwrap(),
        &opts(),
    )
    .await
    .unwrap();
    let s = run.wait_converged(&name, &opts()).await.unwrap();
    assert_eq!(s.serving_split().get("api-v2"), Some(&5));
    assert_eq!(run.list_revisions(&name).await.unwrap().len(), 2);

    // Reusing a revision name with another template is a conflict.
    let clash = Service {
        name: name.clone(),
        template: Some(template(Some("api-v2"), "img:other")),
        ..Service::default()
    };
    let err = run.patch_service(&clash, &["template"]).await.unwrap_err();
    assert_eq!(err.api().unwrap().http_status, 409);

    // An unready candidate fails inside the operation; the split stays put.
    behavior(&emu, json!({"image": "img:broken", "ready": false})).await;
    let bad = Service {
        name: name.clone(),
        etag: s.etag.clone(),
        template: Some(template(Some("api-v3"), "img:broken")),
        traffic: vec![
            TrafficTarget::revision("api-v1", 95, None),
            TrafficTarget::revision("api-v2", 5, None),
            TrafficTarget::revision("api-v3", 0, Some("candidate")),
        ],
        ..Service::default()
    };
    let op = run
        .patch_service(&bad, &["template", "traffic"])
        .await
        .unwrap();
    let err = run.wait(op, &opts()).await.unwrap_err();
    assert!(err.to_string().contains("FAILED_PRECONDITION"), "{err}");
    assert!(err.to_string().contains("api-v3' is not ready"), "{err}");
    let s = run.wait_converged(&name, &opts()).await.unwrap();
    assert_eq!(s.serving_split().get("api-v2"), Some(&5));
    let rev = run
        .get_revision(&format!("{name}/revisions/api-v3"))
        .await
        .unwrap();
    assert!(rev.failure().unwrap().contains("failed to start"));
    assert_eq!(rev.template().containers[0].image, "img:broken");
    emu.shutdown().await;
}

#[tokio::test]
async fn metrics_follow_the_split_and_error_ratio() {
    let (emu, client) = setup().await;
    behavior(
        &emu,
        json!({"image": "img:bad", "error_ratio": 0.1, "rps": 200, "p95_ms": 300}),
    )
    .await;
    behavior(&emu, json!({"image": "img:good", "rps": 200})).await;
    let run = client.run();
    let name = service_name(PROJECT, LOCATION, "web");
    let parent = format!("projects/{PROJECT}/locations/{LOCATION}");
    let started = SystemTime::now();
    let svc = Service {
        template: Some(template(Some("web-good"), "img:good")),
        ..Service::default()
    };
    run.wait(
        run.create_service(&parent, "web", &svc).await.unwrap(),
        &opts(),
    )
    .await
    .unwrap();
    let s = run.wait_converged(&name, &opts()).await.unwrap();
    let split = Service {
        name: name.clone(),
        etag: s.etag,
        template: Some(template(Some("web-bad"), "img:bad")),
        traffic: vec![
            TrafficTarget::revision("web-good", 50, None),
            TrafficTarget::revision("web-bad", 50, Some("candidate")),
        ],
        ..Service::default()
    };
    run.wait(
        run.patch_service(&split, &["template", "traffic"])
            .await
            .unwrap(),
        &opts(),
    )
    .await
    .unwrap();
    run.wait_converged(&name, &opts()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let metrics = client.metrics();
    let query = TimeSeriesQuery {
        filter: r#"metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "web""#.into(),
        start: started,
        end: SystemTime::now(),
        alignment_period: Duration::from_secs(60),
        per_series_aligner: "ALIGN_DELTA".into(),
        cross_series_reducer: Some("REDUCE_SUM".into()),
        group_by_fields: vec![
            "resource.labels.revision_name".into(),
            "metric.labels.response_code_class".into(),
        ],
    };
    let series = metrics.list_time_series(PROJECT, &query).await.unwrap();
    let count = |rev: &str, class: &str| -> f64 {
        series
            .iter()
            .filter(|s| s.label("resource.labels.revision_name") == Some(rev))
            .filter(|s| s.label("metric.labels.response_code_class") == Some(class))
            .flat_map(|s| s.points.iter())
            .filter_map(|p| p.value.as_f64())
            .sum()
    };
    let bad_all = count("web-bad", "2xx") + count("web-bad", "5xx");
    assert!(bad_all >= 100.0, "{series:?}");
    let ratio = count("web-bad", "5xx") / bad_all;
    assert!((0.09..=0.11).contains(&ratio), "{ratio}");
    assert_eq!(count("web-good", "5xx"), 0.0);

    let p95 = |rev: &str| {
        let q = TimeSeriesQuery {
            filter: format!(
                r#"metric.type = "run.googleapis.com/request_latencies" AND resource.labels.revision_name = "{rev}""#
            ),
            per_series_aligner: "ALIGN_DELTA".into(),
            cross_series_reducer: Some("REDUCE_PERCENTILE_95".into()),
            group_by_fields: vec!["resource.labels.revision_name".into()],
            ..query.clone()
        };
        let metrics = metrics.clone();
        async move {
            let s = metrics.list_time_series(PROJECT, &q).await.unwrap();
            s[0].points[0].value.double_value.unwrap()
        }
    };
    let ratio = p95("web-bad").await / p95("web-good").await;
    assert!((2.5..=3.5).contains(&ratio), "{ratio}");

    let delay = metrics
        .ingest_delay(PROJECT, "run.googleapis.com/request_count")
        .await
        .unwrap();
    assert_eq!(delay, Duration::ZERO);

    // The API's own rules: alignment period >= 60 s with an aligner.
    let short = TimeSeriesQuery {
        alignment_period: Duration::from_secs(10),
        ..query.clone()
    };
    let err = metrics.list_time_series(PROJECT, &short).await.unwrap_err();
    assert!(err.api().unwrap().message.contains("at least 60 seconds"));
    emu.shutdown().await;
}
