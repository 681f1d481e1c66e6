//! platform_budget_guard end to end: the guide's production budget on every
//! Terraform version found, against the emulator.

use e2e::{
    budget_threshold_percents, for_each_terraform, required_providers, Emulator, HarnessError,
    Terraform, Workspace,
};
use serde_json::{json, Value};

const ACCOUNT: &str = "012345-6789AB-CDEF01";
const COST_METRIC_DESCRIPTOR: &str =
    "projects/platform-local/metricDescriptors/custom.googleapis.com/platform/tenant_ai_cost_usd";
const FIRST_TOKEN: &str = "xoxb-first-token-2f9c";
const SECOND_TOKEN: &str = "xoxb-second-token-8d1e";

fn modern(tf: &Terraform) -> bool {
    let mut parts = tf.version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0)) >= (1, 11)
}

/// The slack channel: write-only token on Terraform >= 1.11, sensitive before.
fn slack(tf: &Terraform, token: &str, version: u32) -> String {
    let secret = if modern(tf) {
        format!("auth_token_wo = \"{token}\"\n    secret_version = {version}")
    } else {
        format!("auth_token = \"{token}\"")
    };
    format!("notification_channel {{\n    name = \"slack\"\n    type = \"slack\"\n    channel_name = \"#billing\"\n    {secret}\n  }}")
}

fn emails(n: usize) -> String {
    (0..n)
        .map(|i| format!("notification_channel {{\n    name = \"mail{i}\"\n    type = \"email\"\n    email_address = \"finance{i}@example.com\"\n  }}\n  "))
        .collect()
}

/// The PagerDuty channel: write-only key on Terraform >= 1.11, sensitive before.
fn pagerduty(tf: &Terraform) -> &'static str {
    if modern(tf) {
        "service_key_wo = \"pd-service-key-77\"\n    secret_version = 1"
    } else {
        "service_key = \"pd-service-key-77\""
    }
}

