//! `examples/production` and every module under `modules/` on hashicorp/google's real
//! interface: the google stand-in (`tests/google-standin`, the vendored 6.50 schemas) is
//! installed as `hashicorp/google` 7.0.0 beside the real `platform-eng/platform` provider,
//! which plans against the emulator. On every Terraform >= 1.5 found (older ones are skipped
//! with a note): `validate` of each root, the production plan's resources per module,
//! `platform checklist` on it item by item, `platform deploy --plan-only` per `--skip-*`
//! flag, the google modules' `terraform test` plan assertions (>= 1.6), deliberate mistakes
//! failing with Terraform's own diagnostics, and stand-in state that reads and re-plans clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use e2e::{
    copy_tree, for_each_terraform_at_least, gcloud_compute_in, planned_modules, platform_cmd,
    workspace_root, CommandOutput, Emulator, HarnessError, Terraform, Workspace,
    MODULES_MIN_TERRAFORM,
};
use reqwest::Method;
use serde_json::{json, Value};

const PRODUCTION: &str = "examples/production";
const PROJECT: &str = "platform-prod";
/// `terraform test` exists since 1.6.
const TEST_COMMAND_MIN: &str = "1.6";
/// The alert channels, secrets included, as the example's README says to pass them.
const ALERT_CHANNELS: &str = r##"{ emails = ["oncall@platform.com"], slack_channel = "#platform-alerts", slack_token = "xoxb-test", pagerduty_service_key = "pd-test" }"##;

/// A workspace holding copies of `modules/` and `examples/production/`, in the repository's
/// layout so the root's `../../modules/*` sources resolve.
fn tree(tf: &Terraform) -> Result<Workspace<'_>, HarnessError> {
    let ws = Workspace::new(tf, &[])?;
    for dir in ["modules", PRODUCTION] {
        copy_tree(&workspace_root().join(dir), &ws.dir().join(dir))?;
    }
    Ok(ws)
}

