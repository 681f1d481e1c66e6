//! Cross-type `moved` from hashicorp/google into the composites, with real
//! Terraform (>= 1.8; older versions are skipped with a note): the guide's
//! objects are built by hand in the emulator, the state holds them as
//! hashicorp/google 7.x writes them (the google stand-in is installed because
//! the state names its provider), and `moved` blocks hand them to
//! `platform_blue_green_service`, `platform_livekit_cluster` and
//! `platform_budget_guard`. The plan moves, adds nothing and destroys nothing;
//! after the apply a second plan is empty and every object is the one that was
//! there before.

use e2e::{
    build_livekit_by_hand, create_budget_by_hand, deploy_run_service, for_each_terraform_at_least,
    livekit_settings, Emulator, HarnessError, Workspace, GOOGLE_SOURCE, GOOGLE_STANDIN_VERSION,
    GUIDE_ACCOUNT, GUIDE_PROJECT, PROVIDER_SOURCE, PROVIDER_VERSION,
};
use serde_json::{json, Value};

/// Cross-type moves (`MoveResourceState`) exist since Terraform 1.8.
const MOVED_MIN_TERRAFORM: &str = "1.8";
const ZONES: [&str; 3] = ["us-central1-a", "us-central1-b", "us-central1-c"];
const BUDGET_NAME: &str = "Production Monthly Budget";

/// The state hashicorp/google 7.x keeps for the three objects (the attributes
/// that name them; Terraform hands the JSON to the target provider as stored).
fn google_state(service: &Value, budget: &str) -> Value {
    let google = r#"provider["registry.terraform.io/hashicorp/google"]"#;
    let backend = format!("{GUIDE_PROJECT}/global/backendServices/livekit");
    let instance = |version: i64, attributes: Value| {
        json!([{"schema_version": version, "attributes": attributes,
            "sensitive_attributes": [], "identity_schema_version": 0}])
    };
    json!({
        "version": 4,
        "terraform_version": "1.8.0",
        "serial": 1,
        "lineage": "6a0c2c43-5d2b-4c61-9f3e-2f1b0d7c9e11",
        "outputs": {},
        "resources": [
            {"mode": "managed", "type": "google_cloud_run_v2_service", "name": "api",
             "provider": google, "instances": instance(0, json!({
                "id": service["name"], "name": "api", "project": "platform-local",
                "location": "us-central1", "uid": service["uid"], "deletion_protection": true,
                "create_time": service["createTime"], "etag": service["etag"],
             }))},
            {"mode": "managed", "type": "google_compute_backend_service", "name": "livekit",
             "provider": google, "instances": instance(1, json!({
                "id": backend, "name": "livekit", "project": "platform-local",
                "self_link": format!("https://www.googleapis.com/compute/v1/{backend}"),
                "protocol": "TCP", "port_name": "livekit-http", "timeout_sec": 36000,
             }))},
            {"mode": "managed", "type": "google_billing_budget", "name": "monthly",
             "provider": google, "instances": instance(1, json!({
                "id": budget, "billing_account": GUIDE_ACCOUNT,
                // 7.x stores the budget's own ID here.
                "name": budget.rsplit('/').next().unwrap_or_default(),
                "display_name": BUDGET_NAME,
             }))},
        ],
    })
}

/// The composites that take the objects over, with the `moved` blocks.
fn composites(emu: &Emulator) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    platform = {{
      source  = "{PROVIDER_SOURCE}"
      version = "{PROVIDER_VERSION}"
    }}
    # The state names hashicorp/google, so `init` must install it.
    google = {{
      source  = "{GOOGLE_SOURCE}"
      version = "{GOOGLE_STANDIN_VERSION}"
    }}
  }}
}}

{provider}
moved {{
  from = google_cloud_run_v2_service.api
  to   = platform_blue_green_service.api
}}

moved {{
  from = google_compute_backend_service.livekit
  to   = platform_livekit_cluster.lk
}}

moved {{
  from = google_billing_budget.monthly
  to   = platform_budget_guard.prod
}}

resource "platform_blue_green_service" "api" {{
  name                = "api"
  deletion_protection = true
  template {{
    timeout                          = "300s"
    max_instance_request_concurrency = 80
    scaling {{
      min_instance_count = 2
      max_instance_count = 20
    }}
    containers {{
      image = "img:v1"
      resources {{
        cpu    = "2"
        memory = "4Gi"
      }}
    }}
  }}
}}

resource "platform_livekit_cluster" "lk" {{
  name  = "livekit"
  zones = {zones}
{livekit}
}}

resource "platform_budget_guard" "prod" {{
  billing_account = "{GUIDE_ACCOUNT}"
  display_name    = "{BUDGET_NAME}"
  amount          = 2000
}}
"#,
        provider = emu.provider_block(""),
        zones = serde_json::to_string(&ZONES).unwrap_or_default(),
        livekit = livekit_settings(""),
    )
}

