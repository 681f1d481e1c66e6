//! Budgets, alerting, Pub/Sub and Resource Manager clients against the in-process emulator.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use gcp_client::budgets::{
    Budget, BudgetAmount, BudgetFilter, CustomPeriod, Date, Money, NotificationsRule, ThresholdRule,
};
use gcp_client::monitoring::alerting::{
    AlertPolicy, Condition, MetricThreshold, NotificationChannel,
};
use gcp_client::monitoring::metrics::{LabelDescriptor, MetricDescriptor};
use gcp_client::pubsub::{Binding, Policy};
use gcp_client::GcpClient;
use gcp_emulator::{start, EmulatorConfig, RunningEmulator};

const ACCOUNT: &str = "012345-6789AB-CDEF01";

async fn client() -> (RunningEmulator, GcpClient) {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let mut c = common::config(&emu, common::sa_spec(&emu));
    c.request_timeout = Duration::from_secs(20);
    let client = GcpClient::new(c).unwrap();
    (emu, client)
}

fn email(address: &str) -> NotificationChannel {
    NotificationChannel {
        kind: "email".into(),
        display_name: address.into(),
        labels: BTreeMap::from([("email_address".into(), address.into())]),
        enabled: true,
        ..Default::default()
    }
}

#[tokio::test]
async fn budget_lifecycle_with_channels_topic_and_policy() {
    let (_emu, gcp) = client().await;
    let number = gcp
        .resource_manager()
        .get_project("platform-local")
        .await
        .unwrap();
    let number = number.number().unwrap().to_string();

    let alerting = gcp.alerting();
    let ops = alerting
        .create_channel("platform-local", &email("ops@example.com"))
        .await
        .unwrap();
    let mut slack = NotificationChannel {
        kind: "slack".into(),
        display_name: "slack".into(),
        labels: BTreeMap::from([
            ("channel_name".into(), "#ops".into()),
            ("auth_token".into(), "xoxb-1".into()),
        ]),
        enabled: true,
        ..Default::default()
    };
    let created_slack = alerting
        .create_channel("platform-local", &slack)
        .await
        .unwrap();
    assert_ne!(created_slack.labels["auth_token"], "xoxb-1");
    slack.labels.insert("auth_token".into(), "xoxb-2".into());
    alerting
        .patch_channel(&created_slack.name, &slack, &["labels.auth_token"])
        .await
        .unwrap();

    let pubsub = gcp.pubsub();
    let topic = pubsub
        .create_topic(
            "projects/platform-local/topics/spend",
            &BTreeMap::from([("team".to_owned(), "finance".to_owned())]),
        )
        .await
        .unwrap();
    pubsub
        .create_subscription(
            "projects/platform-local/subscriptions/spend",
            &topic.name,
            &BTreeMap::new(),
        )
        .await
        .unwrap();
    assert_eq!(topic.labels["team"], "finance");
    let mut policy = pubsub.get_topic_iam_policy(&topic.name).await.unwrap();
    policy.bindings.push(Binding {
        role: "roles/pubsub.publisher".into(),
        members: vec!["serviceAccount:billing-export@system.gserviceaccount.com".into()],
    });
    let stored: Policy = pubsub
        .set_topic_iam_policy(&topic.name, &policy)
        .await
        .unwrap();
    assert_eq!(stored.bindings, policy.bindings);

    let budget = Budget {
        display_name: "production".into(),
        budget_filter: Some(BudgetFilter {
            projects: vec!["projects/platform-local".into()],
            ..Default::default()
        }),
        amount: Some(BudgetAmount {
            specified_amount: Some(Money {
                currency_code: "USD".into(),
                units: "1999".into(),
                nanos: 990_000_000,
            }),
            last_period_amount: None,
        }),
        threshold_rules: vec![ThresholdRule {
            threshold_percent: 0.5,
            spend_basis: Some("CURRENT_SPEND".into()),
        }],
        notifications_rule: Some(NotificationsRule {
            pubsub_topic: Some(topic.name.clone()),
            schema_version: Some("1.0".into()),
            monitoring_notification_channels: vec![ops.name.clone()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let budgets = gcp.budgets();
    let created = budgets.create(ACCOUNT, &budget).await.unwrap();
    assert_eq!(
        created.budget_filter.as_ref().unwrap().projects,
        vec![format!("projects/{number}")]
    );
    assert_eq!(
        budgets
            .list(ACCOUNT, Some("projects/platform-local"))
            .await
            .unwrap()
            .len(),
        1
    );

    let mut changed = created.clone();
    changed.threshold_rules.push(ThresholdRule {
        threshold_percent: 1.0,
        spend_basis: None,
    });
    let patched = budgets
        .patch(&created.name, &changed, &["thresholdRules"])
        .await
        .unwrap();
    assert_eq!(patched.threshold_rules.len(), 2);
    // The old etag is now stale: a second writer is refused, not silently overwritten.
    let err = budgets
        .patch(&created.name, &changed, &["displayName"])
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, "ABORTED");

    // A policy may only watch a metric that exists, i.e. has a descriptor.
    let metric = "custom.googleapis.com/platform/tenant_ai_cost_usd";
    let metrics = gcp.metrics();
    let missing = metrics.get_descriptor("platform-local", metric).await;
    assert!(missing.unwrap_err().is_not_found());
    let descriptor = metrics
        .create_descriptor(
            "platform-local",
            &MetricDescriptor {
                metric_type: metric.into(),
                metric_kind: "CUMULATIVE".into(),
                value_type: "DOUBLE".into(),
                unit: "USD".into(),
                labels: vec![LabelDescriptor {
                    key: "tenant".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        descriptor.name,
        format!("projects/platform-local/metricDescriptors/{metric}")
    );
    let fetched = metrics
        .get_descriptor("platform-local", metric)
        .await
        .unwrap();
    assert_eq!(fetched, descriptor);

    let alert = alerting
        .create_policy(
            "platform-local",
            &AlertPolicy {
                display_name: "spike".into(),
                combiner: "OR".into(),
                enabled: true,
                conditions: vec![Condition {
                    display_name: "spike".into(),
                    condition_threshold: Some(MetricThreshold {
                        filter: "metric.type=\"custom.googleapis.com/platform/tenant_ai_cost_usd\""
                            .into(),
                        comparison: "COMPARISON_GT".into(),
                        threshold_value: 50.0,
                        duration: "0s".into(),
                        aggregations: vec![],
                    }),
                    ..Default::default()
                }],
                notification_channels: vec![created_slack.name.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        alerting
            .get_policy(&alert.name)
            .await
            .unwrap()
            .notification_channels,
        vec![created_slack.name.clone()]
    );

    budgets.delete(&created.name).await.unwrap();
    assert!(budgets.get(&created.name).await.unwrap_err().is_not_found());
    alerting.delete_policy(&alert.name).await.unwrap();
    alerting
        .delete_channel(&created_slack.name, true)
        .await
        .unwrap();
    assert!(alerting
        .get_channel(&created_slack.name)
        .await
        .unwrap_err()
        .is_not_found());
    pubsub
        .delete_subscription("projects/platform-local/subscriptions/spend")
        .await
        .unwrap();
    pubsub.delete_topic(&topic.name).await.unwrap();
    assert!(pubsub
        .get_topic(&topic.name)
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn lists_find_channels_and_policies_by_user_label_and_custom_periods_round_trip() {
    let (_emu, gcp) = client().await;
    let alerting = gcp.alerting();
    let mut mine = Vec::new();
    for (address, owner) in [("a@example.com", "g1"), ("b@example.com", "g2")] {
        let mut c = email(address);
        c.user_labels = BTreeMap::from([("owner".into(), owner.into())]);
        let created = alerting.create_channel("platform-local", &c).await.unwrap();
        if owner == "g1" {
            mine.push(created.name);
        }
    }
    let listed = alerting
        .list_channels("platform-local", "user_labels.owner=\"g1\"")
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        mine
    );
    assert_eq!(listed[0].user_labels["owner"], "g1");
    let policies = alerting
        .list_policies("platform-local", "user_labels.owner=\"g1\"")
        .await
        .unwrap();
    assert!(policies.is_empty());
    let err = alerting
        .list_channels("platform-local", "conditions.size > 1")
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().status, "INVALID_ARGUMENT");

    let date = |year, month, day| Date { year, month, day };
    let budget = Budget {
        display_name: "h1".into(),
        amount: Some(BudgetAmount {
            specified_amount: Some(Money {
                currency_code: "USD".into(),
                units: "10".into(),
                nanos: 0,
            }),
            last_period_amount: None,
        }),
        budget_filter: Some(BudgetFilter {
            custom_period: Some(CustomPeriod {
                start_date: date(2026, 1, 1),
                end_date: Some(date(2026, 6, 30)),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = gcp.budgets().create(ACCOUNT, &budget).await.unwrap();
    let filter = created.budget_filter.unwrap();
    assert_eq!(filter.calendar_period, None);
    assert_eq!(
        filter.custom_period.unwrap().end_date,
        Some(date(2026, 6, 30))
    );
}
