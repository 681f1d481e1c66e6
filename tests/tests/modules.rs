//! The bundled modules that use only this provider (`modules/services`, `modules/livekit`,
//! `modules/budget`), end to end on every Terraform >= 1.5 found: a root calling all three
//! with their inputs given applies against the emulator with the guide's production values,
//! plans clean and destroys. On Terraform >= 1.6 each module's `tests/*.tftest.hcl` (variable
//! validation) runs under `terraform test`. Older versions are skipped inside the loop:
//! 1.0.x cannot parse `optional()` in the modules' variable types.

use std::path::Path;

use e2e::{
    budget_threshold_percents, for_each_terraform_at_least, hcl_string, required_providers,
    workspace_root, Emulator, HarnessError, Terraform, Workspace, DEFAULT_PROJECT,
    MODULES_MIN_TERRAFORM,
};
use serde_json::Value;

const ACCOUNT: &str = "012345-6789AB-CDEF01";
/// The modules that need no hashicorp/google provider, so they can run here.
const PLATFORM_ONLY: [&str; 3] = ["services", "livekit", "budget"];
/// `terraform test` exists since 1.6.
const TEST_COMMAND_MIN: &str = "1.6";

fn module_dir(name: &str) -> std::path::PathBuf {
    workspace_root().join("modules").join(name)
}

