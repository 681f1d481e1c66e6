//! `make bench` part for platform_blue_green_service: a rollout of 4 steps with a
//! 2 s bake. Reports the rollout's wall time beyond the sum of bake times and
//! the API calls per step, and checks the target (< 5 % beyond the bakes).
//!
//! A rollout needs one Cloud Run operation to stage the candidate, one per step
//! and one to promote after the last bake (a kill during that bake must stay
//! visible, so promotion cannot ride on the last step). Each operation must be
//! done before its bake can start, so `operations x API latency` is a floor no
//! client can go below; the target is about what the provider adds on top:
//! - `instant`: the emulator finishes operations at once, so everything beyond
//!   the bakes is the provider's own (orchestration, polls, Monitoring queries).
//! - `default`: the emulator's 200 ms per operation; the provider's share is
//!   what remains beyond the bakes after that floor.
//!
//! The rollout's own clock is the resource's `last_rollout.started_at/finished_at`
//! (written by the provider around the rollout engine), so terraform's start-up,
//! refresh and plan do not count; the whole `terraform apply` is shown as well, with
//! Terraform's fixed cost of any apply (a no-op apply, ~0.4 s whatever the bakes) taken
//! out: against the bench's 8 s of bakes it alone would be 5 %, against a real 20 min
//! rollout 0.03 %.

use std::time::{Duration, Instant};

use e2e::{
    blue_green_service, newest_terraform, required_providers, Emulator, HarnessError, Targets,
    Workspace,
};
use serde_json::{json, Value};

const STEPS: [i64; 4] = [5, 25, 50, 100];
const BAKE: Duration = Duration::from_secs(2);
const ROLLOUTS: usize = 3;
/// Wall time beyond the bakes the provider may add, as a share of the bakes.
const TARGET_PCT: f64 = 5.0;

/// Emulator operation latencies the rollout is measured at: name, flag
/// value, seconds. 200 ms is the emulator's default; Cloud Run's real
/// operations take longer still.
const PROFILES: [(&str, &str, f64); 2] = [("instant", "0ms", 0.0), ("default", "200ms", 0.2)];

fn config(emu: &Emulator, image: &str) -> String {
    let steps: Vec<String> = STEPS.iter().map(i64::to_string).collect();
    let rollout = format!(
        "  rollout {{\n    steps         = [{}]\n    bake_duration = \"{}s\"\n  }}",
        steps.join(", "),
        BAKE.as_secs()
    );
    format!(
        r#"{}
{}
{}
output "last_rollout" {{
  value = platform_blue_green_service.api.last_rollout
}}

output "status" {{
  value = platform_blue_green_service.api.rollout_status
}}
"#,
        required_providers(),
        emu.provider_block(""),
        blue_green_service(image, &rollout)
    )
}

