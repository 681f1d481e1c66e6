//! platform_blue_green_service's continuous, evidence-based rollout analysis
//! end to end on every Terraform version found, against an emulator whose
//! metric time runs 60× faster (a simulated minute per second, so bakes take
//! seconds): a rollback mid-bake when errors begin after the step started, a
//! quiet service that stays inconclusive and holds (never passes), a latency
//! breach from the request_latencies distributions, the plan's runbook warning
//! and the interval check against the metric descriptor, a custom `gate` on a
//! metric the application writes, and a plan that knows what success fixes.

use e2e::{
    blue_green_service, for_each_terraform, required_providers, Emulator, HarnessError, Terraform,
    Workspace,
};
use serde_json::{json, Value};

/// Emulator flags: metric time at 60×, so the sample period is 1 s.
const EMULATOR: [&str; 4] = ["--op-latency", "50ms", "--time-scale", "60"];

fn start() -> Result<Emulator, HarnessError> {
    let emu = Emulator::start_with(&EMULATOR)?;
    // 200 simulated requests/s: 600 wall-clock requests per second reach a
    // candidate at 5 %, enough for a conclusive 1 s interval.
    for (image, extra) in [
        ("img:v1", json!({})),
        ("img:v2", json!({})),
        // 50 % errors from 2 simulated minutes (2 s) after its first traffic.
        (
            "img:late",
            json!({"changes": [{"after_s": 120, "error_ratio": 0.5}]}),
        ),
        ("img:slow", json!({"p95_ms": 300})),
        ("img:quiet", json!({"rps": 1})),
    ] {
        let mut body = json!({"image": image, "rps": 200});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        emu.admin_post("/_emulator/run/behaviors", &body)?;
    }
    Ok(emu)
}

fn config(emu: &Emulator, image: &str, rollout: &str) -> String {
    let rollout = format!("  rollout {{\n    analysis_interval = \"1s\"\n    {rollout}\n  }}");
    format!(
        "{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        blue_green_service(image, &rollout)
    )
}

/// A workspace with `img:v1` deployed (straight to 100 %, no rollout).
fn deployed<'a>(tf: &'a Terraform, emu: &Emulator) -> Result<Workspace<'a>, HarnessError> {
    let ws = Workspace::new(tf, &[("main.tf", &config(emu, "img:v1", ""))])?;
    ws.init()?;
    ws.apply()?;
    Ok(ws)
}

/// The resource's attributes from `terraform show -json` (outputs are not
/// updated by a failed apply; the state is).
fn state(ws: &Workspace) -> Result<Value, HarnessError> {
    Ok(ws.show_json()?["values"]["root_module"]["resources"][0]["values"].clone())
}

