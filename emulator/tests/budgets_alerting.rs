//! Billing Budgets, Monitoring alerting, Pub/Sub and Resource Manager surfaces.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{json, Value};

const ACCOUNT: &str = "/v1/billingAccounts/012345-6789AB-CDEF01/budgets";

async fn channel(env: &Env, t: &str, kind: &str, labels: Value) -> (u16, Value) {
    env.post(
        t,
        "/v3/projects/platform-local/notificationChannels",
        json!({"type": kind, "displayName": kind, "labels": labels}),
    )
    .await
}

/// Creates an alert policy in the project.
async fn alert_policy(env: &Env, t: &str, policy: Value) -> (u16, Value) {
    env.post(t, "/v3/projects/platform-local/alertPolicies", policy)
        .await
}

/// What the metering application does before its first write: define the metric.
async fn custom_metric(env: &Env, t: &str, metric_type: &str, kind: &str) -> (u16, Value) {
    env.post(
        t,
        "/v3/projects/platform-local/metricDescriptors",
        json!({"type": metric_type, "metricKind": kind, "valueType": "DOUBLE", "unit": "USD",
               "labels": [{"key": "tenant", "valueType": "STRING"}]}),
    )
    .await
}

fn budget(channels: Vec<String>) -> Value {
    json!({
        "displayName": "production",
        "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "2000"}},
        "budgetFilter": {"projects": ["projects/platform-local"]},
        "thresholdRules": [{"thresholdPercent": 0.5}, {"thresholdPercent": 0.8}, {"thresholdPercent": 1.0}],
        "notificationsRule": {"monitoringNotificationChannels": channels},
    })
}

#[tokio::test]
async fn resource_manager_resolves_ids_and_numbers() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (status, project) = env.get(&t, "/v3/projects/platform-local").await;
    assert_eq!(status, 200);
    let name = project["name"].as_str().unwrap();
    assert!(name
        .strip_prefix("projects/")
        .unwrap()
        .parse::<u64>()
        .is_ok());
    let (_, by_number) = env.get(&t, &format!("/v3/{name}")).await;
    assert_eq!(by_number["projectId"], "platform-local");
    let (status, _) = env.get(&t, "/v3/projects/nope-nope").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn channels_obfuscate_secrets_and_validate_labels() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (status, slack) = channel(
        &env,
        &t,
        "slack",
        json!({"channel_name": "#ops", "auth_token": "xoxb-secret"}),
    )
    .await;
    assert_eq!(status, 200, "{slack}");
    assert_ne!(slack["labels"]["auth_token"], "xoxb-secret");
    let name = slack["name"].as_str().unwrap();
    let (_, read) = env.get(&t, &format!("/v3/{name}")).await;
    assert_eq!(read["labels"]["channel_name"], "#ops");
    assert!(!read.to_string().contains("xoxb-secret"));

    let (status, err) = channel(&env, &t, "slack", json!({"channel_name": "#ops"})).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("auth_token"));
    let (status, _) = channel(&env, &t, "carrier_pigeon", json!({})).await;
    assert_eq!(status, 400);

    let (status, patched) = env
        .patch(
            &t,
            &format!("/v3/{name}?updateMask=labels.auth_token"),
            json!({"labels": {"auth_token": "xoxb-rotated"}}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["labels"]["channel_name"], "#ops");
    let stored = env.admin_get("/_emulator/resources").await;
    assert_eq!(stored[name]["labels"]["auth_token"], "xoxb-rotated");
}

