//! The guard against the in-process emulator: plan → apply like Terraform does.

use serde_json::Value as Json;
use tfplugin::{ApplyRequest, OpContext, PlanRequest, ReadRequest, Resource, Value};

use super::{schema::schema, BudgetGuard};
use crate::data_sources::test_support::{ctx, Harness};

const ACCOUNT: &str = "012345-6789AB-CDEF01";

async fn harness() -> (Harness, BudgetGuard) {
    let h = Harness::configured(&[("project", Value::from("platform-local"))]).await;
    let guard = BudgetGuard::new(h.provider.state().clone());
    (h, guard)
}

/// A config object with every attribute present (as Terraform sends it).
fn config(set: impl FnOnce(&mut Value)) -> Value {
    let block = schema().block;
    let mut v = Value::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null)),
    );
    for b in &block.blocks {
        v.set(&b.type_name, Value::List(Vec::new()));
    }
    v.set("billing_account", Value::from(ACCOUNT));
    v.set("display_name", Value::from("production"));
    v.set("amount", Value::from(2000));
    set(&mut v);
    v
}

fn nested(block: &str, fields: &[(&str, Value)]) -> Value {
    let schema = schema();
    let b = &schema.block.nested(block).unwrap().block;
    let mut v = Value::object(b.attributes.iter().map(|a| (a.name.clone(), Value::Null)));
    for nb in &b.blocks {
        v.set(&nb.type_name, Value::List(Vec::new()));
    }
    for (k, val) in fields {
        v.set(k, val.clone());
    }
    v
}

fn email(name: &str) -> Value {
    nested(
        "notification_channel",
        &[
            ("name", name.into()),
            ("type", "email".into()),
            ("email_address", format!("{name}@example.com").into()),
        ],
    )
}

fn slack(token: &str) -> Value {
    nested(
        "notification_channel",
        &[
            ("name", "slack".into()),
            ("type", "slack".into()),
            ("channel_name", "#billing".into()),
            ("auth_token", token.into()),
        ],
    )
}

fn pagerduty() -> Value {
    nested(
        "notification_channel",
        &[
            ("name", "pagerduty".into()),
            ("type", "pagerduty".into()),
            ("service_key", "pd-key-123".into()),
        ],
    )
}

fn guide(token: &str) -> Value {
    config(|v| {
        v.set(
            "notification_channel",
            Value::List(vec![email("finance"), slack(token), pagerduty()]),
        );
        v.set(
            "pubsub",
            Value::List(vec![nested("pubsub", &[("topic", "budget-alerts".into())])]),
        );
        v.set(
            "tenant",
            Value::List(vec![nested(
                "tenant",
                &[
                    ("name", "acme".into()),
                    ("label", Value::List(vec![nested_label("tenant", "acme")])),
                ],
            )]),
        );
        v.set(
            "cost_metric",
            Value::List(vec![nested(
                "cost_metric",
                &[("spike_usd_per_hour", Value::from(50))],
            )]),
        );
    })
}

fn nested_label(k: &str, val: &str) -> Value {
    Value::object([("key", Value::from(k)), ("value", Value::from(val))])
}

/// Terraform's proposed new state: config, with computed values carried from prior state.
fn proposed(config: &Value, prior: &Value) -> Value {
    let mut p = config.clone();
    for a in schema().block.attributes.iter().filter(|a| a.computed) {
        if p.get(&a.name).is_null() {
            p.set(&a.name, prior.get(&a.name).clone());
        }
    }
    p
}

async fn plan(
    guard: &BudgetGuard,
    ctx: &OpContext,
    prior: &Value,
    config: &Value,
) -> tfplugin::PlanResponse {
    guard
        .plan(
            ctx,
            PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: proposed(config, prior),
                config: config.clone(),
                prior_private: Vec::new(),
            },
        )
        .await
}

async fn apply(guard: &BudgetGuard, prior: &Value, config: &Value) -> tfplugin::ApplyResponse {
    let ctx = ctx();
    let p = plan(guard, &ctx, prior, config).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    guard
        .apply(
            &ctx,
            ApplyRequest {
                prior_state: prior.clone(),
                planned_state: p.planned_state,
                config: config.clone(),
                planned_private: Vec::new(),
            },
        )
        .await
}

async fn read(guard: &BudgetGuard, state: &Value) -> Value {
    let r = guard
        .read(
            &ctx(),
            ReadRequest {
                current_state: state.clone(),
                private: Vec::new(),
            },
        )
        .await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    r.new_state
}