fn checks(out: &Value) -> Vec<(i64, String)> {
    out["last_rollout"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    (
                        s["percent"].as_i64().unwrap_or(-1),
                        s["verdict"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The failed apply's output with its line wrapping undone.
fn failed_apply(ws: &Workspace, why: &str) -> Result<String, HarnessError> {
    let out = ws.run(&["apply", "-auto-approve"], &[])?;
    assert!(!out.success(), "{why}:\n{out}");
    Ok(out.flat())
}

/// Errors start 2 s into the 5 % step's 20 s bake: the checks before show
/// the candidate within the limits, the first check after shows the breach
/// and the rollout goes back to stable at once — the bake is not sat out.
fn early_rollback(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = deployed(tf, &emu)?;
    let rollout = r#"steps = [5, 100]
    bake_duration = "20s""#;
    ws.write_file("main.tf", &config(&emu, "img:late", rollout))?;
    let text = failed_apply(&ws, "a breach mid-bake must fail the apply")?;
    assert!(
        text.contains("Rollout rolled back") && text.contains("even the lower bound exceeds"),
        "{text}"
    );
    let out = state(&ws)?;
    assert_eq!(out["rollout_status"], "rolled_back", "{out}");
    let seen = checks(&out);
    // Judged every interval at 5 %: within limits first, then the breach, and
    // never a pass (the old engine judged once, after the whole bake).
    assert!(seen.iter().all(|(p, _)| *p == 5), "{seen:?}");
    assert_eq!(
        seen.first().map(|c| c.1.as_str()),
        Some("within_limits"),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(|c| c.1.as_str()),
        Some("breach"),
        "{seen:?}"
    );
    // Fewer checks than the bake has intervals: the breach ended the step early.
    assert!(seen.len() < 20, "{seen:?}");
    let breach = &out["last_rollout"]["steps"][seen.len() - 1];
    assert!(
        breach["error_rate_lower"].as_f64().unwrap_or(0.0) > 0.005
            && breach["errors"].as_i64().unwrap_or(0) > 0
            && breach["latency_samples"].as_i64().unwrap_or(0) > 0,
        "{breach}"
    );
    Ok(())
}

#[test]
fn breach_mid_bake_rolls_back_at_the_next_interval() {
    for_each_terraform(early_rollback);
}

/// One request per simulated second at 5 % can never show the candidate
/// within 0.5 %: every check is inconclusive, the step extends by one bake
/// (inconclusive_limit = 1), then holds at 5 % with the evidence in the error.
fn quiet_service_holds(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = deployed(tf, &emu)?;
    let rollout = r#"steps = [5, 100]
    bake_duration = "2s"
    inconclusive_limit = 1"#;
    ws.write_file("main.tf", &config(&emu, "img:quiet", rollout))?;
    let text = failed_apply(&ws, "an inconclusive rollout must not succeed")?;
    assert!(
        text.contains("Rollout inconclusive")
            && text.contains("never passes")
            && text.contains("539 requests"),
        "{text}"
    );
    let out = state(&ws)?;
    assert_eq!(out["rollout_status"], "holding", "{out}");
    let seen = checks(&out);
    // Four 1 s checks over the 2 s bake and its 2 s extension, all inconclusive.
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(
        seen.iter().all(|(p, v)| *p == 5 && v == "inconclusive"),
        "{seen:?}"
    );
    Ok(())
}

#[test]
fn quiet_candidate_stays_inconclusive_and_holds() {
    for_each_terraform(quiet_service_holds);
}

/// A 3× slower candidate: p95s from the bucket counts of both revisions'
/// latency distributions over the same window, with the sample sizes.
fn latency_breach(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = deployed(tf, &emu)?;
    let rollout = r#"steps = [25, 100]
    bake_duration = "3s""#;
    ws.write_file("main.tf", &config(&emu, "img:slow", rollout))?;
    let text = failed_apply(&ws, "a latency breach must fail the apply")?;
    assert!(
        text.contains("candidate p95 ")
            && text.contains(" samples, stable p95 ")
            && text.contains("× stable, above max_latency_ratio 2.00"),
        "{text}"
    );
    let out = state(&ws)?;
    assert_eq!(out["rollout_status"], "rolled_back", "{out}");
    let breach = out["last_rollout"]["steps"]
        .as_array()
        .and_then(|s| s.last().cloned())
        .unwrap_or_default();
    let (cand, stable) = (
        breach["p95_ms"].as_f64().unwrap_or(0.0),
        breach["stable_p95_ms"].as_f64().unwrap_or(1.0),
    );
    assert!(cand / stable > 2.5, "{breach}");
    assert!(
        breach["stable_latency_samples"].as_i64().unwrap_or(0) >= 100,
        "{breach}"
    );
    Ok(())
}

#[test]
fn latency_breach_is_judged_from_distributions() {
    for_each_terraform(latency_breach);
}

/// The plan of a template change reads like the runbook; an analysis_interval
/// below the metric's sample period (1 s at 60×) is refused at plan time.
fn plan_runbook(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = deployed(tf, &emu)?;
    ws.write_file(
        "main.tf",
        &config(
            &emu,
            "img:v2",
            "steps = [5, 25, 100]\n    bake_duration = \"2m\"",
        ),
    )?;
    let plan = ws.run(&["plan", "-no-color"], &[])?;
    let text = plan.flat();
    for needle in [
        "Template change rolls out",
        "Steps 5 → 25 → 100 %, 2m each: about 6 min plus analysis",
        "Every 1s of each bake",
        "max_error_rate 0.50 % with a Wilson interval at 95 % confidence",
        "max_latency_ratio 2.00×",
        "needs about 539 candidate requests",
        "requests/s recently, so the 5 % step gets about",
        "On a breach all traffic returns to",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    ws.write_file(
        "main.tf",
        &config(&emu, "img:v2", "").replace(
            "analysis_interval = \"1s\"",
            "analysis_interval = \"500ms\"",
        ),
    )?;
    let refused = ws.run(&["plan", "-no-color"], &[])?;
    assert!(!refused.success(), "{refused}");
    let text = refused.flat();
    assert!(
        text.contains("analysis_interval below the metric's sample period")
            && text.contains("sampled every 1s"),
        "{text}"
    );
    Ok(())
}

#[test]
fn plan_states_the_rollout_runbook() {
    for_each_terraform(plan_runbook);
}

/// Writes `custom.googleapis.com/queue_depth` (a gauge on the `global`
/// resource, as an application would) every 250 ms while `run` runs.
fn with_queue_depth<T>(emu: &Emulator, depth: i64, run: impl FnOnce() -> T) -> T {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let now = time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                let body = json!({"timeSeries": [{
                    "metric": {"type": "custom.googleapis.com/queue_depth"},
                    "resource": {"type": "global", "labels": {"project_id": e2e::DEFAULT_PROJECT}},
                    "points": [{"interval": {"endTime": now}, "value": {"int64Value": depth.to_string()}}],
                }]});
                let path = format!("/v3/projects/{}/timeSeries", e2e::DEFAULT_PROJECT);
                if let Err(e) = emu.google_send(reqwest::Method::POST, &path, Some(&body)) {
                    panic!("writing queue_depth: {e}");
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
        });
        let out = run();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    })
}

const GATED: &str = r#"steps = [5, 100]
    bake_duration = "2s"
    gate {
      name    = "queue_depth"
      filter  = "metric.type = \"custom.googleapis.com/queue_depth\""
      aligner = "ALIGN_MAX"
      max     = 100
    }"#;

/// A gate on a metric nothing has written yet is a plan warning; the plan of
/// the rollout knows its successful outcome and Terraform accepts the apply
/// that delivers it; a queue that grows past the gate's max rolls back.
fn custom_gate(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = start()?;
    let ws = deployed(tf, &emu)?;
    ws.write_file("main.tf", &config(&emu, "img:v2", GATED))?;
    let plan = ws.run(&["plan", "-no-color", "-out=tfplan"], &[])?;
    assert!(plan.success(), "{plan}");
    let text = plan.flat();
    assert!(
        text.contains("Gate metric not found")
            && text.contains("gate queue_depth (custom.googleapis.com/queue_depth ALIGN_MAX REDUCE_MAX) at most 100"),
        "{text}"
    );
    let shown = ws.run(&["show", "-json", "tfplan"], &[])?;
    let planned: Value = serde_json::from_str(&shown.stdout).unwrap_or_default();
    let change = &planned["resource_changes"][0]["change"];
    assert_eq!(change["after"]["rollout_status"], "succeeded", "{change}");
    assert_eq!(
        change["after"]["candidate_revision"],
        Value::Null,
        "{change}"
    );
    assert_eq!(change["after"]["traffic"][0]["percent"], 100, "{change}");
    assert_eq!(change["after_unknown"]["stable_revision"], true, "{change}");
    assert_eq!(
        change["after_unknown"]["traffic"][0]["revision"], true,
        "{change}"
    );

    let applied = with_queue_depth(&emu, 20, || ws.run(&["apply", "-no-color", "tfplan"], &[]))?;
    assert!(
        applied.success(),
        "a queue within the gate must pass:\n{applied}"
    );
    assert_eq!(state(&ws)?["rollout_status"], "succeeded");

    ws.write_file("main.tf", &config(&emu, "img:v1", GATED))?;
    let text = with_queue_depth(&emu, 500, || {
        failed_apply(&ws, "a gate breach must fail the apply")
    })?;
    assert!(
        text.contains("Rollout rolled back")
            && text.contains("gate queue_depth: custom.googleapis.com/queue_depth is 500 in the latest interval, above max 100"),
        "{text}"
    );
    assert_eq!(state(&ws)?["rollout_status"], "rolled_back");
    Ok(())
}

#[test]
fn custom_gate_breach_rolls_back() {
    for_each_terraform(custom_gate);
}
