//! `make bench` part for the blue-green rollout analysis (issue #13): how
//! fast a bad candidate is rolled back, and whether the confidence rule
//! decides right on seeded, noisy traffic. The emulator runs metric time at
//! 60× (a simulated minute per wall-clock second; `analysis_interval = "1s"`
//! is one simulated minute), the service receives 50 requests per simulated
//! second, the candidate starts at 5 %, `max_error_rate` is 0.5 %.
//!
//! - Detection: candidates answering 50 %, 5 % and 1.5 % 5xx from their first
//!   request; the time from their first traffic (their first errors) to 100 %
//!   back on stable, read from the emulator's own split history. Target for
//!   50 % and 5 %: at most one analysis_interval plus the metric's advertised
//!   ingest delay plus the API floor (the 5 % step's and the rollback's
//!   Cloud Run operations, 2 × the operation latency, and one Monitoring round
//!   trip allowance of 100 ms); also with a 30 s (simulated) ingest delay.
//!   1.5 % is reported: it needs several intervals of evidence.
//! - 20 seeded candidates with 3 % errors: every one rolled back at 5 %.
//! - 20 seeded candidates with 0.1 % errors: every one promoted.

use e2e::{
    blue_green_service, newest_terraform, required_providers, Emulator, HarnessError, Targets,
    Workspace,
};
use serde_json::{json, Value};

const SERVICE: &str = "projects/platform-local/locations/us-central1/services/api";
const OP_LATENCY_MS: f64 = 100.0;
const SCALE: f64 = 60.0;
const INTERVAL_S: f64 = 1.0;
const RPS: f64 = 50.0;
const SEEDED_RUNS: u64 = 20;

fn emulator(ingest_delay: &str) -> Result<Emulator, HarnessError> {
    Emulator::start_with(&[
        "--op-latency",
        &format!("{OP_LATENCY_MS}ms"),
        "--time-scale",
        &SCALE.to_string(),
        "--metric-ingest-delay",
        ingest_delay,
    ])
}

fn behave(emu: &Emulator, image: &str, error_ratio: f64, seed: u64) -> Result<(), HarnessError> {
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": image, "rps": RPS, "error_ratio": error_ratio, "seed": seed}),
    )
}

/// 5 % bakes 5 simulated minutes (5 s), 100 % one; two extra bakes when
/// inconclusive (at 5 % of 50 rps a 5-minute window holds 750 requests).
fn config(emu: &Emulator, image: &str) -> String {
    let body = format!(
        r#"  rollout {{
    analysis_interval  = "{INTERVAL_S}s"
    inconclusive_limit = 2
    step {{
      percent       = 5
      bake_duration = "5s"
    }}
    step {{
      percent       = 100
      bake_duration = "1s"
    }}
  }}
  timeouts {{
    update = "10m"
  }}"#
    );
    format!(
        "{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        blue_green_service(image, &body)
    )
}

fn bad(what: &str, detail: impl Into<String>) -> HarnessError {
    HarnessError::BadOutput {
        command: what.into(),
        detail: detail.into(),
    }
}

/// Applies `image` (the apply may fail: a rollback is an error) and returns
/// the resource's state (outputs are not updated by a failed apply).
fn roll_out(ws: &Workspace, emu: &Emulator, image: &str) -> Result<Value, HarnessError> {
    ws.write_file("main.tf", &config(emu, image))?;
    ws.run(&["apply", "-auto-approve"], &[])?;
    Ok(ws.show_json()?["values"]["root_module"]["resources"][0]["values"].clone())
}