/// The guide's guard: 2000 USD, 50/80/100 %, e-mail + Slack + PagerDuty, a topic, one tenant.
fn guide(emu: &Emulator, tf: &Terraform, body_extra: &str, token: &str, version: u32) -> String {
    format!(
        r#"{required}
{provider}
resource "platform_budget_guard" "prod" {{
  billing_account = "{ACCOUNT}"
  display_name    = "production"
  amount          = 2000
  {emails}
  {slack}
  notification_channel {{
    name = "pagerduty"
    type = "pagerduty"
    {pagerduty}
  }}
  pubsub {{
    topic = "budget-alerts"
  }}
  tenant {{
    name = "acme"
    label {{
      key   = "tenant"
      value = "acme"
    }}
  }}
  cost_metric {{
    spike_usd_per_hour = 50
  }}
  {body_extra}
}}

output "budget" {{
  value = platform_budget_guard.prod.budget_name
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(""),
        emails = emails(1),
        slack = slack(tf, token, version),
        pagerduty = pagerduty(tf),
    )
}

fn keys_with(resources: &Value, infix: &str) -> Vec<String> {
    resources
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| k.contains(infix) && !k.ends_with("/iamPolicy"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn check(cond: bool, what: impl FnOnce() -> String) -> Result<(), HarnessError> {
    assert!(cond, "{}", what());
    Ok(())
}

#[test]
fn guide_budget_lifecycle_updates_rotation_drift_and_destroy() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &guide(&emu, tf, "", FIRST_TOKEN, 1))])?;
        ws.init()?;
        ws.apply()?;
        let resources = emu.resources()?;
        check(
            keys_with(&resources, "/notificationChannels/").len() == 3,
            || format!("channels: {resources:#}"),
        )?;
        check(keys_with(&resources, "/budgets/").len() == 2, || {
            "main + tenant budget".into()
        })?;
        check(keys_with(&resources, "/alertPolicies/").len() == 2, || {
            "tenant + spike policy".into()
        })?;
        // The policies watch the cost metric, which only exists with its descriptor.
        let descriptor = &resources[COST_METRIC_DESCRIPTOR];
        check(
            descriptor["metricKind"] == "CUMULATIVE"
                && descriptor["valueType"] == "DOUBLE"
                && descriptor["unit"] == "USD",
            || format!("cost metric descriptor: {descriptor:#}"),
        )?;
        check(
            keys_with(&resources, "/topics/").len() == 1
                && keys_with(&resources, "/subscriptions/").len() == 1,
            || "topic + subscription".into(),
        )?;
        let budget_name = ws.outputs()?["budget"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let budget = &resources[&budget_name];
        check(
            budget["amount"]["specifiedAmount"]["units"] == "2000",
            || format!("{budget:#}"),
        )?;
        let percents = budget_threshold_percents(budget);
        check(percents == [0.5, 0.8, 1.0], || format!("{percents:?}"))?;
        check_wiring(&emu, &resources, budget)?;

        // Thresholds change: exactly one PATCH of the main budget, masked to thresholdRules.
        let before = emu.requests()?.len();
        let thresholds = "threshold {\n    percent = 0.5\n  }\n  threshold {\n    percent = 0.9\n  }\n  threshold {\n    percent = 1.0\n  }";
        ws.write_file("main.tf", &guide(&emu, tf, thresholds, FIRST_TOKEN, 1))?;
        ws.apply()?;
        let requests = emu.requests()?;
        let patches: Vec<_> = requests[before..]
            .iter()
            .filter(|r| {
                r.method == "PATCH"
                    && r.path
                        .ends_with(budget_name.rsplit('/').next().unwrap_or("-"))
            })
            .collect();
        check(
            patches.len() == 1 && patches[0].query["updateMask"] == "thresholdRules",
            || format!("{patches:#?}"),
        )?;

        // Rotate the Slack token: the channel is patched; the token never shows up.
        let slack_name = keys_with(&emu.resources()?, "/notificationChannels/")
            .into_iter()
            .find(|k| {
                emu.resources()
                    .map(|r| r[k]["type"] == "slack")
                    .unwrap_or(false)
            })
            .unwrap_or_default();
        ws.write_file("main.tf", &guide(&emu, tf, thresholds, SECOND_TOKEN, 2))?;
        let plan = ws.run_ok(&["plan"], &[])?;
        check(
            !plan.combined().contains(SECOND_TOKEN) && !plan.combined().contains(FIRST_TOKEN),
            || format!("token in plan output: {plan}"),
        )?;
        let applied = ws.run_ok(&["apply", "-auto-approve"], &[("TF_LOG", "TRACE")])?;
        check(!applied.combined().contains(SECOND_TOKEN), || {
            "token in TF_LOG=TRACE output".into()
        })?;
        check(
            emu.resources()?[&slack_name]["labels"]["auth_token"] == SECOND_TOKEN,
            || "token not rotated".into(),
        )?;

        // An edit between plan and apply: the saved plan fails naming the
        // changed field, and the edit is kept.
        ws.write_file("main.tf", &guide(&emu, tf, "", SECOND_TOKEN, 2))?;
        ws.run_ok(&["plan", "-out", "saved.tfplan"], &[])?;
        edit_budget(&emu, &budget_name)?;
        let stale = ws.run(&["apply", "saved.tfplan"], &[])?;
        check(
            !stale.success()
                && stale.stderr.contains("changed concurrently")
                && stale.stderr.contains("displayName"),
            || format!("saved plan over a concurrent edit: {stale}"),
        )?;
        let kept = &emu.resources()?[&budget_name];
        check(
            kept["displayName"] == "edited in console"
                && kept["thresholdRules"][1]["thresholdPercent"] == 0.9,
            || format!("concurrent edit overwritten: {kept:#}"),
        )?;

        // A console edit shows up as drift.
        let drift = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        check(
            drift.code == Some(2) && drift.stdout.contains("edited in console"),
            || format!("no drift: {drift}"),
        )?;

        ws.destroy()?;
        let left = emu.resources()?;
        for infix in [
            "/budgets/",
            "/notificationChannels/",
            "/alertPolicies/",
            "/topics/",
            "/subscriptions/",
            "/metricDescriptors/",
        ] {
            check(keys_with(&left, infix).is_empty(), || {
                format!("{infix} left after destroy: {left:#}")
            })?;
        }
        Ok(())
    });
}