/// Runs terraform in root `dir` (relative to the workspace) with a data dir of its own.
fn run_in(
    ws: &Workspace,
    dir: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<CommandOutput, HarnessError> {
    let chdir = format!("-chdir={dir}");
    let data = ws.dir().join(dir).join(".terraform");
    let data = data.display().to_string();
    let mut all_env = vec![("TF_DATA_DIR", data.as_str())];
    all_env.extend_from_slice(env);
    let mut all_args = vec![chdir.as_str()];
    all_args.extend_from_slice(args);
    ws.run(&all_args, &all_env)
}

fn ok(out: CommandOutput) -> Result<CommandOutput, HarnessError> {
    out.ok()
}

fn module_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace_root().join("modules"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn every_module_and_the_production_root_validate() {
    for_each_terraform_at_least(
        MODULES_MIN_TERRAFORM,
        "validate with hashicorp/google",
        |tf| {
            let ws = tree(tf)?;
            let modules = module_names();
            assert!(modules.len() >= 13, "modules/: {modules:?}");
            let roots = modules
                .iter()
                .map(|m| format!("modules/{m}"))
                .chain([PRODUCTION.to_owned()]);
            for root in roots {
                ok(run_in(&ws, &root, &["init", "-backend=false"], &[])?)?;
                let out = ok(run_in(&ws, &root, &["validate"], &[])?)?;
                assert!(
                    out.stdout.contains("The configuration is valid"),
                    "{root}:\n{out}"
                );
            }
            Ok(())
        },
    );
}

/// The production root made plannable here: a local backend instead of GCS (an override
/// file, as Terraform means them), the example's tfvars, and the platform provider pointed
/// at the emulator through its environment variables.
fn production_env(emu: &Emulator) -> Vec<(String, String)> {
    let mut env = emu.provider_env();
    env.push((
        "TF_VAR_alert_channels".to_owned(),
        ALERT_CHANNELS.to_owned(),
    ));
    env
}

fn plannable_production(ws: &Workspace) -> Result<PathBuf, HarnessError> {
    let root = ws.dir().join(PRODUCTION);
    std::fs::copy(
        root.join("terraform.tfvars.example"),
        root.join("terraform.tfvars"),
    )
    .map_err(HarnessError::io("copying terraform.tfvars.example"))?;
    std::fs::write(
        root.join("backend_override.tf"),
        "terraform {\n  backend \"local\" {}\n}\n",
    )
    .map_err(HarnessError::io("writing backend_override.tf"))?;
    Ok(root)
}

fn pairs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Every resource the guide's topology needs, by top-level module call. `service_identity`
/// is summarised: 3 accounts, 8 secrets, and each account reading each secret.
fn expected_plan() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        ("budget", vec!["platform_budget_guard.main"]),
        (
            "compliance",
            vec![
                "google_logging_project_bucket_config.audit",
                "google_logging_project_bucket_config.default",
                "google_logging_project_sink.audit",
                "google_project_iam_audit_config.all",
            ],
        ),
        (
            "database",
            vec![
                "google_sql_database.main[\"platform\"]",
                "google_sql_database_instance.primary",
                "google_sql_database_instance.replica[0]",
            ],
        ),
        (
            "edge",
            vec![
                "google_compute_backend_bucket.site[\"app\"]",
                "google_compute_backend_bucket.site[\"landing\"]",
                "google_compute_backend_service.run[\"api\"]",
                "google_compute_backend_service.run[\"websocket\"]",
                "google_compute_global_address.lb",
                "google_compute_global_forwarding_rule.http",
                "google_compute_global_forwarding_rule.https",
                "google_compute_managed_ssl_certificate.main",
                "google_compute_region_network_endpoint_group.run[\"api\"]",
                "google_compute_region_network_endpoint_group.run[\"websocket\"]",
                "google_compute_security_policy.backend",
                "google_compute_security_policy.edge",
                "google_compute_target_http_proxy.redirect",
                "google_compute_target_https_proxy.main",
                "google_compute_url_map.https",
                "google_compute_url_map.redirect",
            ],
        ),
        (
            "frontend",
            vec![
                "google_storage_bucket.site[\"app\"]",
                "google_storage_bucket.site[\"landing\"]",
                "google_storage_bucket_iam_member.public_read[\"app\"]",
                "google_storage_bucket_iam_member.public_read[\"landing\"]",
            ],
        ),
        ("livekit", vec!["platform_livekit_cluster.main"]),
        (
            "livekit_edge",
            vec![
                "google_compute_global_address.signal",
                "google_compute_global_forwarding_rule.signal",
                "google_compute_managed_ssl_certificate.signal",
                "google_compute_target_ssl_proxy.signal",
            ],
        ),
        (
            "livekit_identity",
            vec![
                "google_project_iam_member.role[\"node/roles/logging.logWriter\"]",
                "google_project_iam_member.role[\"node/roles/monitoring.metricWriter\"]",
                "google_secret_manager_secret.secret[\"livekit-keys\"]",
                "google_secret_manager_secret_iam_member.accessor[\"node/livekit-keys\"]",
                "google_service_account.account[\"node\"]",
            ],
        ),
        (
            "monitoring",
            vec![
                "google_monitoring_alert_policy.guide[\"api_error_rate\"]",
                "google_monitoring_alert_policy.guide[\"api_latency_p95\"]",
                "google_monitoring_alert_policy.guide[\"api_uptime\"]",
                "google_monitoring_alert_policy.guide[\"db_connections\"]",
                "google_monitoring_alert_policy.guide[\"livekit_packet_loss\"]",
                "google_monitoring_alert_policy.guide[\"redis_memory\"]",
                "google_monitoring_uptime_check_config.api",
            ],
        ),
        (
            "network",
            vec![
                "google_compute_firewall.admin[0]",
                "google_compute_firewall.health_checks",
                "google_compute_firewall.internal",
                "google_compute_global_address.private_services",
                "google_compute_network.vpc",
                "google_compute_router.main",
                "google_compute_router_nat.main",
                "google_compute_subnetwork.main",
                "google_service_networking_connection.private_services",
                "google_vpc_access_connector.main",
            ],
        ),
        ("redis", vec!["google_redis_instance.main"]),
        (
            "services",
            vec![
                "platform_blue_green_service.service[\"agent\"]",
                "platform_blue_green_service.service[\"api\"]",
                "platform_blue_green_service.service[\"websocket\"]",
            ],
        ),
    ])
}

