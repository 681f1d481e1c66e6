//! platform_budget_guard end to end: the guide's production budget on every
//! Terraform version found, against the emulator.

use e2e::{for_each_terraform, required_providers, Emulator, HarnessError, Terraform, Workspace};
use serde_json::{json, Value};

const ACCOUNT: &str = "012345-6789AB-CDEF01";
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
        let percents: Vec<f64> = budget["thresholdRules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["thresholdPercent"].as_f64())
            .collect();
        check(percents == [0.5, 0.8, 1.0], || format!("{percents:?}"))?;

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
    let client = reqwest::blocking::Client::new();
    let token: Value = client
        .get(format!(
            "{}/computeMetadata/v1/instance/service-accounts/default/token",
            emu.url()
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .and_then(|r| r.json())
        .map_err(|e| HarnessError::Admin {
            method: "GET",
            path: "token".into(),
            detail: e.to_string(),
        })?;
    let status = client
        .patch(format!("{}/v1/{name}?updateMask=displayName", emu.url()))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .json(&json!({"displayName": "edited in console"}))
        .send()
        .map_err(|e| HarnessError::Admin {
            method: "PATCH",
            path: name.into(),
            detail: e.to_string(),
        })?
        .status();
    check(status.is_success(), || {
        format!("console edit failed: {status}")
    })
}

#[test]
fn plan_time_errors_name_the_attribute() {
    let cases = [
        ("labels = { team = \"a\", env = \"b\" }".to_owned(), "labels", "Too many budget labels"),
        (emails(6), "finance5@example.com", "Too many e-mail channels"),
        ("tenant {\n    name = \"capped\"\n    project = \"platform-local\"\n    spend_cap = true\n  }".to_owned(), "service", "Spend cap rule violated"),
        ("custom_period {\n    start_date = \"2026-01-01\"\n  }\n  threshold {\n    percent = 1.0\n    basis = \"FORECASTED_SPEND\"\n  }".to_owned(), "basis", "FORECASTED_SPEND threshold needs calendar_period"),
    ];
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        for (body, attribute, summary) in &cases {
            let config = format!(
                "{}\n{}\nresource \"platform_budget_guard\" \"bad\" {{\n  billing_account = \"{ACCOUNT}\"\n  display_name = \"bad\"\n  amount = 10\n  {body}\n}}\n",
                required_providers(),
                emu.provider_block("")
            );
            let ws = Workspace::new(tf, &[("main.tf", &config)])?;
            ws.init()?;
            let out = ws.run(&["plan"], &[])?;
            check(
                !out.success() && out.stderr.contains(summary) && out.stderr.contains(attribute),
                || format!("{summary}: {out}"),
            )?;
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
        check(keys_with(&resources, "/alertPolicies/").len() == 2, || {
            "policies missing".into()
        })?;
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

#[test]
fn local_example_applies_and_destroys() {
    let root = e2e::workspace_root().join("examples/local");
    let read = |name: &str| {
        std::fs::read_to_string(root.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let (main, budget) = (read("main.tf"), read("budget.tf"));
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &main), ("budget.tf", &budget)])?;
        ws.init()?;
        let url = format!("emulator_url={}", emu.url());
        let creds = format!("credentials_file={}", emu.credentials_path().display());
        let vars = ["-var", url.as_str(), "-var", creds.as_str()];
        let apply: Vec<&str> = ["apply", "-auto-approve"]
            .iter()
            .copied()
            .chain(vars)
            .collect();
        let out = ws.run_ok(&apply, &[])?;
        check(
            out.stdout.contains("budget_guard") && !out.stdout.contains("xoxb-demo-placeholder"),
            || format!("{out}"),
        )?;
        check(keys_with(&emu.resources()?, "/budgets/").len() == 2, || {
            "example budgets missing".into()
        })?;
        let destroy: Vec<&str> = ["destroy", "-auto-approve"]
            .iter()
            .copied()
            .chain(vars)
            .collect();
        ws.run_ok(&destroy, &[])?;
        check(keys_with(&emu.resources()?, "/budgets/").is_empty(), || {
            "example budgets left".into()
        })
    });
}