async fn admin_get(h: &Harness, path: &str) -> Json {
    reqwest::get(format!("{}{path}", h.emulator.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn admin_post(h: &Harness, path: &str, body: Json) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", h.emulator.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

fn count(resources: &Json, infix: &str) -> usize {
    resources
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| k.contains(infix) && !k.ends_with("/iamPolicy"))
        .count()
}

#[tokio::test]
async fn guide_budget_creates_every_child_and_destroy_removes_them() {
    let (h, guard) = harness().await;
    let cfg = guide("xoxb-first");
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let state = r.new_state;
    assert!(!state.contains_unknown());
    let resources = admin_get(&h, "/_emulator/resources").await;
    assert_eq!(count(&resources, "/notificationChannels/"), 3);
    assert_eq!(count(&resources, "/budgets/"), 2, "main + tenant budget");
    assert_eq!(count(&resources, "/alertPolicies/"), 2, "tenant + spike");
    assert_eq!(count(&resources, "/topics/"), 1);
    assert_eq!(count(&resources, "/subscriptions/"), 1);
    let budget = &resources[state.get("budget_name").as_str().unwrap()];
    assert_eq!(budget["amount"]["specifiedAmount"]["units"], "2000");
    assert_eq!(budget["thresholdRules"].as_array().unwrap().len(), 3);
    assert_eq!(budget["notificationsRule"]["schemaVersion"], "1.0");
    assert_eq!(
        budget["notificationsRule"]["monitoringNotificationChannels"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "only e-mail is linked"
    );
    let iam = &resources["projects/platform-local/topics/budget-alerts/iamPolicy"];
    assert!(iam
        .to_string()
        .contains("billing-budget-alert@system.gserviceaccount.com"));
    let policy = resources
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.contains("/alertPolicies/"))
        .unwrap()
        .1;
    assert_eq!(
        policy["notificationChannels"].as_array().unwrap().len(),
        3,
        "routed to every channel"
    );

    // A refresh of an unchanged guard plans no change.
    let refreshed = read(&guard, &state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert_eq!(p.planned_state, refreshed, "no-op plan");

    let d = guard
        .apply(
            &ctx(),
            ApplyRequest {
                prior_state: refreshed,
                planned_state: Value::Null,
                config: Value::Null,
                planned_private: Vec::new(),
            },
        )
        .await;
    assert!(!d.diagnostics.has_errors(), "{:?}", d.diagnostics);
    assert!(d.new_state.is_null());
    let left = admin_get(&h, "/_emulator/resources").await;
    assert!(
        left.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.contains("/budgets/")
                && !k.contains("/notificationChannels/")
                && !k.contains("/alertPolicies/")
                && !k.contains("/topics/")
                && !k.contains("/subscriptions/")),
        "{left}"
    );
}

#[tokio::test]
async fn threshold_change_is_one_masked_patch_and_token_rotation_patches_the_channel() {
    let (h, guard) = harness().await;
    let cfg = guide("xoxb-first");
    let state = apply(&guard, &Value::Null, &cfg).await.new_state;
    reqwest::Client::new()
        .delete(format!("{}/_emulator/requests", h.emulator.base_url()))
        .send()
        .await
        .unwrap();

    let changed = {
        let mut c = cfg.clone();
        c.set(
            "threshold",
            Value::List(vec![nested("threshold", &[("percent", Value::from(1))])]),
        );
        c.set(
            "notification_channel",
            Value::List(vec![email("finance"), slack("xoxb-second"), pagerduty()]),
        );
        c
    };
    let r = apply(&guard, &state, &changed).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let requests = admin_get(&h, "/_emulator/requests").await;
    let patches: Vec<&Json> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "PATCH")
        .collect();
    let budget_patches: Vec<&&Json> = patches
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains("/budgets/"))
        .collect();
    assert_eq!(
        budget_patches.len(),
        2,
        "main and tenant budget inherit thresholds: {patches:?}"
    );
    assert!(
        budget_patches
            .iter()
            .all(|p| p["query"]["updateMask"] == "thresholdRules"),
        "{budget_patches:?}"
    );
    let channel_patches: Vec<&&Json> = patches
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap()
                .contains("/notificationChannels/")
        })
        .collect();
    assert_eq!(channel_patches.len(), 1);
    assert_eq!(
        channel_patches[0]["query"]["updateMask"],
        "labels.auth_token"
    );
    let resources = admin_get(&h, "/_emulator/resources").await;
    let slack = r
        .new_state
        .get("channels")
        .get("slack")
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(resources[&slack]["labels"]["auth_token"], "xoxb-second");
    assert_ne!(r.new_state.get("secret_hashes"), state.get("secret_hashes"));
}

