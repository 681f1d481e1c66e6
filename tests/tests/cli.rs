//! The `platform` CLI (release build) against real Terraform, the provider and
//! the emulator: `rollout status` after a promoted and a rolled-back rollout,
//! `rollout watch` following a concurrent apply, the provider block printed by
//! `platform emulator` pasted into a config, and `checklist --state` on an
//! applied state of the platform resources.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use e2e::{
    copy_tree, for_each_terraform, for_each_terraform_at_least, livekit_cluster, livekit_settings,
    planned_modules, platform_cmd, release_binary, required_providers, workspace_root, Emulator,
    HarnessError, Workspace, MODULES_MIN_TERRAFORM,
};
use serde_json::{json, Value};

fn io_error(what: &str) -> impl FnOnce(std::io::Error) -> HarnessError + '_ {
    move |e| HarnessError::io(what.to_owned())(e)
}

/// v1 and v2 healthy, v3 answers 2 % errors; high rates so short bakes see traffic.
fn start_emulator() -> Result<Emulator, HarnessError> {
    let emu = Emulator::start_with(&["--op-latency", "100ms"])?;
    for (image, error_ratio) in [("img:v1", 0.0), ("img:v2", 0.0), ("img:v3", 0.02)] {
        emu.admin_post(
            "/_emulator/run/behaviors",
            &json!({"image": image, "rps": 100000, "error_ratio": error_ratio}),
        )?;
    }
    Ok(emu)
}

/// A `platform_blue_green_service` without deletion protection: `container` holds the
/// container's attributes and blocks, `rollout` those of its rollout block, if any.
fn blue_green_service(
    name: &str,
    min_instances: u32,
    container: &str,
    rollout: Option<&str>,
) -> String {
    let rollout = rollout
        .map(|attrs| format!("  rollout {{\n    {attrs}\n  }}\n"))
        .unwrap_or_default();
    format!(
        r#"resource "platform_blue_green_service" "{name}" {{
  name                = "{name}"
  deletion_protection = false
  template {{
    scaling {{
      min_instance_count = {min_instances}
    }}
    containers {{
      {container}
    }}
  }}
{rollout}}}
"#
    )
}

fn service_config(emu: &Emulator, image: &str, bake: &str) -> String {
    let rollout = format!("steps         = [5, 25, 50, 100]\n    bake_duration = \"{bake}\"");
    format!(
        "{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        blue_green_service("api", 2, &format!("image = \"{image}\""), Some(&rollout))
    )
}

/// `platform <args> --dir <workspace>` sharing the workspace's data dir.
fn platform(ws: &Workspace, emu: &Emulator, args: &[&str]) -> Result<Command, HarnessError> {
    let mut cmd = platform_cmd(ws.terraform(), emu)?;
    cmd.args(args)
        .arg("--dir")
        .arg(ws.dir())
        .env("TF_DATA_DIR", ws.dir().join(".terraform"));
    Ok(cmd)
}

fn output(mut cmd: Command) -> Result<Output, HarnessError> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(io_error("running platform"))
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The service's attributes from `terraform show -json`.
fn service_state(ws: &Workspace) -> Result<Value, HarnessError> {
    Ok(ws.show_json()?["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|r| r["type"] == "platform_blue_green_service")
        })
        .map(|r| r["values"].clone())
        .unwrap_or(Value::Null))
}

