//! The configuration `make demo` applies (examples/local/, which calls the bundled
//! modules) on every Terraform that can parse it: init, apply, a clean plan, then
//! lifting deletion protection and destroy, as scripts/demo.sh does. So a broken
//! demo configuration fails CI. Terraform older than 1.5 cannot parse the modules'
//! `optional()` types and is skipped inside the loop with a note.

use std::path::Path;

use e2e::{
    for_each_terraform_at_least, workspace_root, Emulator, HarnessError, Terraform, Workspace,
    MODULES_MIN_TERRAFORM,
};
use serde_json::Value;

/// Lays the example out as in the repository (examples/local next to a `modules`
/// link), so its `../../modules/...` sources resolve unchanged.
fn copy_example(ws: &Workspace) -> Result<String, HarnessError> {
    let root = workspace_root();
    let dir = ws.dir().join("examples").join("local");
    std::fs::create_dir_all(&dir).map_err(HarnessError::io("creating examples/local"))?;
    std::os::unix::fs::symlink(root.join("modules"), ws.dir().join("modules"))
        .map_err(HarnessError::io("linking modules"))?;
    let source = root.join("examples").join("local");
    for entry in std::fs::read_dir(&source).map_err(HarnessError::io("reading examples/local"))? {
        let path = entry
            .map_err(HarnessError::io("reading examples/local"))?
            .path();
        if path.extension().is_some_and(|e| e == "tf") {
            let name = path.file_name().map(Path::new).unwrap_or(Path::new(""));
            std::fs::copy(&path, dir.join(name))
                .map_err(HarnessError::io("copying examples/local"))?;
        }
    }
    Ok(format!("-chdir={}", dir.display()))
}

/// The demo's image and the emulated Cloud Run behaviours it sets (the `image=` and
/// `behave "{...}"` lines of scripts/demo.sh), so this test rolls out with the demo's
/// own traffic: too little makes a 2 s bake inconclusive and the demo's rollout hold.
fn demo_behaviours() -> Result<(String, Vec<Value>), HarnessError> {
    let path = workspace_root().join("scripts").join("demo.sh");
    let script = std::fs::read_to_string(&path).map_err(HarnessError::io("reading demo.sh"))?;
    let bad = |detail: String| HarnessError::BadOutput {
        command: "scripts/demo.sh".into(),
        detail,
    };
    let image = script
        .lines()
        .find_map(|l| l.strip_prefix("image=\"")?.strip_suffix('"'))
        .ok_or_else(|| bad("no image= line".into()))?
        .to_owned();
    let behaviours = script
        .lines()
        .filter_map(|l| l.strip_prefix("behave \"")?.strip_suffix('"'))
        .map(|body| {
            let json = body.replace("\\\"", "\"").replace("$image", &image);
            serde_json::from_str(&json).map_err(|e| bad(format!("{e}: {json}")))
        })
        .collect::<Result<Vec<Value>, _>>()?;
    if behaviours.len() < 2 {
        return Err(bad(format!("{} behave lines", behaviours.len())));
    }
    Ok((image, behaviours))
}

fn demo_config(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = Emulator::start()?;
    let (image, behaviours) = demo_behaviours()?;
    for b in &behaviours {
        emu.admin_post("/_emulator/run/behaviors", b)?;
    }
    let ws = Workspace::new(tf, &[])?;
    let chdir = copy_example(&ws)?;
    let url = format!("emulator_url={}", emu.url());
    let creds = format!("credentials_file={}", emu.credentials_path().display());
    let run = |cmd: &[&str], extra: &[&str]| {
        let mut args = vec![chdir.as_str()];
        args.extend_from_slice(cmd);
        args.extend(["-var", &url, "-var", &creds]);
        for v in extra {
            args.extend(["-var", v]);
        }
        ws.run_ok(&args, &[])
    };
    ws.run_ok(&[chdir.as_str(), "init"], &[])?;
    run(&["apply", "-auto-approve"], &[])?;

    let out = ws.run_ok(&[chdir.as_str(), "output", "-json"], &[])?;
    let outputs: Value =
        serde_json::from_str(&out.stdout).map_err(|e| HarnessError::BadOutput {
            command: out.command.clone(),
            detail: e.to_string(),
        })?;
    let value = |name: &str| outputs[name]["value"].clone();
    assert_eq!(
        value("livekit_nodes").as_array().map(Vec::len),
        Some(3),
        "{outputs:#}"
    );
    assert!(value("livekit_backend_service").is_string(), "{outputs:#}");
    assert_eq!(value("api_rollout_status"), "succeeded", "{outputs:#}");
    assert!(
        value("budget_guard")["tenant_budgets"]
            .as_object()
            .is_some_and(|t| t.contains_key("acme")),
        "{outputs:#}"
    );
    let plan = ws.run(
        &[
            chdir.as_str(),
            "plan",
            "-detailed-exitcode",
            "-var",
            &url,
            "-var",
            &creds,
        ],
        &[],
    )?;
    assert_eq!(plan.code, Some(0), "the demo must plan clean:\n{plan}");

    // The demo's rollout of v2 with the demo's traffic: every step conclusive, promoted.
    let v2 = format!("api_image={image}:v2");
    run(&["apply", "-auto-approve"], &[v2.as_str()])?;
    let out = ws.run_ok(
        &[chdir.as_str(), "output", "-raw", "api_rollout_status"],
        &[],
    )?;
    assert_eq!(
        out.stdout.trim(),
        "succeeded",
        "the demo's v2 rollout:\n{out}"
    );

    // As the demo's tear-down: lift the API service's deletion protection, destroy.
    let unprotect = [v2.as_str(), "api_deletion_protection=false"];
    run(&["apply", "-auto-approve"], &unprotect)?;
    run(&["destroy", "-auto-approve"], &unprotect)?;
    let services =
        emu.resource_names(|k| k.contains("/services/") && !k.contains("/revisions/"))?;
    assert!(services.is_empty(), "left after destroy: {services:?}");
    Ok(())
}

#[test]
fn demo_configuration_applies_and_destroys() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "examples/local", demo_config);
}