/// Renames the budget through the Budgets API, as the console would.
fn edit_budget(emu: &Emulator, name: &str) -> Result<(), HarnessError> {
    emu.google_send(
        reqwest::Method::PATCH,
        &format!("/v1/{name}?updateMask=displayName"),
        Some(&json!({"displayName": "edited in console"})),
    )
    .map(drop)
}

/// How the guide's children are wired: Pub/Sub notifications with schema
/// 1.0 and publish rights for Budgets, only e-mail channels (at most 5) on
/// the budget, and every alert policy routed to every channel.
fn check_wiring(emu: &Emulator, resources: &Value, budget: &Value) -> Result<(), HarnessError> {
    let rule = &budget["notificationsRule"];
    let topic = keys_with(resources, "/topics/").pop().unwrap_or_default();
    check(
        rule["schemaVersion"] == "1.0" && rule["pubsubTopic"] == topic.as_str(),
        || format!("notificationsRule: {rule:#}"),
    )?;
    let linked: Vec<&str> = rule["monitoringNotificationChannels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    check(
        !linked.is_empty()
            && linked.len() <= 5
            && linked.iter().all(|c| resources[*c]["type"] == "email"),
        || format!("budget channels {linked:?} in {resources:#}"),
    )?;
    let policy = emu.google_get(&format!("/v1/{topic}:getIamPolicy"))?;
    let publishes =
        policy["bindings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|b| {
                b["role"] == "roles/pubsub.publisher"
                    && b["members"].as_array().into_iter().flatten().any(|m| {
                        m == "serviceAccount:billing-budget-alert@system.gserviceaccount.com"
                    })
            });
    check(publishes, || format!("topic IAM policy: {policy:#}"))?;
    let channels = keys_with(resources, "/notificationChannels/");
    for name in keys_with(resources, "/alertPolicies/") {
        let routed = &resources[&name]["notificationChannels"];
        check(
            channels
                .iter()
                .all(|c| routed.as_array().into_iter().flatten().any(|r| r == c)),
            || format!("{name} routes to {routed} instead of every channel {channels:?}"),
        )?;
        check_policy_condition(&resources[&name])?;
    }
    Ok(())
}

/// The tenant policy compares the raw month-to-date (CUMULATIVE) value with
/// the limit; the spike policy sums hourly deltas across tenants.
fn check_policy_condition(policy: &Value) -> Result<(), HarnessError> {
    let t = &policy["conditions"][0]["conditionThreshold"];
    let per_tenant = t["filter"]
        .as_str()
        .is_some_and(|f| f.contains("metric.labels.tenant=\"acme\""));
    let ok = t["comparison"] == "COMPARISON_GT"
        && if per_tenant {
            t["thresholdValue"] == 500.0 && t.get("aggregations").is_none()
        } else {
            t["thresholdValue"] == 50.0
                && t["aggregations"]
                    == json!([{"alignmentPeriod": "3600s", "perSeriesAligner": "ALIGN_DELTA",
                               "crossSeriesReducer": "REDUCE_SUM"}])
        };
    check(ok, || format!("unexpected condition: {t:#}"))
}

/// 1-based line of the first line of `config` containing `needle`.
fn line_of(config: &str, needle: &str) -> u64 {
    config
        .lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i as u64 + 1)
}