const SERVICE_ACCOUNTS: [&str; 3] = ["agent", "api", "websocket"];
const SERVICE_SECRETS: [&str; 8] = [
    "database-url",
    "jwt-secret",
    "livekit-api-key",
    "livekit-api-secret",
    "openai-api-key",
    "redis-url",
    "sentry-dsn",
    "session-secret",
];

fn expected_service_identity() -> Vec<String> {
    let mut all: Vec<String> = SERVICE_SECRETS
        .iter()
        .map(|s| format!("google_secret_manager_secret.secret[\"{s}\"]"))
        .chain(SERVICE_ACCOUNTS.iter().flat_map(|a| {
            SERVICE_SECRETS.iter().map(move |s| {
                format!("google_secret_manager_secret_iam_member.accessor[\"{a}/{s}\"]")
            })
        }))
        .chain(
            SERVICE_ACCOUNTS
                .iter()
                .map(|a| format!("google_service_account.account[\"{a}\"]")),
        )
        .collect();
    all.sort();
    all
}

/// Resource addresses (relative to their top-level module call) planned for creation.
fn created_by_module(plan: &Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for change in plan["resource_changes"].as_array().into_iter().flatten() {
        assert_eq!(
            change["change"]["actions"],
            serde_json::json!(["create"]),
            "{}",
            change["address"]
        );
        let address = change["address"].as_str().unwrap_or_default();
        let rest = address.strip_prefix("module.").unwrap_or(address);
        let (module, local) = rest.split_once('.').unwrap_or(("(root)", rest));
        out.entry(module.to_owned())
            .or_default()
            .push(local.to_owned());
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

fn assert_production_plan(plan: &Value) {
    let mut got = created_by_module(plan);
    let identity = got.remove("service_identity").unwrap_or_default();
    assert_eq!(identity, expected_service_identity());
    let expected: BTreeMap<String, Vec<String>> = expected_plan()
        .into_iter()
        .map(|(m, list)| (m.to_owned(), list.into_iter().map(str::to_owned).collect()))
        .collect();
    assert_eq!(got, expected);
    // Commitments are off in the example (enable_commitments = false): no resource.
    let total: usize = expected.values().map(Vec::len).sum::<usize>() + identity.len();
    assert_eq!(total, 94);
}

/// Plausible planned values the stand-in must leave unknown or fill as the real provider.
fn assert_planned_values(plan: &Value) {
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let network = changes
        .iter()
        .find(|c| c["address"] == "module.network.google_compute_network.vpc")
        .map(|c| c["change"].clone())
        .unwrap_or_default();
    // project given; self_link and id computed, unknown until apply.
    assert_eq!(network["after"]["project"], PROJECT);
    assert_eq!(network["after_unknown"]["self_link"], true);
    assert_eq!(network["after_unknown"]["id"], true);
}

fn show_plan(ws: &Workspace, env: &[(&str, &str)]) -> Result<Value, HarnessError> {
    let out = ok(run_in(ws, PRODUCTION, &["show", "-json", "tfplan"], env)?)?;
    serde_json::from_str(&out.stdout).map_err(|e| HarnessError::BadOutput {
        command: "terraform show -json tfplan".into(),
        detail: e.to_string(),
    })
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn platform(
    tf: &Terraform,
    emu: &Emulator,
    root: &Path,
    args: &[&str],
) -> Result<Output, HarnessError> {
    let mut cmd = platform_cmd(tf, emu)?;
    cmd.args(args)
        .arg("--dir")
        .arg(root)
        .env("TF_DATA_DIR", root.join(".terraform"))
        .env("TF_VAR_alert_channels", ALERT_CHANNELS)
        .stdin(std::process::Stdio::null());
    cmd.output()
        .map_err(HarnessError::io("running the platform CLI"))
}

/// Checklist items and the resources each must have looked at, on the production plan.
const CHECKLIST: [(&str, &[&str]); 16] = [
    (
        "services-min-instances",
        &[
            "module.services.platform_blue_green_service.service[\"agent\"]",
            "module.services.platform_blue_green_service.service[\"api\"]",
            "module.services.platform_blue_green_service.service[\"websocket\"]",
        ],
    ),
    (
        "sql-regional",
        &["module.database.google_sql_database_instance.primary"],
    ),
    (
        "sql-replica",
        &["module.database.google_sql_database_instance.primary"],
    ),
    (
        "sql-backups",
        &["module.database.google_sql_database_instance.primary"],
    ),
    (
        "sql-pitr",
        &["module.database.google_sql_database_instance.primary"],
    ),
    (
        "sql-maintenance-window",
        &["module.database.google_sql_database_instance.primary"],
    ),
    ("redis-ha", &["module.redis.google_redis_instance.main"]),
    (
        "managed-certificates",
        &[
            "module.edge.google_compute_managed_ssl_certificate.main",
            "module.edge.google_compute_url_map.https",
            "module.edge.google_compute_url_map.redirect",
            "module.livekit_edge.google_compute_managed_ssl_certificate.signal",
        ],
    ),
    (
        "cloud-armor",
        &[
            "module.edge.google_compute_backend_bucket.site[\"app\"]",
            "module.edge.google_compute_backend_bucket.site[\"landing\"]",
            "module.edge.google_compute_backend_service.run[\"api\"]",
            "module.edge.google_compute_backend_service.run[\"websocket\"]",
        ],
    ),
    (
        "audit-logging",
        &["module.compliance.google_project_iam_audit_config.all"],
    ),
    (
        "budget-thresholds",
        &["module.budget.platform_budget_guard.main"],
    ),
    (
        "uptime-check",
        &["module.monitoring.google_monitoring_uptime_check_config.api"],
    ),
    (
        "error-rate-alert",
        &["module.monitoring.google_monitoring_alert_policy.guide[\"api_error_rate\"]"],
    ),
    (
        "latency-alert",
        &["module.monitoring.google_monitoring_alert_policy.guide[\"api_latency_p95\"]"],
    ),
    (
        "livekit-ha",
        &["module.livekit.platform_livekit_cluster.main"],
    ),
    (
        "no-plain-secrets",
        &[
            "module.services.platform_blue_green_service.service[\"agent\"]",
            "module.services.platform_blue_green_service.service[\"api\"]",
            "module.services.platform_blue_green_service.service[\"websocket\"]",
        ],
    ),
];

fn assert_checklist(report: &Value) {
    assert_eq!(report["source"], "plan", "{report:#}");
    let items = report["items"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = items.iter().filter_map(|i| i["id"].as_str()).collect();
    let expected_ids: Vec<&str> = CHECKLIST.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected_ids);
    for ((id, resources), item) in CHECKLIST.iter().zip(&items) {
        assert_eq!(item["status"], "pass", "{id}: {item:#}");
        let mut seen: Vec<&str> = item["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, *resources, "{id}");
    }
    assert_eq!(report["passed"], true);
}

/// `--skip-*` flags and the top-level modules the targeted plan then changes: the selected
/// stages' modules plus what they depend on (Terraform plans a target's dependencies).
const DEPLOYS: [(&str, &[&str]); 5] = [
    (
        "--skip-infrastructure",
        &[
            // monitoring reuses the budget's channels, so targeting it plans the budget.
            "budget",
            "database",
            "edge",
            "frontend",
            "livekit",
            "livekit_edge",
            "livekit_identity",
            "monitoring",
            "network",
            "redis",
            "service_identity",
            "services",
        ],
    ),
    (
        "--skip-database",
        &[
            "budget",
            "compliance",
            "database",
            "edge",
            "frontend",
            "livekit",
            "livekit_edge",
            "livekit_identity",
            "monitoring",
            "network",
            "redis",
            "service_identity",
            "services",
        ],
    ),
    (
        "--skip-livekit",
        &[
            "budget",
            "compliance",
            "database",
            "edge",
            "frontend",
            "monitoring",
            "network",
            "redis",
            "service_identity",
            "services",
        ],
    ),
    (
        "--skip-backend",
        &[
            "budget",
            "compliance",
            "database",
            "edge",
            "frontend",
            "livekit",
            "livekit_edge",
            "livekit_identity",
            "network",
            "redis",
            "service_identity",
            "services",
        ],
    ),
    (
        "--skip-frontend",
        &[
            "budget",
            "compliance",
            "database",
            "edge",
            "frontend",
            "livekit",
            "livekit_edge",
            "livekit_identity",
            "monitoring",
            "network",
            "redis",
            "service_identity",
            "services",
        ],
    ),
];

#[test]
fn production_plans_every_resource_passes_the_checklist_and_deploys_by_stage() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "the production plan", |tf| {
        let emu = Emulator::start_with(&["--project", PROJECT])?;
        let ws = tree(tf)?;
        let root = plannable_production(&ws)?;
        let env = production_env(&emu);
        let env = pairs(&env);
        ok(run_in(&ws, PRODUCTION, &["init"], &env)?)?;
        ok(run_in(&ws, PRODUCTION, &["plan", "-out=tfplan"], &env)?)?;
        let plan = show_plan(&ws, &env)?;
        assert_production_plan(&plan);
        assert_planned_values(&plan);

        let out = platform(tf, &emu, &root, &["checklist", "--format", "json"])?;
        assert!(out.status.success(), "{}", text(&out));
        let report: Value =
            serde_json::from_slice(&out.stdout).map_err(|e| HarnessError::BadOutput {
                command: "platform checklist --format json".into(),
                detail: format!("{e}\n{}", text(&out)),
            })?;
        assert_checklist(&report);

        for (skip, modules) in DEPLOYS {
            let out = platform(tf, &emu, &root, &["deploy", skip, "--plan-only"])?;
            assert!(out.status.success(), "{skip}: {}", text(&out));
            let planned = planned_modules(tf, &root, ".terraform/platform-deploy.tfplan")?;
            assert_eq!(planned, modules, "{skip}");
        }
        adopt_finds_the_existing_network(tf, &emu, &root)
    });
}

/// `platform adopt` on the production root where the guide's network already
/// exists under the guide's names: the project's one custom VPC and its one
/// subnet in the region are found although the root names them otherwise,
/// imported under their own names in Compute's format, and their names written
/// to `adopt.auto.tfvars` (the root's `network_name` / `subnet_name`); the
/// same run plans again with them and finds the firewall rule named after the
/// VPC; the console-made alert policy is found by its display name. A
/// firewall rule that does not exist is left to the apply. The guide's Cloud
/// SQL instance (whose name the operator gave the root: `database_name`) and
/// its database, the Redis instance and a secret, made as gcloud would, are
/// found at their import IDs; the replica, not made, is left to the apply.
/// `--project` sets the root's project variable.
fn adopt_finds_the_existing_network(
    tf: &Terraform,
    emu: &Emulator,
    root: &Path,
) -> Result<(), HarnessError> {
    let project = format!("projects/{PROJECT}");
    gcloud_compute_in(
        emu,
        &project,
        Method::POST,
        "global/networks",
        json!({"name": "platform-prod-vpc", "autoCreateSubnetworks": false}),
    )?;
    gcloud_compute_in(
        emu,
        &project,
        Method::POST,
        "regions/us-central1/subnetworks",
        json!({"name": "platform-prod-subnet-us-central1", "ipCidrRange": "10.10.0.0/20",
               "network": format!("{project}/global/networks/platform-prod-vpc")}),
    )?;
    // Named after the VPC: found only once a second plan uses network_name.
    gcloud_compute_in(
        emu,
        &project,
        Method::POST,
        "global/firewalls",
        json!({"name": "platform-prod-vpc-allow-health-checks",
               "network": format!("{project}/global/networks/platform-prod-vpc"),
               "sourceRanges": ["35.191.0.0/16", "130.211.0.0/22"],
               "allowed": [{"IPProtocol": "tcp"}]}),
    )?;
    // The guide's alert, made in the console: found by its display name.
    let policy = emu.google_send(
        Method::POST,
        &format!("/v3/{project}/alertPolicies"),
        Some(&json!({
            "displayName": "API error rate > 5%",
            "combiner": "OR",
            "conditions": [{
                "displayName": "5xx ratio",
                "conditionThreshold": {
                    "filter": "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\"",
                    "comparison": "COMPARISON_GT",
                    "thresholdValue": 0.05,
                    "duration": "300s",
                    "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_RATE"}]
                }
            }]
        })),
    )?;
    let policy = policy["name"].as_str().unwrap_or_default().to_owned();
    let instances = format!("/sql/v1beta4/{project}/instances");
    emu.google_send(
        Method::POST,
        &instances,
        Some(
            &json!({"name": "platform-prod-db", "databaseVersion": "POSTGRES_16",
                     "region": "us-central1", "settings": {"tier": "db-custom-2-7680"}}),
        ),
    )?;
    let op = emu.google_send(
        Method::POST,
        &format!("{instances}/platform-prod-db/databases"),
        Some(&json!({"name": "platform"})),
    )?;
    // The database exists once its operation is done.
    let op_path = format!(
        "/sql/v1beta4/{project}/operations/{}",
        op["name"].as_str().unwrap_or_default()
    );
    for _ in 0..200 {
        if emu.google_send(Method::GET, &op_path, None)?["status"] == "DONE" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    emu.google_send(
        Method::POST,
        &format!("/v1/{project}/locations/us-central1/instances?instanceId=platform-redis"),
        Some(&json!({"tier": "STANDARD_HA", "memorySizeGb": 5})),
    )?;
    emu.google_send(
        Method::POST,
        &format!("/v1/{project}/secrets?secretId=livekit-keys"),
        Some(&json!({"replication": {"automatic": {}}})),
    )?;
    let names = root.join("guide-names.auto.tfvars");
    std::fs::write(&names, "database_name = \"platform-prod-db\"\n")
        .map_err(HarnessError::io("writing the guide's names"))?;
    let out = platform(tf, emu, root, &["adopt", "--project", PROJECT]);
    std::fs::remove_file(&names).map_err(HarnessError::io("removing the guide's names"))?;
    let out = out?;
    assert!(out.status.success(), "{}", text(&out));
    let imports = std::fs::read_to_string(root.join("imports.tf"))
        .map_err(HarnessError::io("reading imports.tf"))?;
    let tfvars = root.join("adopt.auto.tfvars");
    let written =
        std::fs::read_to_string(&tfvars).map_err(HarnessError::io("reading adopt.auto.tfvars"))?;
    std::fs::remove_file(&tfvars).map_err(HarnessError::io("removing adopt.auto.tfvars"))?;
    for line in [
        "network_name = \"platform-prod-vpc\"",
        "subnet_name = \"platform-prod-subnet-us-central1\"",
    ] {
        assert!(written.contains(line), "{line}:\n{written}");
    }
    for (to, id) in [
        (
            "module.network.google_compute_network.vpc",
            "projects/platform-prod/global/networks/platform-prod-vpc",
        ),
        (
            "module.network.google_compute_subnetwork.main",
            "projects/platform-prod/regions/us-central1/subnetworks/platform-prod-subnet-us-central1",
        ),
        (
            "module.network.google_compute_firewall.health_checks",
            "projects/platform-prod/global/firewalls/platform-prod-vpc-allow-health-checks",
        ),
        (
            "module.monitoring.google_monitoring_alert_policy.guide[\"api_error_rate\"]",
            policy.as_str(),
        ),
        (
            "module.database.google_sql_database_instance.primary",
            "projects/platform-prod/instances/platform-prod-db",
        ),
        (
            "module.database.google_sql_database.main[\"platform\"]",
            "projects/platform-prod/instances/platform-prod-db/databases/platform",
        ),
        (
            "module.redis.google_redis_instance.main",
            "projects/platform-prod/locations/us-central1/instances/platform-redis",
        ),
        (
            "module.livekit_identity.google_secret_manager_secret.secret[\"livekit-keys\"]",
            "projects/platform-prod/secrets/livekit-keys",
        ),
    ] {
        assert!(
            imports.contains(&format!("  to = {to}\n  id = {}\n", serde_json::to_string(id).unwrap_or_default())),
            "{imports}"
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "  module.network.google_compute_firewall.internal\n",
        "  module.database.google_sql_database_instance.replica[0]\n",
        "module.compliance.google_project_iam_audit_config.all: creating one that exists changes nothing",
    ] {
        assert!(stdout.contains(expected), "{expected}:\n{stdout}");
    }
    assert_eq!(
        imports.matches("import {").count(),
        8,
        "only what exists is imported:\n{imports}"
    );
    assert!(
        text(&out).contains("planning again so what is named after them is found"),
        "{}",
        text(&out)
    );

    // A second custom VPC: which one is production is not guessed.
    std::fs::remove_file(root.join("imports.tf"))
        .map_err(HarnessError::io("removing imports.tf"))?;
    gcloud_compute_in(
        emu,
        &project,
        Method::POST,
        "global/networks",
        json!({"name": "staging-vpc", "autoCreateSubnetworks": false}),
    )?;
    let out = platform(tf, emu, root, &["adopt", "--project", PROJECT])?;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("  module.network.google_compute_network.vpc\n"),
        "two VPCs: the root creates its own:\n{stdout}"
    );
    assert!(!root.join("adopt.auto.tfvars").exists(), "{stdout}");
    Ok(())
}

/// Google modules whose `tests/plan.tftest.hcl` assert on planned hashicorp/google values:
/// every module built on hashicorp/google alone (the composite-based ones are planned with the
/// emulator by their own e2e tests).
const PLAN_TESTED: [&str; 10] = [
    "commitments",
    "compliance",
    "database",
    "edge",
    "frontend",
    "livekit-edge",
    "monitoring",
    "network",
    "redis",
    "service-identity",
];

#[test]
fn google_modules_plan_assertions_pass_terraform_test() {
    for_each_terraform_at_least(
        TEST_COMMAND_MIN,
        "terraform test with hashicorp/google",
        |tf| {
            let ws = tree(tf)?;
            let mut failed = Vec::new();
            for name in PLAN_TESTED {
                let root = format!("modules/{name}");
                let test_file = ws.dir().join(&root).join("tests/plan.tftest.hcl");
                let runs = std::fs::read_to_string(&test_file)
                    .map_err(HarnessError::io(format!("reading {}", test_file.display())))?
                    .lines()
                    .filter(|l| l.starts_with("run \""))
                    .count();
                assert!(runs > 0, "{root}: no run blocks");
                ok(run_in(&ws, &root, &["init", "-backend=false"], &[])?)?;
                let out = run_in(&ws, &root, &["test", "-no-color"], &[])?;
                let summary = format!("Success! {runs} passed, 0 failed.");
                if out.code != Some(0) || !out.stdout.contains(&summary) {
                    failed.push(format!("{root}: expected {summary:?}:\n{out}"));
                }
            }
            assert!(failed.is_empty(), "{}", failed.join("\n\n"));
            Ok(())
        },
    );
}

/// One deliberate mistake: in root `root`, `file` gets `find` replaced by `replace` (or, with
/// an empty `find`, is created holding `replace`); `validate` must fail saying `expected`.
struct Mistake {
    what: &'static str,
    root: &'static str,
    file: &'static str,
    find: &'static str,
    replace: &'static str,
    expected: [&'static str; 2],
}

const MISTAKES: [Mistake; 5] = [
    Mistake {
        what: "a module given a wrongly typed variable",
        root: PRODUCTION,
        file: "mistake.tf",
        find: "",
        replace: r#"module "redis_typo" {
  source                 = "../../modules/redis"
  project_id             = var.project_id
  network_id             = module.network.network_id
  private_services_range = module.network.private_services_range
  instance = {
    memory_size_gb = "five"
  }
}
"#,
        expected: ["Invalid value for input variable", "a number is required"],
    },
    Mistake {
        what: "a missing required google argument",
        root: "modules/frontend",
        file: "main.tf",
        find: "  location                    = var.location\n",
        replace: "",
        expected: [
            "Missing required argument",
            r#"The argument "location" is required"#,
        ],
    },
    Mistake {
        what: "a reference to an output that does not exist",
        root: PRODUCTION,
        file: "main.tf",
        find: "module.redis.server_ca_cert",
        replace: "module.redis.server_ca_certificate",
        expected: [
            "Unsupported attribute",
            r#"does not have an attribute named "server_ca_certificate""#,
        ],
    },
    Mistake {
        what: "an attribute outside the schema",
        root: "modules/redis",
        file: "main.tf",
        find: "  memory_size_gb          = var.instance.memory_size_gb\n",
        replace: "  memory_size_gb          = var.instance.memory_size_gb\n  memory_size_mb          = 5120\n",
        expected: [
            "Unsupported argument",
            r#"An argument named "memory_size_mb" is not expected here"#,
        ],
    },
    Mistake {
        what: "more blocks than the schema's max_items",
        root: "modules/redis",
        file: "main.tf",
        find: "  maintenance_policy {\n",
        replace: "  persistence_config {\n    persistence_mode = \"RDB\"\n  }\n  persistence_config {\n    persistence_mode = \"AOF\"\n  }\n\n  maintenance_policy {\n",
        expected: ["Too many persistence_config blocks", "No more than 1"],
    },
];

#[test]
fn deliberate_mistakes_fail_with_terraforms_own_diagnostics() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "the mistake fixtures", |tf| {
        for m in &MISTAKES {
            let ws = tree(tf)?;
            let path = ws.dir().join(m.root).join(m.file);
            let text = if m.find.is_empty() {
                m.replace.to_owned()
            } else {
                let original = std::fs::read_to_string(&path)
                    .map_err(HarnessError::io(format!("reading {}", path.display())))?;
                assert!(
                    original.contains(m.find),
                    "{}: {} no longer contains {:?}; update the fixture",
                    m.what,
                    path.display(),
                    m.find
                );
                original.replacen(m.find, m.replace, 1)
            };
            std::fs::write(&path, text)
                .map_err(HarnessError::io(format!("writing {}", path.display())))?;
            ok(run_in(&ws, m.root, &["init", "-backend=false"], &[])?)?;
            let out = run_in(&ws, m.root, &["validate"], &[])?;
            assert!(!out.success(), "{}: validate passed:\n{out}", m.what);
            for needle in m.expected {
                assert!(
                    out.stderr.contains(needle),
                    "{}: expected {needle:?}:\n{out}",
                    m.what
                );
            }
        }
        Ok(())
    });
}