/// `platform rollout status <args>`, which must succeed and print each of `expected`;
/// returns its stdout.
fn rollout_status(
    ws: &Workspace,
    emu: &Emulator,
    args: &[&str],
    expected: &[String],
) -> Result<String, HarnessError> {
    let mut command = vec!["rollout", "status"];
    command.extend_from_slice(args);
    let out = output(platform(ws, emu, &command)?)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    for expected in expected {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    Ok(stdout)
}

/// Every recorded step must appear as a row with the state's own numbers.
fn assert_step_rows(stdout: &str, state: &Value) {
    let steps = state["last_rollout"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!steps.is_empty(), "no steps recorded: {state}");
    for step in steps {
        let percent = step["percent"].as_i64().unwrap_or(-1);
        let row = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{percent} %  ")))
            .unwrap_or_else(|| panic!("no row for {percent} % in\n{stdout}"));
        let rate = format!(
            "{:.2} %",
            step["error_rate"].as_f64().unwrap_or(-1.0) * 100.0
        );
        let requests = step["requests"].as_i64().unwrap_or(-1).to_string();
        let verdict = step["verdict"].as_str().unwrap_or("?");
        for part in [rate.as_str(), requests.as_str(), verdict] {
            assert!(row.contains(part), "{part:?} missing in row {row:?}");
        }
    }
}

#[test]
fn rollout_status_after_promoted_and_rolled_back_rollouts() {
    for_each_terraform(|tf| {
        let emu = start_emulator()?;
        let ws = Workspace::new(tf, &[("main.tf", &service_config(&emu, "img:v1", "300ms"))])?;
        ws.init()?;
        ws.apply()?;
        ws.write_file("main.tf", &service_config(&emu, "img:v2", "300ms"))?;
        ws.apply()?;
        let promoted = service_state(&ws)?;
        let v2 = promoted["stable_revision"]
            .as_str()
            .unwrap_or_default()
            .to_owned();

        let stdout = rollout_status(
            &ws,
            &emu,
            &["api"],
            &[
                "status     succeeded".to_string(),
                format!("stable     {v2}"),
                format!("traffic    {v2} 100 %"),
                "(max error rate 0.50 %, max p95 2× stable)".to_string(),
            ],
        )?;
        assert_eq!(stdout.matches(" pass").count(), 4, "{stdout}");
        assert_step_rows(&stdout, &promoted);

        // v3 breaches at the first step: traffic goes back to v2.
        ws.write_file("main.tf", &service_config(&emu, "img:v3", "300ms"))?;
        let failed = ws.run(&["apply", "-auto-approve"], &[])?;
        assert!(
            !failed.success(),
            "the breached rollout must fail:\n{failed}"
        );
        let rolled_back = service_state(&ws)?;
        let v3 = rolled_back["candidate_revision"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(!v3.is_empty() && v3 != v2, "{rolled_back}");

        let stdout = rollout_status(
            &ws,
            &emu,
            &[],
            &[
                "status     rolled_back".to_string(),
                format!("stable     {v2}"),
                format!("candidate  {v3}"),
                format!("{v2} 100 %, {v3} 0 % (candidate)"),
                "breach".to_string(),
            ],
        )?;
        // v3 answers about 2 % errors: the breaching step measured above the 0.5 % limit.
        let breached = rolled_back["last_rollout"]["steps"][0]["error_rate"]
            .as_f64()
            .unwrap_or_default();
        assert!(breached > 0.005, "{rolled_back}");
        assert_step_rows(&stdout, &rolled_back);

        let missing = output(platform(&ws, &emu, &["rollout", "status", "web"])?)?;
        assert!(!missing.status.success());
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("services in the state: api"),
            "{}",
            text(&missing)
        );
        Ok(())
    });
}

/// Starts `cmd` (`what` names it in errors) with stderr to `stderr`, and returns it with
/// the lines of its stdout, read on a thread so the test can time out.
fn spawn_reading_stdout(
    mut cmd: Command,
    stderr: Stdio,
    what: &str,
) -> Result<(Child, mpsc::Receiver<String>), HarnessError> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(io_error(what))?;
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    }
    Ok((child, rx))
}