/// `(address, line)` of every error diagnostic titled `summary` in `plan -json` output.
fn json_diagnostics(stdout: &str, summary: &str) -> Vec<(String, u64)> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["summary"] == summary)
        .map(|m| {
            let d = &m["diagnostic"];
            (
                d["address"].as_str().unwrap_or_default().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// `(with …, line N)` of every diagnostic titled `summary` in human output:
/// `Error: <summary>` / `with <address>,` / `on main.tf line N, in resource …`.
fn human_diagnostics(stderr: &str, summary: &str) -> Vec<(String, u64)> {
    stderr
        .split(&format!("Error: {summary}"))
        .skip(1)
        .map(|chunk| {
            // This diagnostic only: up to the next one.
            let chunk = chunk.split("Error: ").next().unwrap_or_default();
            let address = chunk
                .split("with ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .unwrap_or_default()
                .to_owned();
            let line = chunk
                .split("on main.tf line ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            (address, line)
        })
        .collect()
}

#[test]
fn plan_time_errors_name_the_attribute() {
    // (body, a text on the line the diagnostic must point at, summary). An
    // unset attribute (`service`) points at its block.
    let cases = [
        ("labels = { team = \"a\", env = \"b\" }".to_owned(), "labels =", "Too many budget labels"),
        (emails(6), "finance5@example.com", "Too many e-mail channels"),
        ("credit_types_treatment = \"EXCLUDE_ALL_CREDITS\"\n  tenant {\n    name = \"capped\"\n    project = \"platform-local\"\n    spend_cap = true\n  }".to_owned(), "tenant {", "Spend cap rule violated"),
        ("custom_period {\n    start_date = \"2026-01-01\"\n  }\n  threshold {\n    percent = 1.0\n    basis = \"FORECASTED_SPEND\"\n  }".to_owned(), "basis =", "FORECASTED_SPEND threshold needs calendar_period"),
    ];
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        for (body, marker, summary) in &cases {
            let config = format!(
                "{}\n{}\nresource \"platform_budget_guard\" \"bad\" {{\n  billing_account = \"{ACCOUNT}\"\n  display_name = \"bad\"\n  amount = 10\n  {body}\n}}\n",
                required_providers(),
                emu.provider_block("")
            );
            let want = (
                "platform_budget_guard.bad".to_owned(),
                line_of(&config, marker),
            );
            assert!(want.1 > 0, "{marker:?} not in the config");
            let ws = Workspace::new(tf, &[("main.tf", &config)])?;
            ws.init()?;
            // Machine-readable diagnostics where this Terraform has them
            // (`plan -json`; 1.0.x rejects the flag), else the human context.
            let out = ws.run(&["plan", "-json"], &[])?;
            let json = out
                .stdout
                .lines()
                .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|m| m["type"] == "diagnostic"));
            let (out, found) = if json {
                let found = json_diagnostics(&out.stdout, summary);
                (out, found)
            } else {
                let out = ws.run(&["plan", "-no-color"], &[])?;
                let found = human_diagnostics(&out.stderr, summary);
                (out, found)
            };
            if modern(tf) {
                check(json, || format!("no JSON diagnostics from {out}"))?;
            }
            check(!out.success() && found == [want.clone()], || {
                format!("{summary}: want exactly {want:?}, found {found:?} in {out}")
            })?;
        }
        let calls = emu
            .requests()?
            .into_iter()
            .filter(|r| r.path.contains("/budgets") || r.path.contains("/notificationChannels"))
            .count();
        check(calls == 0, || "invalid configs reached the API".into())?;
        Ok(())
    });
}

/// Terraform taints a guard whose create failed; `terraform untaint` keeps
/// the recorded children and the next apply continues as an update.
#[test]
fn failed_create_untainted_continues_with_the_same_children() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &guide(&emu, tf, "", FIRST_TOKEN, 1))])?;
        ws.init()?;
        emu.add_fault(
            &json!({"method": "POST", "path_regex": "/alertPolicies$", "status": 400, "times": 1}),
        )?;
        let failed = ws.run(&["apply", "-auto-approve", "-no-color"], &[])?;
        let said: String = failed
            .stderr
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // One story: a 400 names the input to change, never the endpoint; the
        // untaint advice points at the address Terraform prints with the error.
        check(
            !failed.success()
                && said.contains("recorded in state")
                && said.contains("run `terraform untaint` with this resource's address")
                && said.contains("with platform_budget_guard.prod,")
                && said.contains("change that input")
                && !said.contains("If this persists"),
            || format!("create failure should explain untaint: {failed}"),
        )?;
        let before = emu.resources()?;
        let channels = keys_with(&before, "/notificationChannels/");
        let budgets = keys_with(&before, "/budgets/");
        check(channels.len() == 3 && budgets.len() == 2, || {
            format!("partial create: {before:#}")
        })?;
        ws.run_ok(&["untaint", "platform_budget_guard.prod"], &[])?;
        emu.clear_faults()?;
        emu.clear_requests()?;
        let plan = ws.run_ok(&["plan", "-no-color"], &[])?;
        check(
            plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
            || format!("untainted guard should update in place: {plan}"),
        )?;
        ws.apply()?;
        let requests = emu.requests()?;
        let recreated: Vec<_> = requests
            .iter()
            .filter(|r| {
                (r.method == "DELETE" || r.method == "POST")
                    && (r.path.contains("/notificationChannels") || r.path.contains("/budgets"))
            })
            .collect();
        check(recreated.is_empty(), || {
            format!("channels/budgets re-created: {recreated:#?}")
        })?;
        let after = emu.resources()?;
        check(
            keys_with(&after, "/notificationChannels/") == channels
                && keys_with(&after, "/budgets/") == budgets
                && keys_with(&after, "/alertPolicies/").len() == 2,
            || format!("after continuing: {after:#}"),
        )?;
        check_wiring(
            &emu,
            &after,
            &after[&ws.outputs()?["budget"]
                .as_str()
                .unwrap_or_default()
                .to_owned()],
        )?;
        let clean = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        check(clean.code == Some(0), || format!("not converged: {clean}"))
    });
}