/// What must survive the takeover untouched: the service (by its uid), the
/// VMs, the backend service and the budget (by name).
fn originals(emu: &Emulator) -> Result<Vec<(String, Value)>, HarnessError> {
    let all = emu.resources()?;
    let mut kept: Vec<(String, Value)> = all
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            k.ends_with("/services/api")
                || k.contains("/instances/livekit-server-")
                || k.ends_with("/backendServices/livekit")
                || (k.contains("/budgets/") && !k.ends_with("/iamPolicy"))
        })
        .map(|(k, v)| {
            let stamp = v["uid"]
                .as_str()
                .or(v["id"].as_str())
                .or(v["name"].as_str())
                .unwrap_or_default();
            (k.clone(), json!(stamp))
        })
        .collect();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(kept)
}

#[test]
fn moved_from_hashicorp_google_adopts_without_replacing() {
    for_each_terraform_at_least(MOVED_MIN_TERRAFORM, "cross-type moved", |tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let template = json!({
            "timeout": "300s", "maxInstanceRequestConcurrency": 80,
            "scaling": {"minInstanceCount": 2, "maxInstanceCount": 20},
            "containers": [{"resources": {"limits": {"cpu": "2", "memory": "4Gi"}}}],
        });
        let service = deploy_run_service(&emu, "api", "img:v1", template)?;
        build_livekit_by_hand(&emu, "livekit", &ZONES)?;
        let budget = create_budget_by_hand(&emu, BUDGET_NAME, "2000")?;
        let before = originals(&emu)?;
        assert_eq!(
            before.len(),
            6,
            "service, 3 VMs, backend, budget: {before:?}"
        );

        let state = format!("{:#}", google_state(&service, &budget));
        let ws = Workspace::new(
            tf,
            &[
                ("main.tf", &composites(&emu)),
                ("terraform.tfstate", &state),
            ],
        )?;
        ws.init()?;
        let untouched = emu.resources()?;
        let plan = ws.plan()?.combined();
        for (from, to) in [
            (
                "google_cloud_run_v2_service.api",
                "platform_blue_green_service.api",
            ),
            (
                "google_compute_backend_service.livekit",
                "platform_livekit_cluster.lk",
            ),
            (
                "google_billing_budget.monthly",
                "platform_budget_guard.prod",
            ),
        ] {
            // A move alone reads "has moved to"; a move with changes names its source.
            assert!(
                plan.contains(&format!("# {from} has moved to {to}"))
                    || plan.contains(&format!(
                        "# {to} will be updated in-place\n  # (moved from {from})"
                    )),
                "{plan}"
            );
        }
        assert!(
            plan.contains("Plan: 0 to add,")
                && plan.contains(" 0 to destroy.")
                && !plan.contains("must be replaced"),
            "a move must neither create nor destroy anything:\n{plan}"
        );
        // The Cloud Run service matches its configuration: nothing to change there.
        assert!(
            !plan.contains("platform_blue_green_service.api will be updated"),
            "{plan}"
        );
        assert_eq!(
            emu.resources()?,
            untouched,
            "planning a move changed objects"
        );

        ws.apply()?;
        let again = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        assert_eq!(again.code, Some(0), "plan after the move's apply:\n{again}");
        assert_eq!(originals(&emu)?, before, "an adopted object was recreated");
        let list = ws.run_ok(&["state", "list"], &[])?.stdout;
        assert!(!list.contains("google_"), "{list}");
        Ok(())
    });
}

#[test]
fn moved_from_an_unsupported_type_is_refused_and_nothing_changes() {
    for_each_terraform_at_least(MOVED_MIN_TERRAFORM, "cross-type moved", |tf| {
        let emu = Emulator::start()?;
        let service = deploy_run_service(&emu, "api", "img:v1", json!({"containers": [{}]}))?;
        let budget = create_budget_by_hand(&emu, BUDGET_NAME, "2000")?;
        let state = format!("{:#}", google_state(&service, &budget));
        let config = composites(&emu).replace(
            "from = google_compute_backend_service.livekit",
            "from = google_billing_budget.monthly",
        );
        let config = config.replace(
            "moved {\n  from = google_billing_budget.monthly\n  to   = platform_budget_guard.prod\n}\n",
            "",
        );
        let ws = Workspace::new(tf, &[("main.tf", &config), ("terraform.tfstate", &state)])?;
        ws.init()?;
        let plan = ws.run(&["plan"], &[])?;
        let text = plan.combined();
        assert!(
            !plan.success()
                && text.contains("Unsupported move")
                && text.contains("google_compute_backend_service"),
            "{plan}"
        );
        let kept = std::fs::read_to_string(ws.dir().join("terraform.tfstate"))
            .map_err(HarnessError::io("reading state"))?;
        assert_eq!(kept, state, "a refused move must leave the state alone");
        Ok(())
    });
}
