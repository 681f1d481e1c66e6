//! platform_blue_green_service end to end on every Terraform version found:
//! first deploy, a stepped rollout (traffic-only PATCHes 5 → 25 → 50 → 100),
//! a metric breach rolled back with an error and honest state, an unready
//! candidate, out-of-band drift, import and deletion protection.

use std::time::{Duration, Instant};

use e2e::{for_each_terraform, required_providers, Emulator, HarnessError, Terraform, Workspace};
use serde_json::{json, Value};

const SERVICE: &str = "projects/platform-local/locations/us-central1/services/api";

/// Per-image behaviour: high request rates so short bakes see enough requests.
fn behaviors(emu: &Emulator) -> Result<(), HarnessError> {
    for (image, extra) in [
        ("img:v1", json!({})),
        ("img:v2", json!({})),
        ("img:v3", json!({"error_ratio": 0.02})),
        ("img:v4", json!({"p95_ms": 300})),
        ("img:broken", json!({"ready": false})),
        ("img:v5", json!({})),
        ("img:v6", json!({})),
        ("img:v7", json!({})),
        ("img:v8", json!({})),
        // Far too few requests for any min_requests the tests set.
        ("img:quiet", json!({"rps": 1})),
    ] {
        let mut body = json!({"image": image, "rps": 100000});
        // The image's own settings (e.g. a low rps) win over the defaults.
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        emu.admin_post("/_emulator/run/behaviors", &body)?;
    }
    Ok(())
}

fn config(emu: &Emulator, image: &str, rollout_extra: &str, protect: bool) -> String {
    config_with_bake(emu, image, "300ms", rollout_extra, protect)
}

fn config_with_bake(
    emu: &Emulator,
    image: &str,
    bake: &str,
    rollout_extra: &str,
    protect: bool,
) -> String {
    config_with_steps(emu, image, "[5, 25, 50, 100]", bake, rollout_extra, protect)
}

fn config_with_steps(
    emu: &Emulator,
    image: &str,
    steps: &str,
    bake: &str,
    rollout_extra: &str,
    protect: bool,
) -> String {
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
    steps         = {steps}
    bake_duration = "{bake}"
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

/// Where every scenario starts: img:v1 applied (protected) on a fresh emulator.
fn deployed_v1(tf: &Terraform) -> Result<(Emulator, Workspace<'_>), HarnessError> {
    let emu = start()?;
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:v1", "", true))])?;
    ws.init()?;
    ws.apply()?;
    Ok((emu, ws))
}

/// Candidate percents of the traffic-only step PATCHes, in order (the candidate
/// keeps its tag through the 100 % bake; the untagged promotion is not a step).
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
    patch_out_of_band(emu, "traffic", json!({ "traffic": traffic }))
}

/// PATCHes the service's `mask` fields behind Terraform's back, as gcloud would.
fn patch_out_of_band(emu: &Emulator, mask: &str, body: Value) -> Result<(), HarnessError> {
    emu.google_send(
        reqwest::Method::PATCH,
        &format!("/v2/{SERVICE}?updateMask={mask}"),
        Some(&body),
    )?;
    // Let the emulator's operation finish.
    std::thread::sleep(std::time::Duration::from_millis(300));
    Ok(())
}

/// Asserts that a plan now proposes no change; `why` heads the failure message.
fn assert_plan_clean(ws: &Workspace, why: &str) -> Result<(), HarnessError> {
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(plan.code, Some(0), "{why}:\n{plan}");
    Ok(())
}

/// Asserts that the plan finds the rollout a killed apply left unfinished, with the
/// candidate serving `share` %, and would resume it.
fn assert_plan_resumes(ws: &Workspace, share: i64) -> Result<(), HarnessError> {
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    let text = plan.combined();
    assert!(
        plan.code == Some(2)
            && text.contains("Unfinished rollout found")
            && text.contains(&format!("serves {share} %"))
            && text.contains("will be resumed"),
        "{plan}"
    );
    Ok(())
}

fn serving(emu: &Emulator) -> Result<Value, HarnessError> {
    Ok(emu.google_get(&format!("/v2/{SERVICE}"))?["trafficStatuses"].clone())
}

