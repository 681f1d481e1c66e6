//! The checklist against hand-built `terraform show -json` documents that
//! follow the production modules, and the `platform checklist` binary on them.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use platform_cli::checklist::{Report, Status, CHECKS};
use platform_cli::show::ShowDoc;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn report(name: &str) -> Report {
    Report::evaluate(&ShowDoc::parse(&std::fs::read(fixture(name)).unwrap(), name).unwrap())
}

#[test]
fn guide_faithful_plan_passes_every_item() {
    let report = report("checklist_guide_plan.json");
    assert_eq!(report.failed_ids(), Vec::<&str>::new(), "{report}");
    assert!(report.passed);
    assert_eq!(report.items.len(), CHECKS.len());
    // Every item looked at real resources (no vacuous passes) except the secret scan's
    // services, which it also inspects.
    for item in &report.items {
        assert!(!item.resources.is_empty(), "{} checked nothing", item.id);
    }
}

#[test]
fn guide_faithful_state_passes_every_item() {
    let report = report("checklist_guide_state.json");
    assert_eq!(report.source, "state");
    assert_eq!(report.failed_ids(), Vec::<&str>::new(), "{report}");
}

#[test]
fn five_violations_fail_exactly_those_items() {
    let report = report("checklist_five_violations_plan.json");
    assert_eq!(
        report.failed_ids(),
        [
            "services-min-instances",
            "sql-pitr",
            "redis-ha",
            "budget-thresholds",
            "no-plain-secrets"
        ]
    );
    let item = |id: &str| report.items.iter().find(|i| i.id == id).unwrap();
    let min = item("services-min-instances");
    assert_eq!(min.problems.len(), 1);
    assert_eq!(
        min.problems[0].address.as_deref(),
        Some("module.services.platform_blue_green_service.service[\"api\"]")
    );
    assert!(min.fix.unwrap().contains("min_instance_count"));
    assert!(item("sql-pitr").problems[0]
        .message
        .contains("transaction_log_retention_days is 3"));
    assert!(item("budget-thresholds").problems[0]
        .message
        .contains("80 %"));
    let secrets = &item("no-plain-secrets").problems[0];
    assert!(secrets.message.contains("SENTRY_DSN"));
    assert!(
        !secrets.message.contains("ingest.sentry.io"),
        "the secret value must not be echoed"
    );
    assert_eq!(item("redis-ha").status, Status::Fail);
    assert_eq!(item("sql-regional").status, Status::Pass);
}

#[test]
fn an_empty_configuration_fails_for_missing_resources() {
    let report = report("empty_plan.json");
    assert!(!report.passed);
    // Only the secret scan has nothing to complain about without resources.
    assert_eq!(report.failed_ids().len(), CHECKS.len() - 1);
}

fn platform(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_platform"))
        .args(args)
        .output()
        .unwrap()
}

/// `platform <args>`, which must succeed; its stdout.
fn platform_ok(args: &[&str]) -> String {
    let out = platform(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn binary_exits_1_with_json_naming_the_failures() {
    let out = platform(&[
        "checklist",
        "--json-file",
        fixture("checklist_five_violations_plan.json")
            .to_str()
            .unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["passed"], false);
    let failed: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "fail")
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 5);
    assert!(json["items"][0]["fix"].is_string());
}

#[test]
fn binary_table_passes_on_the_guide_plan() {
    let text = platform_ok(&[
        "checklist",
        "--json-file",
        fixture("checklist_guide_plan.json").to_str().unwrap(),
    ]);
    assert!(
        text.contains("✓  Memorystore Redis is STANDARD_HA"),
        "{text}"
    );
    assert!(text.contains("All 16 checks pass (plan)."), "{text}");
    assert!(!text.contains('✗'));
}

#[test]
fn rollout_status_binary_prints_both_services() {
    let text = platform_ok(&[
        "rollout",
        "status",
        "--json-file",
        fixture("rollout_state.json").to_str().unwrap(),
    ]);
    assert!(text.contains("platform-api  (module.services"), "{text}");
    assert!(text.contains("status     succeeded"), "{text}");
    assert!(text.contains("status     rolled_back"), "{text}");

    let out = platform(&[
        "rollout",
        "status",
        "nope",
        "--json-file",
        fixture("rollout_state.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("platform-api, platform-websocket"), "{err}");
}

#[test]
fn missing_terraform_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_platform"))
        .args([
            "checklist",
            "--state",
            "--dir",
            dir.path().to_str().unwrap(),
        ])
        .env("TERRAFORM", "/nonexistent/terraform")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("make setup"), "{err}");
}