#[tokio::test]
async fn alert_policies_reference_existing_channels_and_block_unforced_delete() {
    let env = default_env().await;
    let t = env.access_token().await;
    let (_, pd) = channel(&env, &t, "pagerduty", json!({"service_key": "k"})).await;
    let pd = pd["name"].as_str().unwrap().to_string();
    let policy = json!({
        "displayName": "tenant acme over limit",
        "combiner": "OR",
        "conditions": [{"displayName": "cost", "conditionThreshold": {
            "filter": "metric.type=\"custom.googleapis.com/x\"", "comparison": "COMPARISON_GT",
            "thresholdValue": 500.0, "duration": "0s",
            "aggregations": [{"alignmentPeriod": "3600s", "perSeriesAligner": "ALIGN_SUM"}]}}],
        "notificationChannels": [pd],
    });
    let (status, err) = alert_policy(&env, &t, policy.clone()).await;
    assert_eq!(
        status, 400,
        "a metric without a descriptor does not exist yet"
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Cannot find metric(s) that match type = \"custom.googleapis.com/x\""),
        "{err}"
    );
    // ALIGN_SUM cannot apply to a CUMULATIVE metric: the descriptor's kind now counts.
    assert_eq!(
        custom_metric(&env, &t, "custom.googleapis.com/x", "CUMULATIVE")
            .await
            .0,
        200
    );
    let (status, err) = alert_policy(&env, &t, policy.clone()).await;
    assert_eq!(status, 400, "{err}");
    assert!(err.to_string().contains("kind CUMULATIVE"), "{err}");
    let mut policy = policy;
    policy["conditions"][0]["conditionThreshold"]["aggregations"][0]["perSeriesAligner"] =
        json!("ALIGN_DELTA");
    let (status, created) = alert_policy(&env, &t, policy.clone()).await;
    assert_eq!(status, 200, "{created}");
    assert!(created["conditions"][0]["name"]
        .as_str()
        .unwrap()
        .starts_with(created["name"].as_str().unwrap()));

    let mut bad = policy.clone();
    bad["conditions"][0]["conditionThreshold"]["duration"] = json!("90s");
    let (status, _) = alert_policy(&env, &t, bad).await;
    assert_eq!(status, 400);
    let mut bad = policy;
    bad["notificationChannels"] = json!(["projects/platform-local/notificationChannels/1"]);
    let (status, _) = alert_policy(&env, &t, bad).await;
    assert_eq!(status, 400);

    let (status, _) = env.delete(&t, &format!("/v3/{pd}")).await;
    assert_eq!(status, 400);
    let (status, _) = env.delete(&t, &format!("/v3/{pd}?force=true")).await;
    assert_eq!(status, 200);
    let (_, policy) = env
        .get(&t, &format!("/v3/{}", created["name"].as_str().unwrap()))
        .await;
    assert!(policy
        .get("notificationChannels")
        .is_none_or(|c| c.as_array().unwrap().is_empty()));
}

