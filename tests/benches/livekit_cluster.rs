//! `make bench` part for platform_livekit_cluster: how long creating N nodes
//! takes as a multiple of one operation's latency (the guide's serial gcloud
//! loop takes N; the target is <= 1.3), and how many API calls a no-op
//! refresh makes for different N (the target: the same small number).
//!
//! The create window runs from the first VM insert the emulator sees to the
//! end of `terraform apply`, so terraform's start-up and plan do not count;
//! the whole apply is shown too, and the VM phase alone: first insert until
//! every VM is RUNNING (the emulator shows VMs PROVISIONING at insert, like
//! Compute Engine). Two latency profiles:
//! - `uniform`: every operation takes 1 s. Creating a group and then adding
//!   VMs to it are two dependent operations, so 2.0 is the floor here.
//! - `vm-bound`: VM inserts take 1 s, other operations the emulator's 200 ms
//!   default, closer to Compute Engine where VM creation dominates.

use std::time::{Duration, Instant};

use e2e::{newest_terraform, required_providers, Emulator, HarnessError, Targets, Workspace};
use serde_json::json;

const LATENCY: Duration = Duration::from_secs(1);
const NODES: [usize; 3] = [3, 9, 30];
/// Creating N VMs may take at most this many operation latencies.
const VM_RATIO_TARGET: f64 = 1.3;

#[derive(Clone, Copy)]
enum Profile {
    Uniform,
    VmBound,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Profile::Uniform => "uniform",
            Profile::VmBound => "vm-bound",
        }
    }

    fn start(self) -> Result<Emulator, HarnessError> {
        match self {
            Profile::Uniform => Emulator::start_with(&["--op-latency", "1s"]),
            Profile::VmBound => {
                let emu = Emulator::start_with(&["--op-latency", "200ms"])?;
                emu.set_latency(&json!({"kind": "compute.instances.insert", "operation": "1s"}))?;
                Ok(emu)
            }
        }
    }
}

fn config(emu: &Emulator, nodes: usize) -> String {
    format!(
        r#"{required}
{provider}
resource "platform_livekit_cluster" "lk" {{
  name       = "bench"
  zones      = ["us-central1-a", "us-central1-b", "us-central1-c"]
  node_count = {nodes}
  livekit {{
    keys_secret   = "livekit-keys"
    redis_address = "10.0.0.3:6379"
  }}
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(""),
    )
}

struct Row {
    profile: &'static str,
    nodes: usize,
    apply: Duration,
    window: Duration,
    vm_phase: Option<Duration>,
    refresh_calls: usize,
}

/// Whether all `nodes` VMs exist and are RUNNING.
fn all_running(emu: &Emulator, nodes: usize) -> Result<bool, HarnessError> {
    let all = emu.resources()?;
    let running = all
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, v)| k.contains("/instances/") && v["status"] == "RUNNING")
                .count()
        })
        .unwrap_or_default();
    Ok(running == nodes)
}

fn first_insert_seen(emu: &Emulator) -> Result<bool, HarnessError> {
    Ok(emu
        .requests()?
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/instances")))
}

fn measure(
    ws: &Workspace,
    emu: &Emulator,
    profile: Profile,
    nodes: usize,
) -> Result<Row, HarnessError> {
    let started = Instant::now();
    let (apply, first_insert) = std::thread::scope(|s| {
        let apply = s.spawn(|| ws.apply().map(|_| Instant::now()));
        let mut first = None;
        let mut vms_running = None;
        while !apply.is_finished() {
            if first.is_none() && first_insert_seen(emu)? {
                first = Some(Instant::now());
            }
            if first.is_some() && vms_running.is_none() && all_running(emu, nodes)? {
                vms_running = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let done = apply
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok::<_, HarnessError>((done, (first, vms_running)))
    })?;
    let (first_insert, vms_running) = first_insert;
    let first_insert = first_insert.unwrap_or(started);
    let before = emu.requests()?.len();
    ws.run_ok(&["plan", "-refresh-only"], &[])?;
    let refresh_calls = emu.requests()?[before..]
        .iter()
        .filter(|r| r.path.starts_with("/compute/"))
        .count();
    Ok(Row {
        profile: profile.name(),
        nodes,
        apply: apply - started,
        window: apply - first_insert,
        vm_phase: vms_running.map(|t| t - first_insert),
        refresh_calls,
    })
}

fn main() -> Result<(), HarnessError> {
    let tf = newest_terraform()?;
    println!(
        "platform_livekit_cluster create benchmark (terraform {}, 3 zones, op latency 1 s)",
        tf.version
    );
    let mut rows = Vec::new();
    for profile in [Profile::Uniform, Profile::VmBound] {
        for nodes in NODES {
            let emu = profile.start()?;
            let ws = Workspace::new(tf, &[("main.tf", &config(&emu, nodes))])?;
            ws.init()?;
            rows.push(measure(&ws, &emu, profile, nodes)?);
            ws.destroy()?;
        }
    }
    println!();
    println!("VM phase = first insert until every VM is RUNNING; whole cluster = first insert until apply ends (groups, membership, backend service, firewall).");
    println!("| profile  |  N | serial loop | VM phase | VM ratio | whole cluster | cluster ratio | whole apply | calls per no-op refresh |");
    println!("|----------|---:|------------:|---------:|---------:|--------------:|--------------:|------------:|------------------------:|");
    for r in &rows {
        let vm = r.vm_phase.map_or(f64::NAN, |d| d.as_secs_f64());
        println!(
            "| {:<8} | {:>2} | {:>10.1}s | {:>7.2}s | {:>8.2} | {:>12.2}s | {:>13.2} | {:>10.2}s | {:>23} |",
            r.profile,
            r.nodes,
            r.nodes as f64 * LATENCY.as_secs_f64(),
            vm,
            vm / LATENCY.as_secs_f64(),
            r.window.as_secs_f64(),
            r.window.as_secs_f64() / LATENCY.as_secs_f64(),
            r.apply.as_secs_f64(),
            r.refresh_calls,
        );
    }
    let mut targets = Targets::default();
    for r in &rows {
        let ratio = r
            .vm_phase
            .map_or(f64::INFINITY, |d| d.as_secs_f64() / LATENCY.as_secs_f64());
        targets.check(
            format!("{} N={}: creating the VMs takes {ratio:.2} operation latencies (target <= {VM_RATIO_TARGET})", r.profile, r.nodes),
            ratio <= VM_RATIO_TARGET,
        );
    }
    let calls: Vec<usize> = rows.iter().map(|r| r.refresh_calls).collect();
    targets.check(
        format!("a no-op refresh makes {calls:?} API calls for N in {NODES:?}, both profiles (target: the same number at every N)"),
        calls.iter().all(|c| *c == calls[0]),
    );
    targets.finish()
}