fn rollout_breach_and_protection(tf: &Terraform) -> Result<(), HarnessError> {
    let (emu, ws) = deployed_v1(tf)?;
    let out = ws.outputs()?;
    assert_eq!(out["status"], "succeeded");
    let v1 = out["stable"].as_str().unwrap_or_default().to_owned();
    // First create: no baseline, so the first revision serves 100 % at once.
    let first = serving(&emu)?;
    assert!(
        first.as_array().is_some_and(|s| s.len() == 1
            && s[0]["revision"] == v1.as_str()
            && s[0]["percent"] == 100),
        "{first}"
    );
    let traffic = state(&ws)?["traffic"].clone();
    assert_eq!(
        traffic,
        json!([{"revision": v1, "percent": 100, "tag": ""}])
    );
    assert_plan_clean(&ws, "plan after create must be clean")?;

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
    assert!(
        !failed.success() && failed.combined().contains("max_latency_ratio"),
        "{failed}"
    );
    let st = assert_rolled_back_to(&emu, &ws, &v2)?;
    assert!(
        st["traffic"].as_array().is_some_and(|t| t
            .iter()
            .all(|x| x["percent"] == 0 || (x["revision"] == v2.as_str() && x["percent"] == 100))),
        "{st}"
    );

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
    let (emu, ws) = deployed_v1(tf)?;
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

    // Import into a fresh workspace: a matching config plans clean. The
    // rollout and timeouts blocks only hold Terraform-side settings, so the
    // documented import config leaves them out (and declares no outputs,
    // which an import does not record).
    let fresh = Workspace::new(tf, &[("main.tf", &import_config(&emu, "img:v2"))])?;
    fresh.init()?;
    fresh.run_ok(&["import", "platform_blue_green_service.api", SERVICE], &[])?;
    assert_plan_clean(&fresh, "plan after import must show no changes")?;
    Ok(())
}

/// `config` without the rollout block and the outputs: what an importer writes.
fn import_config(emu: &Emulator, image: &str) -> String {
    let full = config(emu, image, "", true);
    let without_outputs = full.split("\noutput ").next().unwrap_or(&full);
    let start = without_outputs.find("  rollout {").unwrap_or(0);
    let end = without_outputs[start..]
        .find("\n  }\n")
        .map_or(start, |i| start + i + 5);
    format!("{}{}", &without_outputs[..start], &without_outputs[end..])
}

#[test]
fn rollout_steps_breach_rollback_and_deletion_protection() {
    for_each_terraform(rollout_breach_and_protection);
}

#[test]
fn unready_candidate_pause_and_import() {
    for_each_terraform(unready_drift_and_import);
}

/// The share the `candidate`-tagged revision serves right now, if any.
fn candidate_share(emu: &Emulator) -> Result<i64, HarnessError> {
    let statuses = serving(emu)?;
    Ok(statuses
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|t| t["tag"] == "candidate")
                .filter_map(|t| t["percent"].as_i64())
                .sum()
        })
        .unwrap_or(0))
}

/// Blocks until a candidate serves user traffic (the rollout is in a bake).
fn wait_for_candidate_traffic(emu: &Emulator) -> Result<i64, HarnessError> {
    wait_for_candidate_share(emu, 1)
}

