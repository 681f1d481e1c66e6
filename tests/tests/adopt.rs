//! `platform adopt` end to end: the guide's objects are built by hand in the
//! emulator (a Cloud Run service, a LiveKit cluster, a budget, plus a service
//! the root has no place for); `platform adopt` writes `import` blocks at the
//! root's own addresses (module paths included); the plan then imports, adds
//! nothing and destroys nothing, the apply takes the objects over and the next
//! plan is empty, with every object the one that was there before.

use e2e::{
    build_livekit, build_livekit_by_hand, copy_tree, create_budget_by_hand, create_budget_with,
    create_channel_by_hand, deploy_run_service, for_each_terraform_at_least, livekit_settings,
    platform_cmd, required_providers, workspace_root, Emulator, HandBuiltLivekit, HarnessError,
    Terraform, Workspace, GUIDE_ACCOUNT, MODULES_MIN_TERRAFORM,
};
use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

const ZONES: [&str; 3] = ["us-central1-a", "us-central1-b", "us-central1-c"];

/// A root with the service at the top, the cluster in a module and the guard at the top.
fn root(emu: &Emulator) -> Vec<(String, String)> {
    let main = format!(
        r#"{required}
{provider}
resource "platform_blue_green_service" "api" {{
  name                = "api"
  deletion_protection = true
  template {{
    containers {{
      image = "img:v1"
    }}
  }}
}}

module "media" {{
  source = "./media"
}}

resource "platform_budget_guard" "prod" {{
  billing_account = "{GUIDE_ACCOUNT}"
  display_name    = "Production Monthly Budget"
  amount          = 2000
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(""),
    );
    let media = format!(
        r#"{required}
resource "platform_livekit_cluster" "lk" {{
  name  = "livekit"
  zones = {zones}
{livekit}
}}
"#,
        required = required_providers(),
        zones = serde_json::to_string(&ZONES).unwrap_or_default(),
        livekit = livekit_settings(""),
    );
    vec![("main.tf".into(), main), ("media/main.tf".into(), media)]
}

/// A workspace holding [`root`].
fn workspace<'a>(tf: &'a Terraform, emu: &Emulator) -> Result<Workspace<'a>, HarnessError> {
    let files = root(emu);
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Workspace::new(tf, &files)
}

/// `platform adopt --dir <dir>` with `env` on top of the emulator's.
fn adopt(
    tf: &Terraform,
    emu: &Emulator,
    dir: &Path,
    env: &[(&str, &str)],
) -> Result<Output, HarnessError> {
    platform_cmd(tf, emu)?
        .args(["adopt", "--dir"])
        .arg(dir)
        .envs(env.iter().copied())
        .output()
        .map_err(HarnessError::io("running platform adopt"))
}

/// Every object's identity stamp (uid, id or name), by key.
fn stamps(emu: &Emulator) -> Result<Vec<(String, Value)>, HarnessError> {
    let all = emu.resources()?;
    Ok(all
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            k.contains("/services/")
                || k.contains("/instances/livekit-server-")
                || k.ends_with("/backendServices/livekit")
                || (k.contains("/budgets/") && !k.ends_with("/iamPolicy"))
        })
        .filter(|(k, _)| !k.contains("/revisions/"))
        .map(|(k, v)| {
            let stamp = v["uid"]
                .as_str()
                .or(v["id"].as_str())
                .or(v["name"].as_str());
            (k.clone(), json!(stamp))
        })
        .collect())
}

