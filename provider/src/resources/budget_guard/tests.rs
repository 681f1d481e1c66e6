//! The guard against the in-process emulator: plan → apply like Terraform does.

use serde_json::Value as Json;
use tfplugin::{ApplyRequest, OpContext, PlanRequest, Resource, Value};

use super::{schema::schema, BudgetGuard};
use crate::framework::test_support::{
    assert_plan_valid, assert_reached, ctx, destroy_resource, read_resource, sent, Harness,
};
use crate::framework::values::empty_block;

const ACCOUNT: &str = "012345-6789AB-CDEF01";

async fn harness() -> (Harness, BudgetGuard) {
    let h = Harness::configured(&[("project", Value::from("platform-local"))]).await;
    let guard = BudgetGuard::new(h.provider.state().clone());
    (h, guard)
}

/// A config object with every attribute present (as Terraform sends it).
fn config(set: impl FnOnce(&mut Value)) -> Value {
    let mut v = empty_block(&schema().block);
    v.set("billing_account", Value::from(ACCOUNT));
    v.set("display_name", Value::from("production"));
    v.set("amount", Value::from(2000));
    set(&mut v);
    v
}

fn nested(block: &str, fields: &[(&str, Value)]) -> Value {
    let mut v = empty_block(&schema().block.nested(block).unwrap().block);
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

/// Terraform's proposed new state: config without write-only values, with
/// computed values carried from prior state.
fn proposed(config: &Value, prior: &Value) -> Value {
    let mut p = config.clone();
    strip_write_only(&mut p);
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
    let r = guard
        .plan(
            ctx,
            PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: proposed(config, prior),
                config: config.clone(),
                prior_private: Vec::new(),
            },
        )
        .await;
    if !r.diagnostics.has_errors() {
        assert_plan_valid(&schema().block, config, &r.planned_state);
    }
    r
}

async fn apply(guard: &BudgetGuard, prior: &Value, config: &Value) -> tfplugin::ApplyResponse {
    apply_in(guard, &ctx(), prior, config).await
}

/// Terraform >= 1.11: write-only attributes allowed.
fn modern() -> OpContext {
    OpContext {
        write_only_allowed: true,
        ..ctx()
    }
}