/// Blocks until the candidate serves at least `min` % (the rollout is in that bake).
fn wait_for_candidate_share(emu: &Emulator, min: i64) -> Result<i64, HarnessError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let share = candidate_share(emu)?;
        if share >= min {
            return Ok(share);
        }
        if Instant::now() > deadline {
            return Err(
                HarnessError::io("waiting for the candidate to get traffic")(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    serving(emu)?.to_string(),
                )),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The resource's attributes from `terraform show -json`.
fn state(ws: &Workspace) -> Result<Value, HarnessError> {
    Ok(ws.show_json()?["values"]["root_module"]["resources"][0]["values"].clone())
}

/// Asserts that a stopped rollout left `revision` serving everything and the state
/// saying so; returns the state for further checks.
fn assert_rolled_back_to(
    emu: &Emulator,
    ws: &Workspace,
    revision: &str,
) -> Result<Value, HarnessError> {
    assert!(only_serving(emu, revision)?, "{}", serving(emu)?);
    let st = state(ws)?;
    assert_eq!(st["rollout_status"], "rolled_back", "{st}");
    assert_eq!(st["stable_revision"], revision, "{st}");
    Ok(st)
}

fn only_serving(emu: &Emulator, revision: &str) -> Result<bool, HarnessError> {
    let s = serving(emu)?;
    Ok(s.as_array().is_some_and(|s| {
        s.iter()
            .filter(|t| t["percent"].as_i64().unwrap_or(0) > 0)
            .all(|t| t["revision"] == revision && t["percent"] == 100)
    }))
}

/// Ctrl-C (SIGINT to terraform's process group, as a terminal sends it) during a
/// bake, with on_interrupt rollback and hold; then SIGKILL mid-step and the plan
/// that follows, which must say whether the rollout resumes or rolls back.
fn interrupt_and_crash(tf: &Terraform) -> Result<(), HarnessError> {
    let (emu, ws) = deployed_v1(tf)?;
    let slow = |image: &str, extra: &str| config_with_bake(&emu, image, "4s", extra, true);
    let v1 = state(&ws)?["stable_revision"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Ctrl-C with the default on_interrupt = "rollback".
    ws.write_file("main.tf", &slow("img:v2", ""))?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    wait_for_candidate_traffic(&emu)?;
    apply.interrupt()?;
    let code = apply.wait(Duration::from_secs(120))?;
    assert_ne!(code, Some(0), "an interrupted rollout must fail");
    assert_rolled_back_to(&emu, &ws, &v1)?;
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert!(
        plan.code == Some(2) && plan.stdout.contains("img:v2"),
        "the change must be proposed again:\n{plan}"
    );

    // Ctrl-C with on_interrupt = "hold": the split stays, the plan says it resumes.
    ws.write_file("main.tf", &slow("img:v2", r#"on_interrupt = "hold""#))?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    let share = wait_for_candidate_traffic(&emu)?;
    apply.interrupt()?;
    apply.wait(Duration::from_secs(120))?;
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "holding", "{st}");
    assert!(candidate_share(&emu)? >= share, "{}", serving(&emu)?);
    let plan = ws.run(&["plan"], &[])?;
    assert!(
        plan.combined().contains("Unfinished rollout found")
            && plan.combined().contains("will be resumed"),
        "{plan}"
    );
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    ws.apply()?;
    let v2 = state(&ws)?["stable_revision"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(only_serving(&emu, &v2)?, "{}", serving(&emu)?);

    // SIGKILL mid-step: the state still says v2 succeeded, the service says otherwise.
    ws.write_file("main.tf", &slow("img:v5", ""))?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    let share = wait_for_candidate_traffic(&emu)?;
    apply.kill_group()?;
    assert_plan_resumes(&ws, share)?;
    // Going back to v2 instead: the plan says the rollout is rolled back, and it is.
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert!(
        plan.code == Some(2) && plan.combined().contains("will be rolled back"),
        "{plan}"
    );
    ws.apply()?;
    assert!(only_serving(&emu, &v2)?, "{}", serving(&emu)?);
    assert_eq!(state(&ws)?["rollout_status"], "succeeded");

    // SIGKILL in the final 100 % bake: v2 is still in the split (at 0 %), so the
    // plan sees an unfinished rollout rather than a finished one ...
    let final_step = |bake: &str| config_with_steps(&emu, "img:v6", "[100]", bake, "", true);
    ws.write_file("main.tf", &final_step("60s"))?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    wait_for_candidate_share(&emu, 100)?;
    apply.kill_group()?;
    assert_plan_resumes(&ws, 100)?;
    // ... and the resumed final bake is judged: a breach there still rolls back to v2.
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": "img:v6", "rps": 100000, "error_ratio": 0.02}),
    )?;
    ws.write_file("main.tf", &final_step("300ms"))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(
        !failed.success() && failed.combined().contains("Rollout rolled back"),
        "{failed}"
    );
    assert_rolled_back_to(&emu, &ws, &v2)?;
    Ok(())
}

/// Fields gcloud writes on every deploy never show up as a diff.
fn gcloud_fields_do_not_drift(tf: &Terraform) -> Result<(), HarnessError> {
    let (emu, ws) = deployed_v1(tf)?;
    patch_out_of_band(
        &emu,
        "client,clientVersion,annotations,launchStage",
        json!({
            "client": "gcloud",
            "clientVersion": "502.0.0",
            "annotations": {"run.googleapis.com/client-name": "gcloud", "run.googleapis.com/client-version": "502.0.0"},
            "launchStage": "BETA",
        }),
    )?;
    let service = emu.google_get(&format!("/v2/{SERVICE}"))?;
    assert_eq!(service["client"], "gcloud", "{service}");
    assert_plan_clean(&ws, "gcloud's fields must not drift")?;
    // A rollout over such a service still works (its etag changed meanwhile).
    ws.write_file("main.tf", &config(&emu, "img:v2", "", true))?;
    ws.apply()?;
    assert_plan_clean(&ws, "the rollout must leave nothing to change")?;
    Ok(())
}

#[test]
fn ctrl_c_and_crash_mid_rollout() {
    for_each_terraform(interrupt_and_crash);
}

#[test]
fn gcloud_set_fields_never_diff() {
    for_each_terraform(gcloud_fields_do_not_drift);
}

/// The config with `step` blocks (percent, optional own bake) instead of `steps`.
fn config_with_step_blocks(emu: &Emulator, image: &str, steps: &[(i64, Option<&str>)]) -> String {
    let blocks: String = steps
        .iter()
        .map(|(percent, bake)| match bake {
            Some(b) => format!(
                "step {{\n      percent = {percent}\n      bake_duration = \"{b}\"\n    }}\n    "
            ),
            None => format!("step {{\n      percent = {percent}\n    }}\n    "),
        })
        .collect();
    let full = config(emu, image, &blocks, true);
    full.replace("    steps         = [5, 25, 50, 100]\n", "")
}

fn revision(st: &Value, attr: &str) -> String {
    st[attr].as_str().unwrap_or_default().to_owned()
}

/// Terraform wraps diagnostic text; compare it with single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Polls until the candidate's share differs from `from`; returns when it did.
fn wait_for_share_change(emu: &Emulator, from: i64) -> Result<Instant, HarnessError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while candidate_share(emu)? == from {
        if Instant::now() > deadline {
            return Err(HarnessError::io("waiting for the next step")(
                std::io::Error::new(std::io::ErrorKind::TimedOut, serving(emu)?.to_string()),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Instant::now())
}

/// Inconclusive windows, abort, pause + promote, a per-step bake, and another
/// writer's traffic change during a bake.
fn manual_controls_step_bakes_and_concurrency(tf: &Terraform) -> Result<(), HarnessError> {
    let (emu, ws) = deployed_v1(tf)?;
    let v1 = revision(&state(&ws)?, "stable_revision");

    // min_requests not reached: each window is inconclusive; after the one
    // extra window inconclusive_limit allows, the rollout holds and fails.
    let quiet = "min_requests = 100000\n    inconclusive_limit = 1";
    ws.write_file("main.tf", &config(&emu, "img:quiet", quiet, true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    let text = flat(&failed.combined());
    assert!(
        !failed.success()
            && text.contains("Rollout inconclusive")
            && text.contains("after 2 check(s) over 0.6s"),
        "{failed}"
    );
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "holding", "{st}");
    let verdicts: Vec<(i64, String)> = st["last_rollout"]["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|x| (x["percent"].as_i64().unwrap_or(-1), revision(x, "verdict")))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        verdicts,
        vec![
            (5, "inconclusive".to_owned()),
            (5, "inconclusive".to_owned())
        ],
        "{st}"
    );
    assert_eq!(candidate_share(&emu)?, 5, "{}", serving(&emu)?);

    // abort = true: 100 % back to stable, the change stays pending.
    let abort = format!("{quiet}\n    abort = true");
    ws.write_file("main.tf", &config(&emu, "img:quiet", &abort, true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(
        !failed.success() && failed.combined().contains("Rollout aborted"),
        "{failed}"
    );
    assert_rolled_back_to(&emu, &ws, &v1)?;

    // pause_at_percent holds at 5 %; promote = true then skips 25 and 50.
    ws.write_file(
        "main.tf",
        &config(&emu, "img:v2", "pause_at_percent = 5", true),
    )?;
    ws.apply()?;
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "holding", "{st}");
    let v2 = revision(&st, "candidate_revision");
    let promote = "pause_at_percent = 5\n    promote = true";
    ws.write_file("main.tf", &config(&emu, "img:v2", promote, true))?;
    ws.apply()?;
    assert_eq!(state(&ws)?["rollout_status"], "succeeded");
    assert_eq!(traffic_steps(&emu, &v2)?, vec![5, 100]);
    assert!(only_serving(&emu, &v2)?, "{}", serving(&emu)?);

    // A step with its own bake_duration holds for it (the others bake 300ms).
    let stepped = config_with_step_blocks(&emu, "img:v7", &[(5, Some("3s")), (100, None)]);
    ws.write_file("main.tf", &stepped)?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    wait_for_candidate_share(&emu, 5)?;
    let at_five = Instant::now();
    let moved = wait_for_share_change(&emu, 5)?;
    assert_eq!(apply.wait(Duration::from_secs(120))?, Some(0));
    let held = moved - at_five;
    assert!(
        held >= Duration::from_secs(3),
        "the 5 % step held only {held:?}"
    );
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "succeeded", "{st}");
    let v7 = revision(&st, "stable_revision");

    // Another writer (update-traffic with the etag) during a bake: the apply
    // stops with what changed, and their split stays.
    ws.write_file("main.tf", &config_with_bake(&emu, "img:v8", "4s", "", true))?;
    let failed = std::thread::scope(|scope| {
        let apply = scope.spawn(|| ws.run(&["apply", "-auto-approve"], &[]));
        wait_for_candidate_traffic(&emu)?;
        let etag = emu.google_get(&format!("/v2/{SERVICE}"))?["etag"].clone();
        patch_out_of_band(
            &emu,
            "traffic",
            json!({
                "etag": etag,
                "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": v7, "percent": 100}],
            }),
        )?;
        apply
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    let text = flat(&failed.combined());
    assert!(
        !failed.success()
            && text.contains("Traffic changed by someone else")
            && text.contains(&format!("now asks for {v7} 100 %")),
        "{failed}"
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_rolled_back_to(&emu, &ws, &v7)?;
    Ok(())
}

#[test]
fn inconclusive_abort_promote_step_bakes_and_concurrent_writers() {
    for_each_terraform(manual_controls_step_bakes_and_concurrency);
}

/// Operator controls and failures that must be reported honestly: promote with
/// abort and a final partial step rejected at plan, abort before the candidate
/// exists, an unready candidate fixed behind the same template, and traffic
/// operations that fail mid-rollout (the rollback's too).
fn operator_controls_and_honest_failures(tf: &Terraform) -> Result<(), HarnessError> {
    let (emu, ws) = deployed_v1(tf)?;
    let v1 = revision(&state(&ws)?, "stable_revision");

    // promote with abort: rejected at plan, naming both attributes.
    let both = "promote = true\n    abort = true";
    ws.write_file("main.tf", &config(&emu, "img:v2", both, true))?;
    let plan = ws.run(&["plan"], &[])?;
    let text = flat(&plan.combined());
    assert!(
        !plan.success()
            && text.contains("promote and abort together")
            && text.contains("rollout[0].promote")
            && text.contains("rollout[0].abort"),
        "{plan}"
    );
    // A last step below 100 would end "succeeded" with the traffic split.
    let partial = config_with_steps(&emu, "img:v2", "[5, 25, 50]", "300ms", "", true);
    ws.write_file("main.tf", &partial)?;
    let plan = ws.run(&["plan"], &[])?;
    assert!(
        !plan.success() && flat(&plan.combined()).contains("pause_at_percent = 50"),
        "{plan}"
    );

    // abort before any candidate exists: one error, all traffic on v1.
    ws.write_file("main.tf", &config(&emu, "img:v2", "abort = true", true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    let text = flat(&failed.combined());
    assert!(
        !failed.success()
            && text.matches("Error: ").count() == 1
            && text.contains("Rollout aborted")
            && text.contains(&format!("read back from the service: {v1} 100 %"))
            && !text.contains("Rollback failed")
            && !text.contains("does not exist"),
        "{failed}"
    );
    assert_rolled_back_to(&emu, &ws, &v1)?;

    // An image that is not ready yet, then fixed behind the same tag: the next
    // apply builds a fresh revision instead of reusing the failed one.
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": "img:late", "ready": false}),
    )?;
    ws.write_file("main.tf", &config(&emu, "img:late", "", true))?;
    let failed = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(
        !failed.success() && failed.combined().contains("not ready"),
        "{failed}"
    );
    let broken = revision(&state(&ws)?, "candidate_revision");
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": "img:late", "rps": 100000}),
    )?;
    ws.apply()?;
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "succeeded", "{st}");
    let late = revision(&st, "stable_revision");
    assert_eq!(late, format!("{broken}-2"));
    assert_plan_clean(&ws, "the fresh revision is the configured template")?;

    // Every traffic operation fails from the 25 % step on (the rollback's too):
    // the split stays at 5 %, and the error says so and what to do.
    ws.write_file("main.tf", &config_with_bake(&emu, "img:v5", "3s", "", true))?;
    let mut apply = ws.spawn(&["apply", "-auto-approve"], &[])?;
    wait_for_candidate_share(&emu, 5)?;
    emu.add_fault(&json!({"method": "PATCH", "path_regex": "/services/api$",
        "operation_error": {"code": 13, "message": "Injected reconcile failure"}}))?;
    assert_ne!(apply.wait(Duration::from_secs(120))?, Some(0));
    let st = state(&ws)?;
    assert_eq!(st["rollout_status"], "holding", "{st}");
    assert_eq!(candidate_share(&emu)?, 5, "{}", serving(&emu)?);
    let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert!(
        plan.code == Some(2) && plan.combined().contains("Unfinished rollout found"),
        "{plan}"
    );
    emu.clear_faults()?;
    ws.write_file("main.tf", &config(&emu, "img:v5", "", true))?;
    ws.apply()?;
    let v5 = revision(&state(&ws)?, "stable_revision");
    assert!(only_serving(&emu, &v5)?, "{}", serving(&emu)?);
    Ok(())
}

#[test]
fn operator_controls_and_failures_tell_the_truth() {
    for_each_terraform(operator_controls_and_honest_failures);
}

/// Inputs Cloud Run would reject fail `terraform validate`, each at its
/// attribute with a short message: one resource per case.
fn cloud_run_inputs_rejected_at_validate(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let resource = |key: &str, name: &str, template: &str, container: &str| {
        format!(
            r#"
resource "platform_blue_green_service" "{key}" {{
  name = "{name}"
  template {{
    {template}
    containers {{
      image = "img:v1"
      {container}
    }}
  }}
}}
"#
        )
    };
    let cases = [
        (
            "cpu3",
            "api",
            "",
            r#"resources { cpu = "3" }"#,
            "Invalid cpu",
        ),
        (
            "combo",
            "api",
            "",
            "resources {\n cpu = \"1\"\n memory = \"8Gi\"\n }",
            "needs at least 2 CPU",
        ),
        (
            "gigs",
            "api",
            "",
            r#"resources { memory = "4 gigs" }"#,
            "is not a memory size",
        ),
        (
            "timeout",
            "api",
            r#"timeout = "7200s""#,
            "",
            "outside 1s to 3600s",
        ),
        (
            "scaling",
            "api",
            "scaling {\n min_instance_count = 5\n max_instance_count = 2\n }",
            "",
            "min_instance_count above max_instance_count",
        ),
        ("image", "api", "", "", "is not a container image reference"),
        ("name", &"a".repeat(10_000), "", "", "10000 characters"),
    ];
    let mut main = format!("{}\n{}", required_providers(), emu.provider_block(""));
    for (key, name, template, container, _) in &cases {
        let block = resource(key, name, template, container);
        main.push_str(&if *key == "image" {
            block.replace("img:v1", "not an image!")
        } else {
            block
        });
    }
    let ws = Workspace::new(tf, &[("main.tf", &main)])?;
    ws.init()?;
    let validate = ws.run(&["validate"], &[])?;
    let text = flat(&validate.combined());
    assert!(!validate.success(), "{validate}");
    for (key, _, _, _, fragment) in &cases {
        assert!(
            text.contains(fragment),
            "{key}: {fragment:?} missing in {validate}"
        );
    }
    // Terraform quotes the 10,000-character line once; the message itself is short.
    assert!(
        validate.combined().len() < 15_000,
        "{}",
        validate.combined().len()
    );
    Ok(())
}

#[test]
fn cloud_run_limits_fail_validate_with_paths() {
    for_each_terraform(cloud_run_inputs_rejected_at_validate);
}