#[test]
fn adopt_writes_imports_that_take_the_guide_over_in_place() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "import blocks", |tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let containers = json!({"containers": [{}]});
        deploy_run_service(&emu, "api", "img:v1", containers.clone())?;
        deploy_run_service(&emu, "legacy-worker", "img:v1", containers)?;
        build_livekit_by_hand(&emu, "livekit", &ZONES)?;
        let budget = create_budget_by_hand(&emu, "Production Monthly Budget", "2000")?;
        let before = stamps(&emu)?;

        let ws = workspace(tf, &emu)?;
        let out = adopt(tf, &emu, ws.dir(), &[])?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        let imports = std::fs::read_to_string(ws.dir().join("imports.tf"))
            .map_err(HarnessError::io("reading imports.tf"))?;
        for (to, id) in [
            (
                "platform_blue_green_service.api",
                "projects/platform-local/locations/us-central1/services/api".to_owned(),
            ),
            (
                "module.media.platform_livekit_cluster.lk",
                "projects/platform-local/global/backendServices/livekit".to_owned(),
            ),
            ("platform_budget_guard.prod", budget.clone()),
        ] {
            assert!(
                imports.contains(&format!("  to = {to}\n  id = \"{id}\"\n")),
                "{imports}"
            );
        }
        assert!(
            stdout.contains("platform_blue_green_service: projects/platform-local/locations/us-central1/services/legacy-worker"),
            "the service the root has no place for is reported:\n{stdout}"
        );
        assert_eq!(stamps(&emu)?, before, "adopt itself must change nothing");

        let plan = ws.plan()?.combined();
        assert!(
            plan.contains("Plan: 3 to import, 0 to add,") && plan.contains(" 0 to destroy."),
            "{plan}"
        );
        ws.apply()?;
        let again = ws.run(&["plan", "-detailed-exitcode"], &[])?;
        assert_eq!(again.code, Some(0), "plan after adopting:\n{again}");
        assert_eq!(stamps(&emu)?, before, "an adopted object was recreated");
        Ok(())
    });
}

#[test]
fn adopt_refuses_an_unknown_root_and_missing_credentials_without_writing() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "import blocks", |tf| {
        let emu = Emulator::start()?;
        let missing = adopt(tf, &emu, Path::new("/nonexistent/root"), &[])?;
        let err = String::from_utf8_lossy(&missing.stderr);
        assert!(
            !missing.status.success() && err.contains("/nonexistent/root does not exist"),
            "{err}"
        );

        let ws = workspace(tf, &emu)?;
        let no_key = adopt(
            tf,
            &emu,
            ws.dir(),
            &[("GOOGLE_CREDENTIALS", "/nonexistent/key.json")],
        )?;
        let err = String::from_utf8_lossy(&no_key.stderr);
        assert!(
            !no_key.status.success() && err.contains("GOOGLE_CREDENTIALS"),
            "{err}"
        );
        assert!(
            !ws.dir().join("imports.tf").exists(),
            "nothing written on failure"
        );
        Ok(())
    });
}

/// The guide's production as deploy.sh and the console leave it, under the
/// guide's names: `api-prod-service` serving 100 % from one revision; LiveKit
/// `livekit-server-{a,b,c}` behind `livekit-backend` with
/// `livekit-health-check`; "Production Monthly Budget" notifying an e-mail
/// channel, with Slack and PagerDuty channels beside it that no budget links.
/// Node and budget settings are the guide's, which the modules' defaults are.
fn build_guide_production(emu: &Emulator) -> Result<String, HarnessError> {
    // Production traffic, so the module's template rolls out to the adopted
    // service with conclusive evidence at every step.
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": "us-docker.pkg.dev/platform/api/api:v1", "rps": 100000}),
    )?;
    deploy_run_service(
        emu,
        "api-prod-service",
        "us-docker.pkg.dev/platform/api/api:v1",
        json!({"containers": [{}]}),
    )?;
    build_livekit(
        emu,
        &HandBuiltLivekit {
            health_check: "livekit-health-check",
            by_zone_letter: true,
            image: "projects/cos-cloud/global/images/family/cos-stable",
            tags: &["livekit"],
            service_account: Some("livekit-node@platform-local.iam.gserviceaccount.com"),
            ..HandBuiltLivekit::new("livekit-backend", &ZONES)
        },
    )?;
    let email = create_channel_by_hand(
        emu,
        "email",
        "Finance",
        json!({"email_address": "finance@example.com"}),
    )?;
    create_channel_by_hand(
        emu,
        "slack",
        "Slack #billing-alerts",
        json!({"channel_name": "#billing-alerts", "auth_token": "xoxb-guide"}),
    )?;
    create_channel_by_hand(
        emu,
        "pagerduty",
        "PagerDuty on-call",
        json!({"service_key": "pd-guide"}),
    )?;
    create_budget_with(
        emu,
        "Production Monthly Budget",
        "2000",
        &[0.5, 0.8, 1.0],
        &[email],
    )
}

