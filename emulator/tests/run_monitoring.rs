//! Cloud Run v2 and Monitoring time series over HTTP: what the API rejects.
#![allow(clippy::unwrap_used)]

mod common;

use serde_json::{json, Value};

const PARENT: &str = "/v2/projects/platform-local/locations/us-central1";

fn service(image: &str) -> Value {
    json!({"template": {"containers": [{"image": image}]}})
}

#[tokio::test]
async fn run_rejects_bad_ids_traffic_and_stale_etags() {
    let env = common::default_env().await;
    let token = env.access_token().await;
    // A bad ID, the create, then the same ID again.
    for (id, expected) in [("Bad_Name", 400), ("web", 200), ("web", 409)] {
        let (status, reply) = env
            .post(
                &token,
                &format!("{PARENT}/services?serviceId={id}"),
                service("i"),
            )
            .await;
        assert_eq!(status, expected, "{id}: {reply}");
    }
    let name = format!("{PARENT}/services/web");
    let (_, svc) = env.get(&token, &name).await;
    assert_eq!(svc["trafficStatuses"][0]["percent"], 100);
    assert_eq!(svc["observedGeneration"], svc["generation"]);

    let bad_sum =
        json!({"traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 90}]});
    let (status, err) = env
        .patch(&token, &format!("{name}?updateMask=traffic"), bad_sum)
        .await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("add up to 100"));

    let stale = json!({"etag": "\"stale\"", "labels": {"a": "b"}});
    let (status, err) = env
        .patch(&token, &format!("{name}?updateMask=labels"), stale)
        .await;
    assert_eq!(
        (status, err["error"]["status"].as_str()),
        (409, Some("ABORTED"))
    );

    let bad_name = json!({"template": {"revision": "other-1", "containers": [{"image": "j"}]}});
    let (status, _) = env
        .patch(&token, &format!("{name}?updateMask=template"), bad_name)
        .await;
    assert_eq!(status, 400);

    let (status, err) = env
        .patch(&token, &format!("{name}?updateMask=uri"), json!({}))
        .await;
    assert_eq!(status, 400, "{err}");

    let (status, op) = env.delete(&token, &name).await;
    assert_eq!(status, 200, "{op}");
    let (status, _) = env.get(&token, &name).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn time_series_list_enforces_googles_parameter_rules() {
    let env = common::default_env().await;
    let token = env.access_token().await;
    let base = "/v3/projects/platform-local/timeSeries";
    let filter = "filter=metric.type%3D%22run.googleapis.com%2Frequest_count%22";
    let end = "interval.endTime=2030-01-01T00:00:00Z";
    for (query, expect) in [
        (format!("{filter}&view=FULL"), "end"),
        (format!("{filter}&{end}&view=FULL&aggregation.perSeriesAligner=ALIGN_DELTA&aggregation.alignmentPeriod=30s"), "at least 60 seconds"),
        (format!("{filter}&{end}&view=FULL&aggregation.crossSeriesReducer=REDUCE_SUM"), "per-series aligner"),
        (format!("{filter}&{end}&view=FULL&aggregation.perSeriesAligner=ALIGN_DELTA"), "alignment period is required"),
        (format!("{end}&view=FULL"), "metric type"),
        (format!("{filter}&{end}"), "view"),
        (format!("filter=metric.type%3D&{end}&view=FULL"), "invalid value"),
    ] {
        let (status, err) = env.get(&token, &format!("{base}?{query}")).await;
        assert_eq!(status, 400, "{query}: {err}");
        let message = err["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(message.contains(&expect.to_lowercase()), "{query}: {message}");
    }
    let (status, ok) = env
        .get(&token, &format!("{base}?{filter}&{end}&view=FULL"))
        .await;
    assert_eq!(status, 200, "{ok}");
}

/// Cloud Run keeps serving the old split when a traffic update's operation
/// fails (the reconciliation failed); the spec keeps what was asked for.
#[tokio::test]
async fn a_failed_traffic_operation_leaves_the_serving_split() {
    let env = common::default_env().await;
    let token = env.access_token().await;
    let (status, _) = env
        .post(
            &token,
            &format!("{PARENT}/services?serviceId=web"),
            service("i"),
        )
        .await;
    assert_eq!(status, 200);
    let name = format!("{PARENT}/services/web");
    let (_, svc) = env.get(&token, &name).await;
    // A LATEST target's status names no revision (as Cloud Run reports it): the one
    // serving is the latest ready revision.
    assert_eq!(
        svc["trafficStatuses"][0]["type"],
        "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    );
    let old = svc["latestReadyRevision"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .unwrap()
        .to_owned();
    let staged = json!({
        "template": {"revision": "web-new", "containers": [{"image": "j"}]},
        "traffic": [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": old, "percent": 100},
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": "web-new", "percent": 0, "tag": "candidate"},
        ],
    });
    let (status, op) = env
        .patch(
            &token,
            &format!("{name}?updateMask=template,traffic"),
            staged,
        )
        .await;
    assert_eq!(status, 200, "{op}");
    let fault = json!({"method": "PATCH", "path_regex": "/services/web$", "times": 1,
        "operation_error": {"code": 13, "message": "Injected reconcile failure"}});
    assert!(env
        .admin("/_emulator/faults", fault)
        .await
        .status()
        .is_success());
    let split = json!({"traffic": [
        {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": old, "percent": 50},
        {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": "web-new", "percent": 50, "tag": "candidate"},
    ]});
    let (status, op) = env
        .patch(&token, &format!("{name}?updateMask=traffic"), split)
        .await;
    assert_eq!(status, 200, "{op}");
    let (_, op) = env
        .get(&token, &format!("/v2/{}", op["name"].as_str().unwrap()))
        .await;
    assert_eq!(op["error"]["code"], 13, "{op}");
    let (_, svc) = env.get(&token, &name).await;
    let serving: Vec<(String, i64)> = svc["trafficStatuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["revision"].as_str().unwrap().to_owned(),
                t["percent"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        serving,
        vec![(old, 100), ("web-new".to_owned(), 0)],
        "{svc}"
    );
    assert_eq!(
        svc["terminalCondition"]["state"], "CONDITION_FAILED",
        "{svc}"
    );
    assert_eq!(
        svc["traffic"][1]["percent"], 50,
        "the spec keeps the request"
    );
}

/// Reconciliation completes with its operation: once `:wait` says done, the
/// admin view and the `--state` file show the service settled, and a PATCH
/// made while an earlier generation was pending keeps that generation's new
/// revision (it becomes Ready and latest-ready).
#[tokio::test]
async fn reconciliation_settles_with_its_operation_and_keeps_superseded_generations() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let env = common::start_env(gcp_emulator::EmulatorConfig {
        op_latency: std::time::Duration::from_millis(300),
        state_file: Some(state_file.clone()),
        ..gcp_emulator::EmulatorConfig::default()
    })
    .await;
    let token = env.access_token().await;
    let (status, op) = env
        .post(
            &token,
            &format!("{PARENT}/services?serviceId=web"),
            service("img:a"),
        )
        .await;
    assert_eq!(status, 200, "{op}");
    let op_name = op["name"].as_str().unwrap().to_string();
    let (_, done) = env
        .post(&token, &format!("/v2/{op_name}:wait"), json!({}))
        .await;
    assert_eq!(done["done"], true, "{done}");
    let name = format!("{PARENT}/services/web");
    let key = name.trim_start_matches("/v2/").to_string();
    // Generation 2 creates a revision; generation 3 (traffic only) follows at once.
    let (status, gen2) = env
        .patch(
            &token,
            &format!("{name}?updateMask=template"),
            service("img:b"),
        )
        .await;
    assert_eq!(status, 200, "{gen2}");
    let created = gen2["metadata"]["latestCreatedRevision"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, gen3) = env
        .patch(
            &token,
            &format!("{name}?updateMask=traffic"),
            json!({"traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]}),
        )
        .await;
    assert_eq!(status, 200, "{gen3}");
    let op3 = gen3["name"].as_str().unwrap().to_string();
    let (_, done) = env
        .post(&token, &format!("/v2/{op3}:wait"), json!({}))
        .await;
    assert_eq!(done["done"], true, "{done}");

    // Nothing but the admin view and the state file look at the service now.
    let resources = env.admin_get("/_emulator/resources").await;
    let stored = &resources[&key];
    assert_eq!(stored["reconciling"], false, "{stored}");
    assert_eq!(stored["observedGeneration"], "3", "{stored}");
    assert_eq!(stored["latestReadyRevision"], created.as_str(), "{stored}");
    let revision = &resources[&created];
    assert_eq!(
        revision["conditions"][0]["state"], "CONDITION_SUCCEEDED",
        "{revision}"
    );
    assert_eq!(revision["reconciling"], false);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_file).unwrap()).unwrap();
    let saved_service = saved
        .pointer(&format!("/resources/{}", key.replace('/', "~1")))
        .unwrap_or_else(|| panic!("no {key} in the state file"));
    assert_eq!(saved_service["reconciling"], false);
    let status_revision = stored["trafficStatuses"][0]["revision"].as_str();
    assert_eq!(
        status_revision, None,
        "a LATEST target names no revision: {stored}"
    );
}

/// `time` scales what Monitoring advertises and enforces: at 60× a simulated
/// minute is a wall-clock second, for the sample period, the minimum
/// alignment period and the ingest delay.
#[tokio::test]
async fn time_scale_applies_to_sample_period_alignment_and_ingest_delay() {
    let env = common::start_env(gcp_emulator::EmulatorConfig {
        op_latency: std::time::Duration::ZERO,
        time: gcp_emulator::clock::TimeScale {
            scale: 60.0,
            ingest_delay: std::time::Duration::from_secs(30),
        },
        ..gcp_emulator::EmulatorConfig::default()
    })
    .await;
    let token = env.access_token().await;
    let (status, d) = env
        .get(
            &token,
            "/v3/projects/platform-local/metricDescriptors/run.googleapis.com%2Frequest_count",
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["metadata"]["samplePeriod"], "1s");
    assert_eq!(d["metadata"]["ingestDelay"], "0.5s");
    let base = "/v3/projects/platform-local/timeSeries?filter=metric.type%3D%22run.googleapis.com%2Frequest_count%22&interval.startTime=2030-01-01T00:00:00Z&interval.endTime=2030-01-01T00:00:10Z&view=FULL&aggregation.perSeriesAligner=ALIGN_DELTA";
    let (status, _) = env
        .get(&token, &format!("{base}&aggregation.alignmentPeriod=1s"))
        .await;
    assert_eq!(status, 200);
    let (status, err) = env
        .get(&token, &format!("{base}&aggregation.alignmentPeriod=0.5s"))
        .await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 60 seconds of simulated time (1s at --time-scale 60)"),
        "{err}"
    );
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn gauge_write(metric: &str, resource: &str, end_ms: i64, value: Value) -> Value {
    json!({"timeSeries": [{
        "metric": {"type": metric, "labels": {"queue": "jobs"}},
        "resource": {"type": resource, "labels": {"project_id": "platform-local"}},
        "points": [{"interval": {"endTime": rfc3339(end_ms)}, "value": value}],
    }]})
}

/// Custom gauges written with timeSeries.create come back through
/// timeSeries.list, aligned and reduced; Monitoring's write and query rules
/// hold (custom types only, writable resource types, one point, in order, one
/// value type, aligners that suit a GAUGE).
#[tokio::test]
async fn written_custom_gauges_are_listed_with_monitorings_rules() {
    let env = common::default_env().await;
    let token = env.access_token().await;
    let create = "/v3/projects/platform-local/timeSeries";
    let queue = "custom.googleapis.com/queue_depth";
    let t0 = common::now() * 1000 - 50_000;
    for (i, depth) in [10, 30, 20].into_iter().enumerate() {
        let body = gauge_write(
            queue,
            "global",
            t0 + i as i64 * 10_000,
            json!({"int64Value": depth.to_string()}),
        );
        let (status, out) = env.post(&token, create, body).await;
        assert_eq!((status, out), (200, json!({})));
    }
    let refused = [
        (
            gauge_write(
                "run.googleapis.com/request_count",
                "global",
                t0 + 40_000,
                json!({"int64Value": "1"}),
            ),
            "only custom.googleapis.com",
        ),
        (
            gauge_write(
                queue,
                "cloud_run_revision",
                t0 + 40_000,
                json!({"int64Value": "1"}),
            ),
            "monitored resource types",
        ),
        (
            gauge_write(queue, "global", t0 + 5_000, json!({"int64Value": "1"})),
            "written in order",
        ),
        (
            gauge_write(queue, "global", t0 + 40_000, json!({"doubleValue": 1.5})),
            "must be INT64",
        ),
    ];
    for (body, expect) in refused {
        let (status, err) = env.post(&token, create, body).await;
        assert_eq!(status, 400, "{expect}: {err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(expect),
            "{err}"
        );
    }
    // The descriptor was created by the first write.
    let (status, d) = env
        .get(
            &token,
            "/v3/projects/platform-local/metricDescriptors/custom.googleapis.com%2Fqueue_depth",
        )
        .await;
    assert_eq!(
        (status, d["metricKind"].as_str(), d["valueType"].as_str()),
        (200, Some("GAUGE"), Some("INT64"))
    );

    let list = |aligner: &str, reducer: &str| {
        format!(
            "{create}?filter=metric.type%3D%22custom.googleapis.com%2Fqueue_depth%22&interval.startTime={}&interval.endTime={}&view=FULL&aggregation.perSeriesAligner={aligner}&aggregation.alignmentPeriod=60s&aggregation.crossSeriesReducer={reducer}",
            rfc3339(t0 - 1),
            rfc3339(t0 + 59_999)
        )
    };
    for (aligner, want) in [
        ("ALIGN_MAX", json!({"int64Value": "30"})),
        ("ALIGN_MEAN", json!({"doubleValue": 20.0})),
        ("ALIGN_NEXT_OLDER", json!({"int64Value": "20"})),
    ] {
        let (status, out) = env.get(&token, &list(aligner, "REDUCE_NONE")).await;
        assert_eq!(status, 200, "{out}");
        let series = &out["timeSeries"][0];
        assert_eq!(series["resource"]["type"], "global");
        assert_eq!(series["metricKind"], "GAUGE");
        assert_eq!(series["points"][0]["value"], want, "{aligner}: {out}");
    }
    let (status, err) = env.get(&token, &list("ALIGN_RATE", "REDUCE_MAX")).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("kind GAUGE and value type INT64"),
        "{err}"
    );
}