#[tokio::test]
async fn custom_metric_descriptors_are_validated_stored_and_deleted() {
    let env = default_env().await;
    let t = env.access_token().await;
    let metric = "custom.googleapis.com/platform/tenant_ai_cost_usd";
    let path = format!(
        "/v3/projects/platform-local/metricDescriptors/{}",
        metric.replace('/', "%2F")
    );
    assert_eq!(env.get(&t, &path).await.0, 404);
    assert_eq!(
        custom_metric(&env, &t, "run.googleapis.com/mine", "GAUGE")
            .await
            .0,
        400,
        "only user-defined prefixes"
    );
    assert_eq!(custom_metric(&env, &t, metric, "SOMETIMES").await.0, 400);
    let (status, created) = custom_metric(&env, &t, metric, "CUMULATIVE").await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(custom_metric(&env, &t, metric, "CUMULATIVE").await.0, 409);
    let (status, got) = env.get(&t, &path).await;
    assert_eq!(status, 200);
    assert_eq!(got["metricKind"], "CUMULATIVE");
    assert_eq!(got["unit"], "USD");
    assert_eq!(
        got["name"],
        format!("projects/platform-local/metricDescriptors/{metric}")
    );
    let (status, _) = env
        .post(
            &t,
            "/v3/projects/platform-local/metricDescriptors",
            json!({"type": "custom.googleapis.com/y", "metricKind": "GAUGE", "valueType": "DOUBLE",
                   "labels": [{"key": "Bad-Key"}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(env.delete(&t, &path).await.0, 200);
    assert_eq!(env.get(&t, &path).await.0, 404);
}

#[tokio::test]
async fn pubsub_topics_subscriptions_and_iam() {
    let env = default_env().await;
    let t = env.access_token().await;
    let topic = "/v1/projects/platform-local/topics/budget-alerts";
    let (status, _) = env.put(&t, topic, json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = env.put(&t, topic, json!({})).await;
    assert_eq!(status, 409);
    let (status, sub) = env
        .put(
            &t,
            "/v1/projects/platform-local/subscriptions/budget-alerts-sub",
            json!({"topic": "projects/platform-local/topics/budget-alerts"}),
        )
        .await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["ackDeadlineSeconds"], 10);
    let (_, policy) = env.get(&t, &format!("{topic}:getIamPolicy")).await;
    let binding = json!({"role": "roles/pubsub.publisher", "members": ["serviceAccount:billing@example.com"]});
    let (status, set) = env
        .post(
            &t,
            &format!("{topic}:setIamPolicy"),
            json!({"policy": {"bindings": [binding], "etag": policy["etag"]}}),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    let (status, _) = env
        .post(
            &t,
            &format!("{topic}:setIamPolicy"),
            json!({"policy": {"bindings": [], "etag": policy["etag"]}}),
        )
        .await;
    assert_eq!(status, 409, "stale etag must be rejected");
    let (status, _) = env.delete(&t, topic).await;
    assert_eq!(status, 200);
    let (_, sub) = env
        .get(
            &t,
            "/v1/projects/platform-local/subscriptions/budget-alerts-sub",
        )
        .await;
    assert_eq!(sub["topic"], "_deleted-topic_");
}

#[tokio::test]
async fn budgets_validate_normalise_and_patch_with_etag() {
    let env = default_env().await;
    let t = env.access_token().await;
    let mut emails = Vec::new();
    for i in 0..6 {
        let (_, c) = channel(
            &env,
            &t,
            "email",
            json!({"email_address": format!("ops{i}@example.com")}),
        )
        .await;
        emails.push(c["name"].as_str().unwrap().to_string());
    }
    let (status, err) = env.post(&t, ACCOUNT, budget(emails.clone())).await;
    assert_eq!(status, 400, "six channels: {err}");
    let (_, slack) = channel(
        &env,
        &t,
        "slack",
        json!({"channel_name": "#ops", "auth_token": "x"}),
    )
    .await;
    let (status, _) = env
        .post(
            &t,
            ACCOUNT,
            budget(vec![slack["name"].as_str().unwrap().into()]),
        )
        .await;
    assert_eq!(status, 400, "non-email channel");
    let mut two_labels = budget(vec![]);
    two_labels["budgetFilter"]["labels"] = json!({"a": ["1"], "b": ["2"]});
    assert_eq!(env.post(&t, ACCOUNT, two_labels).await.0, 400);
    let mut forecast = budget(vec![]);
    forecast["budgetFilter"]["customPeriod"] =
        json!({"startDate": {"year": 2025, "month": 1, "day": 1}});
    forecast["thresholdRules"][0]["spendBasis"] = json!("FORECASTED_SPEND");
    assert_eq!(env.post(&t, ACCOUNT, forecast).await.0, 400);
    let mut eur = budget(vec![]);
    eur["amount"]["specifiedAmount"]["currencyCode"] = json!("EUR");
    assert_eq!(env.post(&t, ACCOUNT, eur).await.0, 400);

    let (status, created) = env.post(&t, ACCOUNT, budget(emails[..5].to_vec())).await;
    assert_eq!(status, 200, "{created}");
    let project = created["budgetFilter"]["projects"][0].as_str().unwrap();
    assert!(
        project
            .strip_prefix("projects/")
            .unwrap()
            .parse::<u64>()
            .is_ok(),
        "{project}"
    );
    assert_eq!(created["budgetFilter"]["calendarPeriod"], "MONTH");
    assert_eq!(created["thresholdRules"][0]["spendBasis"], "CURRENT_SPEND");
    let name = created["name"].as_str().unwrap();

    let (_, listed) = env
        .get(&t, &format!("{ACCOUNT}?scope=projects/platform-local"))
        .await;
    assert_eq!(listed["budgets"].as_array().unwrap().len(), 1);

    let patch = json!({"displayName": "renamed", "thresholdRules": [{"thresholdPercent": 0.9}], "etag": created["etag"]});
    let (status, patched) = env
        .patch(
            &t,
            &format!("/v1/{name}?updateMask=thresholdRules"),
            patch.clone(),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["displayName"], "production", "unmasked fields stay");
    assert_eq!(patched["thresholdRules"].as_array().unwrap().len(), 1);
    assert_ne!(patched["etag"], created["etag"]);
    let (status, conflict) = env
        .patch(&t, &format!("/v1/{name}?updateMask=displayName"), patch)
        .await;
    assert_eq!(status, 409);
    assert_eq!(conflict["error"]["status"], "ABORTED");

    assert_eq!(env.delete(&t, &format!("/v1/{name}")).await.0, 200);
    assert_eq!(env.get(&t, &format!("/v1/{name}")).await.0, 404);
}

#[tokio::test]
async fn spend_cap_rules() {
    let env = default_env().await;
    let t = env.access_token().await;
    let mut capped = json!({
        "displayName": "tenant acme",
        "amount": {"specifiedAmount": {"currencyCode": "USD", "units": "500"}},
        "budgetFilter": {"projects": ["projects/platform-local"], "services": ["services/AAAA-BBBB-CCCC"],
            "calendarPeriod": "MONTH", "creditTypesTreatment": "EXCLUDE_ALL_CREDITS"},
        "thresholdRules": [{"thresholdPercent": 0.5}, {"thresholdPercent": 0.8}, {"thresholdPercent": 1.0}],
        "notificationsRule": {"enableProjectLevelRecipients": true},
        "spendCap": {"inputState": "CONFIGURED"},
    });
    let (status, created) = env.post(&t, ACCOUNT, capped.clone()).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["spendCap"]["outputState"], "CONFIGURED");
    assert_eq!(created["spendCap"]["reconciling"], false);
    capped["budgetFilter"]["creditTypesTreatment"] = json!("INCLUDE_ALL_CREDITS");
    let (status, err) = env.post(&t, ACCOUNT, capped).await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("credits"));
}

#[tokio::test]
async fn lists_filter_channels_and_policies_by_user_label() {
    let env = default_env().await;
    let t = env.access_token().await;
    let base = "/v3/projects/platform-local";
    let mut mine = Vec::new();
    for (kind, labels, guard) in [
        (
            "slack",
            json!({"channel_name": "#a", "auth_token": "secret-a"}),
            "g1",
        ),
        ("email", json!({"email_address": "a@example.com"}), "g1"),
        ("email", json!({"email_address": "b@example.com"}), "g2"),
    ] {
        let (status, c) = env
            .post(
                &t,
                &format!("{base}/notificationChannels"),
                json!({"type": kind, "labels": labels, "userLabels": {"platform_budget_guard": guard}}),
            )
            .await;
        assert_eq!(status, 200, "{c}");
        if guard == "g1" {
            mine.push(c["name"].as_str().unwrap().to_owned());
        }
    }
    let filter = "filter=user_labels.platform_budget_guard%3D%22g1%22";
    let (status, listed) = env
        .get(&t, &format!("{base}/notificationChannels?{filter}"))
        .await;
    assert_eq!(status, 200, "{listed}");
    let mut names: Vec<String> = listed["notificationChannels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    mine.sort();
    assert_eq!(names, mine);
    assert!(
        !listed.to_string().contains("secret-a"),
        "secrets stay obfuscated"
    );
    // Probing a secret through the filter finds nothing.
    let (_, probe) = env
        .get(
            &t,
            &format!("{base}/notificationChannels?filter=labels.auth_token%3D%22secret-a%22"),
        )
        .await;
    assert!(probe["notificationChannels"].as_array().unwrap().is_empty());
    let (_, both) = env
        .get(
            &t,
            &format!("{base}/notificationChannels?{filter}%20AND%20type%3D%22email%22"),
        )
        .await;
    assert_eq!(both["notificationChannels"].as_array().unwrap().len(), 1);
    let (status, _) = env
        .get(
            &t,
            &format!("{base}/notificationChannels?filter=conditions.size%3E1"),
        )
        .await;
    assert_eq!(status, 400, "unsupported filters are rejected");

    custom_metric(&env, &t, "custom.googleapis.com/x", "GAUGE").await;
    let policy = json!({
        "displayName": "p",
        "userLabels": {"platform_budget_guard": "g1"},
        "conditions": [{"displayName": "c", "conditionThreshold": {
            "filter": "metric.type=\"custom.googleapis.com/x\"", "comparison": "COMPARISON_GT",
            "thresholdValue": 1.0, "duration": "0s"}}],
    });
    assert_eq!(alert_policy(&env, &t, policy).await.0, 200);
    let (_, listed) = env.get(&t, &format!("{base}/alertPolicies?{filter}")).await;
    assert_eq!(listed["alertPolicies"].as_array().unwrap().len(), 1);
    let (_, none) = env
        .get(
            &t,
            &format!("{base}/alertPolicies?filter=user_labels.platform_budget_guard%3D%22g2%22"),
        )
        .await;
    assert!(none["alertPolicies"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn custom_periods_need_valid_ordered_dates() {
    let env = default_env().await;
    let t = env.access_token().await;
    let with_period = |period: Value| {
        let mut b = budget(vec![]);
        b["budgetFilter"]["customPeriod"] = period;
        b
    };
    let ok = with_period(json!({"startDate": {"year": 2026, "month": 1, "day": 1},
        "endDate": {"year": 2026, "month": 12, "day": 31}}));
    let (status, created) = env.post(&t, ACCOUNT, ok).await;
    assert_eq!(status, 200, "{created}");
    assert!(created["budgetFilter"].get("calendarPeriod").is_none());
    assert_eq!(
        created["budgetFilter"]["customPeriod"]["endDate"]["day"],
        31
    );
    for bad in [
        json!({"endDate": {"year": 2026, "month": 1, "day": 1}}),
        json!({"startDate": {"year": 2026, "month": 2, "day": 30}}),
        json!({"startDate": {"year": 2026, "month": 5, "day": 1},
            "endDate": {"year": 2026, "month": 4, "day": 30}}),
    ] {
        let (status, err) = env.post(&t, ACCOUNT, with_period(bad.clone())).await;
        assert_eq!(status, 400, "{bad} -> {err}");
    }
    let mut both = with_period(json!({"startDate": {"year": 2026, "month": 1, "day": 1}}));
    both["budgetFilter"]["calendarPeriod"] = json!("MONTH");
    assert_eq!(env.post(&t, ACCOUNT, both).await.0, 400);
}