/// Seconds from the candidate's first traffic to the first split without it,
/// from the emulator's split history.
fn first_traffic_to_stable(emu: &Emulator, candidate: &str) -> Result<f64, HarnessError> {
    let resources = emu.resources()?;
    let history = resources[SERVICE]["_emulator"]["history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let share = |h: &Value| h["split"][candidate].as_i64().unwrap_or(0);
    let at = |h: &Value| h["at_ms"].as_i64().unwrap_or(0);
    let first = history
        .iter()
        .position(|h| share(h) > 0)
        .ok_or_else(|| bad("history", format!("{candidate} never served: {history:?}")))?;
    let back = history[first..]
        .iter()
        .find(|h| share(h) == 0)
        .ok_or_else(|| bad("history", format!("{candidate} never left: {history:?}")))?;
    Ok((at(back) - at(&history[first])) as f64 / 1000.0)
}

/// Whether the state shows a rollback at the 5 % step (every check at 5 %, the last a breach).
fn rolled_back_at_five(out: &Value) -> bool {
    let steps = out["last_rollout"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    out["rollout_status"] == "rolled_back"
        && steps.iter().all(|s| s["percent"] == 5)
        && steps.last().is_some_and(|s| s["verdict"] == "breach")
}

fn detection(
    tf: &e2e::Terraform,
    targets: &mut Targets,
    ingest_delay_s: f64,
) -> Result<(), HarnessError> {
    let emu = emulator(&format!("{ingest_delay_s}s"))?;
    behave(&emu, "img:stable", 0.0, 1)?;
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:stable"))])?;
    ws.init()?;
    ws.apply()?;
    let delay_real = ingest_delay_s / SCALE;
    let floor = 2.0 * OP_LATENCY_MS / 1000.0 + 0.1;
    let target = INTERVAL_S + delay_real + floor;
    for (ratio, checked) in [(0.5, true), (0.05, true), (0.015, false)] {
        let image = format!("img:bad-{ratio}-{ingest_delay_s}");
        behave(&emu, &image, ratio, 7)?;
        let out = roll_out(&ws, &emu, &image)?;
        let candidate = out["candidate_revision"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let seconds = first_traffic_to_stable(&emu, &candidate)?;
        let checks = out["last_rollout"]["steps"].as_array().map_or(0, Vec::len);
        println!(
            "{:>7.1} % {:>11.0} s {:>12.2} {:>12.0} {:>8} {:>12}   ({} checks)",
            ratio * 100.0,
            ingest_delay_s,
            seconds,
            seconds * SCALE,
            if checked {
                format!("{target:.2}")
            } else {
                "-".into()
            },
            out["rollout_status"].as_str().unwrap_or("?"),
            checks,
        );
        targets.check(
            format!("{:.1} % errors at 5 % traffic (ingest delay {ingest_delay_s} s simulated) rolled back at 5 %", ratio * 100.0),
            rolled_back_at_five(&out),
        );
        if checked {
            targets.check(
                format!("{:.1} % errors, ingest delay {ingest_delay_s} s: first errors to 100 % stable in {seconds:.2} s (target ≤ {target:.2} s = interval {INTERVAL_S} s + ingest delay {delay_real:.2} s + API floor {floor:.2} s)", ratio * 100.0),
                seconds <= target,
            );
        }
    }
    ws.destroy()?;
    Ok(())
}

fn seeded(
    tf: &e2e::Terraform,
    targets: &mut Targets,
    ratio: f64,
    promoted_wanted: bool,
) -> Result<(), HarnessError> {
    let emu = emulator("0s")?;
    behave(&emu, "img:stable", 0.0, 1)?;
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:stable"))])?;
    ws.init()?;
    ws.apply()?;
    let (mut right, mut wrong) = (0, Vec::new());
    let mut checks_total = 0;
    for seed in 1..=SEEDED_RUNS {
        let image = format!("img:seeded-{ratio}-{seed}");
        behave(&emu, &image, ratio, seed)?;
        let out = roll_out(&ws, &emu, &image)?;
        checks_total += out["last_rollout"]["steps"].as_array().map_or(0, Vec::len);
        let ok = if promoted_wanted {
            out["rollout_status"] == "succeeded"
        } else {
            rolled_back_at_five(&out)
        };
        if ok {
            right += 1;
        } else {
            wrong.push(format!("seed {seed}: {}", out["rollout_status"]));
        }
    }
    println!(
        "{:>7.1} % {:>10} {:>10} {:>10.1}   {}",
        ratio * 100.0,
        SEEDED_RUNS,
        right,
        checks_total as f64 / SEEDED_RUNS as f64,
        if wrong.is_empty() {
            String::new()
        } else {
            wrong.join(", ")
        }
    );
    let what = if promoted_wanted {
        "promoted (no false rollback)"
    } else {
        "rolled back at the 5 % step (never promoted)"
    };
    targets.check(
        format!(
            "{right} of {SEEDED_RUNS} seeded {:.1} % candidates {what} (target: all)",
            ratio * 100.0
        ),
        right == SEEDED_RUNS,
    );
    ws.destroy()?;
    Ok(())
}

fn main() -> Result<(), HarnessError> {
    let tf = newest_terraform()?;
    println!(
        "\nrollout analysis: {RPS} rps, candidate at 5 %, max_error_rate 0.5 %, analysis_interval {INTERVAL_S} s (= {} simulated s), metric time ×{SCALE}, terraform {}",
        INTERVAL_S * SCALE,
        tf.version
    );
    println!(
        "{:>9} {:>13} {:>12} {:>12} {:>8} {:>12}",
        "errors", "ingest delay", "to stable s", "simulated s", "target", "status"
    );
    let mut targets = Targets::default();
    detection(tf, &mut targets, 0.0)?;
    detection(tf, &mut targets, 30.0)?;
    println!(
        "\n{:>9} {:>10} {:>10} {:>10}",
        "errors", "runs", "as wanted", "checks/run"
    );
    seeded(tf, &mut targets, 0.03, false)?;
    seeded(tf, &mut targets, 0.001, true)?;
    targets.finish()
}