/// A root calling the three modules with the inputs their google siblings would provide
/// (service accounts, secret IDs) given literally, and short bake/drain times.
fn root_config(emu: &Emulator) -> String {
    let source = |name: &str| hcl_string(&module_dir(name).display().to_string());
    let sa = |name: &str| format!("{name}@{DEFAULT_PROJECT}.iam.gserviceaccount.com");
    format!(
        r#"{required}
{provider}
module "services" {{
  source     = {services}
  project_id = "{DEFAULT_PROJECT}"
  images = {{
    api       = "img:api"
    websocket = "img:websocket"
    agent     = "img:agent"
  }}
  service_accounts = {{
    api       = "{api_sa}"
    websocket = "{ws_sa}"
    agent     = "{agent_sa}"
  }}
  secrets = {{
    DATABASE_URL = "database-url"
    JWT_SECRET   = "jwt-secret"
  }}
  vpc_connector       = "projects/{DEFAULT_PROJECT}/locations/us-central1/connectors/platform"
  deletion_protection = false
  rollout = {{
    bake_duration = "1s"
  }}
}}

module "livekit" {{
  source          = {livekit}
  project_id      = "{DEFAULT_PROJECT}"
  network         = "default"
  service_account = "{node_sa}"
  keys_secret     = "projects/{DEFAULT_PROJECT}/secrets/livekit-keys"
  redis_address   = "10.0.0.3:6379"
  rollout = {{
    drain_timeout  = "2s"
    health_timeout = "20s"
  }}
}}

module "budget" {{
  source          = {budget}
  billing_account = "{ACCOUNT}"
  project_id      = "{DEFAULT_PROJECT}"
  channels = {{
    emails = ["finance@example.com"]
  }}
  tenants = {{
    acme = {{ label_value = "acme" }}
  }}
}}

output "budget_name" {{
  value = module.budget.budget_name
}}

output "urls" {{
  value = module.services.urls
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(""),
        services = source("services"),
        livekit = source("livekit"),
        budget = source("budget"),
        api_sa = sa("platform-api"),
        ws_sa = sa("platform-websocket"),
        agent_sa = sa("platform-agent"),
        node_sa = sa("livekit-node"),
    )
}

/// Emulated resources whose name contains `infix`.
fn matching<'a>(all: &'a Value, infix: &str) -> Vec<(&'a String, &'a Value)> {
    all.as_object()
        .map(|m| m.iter().filter(|(k, _)| k.contains(infix)).collect())
        .unwrap_or_default()
}

/// The guide's three services: (name, min, max, cpu, memory, timeout, concurrency).
const GUIDE_SERVICES: [(&str, u64, u64, &str, &str, &str, u64); 3] = [
    ("platform-api", 2, 20, "2", "4Gi", "300s", 80),
    ("platform-websocket", 2, 10, "2", "4Gi", "3600s", 1000),
    ("platform-agent", 2, 10, "4", "8Gi", "3600s", 10),
];

fn assert_guide_services(all: &Value) {
    let services: Vec<_> = matching(all, "/services/")
        .into_iter()
        .filter(|(k, _)| !k.contains("/revisions/"))
        .collect();
    assert_eq!(services.len(), 3, "three Cloud Run services: {services:#?}");
    for (name, min, max, cpu, memory, timeout, concurrency) in GUIDE_SERVICES {
        let key = format!("projects/{DEFAULT_PROJECT}/locations/us-central1/services/{name}");
        let template = &all[&key]["template"];
        let container = &template["containers"][0];
        let context = || format!("{key}: {template:#}");
        assert_eq!(
            template["scaling"]["minInstanceCount"],
            min,
            "{}",
            context()
        );
        assert_eq!(
            template["scaling"]["maxInstanceCount"],
            max,
            "{}",
            context()
        );
        assert_eq!(
            container["resources"]["limits"]["cpu"],
            cpu,
            "{}",
            context()
        );
        assert_eq!(
            container["resources"]["limits"]["memory"],
            memory,
            "{}",
            context()
        );
        assert_eq!(template["timeout"], timeout, "{}", context());
        assert_eq!(
            template["maxInstanceRequestConcurrency"],
            concurrency,
            "{}",
            context()
        );
        assert_eq!(
            template["serviceAccount"],
            format!("{name}@{DEFAULT_PROJECT}.iam.gserviceaccount.com"),
            "{}",
            context()
        );
        assert_eq!(
            template["vpcAccess"]["egress"],
            "PRIVATE_RANGES_ONLY",
            "{}",
            context()
        );
        let env = container["env"].as_array().cloned().unwrap_or_default();
        let plain = |n: &str| {
            env.iter()
                .find(|e| e["name"] == n)
                .map(|e| e["value"].clone())
        };
        assert_eq!(
            plain("NODE_ENV"),
            Some("production".into()),
            "{}",
            context()
        );
        assert_eq!(plain("LOG_LEVEL"), Some("warn".into()), "{}", context());
        assert!(
            env.iter().any(|e| e["name"] == "DATABASE_URL"
                && e["valueSource"]["secretKeyRef"]["secret"] == "database-url"),
            "{}",
            context()
        );
    }
}

fn assert_guide_livekit(all: &Value) {
    let vms = matching(all, "/instances/");
    assert_eq!(vms.len(), 3, "three LiveKit VMs: {vms:#?}");
    for (name, vm) in vms {
        assert!(
            vm["machineType"]
                .as_str()
                .is_some_and(|m| m.ends_with("/machineTypes/n2-standard-4")),
            "{name}: {vm:#}"
        );
        assert_eq!(
            vm["serviceAccounts"][0]["email"],
            format!("livekit-node@{DEFAULT_PROJECT}.iam.gserviceaccount.com"),
            "{name}"
        );
    }
    let zones: std::collections::BTreeSet<_> = matching(all, "/instanceGroups/")
        .into_iter()
        .filter(|(k, _)| !k.ends_with("/members"))
        .filter_map(|(k, _)| k.split('/').nth(3))
        .collect();
    assert_eq!(zones.len(), 3, "one instance group per zone: {zones:?}");
    let backend = &all[format!("projects/{DEFAULT_PROJECT}/global/backendServices/livekit")];
    assert_eq!(backend["timeoutSec"], 3600, "{backend:#}");
}

fn assert_guide_budget(all: &Value, budget_name: &str) {
    let budget = &all[budget_name];
    let amount = &budget["amount"]["specifiedAmount"];
    assert_eq!(amount["units"], "2000", "{budget:#}");
    assert_eq!(amount["currencyCode"], "USD", "{budget:#}");
    let percents = budget_threshold_percents(budget);
    assert_eq!(percents, [0.5, 0.8, 1.0], "{budget:#}");
    // The per-tenant budget and its alert policy on the custom cost metric.
    assert_eq!(matching(all, "/budgets/").len(), 2, "main + tenant budget");
    let policies = matching(all, "/alertPolicies/");
    assert!(
        policies.iter().any(|(_, p)| p
            .to_string()
            .contains("custom.googleapis.com/platform/tenant_ai_cost_usd")),
        "an alert policy watches the tenant cost metric: {policies:#?}"
    );
}

fn apply_plan_destroy(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
    let ws = Workspace::new(tf, &[("main.tf", &root_config(&emu))])?;
    ws.init()?;
    ws.apply()?;

    let all = emu.resources()?;
    assert_guide_services(&all);
    assert_guide_livekit(&all);
    let outputs = ws.outputs()?;
    let budget_name = outputs["budget_name"].as_str().unwrap_or_default();
    assert_guide_budget(&all, budget_name);
    assert_eq!(
        outputs["urls"].as_object().map(|m| m.len()),
        Some(3),
        "{outputs:#}"
    );

    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(
        plan.code,
        Some(0),
        "plan after apply must be clean:\n{plan}"
    );

    ws.destroy()?;
    let left = emu.resource_names(|k| !k.starts_with("_emulator/"))?;
    assert!(left.is_empty(), "destroy left resources behind: {left:#?}");
    Ok(())
}

#[test]
fn platform_modules_apply_with_guide_values_plan_clean_and_destroy() {
    for_each_terraform_at_least(
        MODULES_MIN_TERRAFORM,
        "the bundled modules",
        apply_plan_destroy,
    );
}

/// The provider configuration `terraform test` needs, as the environment variables the
/// provider reads: the modules' test files carry no provider block.
fn emulator_env(emu: &Emulator) -> Vec<(String, String)> {
    let mut env = emu.provider_env();
    env.extend([
        ("GOOGLE_PROJECT".to_owned(), DEFAULT_PROJECT.to_owned()),
        ("GOOGLE_REGION".to_owned(), e2e::DEFAULT_REGION.to_owned()),
    ]);
    env
}

/// A workspace holding a copy of module `name` (its `.tf` files and `tests/`), so `init`
/// never writes into the repository.
fn module_copy<'a>(tf: &'a Terraform, name: &str) -> Result<(Workspace<'a>, usize), HarnessError> {
    let dir = module_dir(name);
    let ws = Workspace::new(tf, &[])?;
    std::fs::create_dir_all(ws.dir().join("tests"))
        .map_err(HarnessError::io("creating tests dir"))?;
    let mut runs = 0;
    for (sub, ext) in [("", "tf"), ("tests", "hcl")] {
        let from = dir.join(sub);
        let entries = std::fs::read_dir(&from)
            .map_err(HarnessError::io(format!("listing {}", from.display())))?;
        for entry in entries {
            let path = entry
                .map_err(HarnessError::io(format!("listing {}", from.display())))?
                .path();
            if path.extension().is_none_or(|e| e != ext) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(HarnessError::io(format!("reading {}", path.display())))?;
            runs += text.lines().filter(|l| l.starts_with("run \"")).count();
            let file = Path::new(sub).join(path.file_name().unwrap_or_default());
            ws.write_file(&file.display().to_string(), &text)?;
        }
    }
    Ok((ws, runs))
}

fn validations(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
    let env = emulator_env(&emu);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    for name in PLATFORM_ONLY {
        let (ws, runs) = module_copy(tf, name)?;
        assert!(runs > 0, "modules/{name}/tests has no run blocks");
        ws.init()?;
        let out = ws.run_ok(&["test", "-no-color"], &env)?;
        let summary = format!("Success! {runs} passed, 0 failed.");
        assert!(
            out.stdout.contains(&summary),
            "modules/{name}: expected {summary:?}:\n{out}"
        );
    }
    Ok(())
}

#[test]
fn platform_module_validations_pass_terraform_test() {
    for_each_terraform_at_least(TEST_COMMAND_MIN, "terraform test", validations);
}