#[tokio::test]
async fn plan_time_validation_points_at_attributes() {
    let (_h, guard) = harness().await;
    let ctx = ctx();
    let six = config(|v| {
        v.set(
            "notification_channel",
            Value::List((0..6).map(|i| email(&format!("e{i}"))).collect()),
        )
    });
    let p = plan(&guard, &ctx, &Value::Null, &six).await;
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.summary.contains("Too many e-mail")),
        "{:?}",
        p.diagnostics
    );

    let labels = config(|v| {
        v.set(
            "labels",
            Value::Map(
                [
                    ("a".to_owned(), Value::from("1")),
                    ("b".to_owned(), Value::from("2")),
                ]
                .into(),
            ),
        )
    });
    let p = plan(&guard, &ctx, &Value::Null, &labels).await;
    assert_eq!(
        p.diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
        "labels"
    );

    let cap = config(|v| {
        v.set(
            "tenant",
            Value::List(vec![nested(
                "tenant",
                &[
                    ("name", "acme".into()),
                    ("project", "platform-local".into()),
                    ("spend_cap", Value::Bool(true)),
                ],
            )]),
        )
    });
    let p = plan(&guard, &ctx, &Value::Null, &cap).await;
    let paths: Vec<String> = p
        .diagnostics
        .iter()
        .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
        .collect();
    assert!(paths.contains(&"tenant[0].service".to_owned()), "{paths:?}");
    assert!(
        paths.contains(&"credit_types_treatment".to_owned()),
        "{paths:?}"
    );

    let bad = config(|v| {
        v.set("amount", Value::from(0));
        v.set("display_name", Value::from("x".repeat(61)));
        v.set("currency_code", Value::from("usd"));
    });
    let p = plan(&guard, &ctx, &Value::Null, &bad).await;
    let paths: Vec<String> = p
        .diagnostics
        .iter()
        .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
        .collect();
    assert_eq!(paths, ["display_name", "amount", "currency_code"]);

    let wo = config(|v| {
        v.set(
            "notification_channel",
            Value::List(vec![nested(
                "notification_channel",
                &[
                    ("name", "s".into()),
                    ("type", "slack".into()),
                    ("channel_name", "#x".into()),
                    ("auth_token_wo", "t".into()),
                ],
            )]),
        )
    });
    let p = plan(&guard, &ctx, &Value::Null, &wo).await;
    assert!(p
        .diagnostics
        .iter()
        .any(|d| d.summary.contains("Terraform 1.11")));
    let modern = OpContext {
        write_only_allowed: true,
        ..ctx
    };
    assert!(!plan(&guard, &modern, &Value::Null, &wo)
        .await
        .diagnostics
        .has_errors());
}

#[tokio::test]
async fn failed_policy_create_returns_partial_state_and_reapply_converges() {
    let (h, guard) = harness().await;
    admin_post(&h, "/_emulator/faults", serde_json::json!({"method": "POST", "path_regex": "/alertPolicies$", "status": 400, "times": 1})).await;
    let cfg = guide("xoxb-first");
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(r.diagnostics.has_errors());
    // Policies are created in key order: `spike` before `tenant:acme`.
    assert_eq!(
        r.diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
        "cost_metric[0].spike_usd_per_hour"
    );
    let partial = r.new_state;
    assert!(!partial.is_null());
    assert_eq!(partial.get("channels").as_map().unwrap().len(), 3);
    assert!(partial.get("alert_policies").as_map().unwrap().is_empty());

    reqwest::Client::new()
        .delete(format!("{}/_emulator/faults", h.emulator.base_url()))
        .send()
        .await
        .unwrap();
    let refreshed = read(&guard, &partial).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert!(
        p.planned_state.get("alert_policies").is_unknown(),
        "incomplete guard plans an update"
    );
    let r = apply(&guard, &refreshed, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let resources = admin_get(&h, "/_emulator/resources").await;
    assert_eq!(
        count(&resources, "/notificationChannels/"),
        3,
        "no duplicates"
    );
    assert_eq!(count(&resources, "/alertPolicies/"), 2);
}

#[tokio::test]
async fn console_edit_shows_as_drift_and_import_plans_no_replacement() {
    let (h, guard) = harness().await;
    let cfg = config(|v| {
        v.set("notification_channel", Value::List(vec![email("finance")]));
        v.set("projects", Value::List(vec![Value::from("platform-local")]));
    });
    let state = apply(&guard, &Value::Null, &cfg).await.new_state;
    let name = state.get("budget_name").as_str().unwrap().to_owned();

    // Edit like the console would: through the API, outside Terraform.
    let client = h.provider.state().clone().get().unwrap().client.clone();
    let mut b = client.budgets().get(&name).await.unwrap();
    b.display_name = "edited in console".into();
    client
        .budgets()
        .patch(&name, &b, &["displayName"])
        .await
        .unwrap();
    let refreshed = read(&guard, &state).await;
    assert_eq!(
        refreshed.get("display_name").as_str(),
        Some("edited in console")
    );
    assert_eq!(
        refreshed.get("projects"),
        state.get("projects"),
        "project numbers map back to IDs"
    );
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert_eq!(
        p.planned_state.get("display_name").as_str(),
        Some("production")
    );
    assert!(p.planned_state.get("etag").is_unknown());

    let imported = guard.import(&ctx(), &name).await;
    assert!(
        !imported.diagnostics.has_errors(),
        "{:?}",
        imported.diagnostics
    );
    let state = imported.imported[0].state.clone();
    assert_eq!(state.get("channels").as_map().unwrap().len(), 1);
    let refreshed = read(&guard, &state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    assert!(!p.diagnostics.has_errors());
}