#[test]
fn failed_alert_policy_create_converges_and_import_restores_everything() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let config = guide(&emu, tf, "", FIRST_TOKEN, 1);
        let ws = Workspace::new(tf, &[("main.tf", &config)])?;
        ws.init()?;
        emu.add_fault(
            &json!({"method": "POST", "path_regex": "/alertPolicies$", "status": 400, "times": 1}),
        )?;
        let failed = ws.run(&["apply", "-auto-approve"], &[])?;
        check(!failed.success(), || format!("apply should fail: {failed}"))?;
        let state = ws.run_ok(&["state", "list"], &[])?;
        check(state.stdout.contains("platform_budget_guard.prod"), || {
            format!("no partial state: {state}")
        })?;
        ws.apply()?;
        let resources = emu.resources()?;
        check(
            keys_with(&resources, "/notificationChannels/").len() == 3,
            || format!("duplicate channels: {resources:#}"),
        )?;
        check(
            keys_with(&resources, "/alertPolicies/").len() == 2
                && keys_with(&resources, "/budgets/").len() == 2
                && keys_with(&resources, "/topics/").len() == 1
                && keys_with(&resources, "/subscriptions/").len() == 1,
            || format!("orphans or missing children after re-apply: {resources:#}"),
        )?;
        let budget = ws.outputs()?["budget"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        // Import into a fresh workspace with the same config: every child is found.
        let fresh = Workspace::new(tf, &[("main.tf", &config)])?;
        fresh.init()?;
        fresh.run_ok(&["import", "platform_budget_guard.prod", &budget], &[])?;
        let plan = fresh.run(&["plan", "-detailed-exitcode"], &[])?;
        if modern(tf) {
            check(plan.code == Some(0), || {
                format!("plan after import: {plan}")
            })?;
        } else {
            // Sensitive (not write-only) secrets can't be read back: Terraform
            // shows them being written to state; applying that changes nothing else.
            check(
                plan.code == Some(2)
                    && !plan.stdout.contains("must be replaced")
                    && !plan.stdout.contains("forces replacement")
                    && plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
                || format!("plan after import: {plan}"),
            )?;
            fresh.apply()?;
            let again = fresh.run(&["plan", "-detailed-exitcode"], &[])?;
            check(again.code == Some(0), || {
                format!("plan after re-apply: {again}")
            })?;
        }
        let after = emu.resources()?;
        for (infix, n) in [
            ("/notificationChannels/", 3),
            ("/budgets/", 2),
            ("/alertPolicies/", 2),
        ] {
            check(keys_with(&after, infix).len() == n, || {
                format!("{infix} after import: {after:#}")
            })?;
        }
        Ok(())
    });
}