/// Seconds since midnight of an RFC 3339 UTC timestamp (`...THH:MM:SS.fffZ`).
fn seconds_of_day(ts: &str) -> Option<f64> {
    let time = ts.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = time.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

fn rollout_seconds(last: &Value) -> Option<f64> {
    let start = seconds_of_day(last["started_at"].as_str()?)?;
    let end = seconds_of_day(last["finished_at"].as_str()?)?;
    // A rollout that crosses midnight UTC.
    Some(if end >= start {
        end - start
    } else {
        end + 86_400.0 - start
    })
}

struct Row {
    rollout: f64,
    apply: f64,
    timeseries: usize,
    descriptors: usize,
    run_ops: usize,
    service_gets: usize,
    patches: usize,
}

fn run_one(ws: &Workspace, emu: &Emulator, image: &str) -> Result<Row, HarnessError> {
    ws.write_file("main.tf", &config(emu, image))?;
    emu.clear_requests()?;
    let started = Instant::now();
    ws.apply()?;
    let apply = started.elapsed().as_secs_f64();
    let out = ws.outputs()?;
    if out["status"] != "succeeded" {
        return Err(HarnessError::BadOutput {
            command: "terraform apply".into(),
            detail: format!("rollout of {image} did not succeed: {out}"),
        });
    }
    let rollout = rollout_seconds(&out["last_rollout"]).ok_or_else(|| HarnessError::BadOutput {
        command: "terraform output".into(),
        detail: format!("no last_rollout timestamps: {out}"),
    })?;
    let requests = emu.requests()?;
    let count =
        |f: &dyn Fn(&e2e::RecordedRequest) -> bool| requests.iter().filter(|r| f(r)).count();
    Ok(Row {
        rollout,
        apply,
        timeseries: count(&|r| r.path.ends_with("/timeSeries")),
        descriptors: count(&|r| r.path.contains("/metricDescriptors/")),
        run_ops: count(&|r| r.path.contains("/operations/")),
        service_gets: count(&|r| r.method == "GET" && r.path.ends_with("/services/api")),
        patches: count(&|r| r.method == "PATCH"),
    })
}

fn header(c: [&str; 11]) {
    println!(
        "{:<8} {:<8} {:>9} {:>10} {:>9} {:>10} {:>9} {:>11} {:>11} {:>9} {:>9}",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
    );
}

/// Runs `ROLLOUTS` rollouts at one emulator latency; returns the worst
/// provider share of the wall time beyond the bakes and the worst whole
/// `terraform apply` beyond bakes and operation floor, both in percent.
fn profile(
    tf: &e2e::Terraform,
    name: &str,
    latency: &str,
    latency_s: f64,
) -> Result<(f64, f64), HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", latency])?;
    for v in 0..=ROLLOUTS {
        emu.admin_post(
            "/_emulator/run/behaviors",
            &json!({"image": format!("img:v{v}"), "rps": 10000}),
        )?;
    }
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:v0"))])?;
    ws.init()?;
    ws.apply()?;
    // Terraform's fixed cost of any apply (start-up, provider start, refresh, plan, state
    // write): an apply with nothing to change. It does not grow with the bakes, so it is
    // reported on its own and taken out of the whole-apply share.
    let started = Instant::now();
    ws.apply()?;
    let fixed = started.elapsed().as_secs_f64();
    println!("{name:<8} no-op terraform apply (fixed cost of any apply): {fixed:.2} s");

    let bakes = BAKE.as_secs_f64() * STEPS.len() as f64;
    let steps = STEPS.len() as f64;
    let mut worst: f64 = 0.0;
    let mut worst_apply: f64 = 0.0;
    for v in 1..=ROLLOUTS {
        let row = run_one(&ws, &emu, &format!("img:v{v}"))?;
        let beyond = row.rollout - bakes;
        let pct = beyond / bakes * 100.0;
        // Every PATCH is one Cloud Run operation the emulator holds for `latency`.
        let floor_pct = row.patches as f64 * latency_s / bakes * 100.0;
        worst = worst.max(pct - floor_pct);
        worst_apply = worst_apply.max((row.apply - fixed - bakes) / bakes * 100.0 - floor_pct);
        println!(
            "{:<8} v{:<7} {:>9.2} {:>10.2} {:>8.1}% {:>9.1}% {:>8.1}% {:>11.1} {:>11} {:>9.2} {:>9.2}   ({} PATCHes; terraform apply {:.2} s)",
            name,
            v,
            row.rollout,
            beyond,
            pct,
            floor_pct,
            pct - floor_pct,
            row.timeseries as f64 / steps,
            row.descriptors,
            row.run_ops as f64 / steps,
            row.service_gets as f64 / steps,
            row.patches,
            row.apply,
        );
    }
    ws.write_file("main.tf", &config(&emu, &format!("img:v{ROLLOUTS}")))?;
    ws.destroy()?;
    Ok((worst, worst_apply))
}

fn main() -> Result<(), HarnessError> {
    let tf = newest_terraform()?;
    println!(
        "\nplatform_blue_green_service: {} steps x {} s bake (sum {:.1} s), terraform {}",
        STEPS.len(),
        BAKE.as_secs(),
        BAKE.as_secs_f64() * STEPS.len() as f64,
        tf.version
    );
    header([
        "latency",
        "rollout",
        "wall (s)",
        "beyond",
        "overhead",
        "API op",
        "provider",
        "monitoring",
        "descriptor",
        "op waits",
        "svc GETs",
    ]);
    header([
        "",
        "",
        "",
        "bakes (s)",
        "%",
        "floor %",
        "%",
        "calls/step",
        "calls",
        "/step",
        "/step",
    ]);
    let mut targets = Targets::default();
    for (name, latency, latency_s) in PROFILES {
        let (worst, apply) = profile(tf, name, latency, latency_s)?;
        targets.check(
            format!("{name} ({latency} per operation): the provider adds at most {worst:.1} % to the rollout beyond the bakes (target < {TARGET_PCT} %)"),
            worst < TARGET_PCT,
        );
        targets.check(
            format!("{name} ({latency} per operation): the whole terraform apply, beyond a no-op apply's fixed cost, adds at most {apply:.1} % beyond the bakes and operations (target < {TARGET_PCT} %)"),
            apply < TARGET_PCT,
        );
    }
    targets.finish()
}
