//! platform_blue_green_service end to end on every Terraform version found:
//! first deploy, a stepped rollout (traffic-only PATCHes 5 → 25 → 50 → 100),
//! a metric breach rolled back with an error and honest state, an unready
//! candidate, out-of-band drift, import and deletion protection.

use e2e::{for_each_terraform, required_providers, Emulator, HarnessError, Terraform, Workspace};
use serde_json::{json, Value};

const SERVICE: &str = "projects/platform-local/locations/us-central1/services/api";

fn admin(emu: &Emulator, path: &str, body: &Value) -> Result<(), HarnessError> {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}{path}", emu.url()))
        .json(body)
        .send()
        .map_err(|e| HarnessError::io(format!("POST {path}"))(std::io::Error::other(e)))?;
    assert!(
        resp.status().is_success(),
        "admin {path}: {}",
        resp.status()
    );
    Ok(())
}

/// Per-image behaviour: high request rates so short bakes see enough requests.
fn behaviors(emu: &Emulator) -> Result<(), HarnessError> {
    for (image, extra) in [
        ("img:v1", json!({})),
        ("img:v2", json!({})),
        ("img:v3", json!({"error_ratio": 0.02})),
        ("img:v4", json!({"p95_ms": 300})),
        ("img:broken", json!({"ready": false})),
    ] {
        let mut body = json!({"image": image, "rps": 10000});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        admin(emu, "/_emulator/run/behaviors", &body)?;
    }
    Ok(())
}