/// Every guide object's identity stamp, by key: the service, the nodes, the
/// health check, the backend service, the budget and the channels.
fn guide_stamps(emu: &Emulator) -> Result<Vec<(String, Value)>, HarnessError> {
    Ok(stamps(emu)?
        .into_iter()
        .chain(
            emu.resources()?
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| {
                    k.ends_with("/healthChecks/livekit-health-check")
                        || k.ends_with("/backendServices/livekit-backend")
                        || k.contains("/notificationChannels/")
                })
                .map(|(k, v)| (k.clone(), v["id"].clone())),
        )
        .collect())
}

/// `platform adopt` on examples/local itself, against the guide's production
/// built by hand under the guide's names.
#[test]
fn adopt_takes_the_guides_production_over_in_examples_local() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "import blocks", |tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let budget = build_guide_production(&emu)?;
        let before = guide_stamps(&emu)?;

        let tree = tempfile::tempdir().map_err(HarnessError::io("tempdir"))?;
        for part in ["examples/local", "modules"] {
            copy_tree(&workspace_root().join(part), &tree.path().join(part))?;
        }
        let dir = tree.path().join("examples/local");
        let vars = [
            // The data directory `platform adopt` initialised, for the runs below.
            ("TF_DATA_DIR", dir.join(".terraform").display().to_string()),
            ("TF_VAR_emulator_url", emu.url().to_owned()),
            (
                "TF_VAR_credentials_file",
                emu.credentials_path().display().to_string(),
            ),
        ];
        let env: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = adopt(tf, &emu, &dir, &env)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .map_err(HarnessError::io("reading adopt output"))
        };
        let imports = read("imports.tf")?;
        for (to, id) in [
            (
                "module.services.platform_blue_green_service.service[\"api\"]",
                "projects/platform-local/locations/us-central1/services/api-prod-service",
            ),
            (
                "module.livekit.platform_livekit_cluster.main",
                "projects/platform-local/global/backendServices/livekit-backend",
            ),
            ("module.budget.platform_budget_guard.main", budget.as_str()),
        ] {
            assert!(
                imports.contains(&format!("  to = {to}\n  id = \"{id}\"\n")),
                "{imports}"
            );
        }
        let tfvars = read("adopt.auto.tfvars")?;
        for line in [
            "budget_display_name = \"Production Monthly Budget\"\n",
            "livekit_name = \"livekit-backend\"\n",
            "service_names = {\n  \"api\" = \"api-prod-service\"\n}\n",
        ] {
            assert!(tfvars.contains(line), "{tfvars}");
        }
        for create in ["[\"websocket\"]", "[\"agent\"]"] {
            assert!(
                stdout.contains(&format!(
                    "  module.services.platform_blue_green_service.service{create}\n"
                )),
                "what nothing matches is reported as created:\n{stdout}"
            );
        }
        assert_eq!(
            guide_stamps(&emu)?,
            before,
            "adopt itself must change nothing"
        );

        let ws = Workspace::new(tf, &[])?;
        let chdir = format!("-chdir={}", dir.display());
        let plan = ws.run_ok(&[chdir.as_str(), "plan"], &env)?;
        let text = plan.combined();
        assert!(
            text.contains("Plan: 3 to import, 2 to add,") && text.contains(" 0 to destroy."),
            "only the two services the guide lacks are added:\n{text}"
        );
        assert!(!text.contains("must be replaced"), "{text}");
        ws.run_ok(&[chdir.as_str(), "apply", "-auto-approve"], &env)?;
        let again = ws.run(&[chdir.as_str(), "plan", "-detailed-exitcode"], &env)?;
        assert_eq!(again.code, Some(0), "plan after adopting:\n{again}");
        // Adopting again finds nothing left to take over and keeps the names.
        let out = adopt(tf, &emu, &dir, &env)?;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("Nothing this root would create exists yet."),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(read("adopt.auto.tfvars")?, tfvars, "the names stay");
        // What the guide had is still there unchanged; new are only the two
        // services and the guard's tenant budget, never a channel.
        let after: Vec<(String, Value)> = guide_stamps(&emu)?
            .into_iter()
            .filter(|(k, _)| {
                before.iter().any(|(b, _)| b == k) || k.contains("/notificationChannels/")
            })
            .collect();
        assert_eq!(
            after, before,
            "an adopted object was recreated, or a channel was twinned"
        );
        Ok(())
    });
}