/// The types a cross-type `moved` starts from, at their schema versions, as the stand-in
/// stores them: apply fills IDs and self links in Google's formats, and the next plan (which
/// upgrades and reads that state) is empty.
const MOVE_SOURCES: &str = r#"
terraform {
  required_providers {
    google = { source = "hashicorp/google", version = "~> 7.0" }
  }
}

provider "google" {
  project = "platform-prod"
  region  = "us-central1"
}

resource "google_compute_backend_service" "livekit" {
  name = "livekit"
}

resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "us-central1"
  template {
    containers {
      image = "us-docker.pkg.dev/cloudrun/container/hello"
    }
  }
}

resource "google_billing_budget" "budget" {
  billing_account = "012345-6789AB-CDEF01"
  amount {
    specified_amount {
      units = "1000"
    }
  }
}
"#;

#[test]
fn standin_state_applies_in_googles_formats_and_replans_clean() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "the google stand-in", |tf| {
        let ws = Workspace::new(tf, &[("main.tf", MOVE_SOURCES)])?;
        ws.init()?;
        ws.apply()?;
        let out = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        assert_eq!(out.code, Some(0), "the re-plan is not empty:\n{out}");
        let state: Value = std::fs::read(ws.dir().join("terraform.tfstate"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        let resource = |kind: &str| {
            state["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["type"] == kind)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let backend = resource("google_compute_backend_service");
        assert_eq!(backend["instances"][0]["schema_version"], 1);
        let attrs = &backend["instances"][0]["attributes"];
        assert_eq!(
            attrs["id"],
            "projects/platform-prod/global/backendServices/livekit"
        );
        assert_eq!(
            attrs["self_link"],
            "https://www.googleapis.com/compute/v1/projects/platform-prod/global/backendServices/livekit"
        );
        let run = resource("google_cloud_run_v2_service");
        assert_eq!(run["instances"][0]["schema_version"], 0);
        assert_eq!(
            run["instances"][0]["attributes"]["id"],
            "projects/platform-prod/locations/us-central1/services/api"
        );
        let budget = resource("google_billing_budget");
        assert_eq!(budget["instances"][0]["schema_version"], 1);
        let name = budget["instances"][0]["attributes"]["name"]
            .as_str()
            .unwrap_or_default();
        assert!(
            name.starts_with("billingAccounts/012345-6789AB-CDEF01/budgets/"),
            "{name}"
        );
        Ok(())
    });
}