/// A second shape, self-contained (examples/local has its own test): a
/// fractional amount, the token from a sensitive variable, a label-scoped
/// tenant, and an output of the computed children.
#[test]
fn variables_outputs_and_fractional_amount_apply_and_destroy() {
    const TOKEN: &str = "xoxb-variable-token-51aa";
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let config = format!(
            r##"{required}
{provider}
variable "slack_token" {{
  type      = string
  sensitive = true
}}

resource "platform_budget_guard" "budget_guard" {{
  billing_account = "{ACCOUNT}"
  display_name    = "platform-local"
  amount          = 1999.99
  notification_channel {{
    name          = "ops"
    type          = "email"
    email_address = "ops@example.com"
  }}
  notification_channel {{
    name         = "slack"
    type         = "slack"
    channel_name = "#billing"
    auth_token   = var.slack_token
  }}
  tenant {{
    name  = "acme"
    limit = 250
    label {{
      key   = "tenant"
      value = "acme"
    }}
  }}
}}

output "budget_guard" {{
  value = {{
    budget  = platform_budget_guard.budget_guard.budget_name
    tenants = platform_budget_guard.budget_guard.tenant_budgets
  }}
}}
"##,
            required = required_providers(),
            provider = emu.provider_block(""),
        );
        // The application defined its metric before the guard existed.
        emu.google_send(
            reqwest::Method::POST,
            "/v3/projects/platform-local/metricDescriptors",
            Some(&json!({
                "type": "custom.googleapis.com/platform/tenant_ai_cost_usd",
                "metricKind": "CUMULATIVE", "valueType": "DOUBLE", "unit": "USD",
                "description": "written by the app",
            })),
        )?;
        let ws = Workspace::new(tf, &[("main.tf", &config)])?;
        ws.init()?;
        let var = format!("slack_token={TOKEN}");
        let out = ws.run_ok(&["apply", "-auto-approve", "-var", &var], &[])?;
        check(
            out.stdout.contains("budget_guard") && !out.combined().contains(TOKEN),
            || format!("{out}"),
        )?;
        let outputs = ws.outputs()?;
        let budget = outputs["budget_guard"]["budget"]
            .as_str()
            .unwrap_or_default();
        let tenant = outputs["budget_guard"]["tenants"]["acme"]
            .as_str()
            .unwrap_or_default();
        let resources = emu.resources()?;
        let money = &resources[budget]["amount"]["specifiedAmount"];
        check(
            money["units"] == "1999" && money["nanos"] == 990_000_000,
            || format!("amount: {money}"),
        )?;
        check(
            resources[tenant]["amount"]["specifiedAmount"]["units"] == "250"
                && keys_with(&resources, "/budgets/").len() == 2,
            || format!("tenant budget: {resources:#}"),
        )?;
        ws.run_ok(&["destroy", "-auto-approve", "-var", &var], &[])?;
        let left = emu.resources()?;
        check(
            keys_with(&left, "/budgets/").is_empty()
                && keys_with(&left, "/notificationChannels/").is_empty()
                && left[COST_METRIC_DESCRIPTOR]["description"] == "written by the app",
            || format!("left after destroy (the adopted descriptor stays): {left:#}"),
        )
    });
}