async fn apply_in(
    guard: &BudgetGuard,
    ctx: &OpContext,
    prior: &Value,
    config: &Value,
) -> tfplugin::ApplyResponse {
    let p = plan(guard, ctx, prior, config).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    guard
        .apply(
            ctx,
            ApplyRequest {
                prior_state: prior.clone(),
                planned_state: p.planned_state,
                config: config.clone(),
                planned_private: Vec::new(),
            },
        )
        .await
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
    let resources = h.admin_get("/_emulator/resources").await;
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
    let refreshed = read_resource(&guard, &state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert_eq!(p.planned_state, refreshed, "no-op plan");

    let d = destroy_resource(&guard, refreshed).await;
    assert!(!d.diagnostics.has_errors(), "{:?}", d.diagnostics);
    assert!(d.new_state.is_null());
    let left = h.admin_get("/_emulator/resources").await;
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
    let requests = h.admin_get("/_emulator/requests").await;
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
    let resources = h.admin_get("/_emulator/resources").await;
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

fn threshold(percent: &str) -> Value {
    nested(
        "threshold",
        &[("percent", crate::framework::values::number(percent))],
    )
}

/// (attribute path, summary, is error) of every diagnostic.
fn found(p: &tfplugin::PlanResponse) -> Vec<(String, String, bool)> {
    p.diagnostics
        .iter()
        .map(|d| {
            (
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                d.summary.clone(),
                d.severity == tfplugin::Severity::Error,
            )
        })
        .collect()
}

#[tokio::test]
async fn plan_catches_thresholds_hidden_characters_and_bad_addresses() {
    let (_h, guard) = harness().await;
    let with = |thresholds: &[&str]| {
        config(|v| {
            v.set(
                "threshold",
                Value::List(thresholds.iter().map(|p| threshold(p)).collect()),
            )
        })
    };
    let p = plan(&guard, &ctx(), &Value::Null, &with(&["0.5", "50"])).await;
    assert_eq!(
        found(&p),
        [(
            "threshold[1].percent".into(),
            "Threshold above 100 %".into(),
            false
        )]
    );
    assert!(
        p.diagnostics.0[0].detail.contains("write 0.5"),
        "{:?}",
        p.diagnostics
    );
    let p = plan(&guard, &ctx(), &Value::Null, &with(&["0.8", "0.5", "0.8"])).await;
    assert_eq!(
        found(&p),
        [
            (
                "threshold[1].percent".into(),
                "Thresholds out of order".into(),
                true
            ),
            (
                "threshold[2].percent".into(),
                "Duplicate threshold".into(),
                true
            ),
        ]
    );
    let hidden = config(|v| {
        v.set(
            "tenant",
            Value::List(vec![nested(
                "tenant",
                &[
                    ("name", "ac\u{200B}me".into()),
                    ("label", Value::List(vec![nested_label("tenant", "acme\n")])),
                ],
            )]),
        );
        v.set(
            "notification_channel",
            Value::List(vec![nested(
                "notification_channel",
                &[
                    ("name", "finance".into()),
                    ("type", "email".into()),
                    ("email_address", "finance at example.com".into()),
                ],
            )]),
        );
    });
    let p = plan(&guard, &ctx(), &Value::Null, &hidden).await;
    let paths: Vec<String> = found(&p).into_iter().map(|(path, _, _)| path).collect();
    assert_eq!(
        paths,
        [
            "notification_channel[0].email_address",
            "tenant[0].name",
            "tenant[0].label[0].value"
        ]
    );
}

#[tokio::test]
async fn currency_of_the_account_is_checked_before_any_child_exists() {
    let (h, guard) = harness().await;
    let euro = |name: &str| {
        config(|v| {
            v.set("display_name", Value::from(name));
            v.set("currency_code", Value::from("EUR"));
            v.set("notification_channel", Value::List(vec![email("finance")]));
            v.set(
                "pubsub",
                Value::List(vec![nested("pubsub", &[("topic", "budget-alerts".into())])]),
            );
        })
    };
    // No budget in the account yet: deferred to apply, which fails before any channel or topic.
    let p = plan(&guard, &ctx(), &Value::Null, &euro("eu")).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    let r = apply(&guard, &Value::Null, &euro("eu")).await;
    assert!(r.diagnostics.has_errors());
    assert!(r.new_state.is_null(), "nothing was created");
    let resources = h.admin_get("/_emulator/resources").await;
    for kind in ["/notificationChannels/", "/topics/", "/budgets/"] {
        assert_eq!(count(&resources, kind), 0, "{kind}");
    }
    // With a budget in the account, the plan itself reads its currency.
    let usd = apply(&guard, &Value::Null, &config(|_| {})).await;
    assert!(!usd.diagnostics.has_errors(), "{:?}", usd.diagnostics);
    let p = plan(&guard, &ctx(), &Value::Null, &euro("eu")).await;
    assert_eq!(
        found(&p),
        [(
            "currency_code".into(),
            "Currency differs from the billing account's".into(),
            true
        )]
    );
    assert!(p.diagnostics.0[0]
        .detail
        .contains("currency_code = \"USD\""));
}

#[tokio::test]
async fn read_keeps_the_configured_decimal_of_thresholds() {
    let (_h, guard) = harness().await;
    let cfg = config(|v| {
        v.set(
            "threshold",
            Value::List(vec![threshold("0.5"), threshold("0.8"), threshold("0.95")]),
        )
    });
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let state = read_resource(&guard, &r.new_state).await;
    let text = |v: &Value, i: usize| {
        v.get("threshold").as_seq().unwrap()[i]
            .get("percent")
            .as_number()
            .unwrap()
            .to_decimal_string()
    };
    // Terraform 1.0 compares at 512-bit precision: 0.8 must come back as 0.8.
    assert_eq!(text(&state, 1), "0.8");
    assert_eq!(text(&state, 2), "0.95");
    let effective = &state.get("effective_thresholds").as_seq().unwrap()[1];
    assert_eq!(
        effective
            .get("percent")
            .as_number()
            .unwrap()
            .to_decimal_string(),
        "0.8"
    );
}

#[tokio::test]
async fn failed_policy_create_returns_partial_state_and_reapply_converges() {
    let (h, guard) = harness().await;
    h.admin("POST", "/_emulator/faults", serde_json::json!({"method": "POST", "path_regex": "/alertPolicies$", "status": 400, "times": 1})).await;
    let cfg = guide("xoxb-first");
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(r.diagnostics.has_errors());
    // Policies are created in key order: `spike` before `tenant:acme`.
    assert_eq!(
        r.diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
        "cost_metric[0].spike_usd_per_hour"
    );
    // Terraform taints it; the detail says so and how to continue instead.
    let detail = &r.diagnostics.0[0].detail;
    assert!(
        detail.contains("recorded in state") && detail.contains("terraform untaint"),
        "{detail}"
    );
    let partial = r.new_state;
    assert!(!partial.is_null());
    assert!(super::secret_hash::usable(
        partial.get("secret_hash_key").as_str().unwrap()
    ));
    assert_eq!(partial.get("channels").as_map().unwrap().len(), 3);
    assert!(partial.get("alert_policies").as_map().unwrap().is_empty());

    reqwest::Client::new()
        .delete(format!("{}/_emulator/faults", h.emulator.base_url()))
        .send()
        .await
        .unwrap();
    let refreshed = read_resource(&guard, &partial).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert!(
        p.planned_state.get("alert_policies").is_unknown(),
        "incomplete guard plans an update"
    );
    let r = apply(&guard, &refreshed, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let resources = h.admin_get("/_emulator/resources").await;
    assert_eq!(
        count(&resources, "/notificationChannels/"),
        3,
        "no duplicates"
    );
    assert_eq!(count(&resources, "/alertPolicies/"), 2);
}

/// Every child of the guide's guard, by resource name.
fn children_of(resources: &Json) -> Vec<String> {
    let mut names: Vec<String> = resources
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| {
            [
                "/notificationChannels/",
                "/budgets/",
                "/alertPolicies/",
                "/topics/",
                "/subscriptions/",
                "/metricDescriptors/",
            ]
            .iter()
            .any(|i| k.contains(i))
                && !k.ends_with("/iamPolicy")
        })
        .cloned()
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn lost_state_reapply_adopts_every_marked_child_and_deletes_unwanted_ones() {
    let (h, guard) = harness().await;
    let two_tenants = |v: &mut Value| {
        let mut tenants = guide("xoxb-first").get("tenant").as_seq().unwrap().to_vec();
        tenants.push(nested(
            "tenant",
            &[
                ("name", "globex".into()),
                ("label", Value::List(vec![nested_label("tenant", "globex")])),
            ],
        ));
        v.set("tenant", Value::List(tenants));
    };
    let mut first = guide("xoxb-first");
    two_tenants(&mut first);
    let r = apply(&guard, &Value::Null, &first).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let created = children_of(&h.admin_get("/_emulator/resources").await);

    // State lost (Terraform killed before it saved any): the same config adopts everything.
    let r = apply(&guard, &Value::Null, &first).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(
        children_of(&h.admin_get("/_emulator/resources").await),
        created,
        "no duplicates"
    );
    let owned = r.new_state.get("cost_metric_descriptor_owned").clone();
    assert_eq!(
        owned,
        Value::Bool(true),
        "the guard's own descriptor stays owned"
    );
    let adopted = r.new_state;
    let p = plan(
        &guard,
        &ctx(),
        &read_resource(&guard, &adopted).await,
        &first,
    )
    .await;
    assert!(
        !p.planned_state.get("budget_name").is_unknown(),
        "adopted guard plans no change"
    );

    // Lost again, and the configuration dropped a tenant: its budget and policy go.
    let r = apply(&guard, &Value::Null, &guide("xoxb-first")).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let left = children_of(&h.admin_get("/_emulator/resources").await);
    assert_eq!(left.len(), created.len() - 2, "{left:#?}");
    assert_eq!(r.new_state.get("tenant_budgets").as_map().unwrap().len(), 1);
    let recorded = format!("{:?}", r.new_state);
    for name in left.iter().filter(|n| !n.contains("/metricDescriptors/")) {
        assert!(recorded.contains(name.as_str()), "orphan {name}");
    }
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
    let refreshed = read_resource(&guard, &state).await;
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
    let refreshed = read_resource(&guard, &state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
    assert!(!p.diagnostics.has_errors());
}

/// Clears write-only values, as Terraform does for planned and new state.
fn strip_write_only(v: &mut Value) {
    if let Some(Value::List(items)) = v.get_mut("notification_channel") {
        for c in items {
            c.set("auth_token_wo", Value::Null);
            c.set("service_key_wo", Value::Null);
        }
    }
}

fn secret_wo(name: &str, kind: &str, fields: &[(&str, Value)]) -> Value {
    let mut all = vec![("name", Value::from(name)), ("type", Value::from(kind))];
    all.extend(fields.iter().cloned());
    all.push(("secret_version", Value::from(1)));
    nested("notification_channel", &all)
}

/// The guide's guard with write-only secrets, a spend-capped tenant and a
/// project scope: every kind of child import has to find.
fn full_guard() -> Value {
    let mut cfg = guide("unused");
    cfg.set(
        "notification_channel",
        Value::List(vec![
            email("finance"),
            secret_wo(
                "slack",
                "slack",
                &[
                    ("channel_name", "#billing".into()),
                    ("auth_token_wo", "xoxb-wo".into()),
                ],
            ),
            secret_wo("oncall", "pagerduty", &[("service_key_wo", "pd-wo".into())]),
        ]),
    );
    cfg.set("projects", Value::List(vec![Value::from("platform-local")]));
    cfg.set("credit_types_treatment", Value::from("EXCLUDE_ALL_CREDITS"));
    let mut tenants = cfg.get("tenant").as_seq().unwrap().to_vec();
    tenants.push(nested(
        "tenant",
        &[
            ("name", "capped".into()),
            ("limit", Value::from(100)),
            ("project", "platform-local".into()),
            ("service", "services/6F81-5844-456A".into()),
            ("spend_cap", Value::Bool(true)),
        ],
    ));
    cfg.set("tenant", Value::List(tenants));
    cfg
}

#[tokio::test]
async fn import_restores_every_child_and_plans_no_change() {
    let (h, guard) = harness().await;
    let cfg = full_guard();
    let r = apply_in(&guard, &modern(), &Value::Null, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let state = r.new_state;
    assert_eq!(
        state.get("spend_cap_states").as_map().unwrap()["capped"],
        Value::from("CONFIGURED"),
        "the cap's outputState is surfaced"
    );
    let budget_name = state.get("budget_name").as_str().unwrap().to_owned();
    let guard_id = super::marker::guard_id(ACCOUNT, "production");
    let resources = h.admin_get("/_emulator/resources").await;
    for (k, v) in resources.as_object().unwrap() {
        if k.contains("/notificationChannels/") || k.contains("/alertPolicies/") {
            assert_eq!(v["userLabels"]["platform_budget_guard"], guard_id, "{k}");
        }
    }

    let imported = guard.import(&ctx(), &budget_name).await;
    assert!(
        !imported.diagnostics.has_errors(),
        "{:?}",
        imported.diagnostics
    );
    let refreshed = read_resource(&guard, &imported.imported[0].state).await;
    for attr in [
        "channels",
        "tenant_budgets",
        "alert_policies",
        "spend_cap_states",
    ] {
        assert_eq!(refreshed.get(attr), state.get(attr), "{attr}");
    }
    let p = plan(&guard, &modern(), &refreshed, &cfg).await;
    assert!(!p.diagnostics.has_errors(), "{:?}", p.diagnostics);
    let mut planned = p.planned_state;
    strip_write_only(&mut planned);
    assert_eq!(planned, refreshed, "no change at all after import");

    // Rotating an adopted secret needs a new secret_version: then it is sent.
    let mut rotated = cfg.clone();
    if let Some(Value::List(items)) = rotated.get_mut("notification_channel") {
        items[1].set("secret_version", Value::from(2));
        items[1].set("auth_token_wo", Value::from("xoxb-rotated"));
    }
    let r = apply_in(&guard, &modern(), &refreshed, &rotated).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let slack = r.new_state.get("channels").as_map().unwrap()["slack"].clone();
    let resources = h.admin_get("/_emulator/resources").await;
    let stored = &resources[slack.as_str().unwrap()];
    assert_eq!(stored["labels"]["auth_token"], "xoxb-rotated");
    assert_eq!(
        stored["userLabels"]["platform_budget_guard_secret_version"],
        "2"
    );
}

#[tokio::test]
async fn spend_cap_rules_are_checked_at_plan_time() {
    let (_h, guard) = harness().await;
    let capped = |fields: &[(&str, Value)]| {
        let mut all = vec![
            ("name", Value::from("capped")),
            ("spend_cap", Value::Bool(true)),
        ];
        all.extend(fields.iter().cloned());
        nested("tenant", &all)
    };
    let cases: Vec<(Value, &str)> = vec![
        (
            config(|v| {
                v.set("credit_types_treatment", Value::from("EXCLUDE_ALL_CREDITS"));
                v.set(
                    "tenant",
                    Value::List(vec![capped(&[
                        ("project", "platform-local".into()),
                        ("service", "services/x".into()),
                    ])]),
                );
                v.set(
                    "threshold",
                    Value::List(vec![nested("threshold", &[("percent", Value::from(1))])]),
                );
            }),
            "threshold",
        ),
        (
            config(|v| {
                v.set("credit_types_treatment", Value::from("EXCLUDE_ALL_CREDITS"));
                v.set("calendar_period", Value::from("QUARTER"));
                v.set(
                    "tenant",
                    Value::List(vec![capped(&[
                        ("project", "platform-local".into()),
                        ("service", "services/x".into()),
                    ])]),
                );
            }),
            "calendar_period",
        ),
        (
            config(|v| {
                v.set("credit_types_treatment", Value::from("EXCLUDE_ALL_CREDITS"));
                v.set(
                    "tenant",
                    Value::List(vec![capped(&[
                        ("service", "services/x".into()),
                        ("label", Value::List(vec![nested_label("tenant", "a")])),
                    ])]),
                );
            }),
            "tenant[0].project",
        ),
    ];
    for (cfg, path) in cases {
        let p = plan(&guard, &ctx(), &Value::Null, &cfg).await;
        let paths: Vec<String> = p
            .diagnostics
            .iter()
            .filter(|d| d.summary == "Spend cap rule violated")
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect();
        assert!(paths.contains(&path.to_owned()), "{path}: {paths:?}");
    }
}

fn period(start: &str, end: Option<&str>) -> Value {
    nested(
        "custom_period",
        &[
            ("start_date", start.into()),
            ("end_date", end.map_or(Value::Null, Value::from)),
        ],
    )
}

#[tokio::test]
async fn custom_period_replaces_the_calendar_and_rules_out_forecasts() {
    let (h, guard) = harness().await;
    let forecast = config(|v| {
        v.set(
            "custom_period",
            Value::List(vec![period("2026-01-01", Some("2026-06-30"))]),
        );
        v.set(
            "threshold",
            Value::List(vec![
                nested(
                    "threshold",
                    &[("percent", crate::framework::values::float(0.5))],
                ),
                nested(
                    "threshold",
                    &[
                        ("percent", Value::from(1)),
                        ("basis", "FORECASTED_SPEND".into()),
                    ],
                ),
            ]),
        );
    });
    let p = plan(&guard, &ctx(), &Value::Null, &forecast).await;
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.summary == "FORECASTED_SPEND threshold needs calendar_period")
        .expect("forecast error");
    assert_eq!(
        d.attribute.as_ref().unwrap().to_string(),
        "threshold[1].basis"
    );

    for (bad, path) in [
        (period("2026-02-30", None), "custom_period[0].start_date"),
        (
            period("2026-05-01", Some("2026-04-01")),
            "custom_period[0].end_date",
        ),
    ] {
        let cfg = config(|v| v.set("custom_period", Value::List(vec![bad])));
        let p = plan(&guard, &ctx(), &Value::Null, &cfg).await;
        assert_eq!(
            p.diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
            path
        );
    }
    let both = config(|v| {
        v.set(
            "custom_period",
            Value::List(vec![period("2026-01-01", None)]),
        );
        v.set("calendar_period", Value::from("MONTH"));
    });
    let p = plan(&guard, &ctx(), &Value::Null, &both).await;
    assert_eq!(
        p.diagnostics.0[0].attribute.as_ref().unwrap().to_string(),
        "calendar_period"
    );

    let cfg = config(|v| {
        v.set(
            "custom_period",
            Value::List(vec![period("2026-01-01", Some("2026-06-30"))]),
        )
    });
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let name = r.new_state.get("budget_name").as_str().unwrap().to_owned();
    let resources = h.admin_get("/_emulator/resources").await;
    let filter = &resources[&name]["budgetFilter"];
    assert!(filter.get("calendarPeriod").is_none(), "{filter}");
    assert_eq!(filter["customPeriod"]["endDate"]["month"], 6);
    let refreshed = read_resource(&guard, &r.new_state).await;
    assert_eq!(refreshed.get("custom_period"), cfg.get("custom_period"));
    assert!(refreshed.get("calendar_period").is_null());
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert_eq!(p.planned_state, refreshed, "no-op plan");
}

#[tokio::test]
async fn etag_conflict_between_plan_and_apply_reports_fields_and_keeps_the_edit() {
    let (h, guard) = harness().await;
    let cfg = config(|v| v.set("notification_channel", Value::List(vec![email("finance")])));
    let state = read_resource(&guard, &apply(&guard, &Value::Null, &cfg).await.new_state).await;
    let name = state.get("budget_name").as_str().unwrap().to_owned();

    // Plan a threshold change (the saved plan) ...
    let changed = config(|v| {
        v.set("notification_channel", Value::List(vec![email("finance")]));
        v.set(
            "threshold",
            Value::List(vec![nested(
                "threshold",
                &[("percent", crate::framework::values::float(0.9))],
            )]),
        );
    });
    let planned = plan(&guard, &ctx(), &state, &changed).await.planned_state;
    // ... then someone edits the budget before it is applied.
    let client = h.provider.state().clone().get().unwrap().client.clone();
    let mut b = client.budgets().get(&name).await.unwrap();
    b.display_name = "edited in console".into();
    b.amount
        .as_mut()
        .unwrap()
        .specified_amount
        .as_mut()
        .unwrap()
        .units = "2500".into();
    client
        .budgets()
        .patch(&name, &b, &["displayName", "amount"])
        .await
        .unwrap();

    let r = guard
        .apply(
            &ctx(),
            ApplyRequest {
                prior_state: state.clone(),
                planned_state: planned,
                config: changed,
                planned_private: Vec::new(),
            },
        )
        .await;
    let d = &r.diagnostics.0[0];
    assert!(d.summary.contains("changed concurrently"), "{d:?}");
    assert!(
        d.detail.contains("displayName") && d.detail.contains("amount"),
        "{}",
        d.detail
    );
    assert!(!d.detail.contains("thresholdRules"), "{}", d.detail);
    assert_eq!(r.new_state.get("budget_name").as_str(), Some(name.as_str()));
    let now = client.budgets().get(&name).await.unwrap();
    assert_eq!(now.display_name, "edited in console", "not overwritten");
    assert_eq!(now.threshold_rules.len(), 3);
}

#[test]
fn every_attribute_and_block_has_a_description() {
    fn walk(block: &tfplugin::Block, path: &str, missing: &mut Vec<String>) {
        if block.description.trim().is_empty() {
            missing.push(format!("{path} (block)"));
        }
        for a in &block.attributes {
            if a.description.trim().is_empty() {
                missing.push(format!("{path}.{}", a.name));
            }
        }
        for b in &block.blocks {
            walk(&b.block, &format!("{path}.{}", b.type_name), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&schema().block, "platform_budget_guard", &mut missing);
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

fn channel_requests(requests: &Json) -> Vec<&Json> {
    requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .contains("/notificationChannels")
        })
        .collect()
}

#[tokio::test]
async fn secret_hashes_are_keyed_per_guard_and_legacy_hashes_upgrade_quietly() {
    use super::secret_hash::{legacy_hash, usable};
    use crate::framework::values::{string_map, string_map_value};

    let (h, guard) = harness().await;
    let first = apply(&guard, &Value::Null, &guide("xoxb-same")).await;
    assert!(!first.diagnostics.has_errors(), "{:?}", first.diagnostics);
    let second_cfg = {
        let mut c = guide("xoxb-same");
        c.set("display_name", Value::from("second"));
        c.set(
            "pubsub",
            Value::List(vec![nested("pubsub", &[("topic", "second-alerts".into())])]),
        );
        c
    };
    let second = apply(&guard, &Value::Null, &second_cfg).await;
    assert!(!second.diagnostics.has_errors(), "{:?}", second.diagnostics);
    let (a, b) = (&first.new_state, &second.new_state);
    let key = |s: &Value| s.get("secret_hash_key").as_str().unwrap().to_owned();
    assert!(usable(&key(a)) && usable(&key(b)));
    assert_ne!(key(a), key(b));
    let (ha, hb) = (
        string_map(a, "secret_hashes"),
        string_map(b, "secret_hashes"),
    );
    assert_eq!(ha.len(), 2, "slack + pagerduty: {ha:?}");
    assert!(ha.values().all(|h| h.starts_with("hmac-sha256:")));
    assert_ne!(ha["slack"], hb["slack"], "equal tokens, different guards");

    // A state written before keyed hashes: same config plans no change.
    let mut legacy = a.clone();
    legacy.set("secret_hash_key", Value::Null);
    legacy.set(
        "secret_hashes",
        string_map_value(
            &[
                ("slack", legacy_hash("slack", "xoxb-same")),
                ("pagerduty", legacy_hash("pagerduty", "pd-key-123")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        ),
    );
    let p = plan(&guard, &ctx(), &legacy, &guide("xoxb-same")).await;
    assert_eq!(p.planned_state, legacy, "no diff for unchanged secrets");

    // The next apply that changes the guard re-hashes, without re-sending secrets.
    let changed = {
        let mut c = guide("xoxb-same");
        c.set(
            "threshold",
            Value::List(vec![nested("threshold", &[("percent", Value::from(1))])]),
        );
        c
    };
    let p = plan(&guard, &ctx(), &legacy, &changed).await;
    assert!(p.planned_state.get("secret_hash_key").is_unknown());
    reqwest::Client::new()
        .delete(format!("{}/_emulator/requests", h.emulator.base_url()))
        .send()
        .await
        .unwrap();
    let upgraded = apply(&guard, &legacy, &changed).await;
    assert!(
        !upgraded.diagnostics.has_errors(),
        "{:?}",
        upgraded.diagnostics
    );
    let requests = h.admin_get("/_emulator/requests").await;
    assert!(
        channel_requests(&requests).is_empty(),
        "{:?}",
        channel_requests(&requests)
    );
    let state = upgraded.new_state;
    assert!(usable(&key(&state)));
    assert!(string_map(&state, "secret_hashes")
        .values()
        .all(|h| h.starts_with("hmac-sha256:")));
    let p = plan(&guard, &ctx(), &state, &changed).await;
    assert_eq!(p.planned_state, state, "no diff after the upgrade");

    // Drift detection still works: a new token plans known, different hashes.
    let rotated = {
        let mut c = changed.clone();
        c.set(
            "notification_channel",
            Value::List(vec![email("finance"), slack("xoxb-new"), pagerduty()]),
        );
        c
    };
    let p = plan(&guard, &ctx(), &state, &rotated).await;
    let planned = string_map(&p.planned_state, "secret_hashes");
    assert_ne!(
        planned["slack"],
        string_map(&state, "secret_hashes")["slack"]
    );
    assert_eq!(
        planned["pagerduty"],
        string_map(&state, "secret_hashes")["pagerduty"]
    );
    let r = apply(&guard, &state, &rotated).await;
    assert_eq!(
        string_map(&r.new_state, "secret_hashes"),
        planned,
        "apply keeps the plan"
    );
}

async fn destroy(guard: &BudgetGuard, prior: &Value) {
    let d = destroy_resource(guard, prior.clone()).await;
    assert!(!d.diagnostics.has_errors(), "{:?}", d.diagnostics);
}

fn app_descriptor(kind: &str) -> gcp_client::monitoring::metrics::MetricDescriptor {
    gcp_client::monitoring::metrics::MetricDescriptor {
        metric_type: super::model::default_cost_metric().metric_type,
        metric_kind: kind.into(),
        value_type: "DOUBLE".into(),
        unit: "USD".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn cost_metric_descriptor_is_created_owned_and_deleted_with_the_guard() {
    let (h, guard) = harness().await;
    let cfg = guide("xoxb-first");
    let r = apply(&guard, &Value::Null, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    let name = format!(
        "projects/platform-local/metricDescriptors/{}",
        &super::model::default_cost_metric().metric_type
    );
    assert_eq!(
        r.new_state.get("cost_metric_descriptor").as_str(),
        Some(name.as_str())
    );
    assert_eq!(
        r.new_state.get("cost_metric_descriptor_owned").as_bool(),
        Some(true)
    );
    let resources = h.admin_get("/_emulator/resources").await;
    assert_eq!(resources[&name]["metricKind"], "CUMULATIVE");
    assert_eq!(resources[&name]["valueType"], "DOUBLE");
    assert_eq!(resources[&name]["unit"], "USD");
    assert_eq!(resources[&name]["labels"][0]["key"], "tenant");

    let refreshed = read_resource(&guard, &r.new_state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    assert_eq!(p.planned_state, refreshed, "no-op plan");
    destroy(&guard, &refreshed).await;
    let left = h.admin_get("/_emulator/resources").await;
    assert!(
        left.get(&name).is_none(),
        "the guard created it, so it goes"
    );
}

#[tokio::test]
async fn app_defined_descriptor_is_adopted_and_survives_destroy_unless_incompatible() {
    let (h, guard) = harness().await;
    let client = guard.state.get().unwrap().client.clone();
    let metrics = client.metrics();
    metrics
        .create_descriptor("platform-local", &app_descriptor("GAUGE"))
        .await
        .unwrap();
    let cfg = guide("xoxb-first");
    let r = apply(&guard, &Value::Null, &cfg).await;
    let err = &r.diagnostics.0[0];
    assert_eq!(err.attribute.as_ref().unwrap().to_string(), "cost_metric");
    assert!(
        err.detail.contains("kind GAUGE") && err.detail.contains("cost_metric.type"),
        "{}",
        err.detail
    );
    let resources = h.admin_get("/_emulator/resources").await;
    assert_eq!(count(&resources, "/alertPolicies/"), 0);

    metrics
        .delete_descriptor(
            "platform-local",
            &super::model::default_cost_metric().metric_type,
        )
        .await
        .unwrap();
    metrics
        .create_descriptor("platform-local", &app_descriptor("CUMULATIVE"))
        .await
        .unwrap();
    let refreshed = read_resource(&guard, &r.new_state).await;
    let r = apply(&guard, &refreshed, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(
        r.new_state.get("cost_metric_descriptor_owned").as_bool(),
        Some(false)
    );
    destroy(&guard, &r.new_state).await;
    let kept = metrics
        .get_descriptor(
            "platform-local",
            &super::model::default_cost_metric().metric_type,
        )
        .await
        .unwrap();
    assert_eq!(
        kept.metric_kind, "CUMULATIVE",
        "adopted descriptors are never deleted"
    );
}

/// A valid configuration the robustness test mutates one attribute at a time.
pub(crate) fn valid_config() -> Value {
    config(|v| v.set("notification_channel", Value::List(vec![email("ops")])))
}

/// Every optional attribute set to a value that is neither its default nor anything the
/// API would pick reaches the request that carries it: the budget's POST/PATCH (filter,
/// amount, thresholds, period, notification settings), the channels' POSTs, the topic, the
/// tenant budgets and the alert policies. A misspelt attribute name reads as unset and
/// fails here.
#[tokio::test]
async fn every_optional_attribute_reaches_the_api() {
    let (h, guard) = harness().await;
    let cfg = config(|v| {
        v.set(
            "threshold",
            Value::List(vec![nested(
                "threshold",
                &[
                    ("percent", crate::framework::values::number("0.65")),
                    ("basis", "FORECASTED_SPEND".into()),
                ],
            )]),
        );
        v.set(
            "notification_channel",
            Value::List(vec![
                nested(
                    "notification_channel",
                    &[
                        ("name", "mail".into()),
                        ("type", "email".into()),
                        ("email_address", "reach@example.com".into()),
                    ],
                ),
                nested(
                    "notification_channel",
                    &[
                        ("name", "chat".into()),
                        ("type", "slack".into()),
                        ("channel_name", "#reach-billing".into()),
                        ("auth_token", "xoxb-reach".into()),
                    ],
                ),
                nested(
                    "notification_channel",
                    &[
                        ("name", "pager".into()),
                        ("type", "pagerduty".into()),
                        ("service_key", "pd-reach".into()),
                    ],
                ),
            ]),
        );
        v.set(
            "pubsub",
            Value::List(vec![nested("pubsub", &[("topic", "reach-topic".into())])]),
        );
        v.set(
            "tenant",
            Value::List(vec![nested(
                "tenant",
                &[
                    ("name", "reachco".into()),
                    ("limit", Value::from(321)),
                    ("project", "platform-local".into()),
                    ("service", "services/6F81-5844-456A".into()),
                    (
                        "label",
                        Value::List(vec![nested_label("customer", "reach-label")]),
                    ),
                ],
            )]),
        );
        v.set(
            "cost_metric",
            Value::List(vec![nested(
                "cost_metric",
                &[
                    ("type", "custom.googleapis.com/reach/ai_cost".into()),
                    ("tenant_label", "customer".into()),
                    ("spike_usd_per_hour", Value::from(77)),
                ],
            )]),
        );
        v.set("projects", Value::List(vec![Value::from("platform-local")]));
        v.set(
            "services",
            Value::List(vec![Value::from("services/24E6-581D-38E5")]),
        );
        v.set(
            "labels",
            Value::Map([("env".to_owned(), Value::from("reach"))].into()),
        );
        v.set("credit_types_treatment", "EXCLUDE_ALL_CREDITS".into());
        v.set("calendar_period", "QUARTER".into());
        v.set("disable_default_iam_recipients", Value::Bool(true));
        v.set("enable_project_level_recipients", Value::Bool(true));
    });
    let applied = apply(&guard, &Value::Null, &cfg).await;
    assert!(
        !applied.diagnostics.has_errors(),
        "{:?}",
        applied.diagnostics
    );
    let log = h.admin_get("/_emulator/requests").await;
    let budgets = sent(&log, |m, p| m != "GET" && p.contains("/budgets"));
    assert_reached(
        &budgets,
        &[
            ("threshold.percent", "0.65"),
            ("threshold.basis", "FORECASTED_SPEND"),
            ("projects", "projects/"),
            ("services", "services/24E6-581D-38E5"),
            ("labels", "reach"),
            ("credit_types_treatment", "EXCLUDE_ALL_CREDITS"),
            ("calendar_period", "QUARTER"),
            (
                "disable_default_iam_recipients",
                "\"disableDefaultIamRecipients\":true",
            ),
            (
                "enable_project_level_recipients",
                "\"enableProjectLevelRecipients\":true",
            ),
            ("pubsub.topic", "topics/reach-topic"),
            ("tenant.limit", "\"units\":\"321\""),
            ("tenant.service", "services/6F81-5844-456A"),
            ("tenant.label", "reach-label"),
        ],
    );
    let channels = sent(&log, |m, p| {
        m != "GET" && p.contains("/notificationChannels")
    });
    assert_reached(
        &channels,
        &[
            ("notification_channel.email_address", "reach@example.com"),
            ("notification_channel.channel_name", "#reach-billing"),
            // Secrets are redacted in the request log: their key shows they were sent.
            (
                "notification_channel.auth_token",
                "\"auth_token\":\"<redacted>\"",
            ),
            (
                "notification_channel.service_key",
                "\"service_key\":\"<redacted>\"",
            ),
        ],
    );
    let policies = sent(&log, |m, p| m != "GET" && p.contains("/alertPolicies"));
    assert_reached(
        &policies,
        &[
            ("cost_metric.type", "custom.googleapis.com/reach/ai_cost"),
            ("cost_metric.tenant_label", "metric.labels.customer"),
            ("cost_metric.spike_usd_per_hour", "77"),
            ("tenant.name", "reachco"),
        ],
    );
}

/// A Monitoring channel made by hand (the console, gcloud): no guard label.
async fn hand_made_channel(
    client: &gcp_client::GcpClient,
    kind: &str,
    display_name: &str,
    labels: &[(&str, &str)],
) -> String {
    let channel = gcp_client::monitoring::alerting::NotificationChannel {
        name: String::new(),
        kind: kind.into(),
        display_name: display_name.into(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        user_labels: Default::default(),
        enabled: true,
        verification_status: None,
    };
    client
        .alerting()
        .create_channel("platform-local", &channel)
        .await
        .unwrap()
        .name
}

/// The guide's budget with e-mail, Slack and PagerDuty channels made by hand:
/// only the e-mail channel is linked to the budget (budgets notify e-mail
/// channels only), so import finds it alone. The first apply takes the Slack
/// and PagerDuty channels over by their targets instead of creating twins,
/// and leaves a channel to another Slack channel alone.
#[tokio::test]
async fn adopted_budget_takes_over_hand_made_channels_by_target() {
    let (h, guard) = harness().await;
    let client = h.provider.state().clone().get().unwrap().client.clone();
    let email = hand_made_channel(
        &client,
        "email",
        "Finance team",
        &[("email_address", "finance@example.com")],
    )
    .await;
    let slack_channel = hand_made_channel(
        &client,
        "slack",
        "Slack billing",
        &[("channel_name", "#billing"), ("auth_token", "xoxb-old")],
    )
    .await;
    let pd = hand_made_channel(
        &client,
        "pagerduty",
        "On-call",
        &[("service_key", "pd-key-123")],
    )
    .await;
    let other = hand_made_channel(
        &client,
        "slack",
        "Slack ops",
        &[("channel_name", "#ops"), ("auth_token", "xoxb-ops")],
    )
    .await;
    let budget = gcp_client::budgets::Budget {
        display_name: "production".into(),
        amount: Some(gcp_client::budgets::BudgetAmount {
            specified_amount: Some(gcp_client::budgets::Money {
                currency_code: "USD".into(),
                units: "2000".into(),
                nanos: 0,
            }),
            ..Default::default()
        }),
        notifications_rule: Some(gcp_client::budgets::NotificationsRule {
            monitoring_notification_channels: vec![email.clone()],
            ..Default::default()
        }),
        ..Default::default()
    };
    let budget = client.budgets().create(ACCOUNT, &budget).await.unwrap();

    let imported = guard.import(&ctx(), &budget.name).await;
    assert!(
        !imported.diagnostics.has_errors(),
        "{:?}",
        imported.diagnostics
    );
    let refreshed = read_resource(&guard, &imported.imported[0].state).await;
    assert_eq!(refreshed.get("channels").as_map().unwrap().len(), 1);

    let cfg = config(|v| {
        v.set(
            "notification_channel",
            Value::List(vec![
                nested(
                    "notification_channel",
                    &[
                        ("name", "email-finance".into()),
                        ("type", "email".into()),
                        ("email_address", "finance@example.com".into()),
                    ],
                ),
                slack("xoxb-new"),
                pagerduty(),
            ]),
        );
    });
    // The guide's Pub/Sub topic and spike alert, made by hand too: taken over by name.
    let mut cfg = cfg;
    cfg.set(
        "pubsub",
        Value::List(vec![nested("pubsub", &[("topic", "budget-alerts".into())])]),
    );
    cfg.set(
        "cost_metric",
        Value::List(vec![nested(
            "cost_metric",
            &[("spike_usd_per_hour", Value::from(50))],
        )]),
    );
    let topic = "projects/platform-local/topics/budget-alerts";
    client
        .pubsub()
        .create_topic(topic, &Default::default())
        .await
        .unwrap();
    client
        .metrics()
        .create_descriptor("platform-local", &app_descriptor("CUMULATIVE"))
        .await
        .unwrap();
    let wanted = super::remote::alert_policies(
        &super::model::Guard::decode(&cfg).unwrap(),
        &std::collections::BTreeMap::new(),
    );
    let (spike_key, mut spike) = wanted.into_iter().next().unwrap();
    spike.user_labels.clear();
    let spike = client
        .alerting()
        .create_policy("platform-local", &spike)
        .await
        .unwrap()
        .name;

    let r = apply(&guard, &refreshed, &cfg).await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(r.new_state.get("topic").as_str(), Some(topic));
    assert_eq!(
        r.new_state.get("alert_policies").as_map().unwrap()[&spike_key],
        Value::from(spike.as_str())
    );
    let channels = r.new_state.get("channels").as_map().unwrap().clone();
    assert_eq!(channels["email-finance"], Value::from(email.as_str()));
    assert_eq!(channels["slack"], Value::from(slack_channel.as_str()));
    assert_eq!(channels["pagerduty"], Value::from(pd.as_str()));

    let resources = h.admin_get("/_emulator/resources").await;
    assert_eq!(
        count(&resources, "/notificationChannels/"),
        4,
        "no twins, none deleted"
    );
    assert_eq!(resources[&slack_channel]["displayName"], "slack");
    assert_eq!(
        resources[&slack_channel]["labels"]["auth_token"],
        "xoxb-new"
    );
    assert_eq!(
        resources[&other]["userLabels"].get("platform_budget_guard"),
        None,
        "a channel to another target stays someone else's"
    );
    let refreshed = read_resource(&guard, &r.new_state).await;
    let p = plan(&guard, &ctx(), &refreshed, &cfg).await;
    let mut planned = p.planned_state;
    strip_write_only(&mut planned);
    let mut expected = refreshed.clone();
    strip_write_only(&mut expected);
    assert_eq!(planned, expected, "clean plan after the take-over");
}

#[test]
fn model_matches_schema() {
    tfplugin::typed::check_plan_model::<super::model::Model>(
        &super::schema::schema().block,
        |_| {},
    )
    .unwrap();
}