fn wait_for_line(rx: &mpsc::Receiver<String>, seen: &mut Vec<String>, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                let hit = line.contains(needle);
                seen.push(line);
                if hit {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// Ctrl-C for `child`: SIGINT, then its exit status if it ends within 20 s.
fn interrupt(child: &mut Child) -> Result<Option<ExitStatus>, HarnessError> {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .map_err(io_error("kill -INT"))?;
    assert!(sent.success());
    Ok(wait_exit(child, Duration::from_secs(20)))
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Starts `rollout watch`, waits until it is polling, applies `image` on
/// another thread, and returns what watch printed, its exit and the apply's success.
fn watch_during_apply(
    ws: &Workspace,
    emu: &Emulator,
    image: &str,
) -> Result<(Vec<String>, Option<ExitStatus>, bool), HarnessError> {
    let (mut child, rx) = spawn_reading_stdout(
        platform(ws, emu, &["rollout", "watch", "api", "--interval", "150ms"])?,
        Stdio::inherit(),
        "starting platform rollout watch",
    )?;
    let mut seen = Vec::new();
    if !wait_for_line(&rx, &mut seen, "waiting for one to start") {
        let _ = child.kill();
        panic!("watch never started polling: {seen:?}");
    }
    ws.write_file("main.tf", &service_config(emu, image, "1500ms"))?;
    let (status, applied) = std::thread::scope(|s| {
        let apply = s.spawn(|| ws.run(&["apply", "-auto-approve"], &[]));
        let status = wait_exit(&mut child, Duration::from_secs(180));
        let applied = apply.join().ok().and_then(Result::ok);
        (status, applied)
    });
    seen.extend(rx.try_iter());
    Ok((seen, status, applied.is_some_and(|a| a.success())))
}

#[test]
fn rollout_watch_follows_a_concurrent_apply() {
    for_each_terraform(|tf| {
        let emu = start_emulator()?;
        let ws = Workspace::new(
            tf,
            &[("main.tf", &service_config(&emu, "img:v1", "1500ms"))],
        )?;
        ws.init()?;
        ws.apply()?;

        let (lines, status, applied) = watch_during_apply(&ws, &emu, "img:v2")?;
        let all = lines.join("\n");
        assert!(applied, "the v2 apply must succeed; watch printed:\n{all}");
        assert!(status.is_some_and(|s| s.success()), "{status:?}\n{all}");
        let v2 = service_state(&ws)?["stable_revision"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // Every step, each with its split and a measured window.
        for (step, percent) in [
            ("step 1/4", 5),
            ("step 2/4", 25),
            ("step 3/4", 50),
            ("step 4/4", 100),
        ] {
            let line = lines
                .iter()
                .find(|l| l.contains(step))
                .unwrap_or_else(|| panic!("{step} not shown:\n{all}"));
            assert!(line.contains(&format!("{v2} {percent} % / ")), "{line}");
            assert!(line.contains("on step "), "{line}");
        }
        assert!(all.contains("(max 0.50 %, "), "{all}");
        assert!(
            lines.last().is_some_and(|l| l.contains(&format!(
                "rollout finished, {v2} serves 100 % (steps seen: 5 % → 25 % → 50 % → 100 %)"
            ))),
            "{all}"
        );

        // A breaching candidate: watch sees the breach and exits 1 on the rollback.
        let (lines, status, applied) = watch_during_apply(&ws, &emu, "img:v3")?;
        let all = lines.join("\n");
        assert!(!applied, "the v3 apply must fail:\n{all}");
        assert_eq!(status.and_then(|s| s.code()), Some(1), "{all}");
        assert!(all.contains("breach"), "{all}");
        assert!(
            all.contains(&format!("rolled back, {v2} serves 100 %")),
            "{all}"
        );

        // Ctrl-C stops only the watcher, with the shell's interrupt status.
        let (mut child, rx) = spawn_reading_stdout(
            platform(&ws, &emu, &["rollout", "watch", "api"])?,
            Stdio::null(),
            "starting platform rollout watch",
        )?;
        let mut seen = Vec::new();
        assert!(
            wait_for_line(&rx, &mut seen, "waiting for one to start"),
            "{seen:?}"
        );
        let status = interrupt(&mut child)?;
        assert_eq!(status.and_then(|s| s.code()), Some(130), "{status:?}");
        Ok(())
    });
}

#[test]
fn emulator_block_pasted_into_a_config_applies() {
    for_each_terraform(|tf| {
        let state_dir = tempfile::tempdir().map_err(io_error("tempdir"))?;
        let mut emulator = Command::new(release_binary("platform")?);
        emulator
            .args(["emulator", "--listen", "127.0.0.1:0", "--state"])
            .arg(state_dir.path().join("emulator.json"));
        let (mut child, rx) =
            spawn_reading_stdout(emulator, Stdio::null(), "starting platform emulator")?;
        let mut block = Vec::new();
        let complete = wait_for_line(&rx, &mut block, "}");
        let block = block.join("\n");
        assert!(complete, "no provider block printed: {block}");
        let config = format!(
            "{}\n{block}\n\ndata \"platform_zones\" \"here\" {{}}\n\noutput \"zones\" {{\n  value = data.platform_zones.here.names\n}}\n",
            required_providers()
        );
        let ws = Workspace::new(tf, &[("main.tf", &config)])?;
        ws.init()?;
        ws.apply()?;
        let zones = ws.outputs()?["zones"].clone();
        assert!(
            zones.as_array().is_some_and(|z| !z.is_empty()
                && z.iter()
                    .all(|n| n.as_str().is_some_and(|n| n.starts_with("us-central1-")))),
            "{zones}"
        );
        let status = interrupt(&mut child)?;
        assert!(status.is_some_and(|s| s.success()), "{status:?}");
        Ok(())
    });
}

fn checklist_config(emu: &Emulator, web_min: u32, web_env: &str) -> String {
    let api_container = r#"image = "img:v1"
      env_secret {
        name   = "DATABASE_PASSWORD"
        secret = "db-password"
      }"#;
    let web_container = format!("image = \"img:v1\"\n      {web_env}");
    format!(
        "{}\n{}\n{}\n{}\n{}",
        required_providers(),
        emu.provider_block(""),
        blue_green_service("api", 2, api_container, None),
        blue_green_service(
            "web",
            web_min,
            &web_container,
            Some("bake_duration = \"300ms\"")
        ),
        livekit_cluster(&livekit_settings("  node_count = 3")),
    )
}

fn checklist(ws: &Workspace, emu: &Emulator) -> Result<(Output, Value), HarnessError> {
    let out = output(platform(
        ws,
        emu,
        &["checklist", "--state", "--format", "json"],
    )?)?;
    let report: Value =
        serde_json::from_slice(&out.stdout).map_err(|e| HarnessError::BadOutput {
            command: "platform checklist --state --format json".into(),
            detail: format!("{e}\n{}", text(&out)),
        })?;
    Ok((out, report))
}

fn item<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id))
        .unwrap_or_else(|| panic!("no item {id} in {report}"))
}

#[test]
fn checklist_on_an_applied_state() {
    for_each_terraform(|tf| {
        let emu = start_emulator()?;
        let leak = "env {\n        name  = \"API_TOKEN\"\n        value = \"tok-4242\"\n      }";
        let ws = Workspace::new(tf, &[("main.tf", &checklist_config(&emu, 1, leak))])?;
        ws.init()?;
        ws.apply()?;

        let (out, report) = checklist(&ws, &emu)?;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert_eq!(report["source"], "state");
        let min = item(&report, "services-min-instances");
        assert_eq!(min["status"], "fail", "{min}");
        assert_eq!(
            min["problems"][0]["address"],
            "platform_blue_green_service.web"
        );
        assert_eq!(min["problems"][0]["message"], "min_instance_count is 1");
        let secrets = item(&report, "no-plain-secrets");
        assert_eq!(secrets["status"], "fail", "{secrets}");
        assert_eq!(secrets["problems"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            secrets["problems"][0]["address"],
            "platform_blue_green_service.web"
        );
        assert!(
            !out.stdout.windows(8).any(|w| w == b"tok-4242"),
            "secret value echoed"
        );
        let livekit = item(&report, "livekit-ha");
        assert_eq!(livekit["status"], "pass", "{livekit}");
        assert_eq!(livekit["resources"], json!(["platform_livekit_cluster.lk"]));
        // Nothing in this state covers Cloud SQL: the item fails for lack of a resource.
        assert_eq!(
            item(&report, "sql-regional")["problems"][0]["address"],
            Value::Null
        );

        // Fixed: the items these resources cover pass.
        ws.write_file("main.tf", &checklist_config(&emu, 2, ""))?;
        ws.apply()?;
        let (_, report) = checklist(&ws, &emu)?;
        for id in ["services-min-instances", "no-plain-secrets", "livekit-ha"] {
            assert_eq!(item(&report, id)["status"], "pass", "{}", item(&report, id));
        }
        let table = output(platform(&ws, &emu, &["checklist", "--state"])?)?;
        let table_text = String::from_utf8_lossy(&table.stdout).into_owned();
        // Table rows name the check by its description and start with the mark.
        let row = |description: &str| {
            table_text
                .lines()
                .find(|l| l.contains(description))
                .unwrap_or_else(|| panic!("{description} not in\n{table_text}"))
                .to_owned()
        };
        assert!(
            row("LiveKit runs at least 3 nodes").starts_with('✓'),
            "{table_text}"
        );
        assert!(
            row("Cloud Run services keep at least 2").starts_with('✓'),
            "{table_text}"
        );
        assert!(
            row("Cloud SQL primary is regional").starts_with('✗'),
            "{table_text}"
        );
        Ok(())
    });
}

/// Requests that would change something in Google Cloud (token exchanges and
/// the emulator's own admin API aside).
fn mutations(emu: &Emulator) -> Result<Vec<String>, HarnessError> {
    Ok(emu
        .requests()?
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE"))
        // Operation waits are POSTs that change nothing.
        .filter(|r| {
            !r.path.starts_with("/_emulator")
                && !r.path.ends_with("/token")
                && !r.path.ends_with(":wait")
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect())
}

#[test]
fn deploy_examples_local_targets_exactly_the_selected_modules() {
    for_each_terraform_at_least(MODULES_MIN_TERRAFORM, "examples/local", |tf| {
        let emu = Emulator::start_with(&["--op-latency", "50ms"])?;
        let tree = tempfile::tempdir().map_err(io_error("tempdir"))?;
        copy_tree(
            &workspace_root().join("examples/local"),
            &tree.path().join("examples/local"),
        )?;
        copy_tree(
            &workspace_root().join("modules"),
            &tree.path().join("modules"),
        )?;
        let dir = tree.path().join("examples/local");
        let deploy = |args: &[&str]| -> Result<Output, HarnessError> {
            let mut cmd = platform_cmd(tf, &emu)?;
            cmd.arg("deploy")
                .arg("--dir")
                .arg(&dir)
                .args(args)
                .env("TF_VAR_emulator_url", emu.url())
                .env("TF_VAR_credentials_file", emu.credentials_path())
                .env("TF_VAR_api_deletion_protection", "false");
            output(cmd)
        };
        let plan = ".terraform/platform-deploy.tfplan";

        // The guide's stages over module.services, module.livekit and module.budget.
        for (skips, expected) in [
            (&["--skip-livekit"][..], &["budget", "services"][..]),
            (&["--skip-backend"], &["budget", "livekit"]),
            (&["--skip-infrastructure"], &["livekit", "services"]),
            (
                &[
                    "--skip-infrastructure",
                    "--skip-database",
                    "--skip-frontend",
                    "--skip-livekit",
                ],
                &["services"],
            ),
        ] {
            let mut args = skips.to_vec();
            args.push("--plan-only");
            let out = deploy(&args)?;
            assert!(out.status.success(), "{skips:?}: {}", text(&out));
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("nothing was applied"),
                "{}",
                text(&out)
            );
            assert_eq!(planned_modules(tf, &dir, plan)?, expected, "{skips:?}");
        }
        // --plan-only changed nothing: no state, no mutating Google API call.
        assert!(!dir.join("terraform.tfstate").exists());
        assert_eq!(mutations(&emu)?, Vec::<String>::new());

        // A real targeted apply of the backend stage touches Cloud Run only.
        let out = deploy(&["--skip-infrastructure", "--skip-livekit", "--auto-approve"])?;
        assert!(out.status.success(), "{}", text(&out));
        let touched = mutations(&emu)?;
        assert!(!touched.is_empty());
        assert!(
            touched
                .iter()
                .all(|m| m.contains(" /v2/projects/platform-local/locations/us-central1/services")),
            "{touched:#?}"
        );
        let state: Value = std::fs::read(dir.join("terraform.tfstate"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null);
        let mut in_state: Vec<&str> = state["resources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["mode"] == "managed")
            .filter_map(|r| r["module"].as_str())
            .collect();
        in_state.dedup();
        assert_eq!(in_state, ["module.services"], "{state}");
        Ok(())
    });
}
