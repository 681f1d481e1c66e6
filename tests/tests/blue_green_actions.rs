//! The rollout actions' effect as real Terraform sees it. Terraform 1.0 and
//! 1.11 cannot invoke actions (1.14 can), so the protocol client invokes them
//! as Terraform 1.14 does, on the provider binary, against the emulator the
//! workspace uses; every Terraform version found then plans and applies on
//! top: the next plan must show the truth, and the apply after it must do the
//! sensible next thing.

use e2e::{
    blue_green_service, for_each_terraform, invoke_as_terraform, required_providers, Emulator,
    HarnessError, Terraform, Workspace,
};
use serde_json::{json, Value};

const SERVICE: &str = "projects/platform-local/locations/us-central1/services/api";

fn config(emu: &Emulator, image: &str, pause_at: Option<i64>) -> String {
    let pause = pause_at.map_or(String::new(), |p| format!("pause_at_percent = {p}"));
    let rollout = format!(
        "  rollout {{\n    steps         = [5, 25, 100]\n    bake_duration = \"200ms\"\n    {pause}\n  }}"
    );
    format!(
        "{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        blue_green_service(image, &rollout)
    )
}

/// Invokes `action` on the service as `terraform apply -invoke` does on 1.14;
/// returns the progress messages.
fn invoke(
    emu: &Emulator,
    action: &str,
    candidate: Option<&str>,
) -> Result<Vec<String>, HarnessError> {
    let cfg = tfplugin::Value::object([
        ("id", tfplugin::Value::string(SERVICE)),
        (
            "candidate_revision",
            candidate.map_or(tfplugin::Value::Null, tfplugin::Value::string),
        ),
    ]);
    let runtime = tokio::runtime::Runtime::new().map_err(HarnessError::io("tokio runtime"))?;
    let invoked = runtime.block_on(invoke_as_terraform(emu, action, &cfg))?;
    assert!(
        invoked.completed && invoked.diagnostics.is_empty(),
        "{invoked:?}"
    );
    Ok(invoked.progress)
}

fn state(ws: &Workspace) -> Result<Value, HarnessError> {
    let show = ws.show_json()?;
    Ok(show["values"]["root_module"]["resources"][0]["values"].clone())
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

fn abort_then_promote(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
    for image in ["img:v1", "img:v2"] {
        emu.admin_post(
            "/_emulator/run/behaviors",
            &json!({"image": image, "rps": 100000}),
        )?;
    }
    let ws = Workspace::new(tf, &[("main.tf", &config(&emu, "img:v1", None))])?;
    ws.init()?;
    ws.apply()?;
    let v1 = state(&ws)?;

    // A rollout that holds at 5 %, as an operator would find it mid-incident.
    ws.write_file("main.tf", &config(&emu, "img:v2", Some(5)))?;
    ws.apply()?;
    let held = state(&ws)?;
    assert_eq!(held["rollout_status"], "holding", "{held}");
    let candidate = text(&held, "candidate_revision");

    // Abort: the plan reads the truth (refreshed status, the stable's
    // template back) and proposes the template change again.
    let progress = invoke(&emu, "platform_rollout_abort", None)?;
    assert!(
        progress[0].contains(&format!("Aborting the rollout of {candidate} (now 5 %)")),
        "{progress:?}"
    );
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"], &[])?;
    let out = plan.flat();
    assert!(
        plan.code == Some(2)
            && out.contains(r#"rollout_status = "rolled_back" -> "#)
            && out.contains(r#"~ image = "img:v1" -> "img:v2""#),
        "{plan}"
    );
    ws.run_ok(&["apply", "-refresh-only", "-auto-approve"], &[])?;
    let aborted = state(&ws)?;
    assert_eq!(aborted["rollout_status"], "rolled_back", "{aborted}");
    assert_eq!(aborted["stable_revision"], v1["stable_revision"]);
    assert_eq!(aborted["template"], v1["template"]);
    assert_eq!(text(&aborted, "candidate_revision"), candidate);

    // The apply after it rolls the same candidate out again, up to the pause.
    ws.apply()?;
    let again = state(&ws)?;
    assert_eq!(again["rollout_status"], "holding", "{again}");
    assert_eq!(text(&again, "candidate_revision"), candidate);

    // Promote: succeeded with the candidate as stable, and nothing to plan.
    invoke(&emu, "platform_rollout_promote", Some(&candidate))?;
    let plan = ws.run(&["plan", "-detailed-exitcode", "-no-color"], &[])?;
    assert_eq!(plan.code, Some(0), "{plan}");
    ws.run_ok(&["apply", "-refresh-only", "-auto-approve"], &[])?;
    let promoted = state(&ws)?;
    assert_eq!(promoted["rollout_status"], "succeeded", "{promoted}");
    assert_eq!(text(&promoted, "stable_revision"), candidate);
    Ok(())
}

#[test]
fn abort_and_promote_actions_as_the_next_plan_sees_them() {
    for_each_terraform(abort_then_promote);
}