/// Kinds of children the guard creates (IAM policies are part of their topic).
const CHILD_KINDS: [&str; 6] = [
    "/notificationChannels/",
    "/budgets/",
    "/alertPolicies/",
    "/topics/",
    "/subscriptions/",
    "/metricDescriptors/",
];

/// Two e-mail channels, a topic, two tenants and a spike policy: 2 channels,
/// 3 budgets, 3 policies, 1 topic, 1 subscription, 1 descriptor.
fn crash_config(emu: &Emulator, provider_extra: &str) -> String {
    let tenant = |name: &str| {
        format!("tenant {{\n    name = \"{name}\"\n    label {{\n      key   = \"tenant\"\n      value = \"{name}\"\n    }}\n  }}\n  ")
    };
    format!(
        "{}\n{}\nresource \"platform_budget_guard\" \"prod\" {{\n  billing_account = \"{ACCOUNT}\"\n  display_name    = \"production\"\n  amount          = 2000\n  {}{}{}pubsub {{\n    topic = \"budget-alerts\"\n  }}\n  cost_metric {{\n    spike_usd_per_hour = 50\n  }}\n}}\n",
        required_providers(),
        emu.provider_block(provider_extra),
        emails(2),
        tenant("acme"),
        tenant("globex"),
    )
}

const CRASH_COUNTS: [(&str, usize); 6] = [
    ("/notificationChannels/", 2),
    ("/budgets/", 3),
    ("/alertPolicies/", 3),
    ("/topics/", 1),
    ("/subscriptions/", 1),
    ("/metricDescriptors/", 1),
];

/// 0 duplicates (each kind exactly as many as configured), 0 orphans (every
/// child is recorded in state), and an empty second plan.
fn converged(emu: &Emulator, ws: &Workspace, moment: &str) -> Result<(), HarnessError> {
    let resources = emu.resources()?;
    for (infix, want) in CRASH_COUNTS {
        let have = keys_with(&resources, infix);
        check(have.len() == want, || {
            format!("{moment}: {infix} {have:#?} (want {want})")
        })?;
    }
    let state = ws.show_json()?;
    let recorded = state["values"]["root_module"]["resources"][0]["values"].to_string();
    for infix in CHILD_KINDS {
        for name in keys_with(&resources, infix) {
            check(recorded.contains(&format!("\"{name}\"")), || {
                format!("{moment}: orphan {name} not in state {recorded}")
            })?;
        }
    }
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    check(plan.code == Some(0), || {
        format!("{moment}: second plan {plan}")
    })
}

/// Holds every response of `method` for `hold` after its write landed.
fn hold_responses(emu: &Emulator, method: &str, hold: &str) -> Result<(), HarnessError> {
    emu.set_latency(&json!({"kind": method, "response": hold}))
}

const CHANNEL_CREATE: &str = "monitoring.projects.notificationChannels.create";
const BUDGET_CREATE: &str = "billingbudgets.billingAccounts.budgets.create";
const POLICY_CREATE: &str = "monitoring.projects.alertPolicies.create";