fn config(emu: &Emulator, image: &str, rollout_extra: &str, protect: bool) -> String {
    format!(
        r#"{required}
{provider}
resource "platform_blue_green_service" "api" {{
  name                = "api"
  deletion_protection = {protect}
  template {{
    timeout                          = "300s"
    max_instance_request_concurrency = 80
    scaling {{
      min_instance_count = 2
      max_instance_count = 20
    }}
    containers {{
      image = "{image}"
      resources {{
        cpu    = "2"
        memory = "4Gi"
      }}
    }}
  }}
  rollout {{
    steps         = [5, 25, 50, 100]
    bake_duration = "300ms"
    {rollout_extra}
  }}
}}

output "status" {{
  value = platform_blue_green_service.api.rollout_status
}}

output "stable" {{
  value = platform_blue_green_service.api.stable_revision
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(""),
    )
}

fn start() -> Result<Emulator, HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", "100ms"])?;
    behaviors(&emu)?;
    Ok(emu)
}

/// Candidate percents of the traffic-only PATCHes, in order.
fn traffic_steps(emu: &Emulator, candidate_prefix: &str) -> Result<Vec<i64>, HarnessError> {
    Ok(emu
        .requests()?
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/services/api"))
        .filter(|r| r.query["updateMask"] == "traffic")
        .filter_map(|r| {
            r.body["traffic"].as_array().and_then(|t| {
                t.iter()
                    .find(|x| {
                        x["revision"]
                            .as_str()
                            .is_some_and(|n| n.starts_with(candidate_prefix))
                            && x["tag"] == "candidate"
                    })
                    .and_then(|x| x["percent"].as_i64())
            })
        })
        .collect())
}

/// Changes the split behind Terraform's back, as `gcloud run services update-traffic` would.
fn update_traffic_out_of_band(emu: &Emulator, traffic: Value) -> Result<(), HarnessError> {
    let http = reqwest::blocking::Client::new();
    let io = |what: &str| HarnessError::io(what.to_owned());
    let token: Value = http
        .get(format!(
            "{}/computeMetadata/v1/instance/service-accounts/default/token",
            emu.url()
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .and_then(|r| r.json())
        .map_err(|e| io("metadata token")(std::io::Error::other(e)))?;
    let resp = http
        .patch(format!("{}/v2/{SERVICE}?updateMask=traffic", emu.url()))
        .bearer_auth(token["access_token"].as_str().unwrap_or_default())
        .json(&json!({ "traffic": traffic }))
        .send()
        .map_err(|e| io("PATCH traffic")(std::io::Error::other(e)))?;
    assert!(
        resp.status().is_success(),
        "out-of-band PATCH: {}",
        resp.status()
    );
    // Let the emulator's operation finish.
    std::thread::sleep(std::time::Duration::from_millis(300));
    Ok(())
}

fn serving(emu: &Emulator) -> Result<Value, HarnessError> {
    Ok(emu.google_get(&format!("/v2/{SERVICE}"))?["trafficStatuses"].clone())
}

fn rollout_breach_and_protection(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:v1", "", true))])?;
    ws.init()?;
    ws.apply()?;
    let out = ws.outputs()?;
    assert_eq!(out["status"], "succeeded");
    let v1 = out["stable"].as_str().unwrap_or_default().to_owned();
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(
        plan.code,
        Some(0),
        "plan after create must be clean:\n{plan}"
    );

    // v2: every step passes; the request log shows 5, 25, 50, 100 in order.
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    ws.apply()?;
    let out = ws.outputs()?;
    assert_eq!(out["status"], "succeeded");
    let v2 = out["stable"].as_str().unwrap_or_default().to_owned();
    assert_ne!(v1, v2);
    assert_eq!(traffic_steps(&emu, &v2)?, vec![5, 25, 50, 100]);

    // v3 answers 2 % errors: the apply fails, traffic is back on v2, state says so.
    ws.write_file("main.tf", &config(&emu, "img:v3", "", true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(!failed.success(), "a breached rollout must fail:\n{failed}");
    let text = failed.combined();
    assert!(
        text.contains("Rollout rolled back") && text.contains("max_error_rate 0.50 %"),
        "{text}"
    );
    let statuses = serving(&emu)?;
    assert!(
        statuses.as_array().is_some_and(|s| s
            .iter()
            .any(|t| t["revision"] == v2.as_str() && t["percent"] == 100)),
        "{statuses}"
    );
    let shown = ws.run_ok(&["show", "-json"], &[])?;
    assert!(
        shown.stdout.contains("\"rollout_status\":\"rolled_back\""),
        "{shown}"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(
        plan.code,
        Some(2),
        "the change must be proposed again:\n{plan}"
    );
    assert!(plan.stdout.contains("img:v3"), "{plan}");

    // v4 is 3× slower than stable: rolled back on latency.
    ws.write_file("main.tf", &config(&emu, "img:v4", "", true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(failed.combined().contains("max_latency_ratio"), "{failed}");

    // Destroy is refused while deletion_protection is on.
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    ws.apply()?;
    let refused = ws.run(&["destroy", "-auto-approve"], &[])?;
    assert!(
        !refused.success() && refused.combined().contains("deletion_protection"),
        "{refused}"
    );
    ws.write_file("main.tf", &config(&emu, "img:v2", "", false))?;
    ws.apply()?;
    ws.destroy()?;
    assert!(emu.resources()?.get(SERVICE).is_none());
    Ok(())
}

fn unready_drift_and_import(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:v1", "", true))])?;
    ws.init()?;
    ws.apply()?;
    let before = serving(&emu)?;

    // Unready candidate: fails before any traffic moves.
    ws.write_file("main.tf", &config(&emu, "img:broken", "", true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    let text = failed.combined();
    assert!(
        !failed.success() && text.contains("not ready") && text.contains("no user traffic"),
        "{text}"
    );
    assert_eq!(
        traffic_steps(&emu, "api-")?
            .iter()
            .filter(|p| **p > 0)
            .count(),
        0
    );
    assert_eq!(serving(&emu)?[0]["percent"], before[0]["percent"]);

    // pause_at_percent holds at 25 %, then a config without it finishes.
    ws.write_file(
        "main.tf",
        &config(&emu, "img:v2", "pause_at_percent = 25", true),
    )?;
    ws.apply()?;
    assert_eq!(ws.outputs()?["status"], "holding");
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    ws.apply()?;
    assert_eq!(ws.outputs()?["status"], "succeeded");

    // Someone splits traffic out of band: the plan shows it and apply repairs it.
    let stable = ws.outputs()?["stable"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let old = before[0]["revision"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    update_traffic_out_of_band(
        &emu,
        json!([
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": stable, "percent": 60},
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": old, "percent": 40},
        ]),
    )?;
    let drift = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(
        drift.code,
        Some(2),
        "out-of-band traffic must show as a diff:\n{drift}"
    );
    ws.apply()?;
    let repaired = serving(&emu)?;
    assert!(
        repaired.as_array().is_some_and(|s| s.len() == 1
            && s[0]["percent"] == 100
            && s[0]["revision"] == stable.as_str()),
        "{repaired}"
    );

    // Import into a fresh workspace: a matching config plans clean.
    // The rollout block only holds Terraform-side settings, so the imported
    // config leaves it at its defaults.
    let imported = config(&emu, "img:v2", "", true);
    let start = imported.find("  rollout {").unwrap_or(0);
    let end = imported[start..]
        .find("\n  }\n")
        .map_or(start, |i| start + i + 5);
    let imported = format!("{}{}", &imported[..start], &imported[end..]);
    let fresh = Workspace::new(tf, &[("main.tf", &imported)])?;
    fresh.init()?;
    fresh.run_ok(&["import", "platform_blue_green_service.api", SERVICE], &[])?;
    let plan = fresh.run(&["plan", "-detailed-exitcode"], &[])?;
    // Terraform 1.0 also lists the outputs the import did not record; only
    // resource changes matter here.
    let resource_change = [
        "will be updated",
        "will be created",
        "must be replaced",
        "will be destroyed",
    ]
    .iter()
    .any(|w| plan.stdout.contains(w));
    assert!(
        plan.code.is_some() && !resource_change,
        "plan after import must be clean:\n{plan}"
    );
    Ok(())
}

#[test]
fn rollout_steps_breach_rollback_and_deletion_protection() {
    for_each_terraform(rollout_breach_and_protection);
}

#[test]
fn unready_candidate_pause_and_import() {
    for_each_terraform(unready_drift_and_import);
}