#[test]
fn sigkill_or_timeout_mid_create_then_reapply_converges_without_duplicates() {
    // (moment, the create whose answer is held, how many of its kind have landed when killed)
    let moments = [
        (
            "after the first channel",
            CHANNEL_CREATE,
            "/notificationChannels/",
            1,
        ),
        ("after the budget", BUDGET_CREATE, "/budgets/", 1),
        // Policies come after the tenant budgets: holding the first one kills with all 3 landed.
        ("after the tenant budgets", POLICY_CREATE, "/budgets/", 3),
    ];
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &crash_config(&emu, ""))])?;
        ws.init()?;
        for (moment, method, infix, landed) in moments {
            emu.admin_post("/_emulator/reset", &json!({}))?;
            let _ = std::fs::remove_file(ws.dir().join("terraform.tfstate"));
            // The held answer keeps terraform waiting after the write landed:
            // killing it then loses exactly what a crash loses.
            hold_responses(&emu, method, "30s")?;
            let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while keys_with(&emu.resources()?, infix).len() < landed {
                check(apply.running(), || {
                    format!("{moment}: terraform ended early")
                })?;
                check(std::time::Instant::now() < deadline, || {
                    format!("{moment}: {landed} {infix} never landed")
                })?;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            apply.kill_group()?;
            hold_responses(&emu, method, "0s")?;
            ws.apply()?;
            converged(&emu, &ws, moment)?;
        }

        // A budgets.create that lands server-side after the client gave up.
        emu.admin_post("/_emulator/reset", &json!({}))?;
        let _ = std::fs::remove_file(ws.dir().join("terraform.tfstate"));
        ws.write_file("main.tf", &crash_config(&emu, "request_timeout = \"2s\""))?;
        hold_responses(&emu, BUDGET_CREATE, "5s")?;
        let timed_out = ws.run(&["apply", "-auto-approve"], &[])?;
        check(!timed_out.success(), || format!("timeout: {timed_out}"))?;
        check(keys_with(&emu.resources()?, "/budgets/").len() == 1, || {
            "the timed-out create landed".into()
        })?;
        hold_responses(&emu, BUDGET_CREATE, "0s")?;
        ws.apply()?;
        converged(&emu, &ws, "after a timed-out budget create")?;
        ws.destroy()?;
        let left = emu.resources()?;
        for infix in CHILD_KINDS {
            check(keys_with(&left, infix).is_empty(), || {
                format!("{infix} left after destroy: {left:#}")
            })?;
        }
        Ok(())
    });
}

/// Terraform 1.0 compares numbers at 512-bit precision: every decimal that
/// is not exact in binary (0.8, 0.95, 1999.99, 123.45, 12.3, 0.005, 1.1) must
/// read back as written, or the plan never settles. The blue-green rollout's
/// ratios are in the same configuration so every resource's decimals are covered.
#[test]
fn non_binary_decimals_read_back_as_written_on_every_terraform() {
    for_each_terraform(|tf| {
        let emu = Emulator::start_with(&["--op-latency", "100ms"])?;
        emu.admin_post(
            "/_emulator/run/behaviors",
            &json!({"image": "img:v1", "rps": 100000}),
        )?;
        let config = format!(
            r#"{required}
{provider}
resource "platform_budget_guard" "prod" {{
  billing_account = "{ACCOUNT}"
  display_name    = "decimals"
  amount          = 1999.99
  threshold {{
    percent = 0.3
  }}
  threshold {{
    percent = 0.8
  }}
  threshold {{
    percent = 0.95
  }}
  tenant {{
    name  = "acme"
    limit = 123.45
    label {{
      key   = "tenant"
      value = "acme"
    }}
  }}
  cost_metric {{
    spike_usd_per_hour = 12.3
  }}
}}

resource "platform_blue_green_service" "api" {{
  name                = "api"
  deletion_protection = false
  template {{
    containers {{
      image = "img:v1"
    }}
  }}
  rollout {{
    steps             = [5, 25, 50, 100]
    bake_duration     = "300ms"
    max_error_rate    = 0.005
    max_latency_ratio = 1.1
  }}
}}
"#,
            required = required_providers(),
            provider = emu.provider_block(""),
        );
        let ws = Workspace::new(tf, &[("main.tf", &config)])?;
        ws.init()?;
        ws.apply()?;
        let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        check(plan.code == Some(0), || {
            format!("Terraform {}: decimals re-plan: {plan}", tf.version)
        })?;
        ws.destroy().map(drop)
    });
}
