//! The resource against the in-process emulator: first deploy, a full
//! rollout, metric breaches (errors and latency), unready candidates,
//! deletion protection, import and drift.

use std::sync::Arc;

use serde_json::json;
use tfplugin::{ApplyRequest, Diagnostics, PlanRequest, Resource, Value};

use super::{plan, BlueGreenService};
use crate::framework::test_support::{
    assert_consistent, assert_plan_valid, assert_reached, ctx, destroy_resource, read_resource,
    sent, Harness,
};

/// A container of `image` with only the required settings (also used by model.rs's tests).
pub(super) fn container(image: &str) -> Value {
    Value::object([
        ("image", Value::from(image)),
        ("args", Value::Null),
        ("ports", Value::List(vec![])),
        (
            "resources",
            Value::List(vec![Value::object([
                ("cpu", Value::from("2")),
                ("memory", Value::from("4Gi")),
            ])]),
        ),
        ("env", Value::List(vec![])),
        ("env_secret", Value::List(vec![])),
        ("startup_probe", Value::List(vec![])),
        ("liveness_probe", Value::List(vec![])),
    ])
}

/// A `template` block around `container`, with every other setting given.
pub(super) fn template(container: Value) -> Value {
    Value::object([
        ("service_account", Value::Null),
        ("timeout", Value::from("300s")),
        ("max_instance_request_concurrency", Value::from(80)),
        ("execution_environment", Value::Null),
        ("session_affinity", Value::Null),
        (
            "scaling",
            Value::List(vec![Value::object([
                ("min_instance_count", Value::from(2)),
                ("max_instance_count", Value::from(20)),
            ])]),
        ),
        ("vpc_access", Value::List(vec![])),
        ("containers", Value::List(vec![container])),
    ])
}

pub(super) fn config(image: &str, rollout: Vec<(&str, Value)>) -> Value {
    let template = template(container(image));
    let mut rollout_block = Value::object([
        (
            "steps",
            Value::List(vec![
                Value::from(5),
                Value::from(25),
                Value::from(50),
                Value::from(100),
            ]),
        ),
        ("bake_duration", Value::from("400ms")),
    ]);
    for (k, v) in rollout {
        rollout_block.set(k, v);
    }
    let mut v = plan::complete(Value::object([
        ("name", Value::from("api")),
        ("template", Value::List(vec![template])),
        ("rollout", Value::List(vec![rollout_block])),
    ]));
    v.set("deletion_protection", Value::Null);
    v
}

/// What Terraform proposes: config plus prior values for computed attributes left null.
fn propose(prior: &Value, config: &Value) -> Value {
    if prior.is_null() {
        return config.clone();
    }
    let mut p = config.clone();
    for a in super::schema::schema().block.attributes {
        if a.computed && config.get(&a.name).is_null() {
            p.set(&a.name, prior.get(&a.name).clone());
        }
    }
    p
}

pub(super) struct Fixture {
    pub(super) h: Harness,
    pub(super) res: Arc<BlueGreenService>,
}

impl Fixture {
    /// A configured provider whose emulated `images` serve healthy traffic
    /// (100000 rps, no errors), so every rollout step has metrics to judge.
    pub(super) async fn serving(images: &[&str]) -> Fixture {
        let h = Harness::configured(&[
            ("project", Value::from("platform-local")),
            ("region", Value::from("us-central1")),
        ])
        .await;
        let res = Arc::new(BlueGreenService::new(h.provider.state().clone()));
        let f = Fixture { h, res };
        for image in images {
            f.behavior(json!({"image": image, "rps": 100000})).await;
        }
        f
    }

    async fn behavior(&self, body: serde_json::Value) {
        self.h.admin("POST", "/_emulator/run/behaviors", body).await;
    }

    pub(super) async fn plan(&self, prior: &Value, config: &Value) -> (Value, Diagnostics) {
        let r = self
            .res
            .plan(
                &ctx(),
                PlanRequest {
                    prior_state: prior.clone(),
                    proposed_new_state: propose(prior, config),
                    config: config.clone(),
                    prior_private: vec![],
                },
            )
            .await;
        if !r.diagnostics.has_errors() {
            assert_plan_valid(&super::schema::schema().block, config, &r.planned_state);
        }
        (r.planned_state, r.diagnostics)
    }

    pub(super) async fn apply(&self, prior: &Value, config: &Value) -> (Value, Diagnostics) {
        let (planned, d) = self.plan(prior, config).await;
        assert!(!d.has_errors(), "{d:?}");
        let r = self
            .res
            .apply(
                &ctx(),
                ApplyRequest {
                    prior_state: prior.clone(),
                    planned_state: planned.clone(),
                    config: config.clone(),
                    planned_private: vec![],
                },
            )
            .await;
        if !r.diagnostics.has_errors() {
            assert_consistent(&planned, &r.new_state);
        }
        (r.new_state, r.diagnostics)
    }

    /// Applies an already planned change in the background (as Terraform's
    /// apply runs while the test watches or interrupts it).
    pub(super) fn spawn_apply(
        &self,
        prior: &Value,
        planned: Value,
        config: &Value,
    ) -> tokio::task::JoinHandle<tfplugin::ApplyResponse> {
        let res = self.res.clone();
        let req = ApplyRequest {
            prior_state: prior.clone(),
            planned_state: planned,
            config: config.clone(),
            planned_private: vec![],
        };
        tokio::spawn(async move { res.apply(&ctx(), req).await })
    }
}

/// Whether the traffic target whose `key` (`revision` or `tag`) is `value` serves 100 %.
fn serves_all(state: &Value, key: &str, value: &Value) -> bool {
    state
        .get("traffic")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .any(|t| t.get(key) == value && t.get("percent").as_i64() == Some(100))
}

/// The detail of the plan's "Unfinished rollout found" warning, or "" without one.
fn unfinished_rollout_warning(d: &Diagnostics) -> String {
    d.iter()
        .find(|x| x.summary == "Unfinished rollout found")
        .map(|x| x.detail.clone())
        .unwrap_or_default()
}

fn set_update_timeout(cfg: &mut Value, update: &str) {
    cfg.set(
        "timeouts",
        Value::List(vec![Value::object([
            ("create", Value::Null),
            ("update", Value::from(update)),
            ("delete", Value::Null),
        ])]),
    );
}

pub(super) fn errors(d: &Diagnostics) -> String {
    d.iter()
        .map(|x| format!("{}: {}", x.summary, x.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn first_deploy_rollout_breach_and_unready() {
    let f = Fixture::serving(&["img:v1", "img:v2", "img:v3", "img:v4"]).await;
    f.behavior(json!({"image": "img:v3", "rps": 100000, "error_ratio": 0.02}))
        .await;
    f.behavior(json!({"image": "img:v4", "rps": 100000, "p95_ms": 300}))
        .await;
    f.behavior(json!({"image": "img:broken", "ready": false}))
        .await;

    // First deploy: straight to 100 %.
    let (s1, d) = f.apply(&Value::Null, &config("img:v1", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s1.get("rollout_status"), &Value::from("succeeded"));
    let stable1 = s1.get("stable_revision").as_str().unwrap().to_owned();
    assert!(stable1.starts_with("api-"));
    assert_eq!(s1.get("traffic").as_seq().unwrap().len(), 1);
    assert_eq!(
        read_resource(f.res.as_ref(), &s1).await,
        s1,
        "refresh after create must be a no-op"
    );
    let (p, _) = f.plan(&s1, &config("img:v1", vec![])).await;
    assert!(!plan::needs_rollout(&s1, &p));

    // v2 passes every step.
    let (s2, d) = f.apply(&s1, &config("img:v2", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s2.get("rollout_status"), &Value::from("succeeded"));
    let stable2 = s2.get("stable_revision").as_str().unwrap().to_owned();
    assert_ne!(stable1, stable2);
    let steps = s2
        .get("last_rollout")
        .get("steps")
        .as_seq()
        .unwrap()
        .to_vec();
    let percents: Vec<i64> = steps
        .iter()
        .map(|s| s.get("percent").as_i64().unwrap())
        .collect();
    assert_eq!(percents, vec![5, 25, 50, 100]);
    assert!(steps
        .iter()
        .all(|s| s.get("verdict") == &Value::from("pass")));

    // v3 errors at 2 %: rolled back, error quotes the rate, state tells the truth.
    let (s3, d) = f.apply(&s2, &config("img:v3", vec![])).await;
    let text = errors(&d);
    assert!(d.has_errors());
    let quoted = regex::Regex::new(
        r"answered 5xx \((1\.[5-9]\d|2\.\d\d) %; at 95 % confidence the error rate is between",
    )
    .unwrap();
    assert!(
        quoted.is_match(&text) && text.contains("max_error_rate 0.50 %"),
        "{text}"
    );
    assert_eq!(s3.get("rollout_status"), &Value::from("rolled_back"));
    assert_eq!(s3.get("stable_revision"), &Value::from(stable2.clone()));
    assert_eq!(s3.get("template"), s2.get("template"));
    assert!(serves_all(&s3, "revision", &Value::from(stable2.clone())));
    let (p, _) = f.plan(&s3, &config("img:v3", vec![])).await;
    assert!(
        plan::needs_rollout(&s3, &p),
        "the next plan must propose the change again"
    );

    // v4 is 3x slower: rolled back on latency.
    let (s4, d) = f.apply(&s3, &config("img:v4", vec![])).await;
    assert!(errors(&d).contains("max_latency_ratio"), "{}", errors(&d));
    assert_eq!(s4.get("rollout_status"), &Value::from("rolled_back"));

    // Unready candidate: fails before any traffic moves.
    let (s5, d) = f.apply(&s4, &config("img:broken", vec![])).await;
    let text = errors(&d);
    assert!(
        text.contains("not ready") && text.contains("no user traffic"),
        "{text}"
    );
    assert_eq!(s5.get("stable_revision"), &Value::from(stable2.clone()));
    let last = s5.get("last_rollout").get("steps").as_seq().unwrap();
    assert_eq!(last[0].get("verdict"), &Value::from("not_ready"));

    // Back to v2's config: nothing to roll out; the state keeps the last
    // rollout's result (Terraform plans no change, so it must not change).
    let (s6, d) = f.apply(&s5, &config("img:v2", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s6.get("rollout_status"), &Value::from("rolled_back"));
    assert_eq!(s6.get("candidate_revision"), s5.get("candidate_revision"));
    assert!(serves_all(&s6, "revision", &Value::from(stable2.clone())));
    let (p, _) = f.plan(&s6, &config("img:v2", vec![])).await;
    assert!(!plan::needs_rollout(&s6, &p));

    // Deletion protection.
    let r = destroy_resource(f.res.as_ref(), s6.clone()).await;
    assert!(errors(&r.diagnostics).contains("deletion_protection"));
    assert_eq!(r.new_state, s6);
}

#[tokio::test]
async fn pause_promote_abort_import_and_bake_fit() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, d) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let stable = s1.get("stable_revision").clone();

    // pause_at_percent holds at 25 %.
    let paused = config("img:b", vec![("pause_at_percent", Value::from(25))]);
    let (s2, d) = f.apply(&s1, &paused).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s2.get("rollout_status"), &Value::from("holding"));
    let cand_share: i64 = s2
        .get("traffic")
        .as_seq()
        .unwrap()
        .iter()
        .filter(|t| t.get("revision") == s2.get("candidate_revision"))
        .filter_map(|t| t.get("percent").as_i64())
        .sum();
    assert_eq!(cand_share, 25);
    assert!(s2
        .get("candidate_uri")
        .as_str()
        .unwrap()
        .starts_with("https://candidate---api-"));

    // abort sends everything back to stable.
    let (s3, d) = f
        .apply(&s2, &config("img:b", vec![("abort", Value::Bool(true))]))
        .await;
    assert!(errors(&d).contains("Rollout aborted"), "{}", errors(&d));
    assert_eq!(s3.get("rollout_status"), &Value::from("rolled_back"));
    assert_eq!(s3.get("stable_revision"), &stable);

    // promote skips the remaining steps.
    let (s4, d) = f
        .apply(&s3, &config("img:b", vec![("promote", Value::Bool(true))]))
        .await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s4.get("rollout_status"), &Value::from("succeeded"));
    assert_eq!(
        s4.get("last_rollout").get("steps").as_seq().unwrap().len(),
        1
    );

    // Import: the revision at 100 % becomes stable and a matching config plans clean.
    let id = s4.get("id").as_str().unwrap().to_owned();
    let imported = f.res.import(&ctx(), &id).await;
    assert!(
        !imported.diagnostics.has_errors(),
        "{:?}",
        imported.diagnostics
    );
    let st = imported.imported[0].state.clone();
    assert_eq!(st.get("stable_revision"), s4.get("stable_revision"));
    let mut cfg = config("img:b", vec![("promote", Value::Bool(true))]);
    cfg.set("deletion_protection", Value::Null);
    let (p, d) = f.plan(&st, &cfg).await;
    assert!(!d.has_errors());
    assert_eq!(
        p.get("template"),
        st.get("template"),
        "imported template must match the config"
    );
    assert!(!plan::needs_rollout(&st, &p));

    // Bakes that cannot fit the update timeout are a plan-time error.
    let mut slow = config("img:b", vec![("bake_duration", Value::from("10m"))]);
    set_update_timeout(&mut slow, "20m");
    let (_, d) = f.plan(&s4, &slow).await;
    assert!(errors(&d).contains("timeouts.update"), "{}", errors(&d));
}

#[tokio::test]
async fn interrupt_during_bake_rolls_back_and_reports_state() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let cfg = config("img:b", vec![("bake_duration", Value::from("30s"))]);
    let (planned, d) = f.plan(&s1, &cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let stop = ctx();
    let cancel = stop.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        cancel.cancel();
    });
    let started = std::time::Instant::now();
    let r = f
        .res
        .apply(
            &stop,
            ApplyRequest {
                prior_state: s1.clone(),
                planned_state: planned,
                config: cfg,
                planned_private: vec![],
            },
        )
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "Ctrl-C must wind down promptly"
    );
    assert!(
        errors(&r.diagnostics).contains("interrupted"),
        "{}",
        errors(&r.diagnostics)
    );
    assert_eq!(
        r.new_state.get("rollout_status"),
        &Value::from("rolled_back")
    );
    assert_eq!(
        r.new_state.get("stable_revision"),
        s1.get("stable_revision")
    );
    assert!(serves_all(
        &r.new_state,
        "revision",
        s1.get("stable_revision")
    ));
}

/// Benchmark from the issue: 4 steps with 2 s bakes; wall time beyond the
/// bakes is operations, convergence polling and 2 Monitoring calls per step
/// (emulator operations take 200 ms here).
#[tokio::test]
async fn rollout_overhead_beyond_bake_time() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let started = std::time::Instant::now();
    let (s2, d) = f
        .apply(
            &s1,
            &config("img:b", vec![("bake_duration", Value::from("2s"))]),
        )
        .await;
    let wall = started.elapsed().as_secs_f64();
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s2.get("rollout_status"), &Value::from("succeeded"));
    let overhead = (wall - 8.0) / 8.0;
    eprintln!(
        "rollout wall {wall:.2}s for 8s of bakes: overhead {:.1} %",
        overhead * 100.0
    );
    assert!(overhead < 0.5, "overhead {overhead}");
}

/// After a crash the refreshed state shows a split; the plan says what happens to it.
#[test]
fn plan_warns_about_an_unfinished_rollout() {
    use super::model::{revision_name, template_of, template_to_api};
    let name_of = |cfg: &Value| revision_name("api", &template_to_api(&template_of(cfg).unwrap()));
    let (a, b, c) = (
        config("img:a", vec![]),
        config("img:b", vec![]),
        config("img:c", vec![]),
    );
    let mut prior = a.clone();
    prior.set("project", Value::from("p"));
    prior.set("location", Value::from("us-central1"));
    prior.set("stable_revision", Value::from(name_of(&a)));
    prior.set("candidate_revision", Value::from(name_of(&b)));
    prior.set("rollout_status", Value::from("in_progress"));
    let target = |rev: String, percent: i64, tag: &str| {
        Value::object([
            ("revision", Value::from(rev)),
            ("percent", Value::from(percent)),
            ("tag", Value::from(tag)),
        ])
    };
    prior.set(
        "traffic",
        Value::List(vec![
            target(name_of(&a), 75, ""),
            target(name_of(&b), 25, "candidate"),
        ]),
    );
    let warning = |prior: &Value, cfg: &Value| {
        let mut cfg = cfg.clone();
        cfg.set("project", Value::from("p"));
        cfg.set("location", Value::from("us-central1"));
        let (_, _, d) = plan::plan(None, prior, &propose(prior, &cfg), &cfg);
        assert!(!d.has_errors(), "{}", errors(&d));
        unfinished_rollout_warning(&d)
    };
    let resumed = warning(&prior, &b);
    assert!(
        resumed.contains("serves 25 %") && resumed.contains("will be resumed"),
        "{resumed}"
    );
    let back = warning(&prior, &a);
    assert!(back.contains("will be rolled back:"), "{back}");
    let replaced = warning(&prior, &c);
    assert!(replaced.contains("rolled back and replaced"), "{replaced}");
    prior.set("rollout_status", Value::from("succeeded"));
    assert_eq!(warning(&prior, &b), "");
}

/// Starts a rollout of `cfg` over `prior` and drops it (as a SIGKILL would) once
/// the candidate serves 100 % in the final bake; returns the refreshed state.
async fn crash_in_final_bake(f: &Fixture, prior: &Value, cfg: &Value) -> Value {
    let (planned, d) = f.plan(prior, cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let task = f.spawn_apply(prior, planned, cfg);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let refreshed = loop {
        let s = read_resource(f.res.as_ref(), prior).await;
        if serves_all(&s, "tag", &Value::from("candidate")) {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reached 100 %: {s:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    task.abort();
    assert!(task.await.is_err(), "the rollout must still be baking");
    refreshed
}

/// A crash during the 100 % bake leaves the stable revision in the split: the
/// refresh reports an unfinished rollout, the resume judges the final bake again,
/// and a breach there still rolls back to the stable revision.
#[tokio::test]
async fn crash_in_final_bake_is_resumed_and_judged() {
    let f = Fixture::serving(&["img:a", "img:b", "img:c"]).await;
    let final_only = |image: &str, bake: &str| {
        config(
            image,
            vec![
                ("steps", Value::List(vec![Value::from(100)])),
                ("bake_duration", Value::from(bake)),
            ],
        )
    };
    let (mut prior, d) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));

    for (image, breach) in [("img:b", false), ("img:c", true)] {
        let stable = prior.get("stable_revision").clone();
        let crashed = crash_in_final_bake(&f, &prior, &final_only(image, "60s")).await;
        assert_eq!(crashed.get("rollout_status"), &Value::from("in_progress"));
        assert_eq!(crashed.get("stable_revision"), &stable);
        assert_eq!(crashed.get("template"), prior.get("template"));
        let candidate = crashed.get("candidate_revision").clone();
        assert!(!candidate.is_null() && candidate != stable, "{crashed:?}");
        let (_, d) = f.plan(&crashed, &final_only(image, "400ms")).await;
        let warned = unfinished_rollout_warning(&d);
        assert!(
            warned.contains("serves 100 %") && warned.contains("final bake"),
            "{warned}"
        );

        let error_ratio = if breach { 0.02 } else { 0.0 };
        f.behavior(json!({"image": image, "rps": 100000, "error_ratio": error_ratio}))
            .await;
        let (after, d) = f.apply(&crashed, &final_only(image, "400ms")).await;
        let judged: Vec<(Option<i64>, Value)> = after
            .get("last_rollout")
            .get("steps")
            .as_seq()
            .unwrap_or_default()
            .iter()
            .map(|s| (s.get("percent").as_i64(), s.get("verdict").clone()))
            .collect();
        if breach {
            assert!(errors(&d).contains("Rollout rolled back"), "{}", errors(&d));
            assert_eq!(after.get("rollout_status"), &Value::from("rolled_back"));
            assert_eq!(after.get("stable_revision"), &stable);
            assert!(serves_all(&after, "revision", &stable));
            assert_eq!(judged, vec![(Some(100), Value::from("breach"))]);
        } else {
            assert!(!d.has_errors(), "{}", errors(&d));
            assert_eq!(after.get("rollout_status"), &Value::from("succeeded"));
            assert_eq!(after.get("stable_revision"), &candidate);
            assert_eq!(after.get("traffic").as_seq().unwrap().len(), 1);
            assert_eq!(judged, vec![(Some(100), Value::from("pass"))]);
        }
        prior = after;
    }
}

/// One `rollout.step` block (also used by model.rs's tests).
pub(super) fn step_block(percent: i64, bake: Option<&str>) -> Value {
    Value::object([
        ("percent", Value::from(percent)),
        ("bake_duration", bake.map_or(Value::Null, Value::from)),
    ])
}

/// `step` blocks instead of `steps`: each step bakes for its own time.
fn stepped(image: &str, steps: Vec<Value>) -> Value {
    let mut cfg = config(image, vec![("step", Value::List(steps))]);
    let mut r = cfg.get("rollout").as_seq().unwrap()[0].clone();
    r.set("steps", Value::Null);
    cfg.set("rollout", Value::List(vec![r]));
    cfg
}

#[tokio::test]
async fn a_step_with_its_own_bake_holds_that_long() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let cfg = stepped(
        "img:b",
        vec![step_block(5, Some("2500ms")), step_block(100, None)],
    );
    let (planned, d) = f.plan(&s1, &cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let apply = f.spawn_apply(&s1, planned, &cfg);
    // Time the 5 % step from the service itself: from when the candidate
    // serves 5 % until the split moves on.
    let run = f.h.provider.state().get().unwrap().client.run();
    let name = s1.get("id").as_str().unwrap().to_owned();
    let share = |s: &gcp_client::run::Service, c: &str| s.spec_split().get(c).copied();
    let candidate = super::model::revision_name(
        "api",
        &super::model::template_to_api(&super::model::template_of(&cfg).unwrap()),
    );
    let mut at_five = None;
    let mut moved_on = None;
    while moved_on.is_none() && !apply.is_finished() {
        let s = run.get_service(&name).await.unwrap();
        match (share(&s, &candidate), at_five) {
            (Some(5), None) => at_five = Some(std::time::Instant::now()),
            (Some(p), Some(t)) if p > 5 => moved_on = Some(t.elapsed()),
            _ => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let r = apply.await.unwrap();
    assert!(!r.diagnostics.has_errors(), "{}", errors(&r.diagnostics));
    assert_eq!(r.new_state.get("rollout_status"), &Value::from("succeeded"));
    let held = moved_on.expect("the candidate moved from 5 % to 100 %");
    assert!(
        held >= std::time::Duration::from_millis(2500),
        "the 5 % step held only {held:?}"
    );

    // The overrides count towards the update timeout at plan time.
    let mut slow = stepped(
        "img:a",
        vec![step_block(50, Some("25m")), step_block(100, None)],
    );
    set_update_timeout(&mut slow, "20m");
    let (_, d) = f.plan(&r.new_state, &slow).await;
    assert!(errors(&d).contains("timeouts.update"), "{}", errors(&d));
    // A bad override is reported at its own path.
    let bad = stepped("img:a", vec![step_block(100, Some("soon"))]);
    let d = plan::check(&bad);
    let path = d.iter().find_map(|x| x.attribute.clone()).unwrap();
    assert_eq!(
        path,
        tfplugin::AttributePath::root("rollout")
            .index(0)
            .attr("step")
            .index(0)
            .attr("bake_duration")
    );
}

/// An operator's `update-traffic` during a bake stops the rollout; their
/// split is neither overwritten nor rolled back, and the state shows it.
#[tokio::test]
async fn another_writers_split_is_never_overwritten() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let stable = s1.get("stable_revision").as_str().unwrap().to_owned();
    let cfg = config("img:b", vec![("bake_duration", Value::from("3s"))]);
    let (planned, d) = f.plan(&s1, &cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let apply = f.spawn_apply(&s1, planned, &cfg);
    let run = f.h.provider.state().get().unwrap().client.run();
    let name = s1.get("id").as_str().unwrap().to_owned();
    let current = loop {
        let s = run.get_service(&name).await.unwrap();
        if s.spec_split().len() == 2 && s.converged() {
            break s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // `gcloud run services update-traffic --to-revisions=STABLE=100`, with the etag.
    let theirs = gcp_client::run::Service {
        name: name.clone(),
        etag: current.etag.clone(),
        traffic: vec![gcp_client::run::TrafficTarget::revision(&stable, 100, None)],
        ..Default::default()
    };
    run.patch_service(&theirs, &["traffic"]).await.unwrap();
    let r = apply.await.unwrap();
    let text = errors(&r.diagnostics);
    assert!(text.contains("Traffic changed by someone else"), "{text}");
    assert!(
        text.contains(&format!("now asks for {stable} 100 %")),
        "{text}"
    );
    let after = run.get_service(&name).await.unwrap();
    assert_eq!(
        after.spec_split().into_iter().collect::<Vec<_>>(),
        vec![(stable.clone(), 100)]
    );
    assert!(after.traffic.iter().all(|t| t.tag.is_empty()), "{after:?}");
    assert_eq!(
        r.new_state.get("rollout_status"),
        &Value::from("rolled_back")
    );
    assert_eq!(r.new_state.get("stable_revision"), &Value::from(stable));
    assert_eq!(r.new_state.get("template"), s1.get("template"));
}

/// A valid configuration the robustness test mutates one attribute at a time.
pub(crate) fn valid_config() -> Value {
    config("img:v1", Vec::new())
}

/// The one error diagnostic of `d` (panics on none or several).
fn single_error(d: &Diagnostics) -> tfplugin::Diagnostic {
    let errors: Vec<_> = d
        .iter()
        .filter(|x| x.severity == tfplugin::Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{}", self::errors(d));
    errors[0].clone()
}

/// The candidate's share of `state`'s traffic.
fn candidate_share(state: &Value) -> i64 {
    state
        .get("traffic")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter(|t| t.get("revision") == state.get("candidate_revision"))
        .filter_map(|t| t.get("percent").as_i64())
        .sum()
}

/// abort = true on a template whose candidate was never created: everything
/// stays on stable, and the apply says so once (no failed rollback).
#[tokio::test]
async fn abort_before_the_candidate_exists_says_so_once() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let stable = s1.get("stable_revision").clone();
    let (s2, d) = f
        .apply(&s1, &config("img:b", vec![("abort", Value::Bool(true))]))
        .await;
    let e = single_error(&d);
    assert_eq!(e.summary, "Rollout aborted", "{}", errors(&d));
    assert!(!errors(&d).contains("does not exist"), "{}", errors(&d));
    assert!(
        e.detail.contains(&format!(
            "read back from the service: {} 100 %",
            stable.as_str().unwrap()
        )),
        "{}",
        e.detail
    );
    assert_eq!(s2.get("rollout_status"), &Value::from("rolled_back"));
    assert_eq!(s2.get("stable_revision"), &stable);
    assert_eq!(s2.get("candidate_revision"), &Value::Null);
    assert!(serves_all(&s2, "revision", &stable));
    assert_eq!(s2.get("template"), s1.get("template"));
}

#[test]
fn promote_with_abort_and_a_final_partial_step_are_rejected() {
    let both = config(
        "img:a",
        vec![("promote", Value::Bool(true)), ("abort", Value::Bool(true))],
    );
    let e = single_error(&plan::check(&both));
    assert_eq!(
        e.attribute,
        Some(
            tfplugin::AttributePath::root("rollout")
                .index(0)
                .attr("abort")
        )
    );
    assert!(
        e.detail.contains("rollout[0].promote") && e.detail.contains("rollout[0].abort"),
        "{}",
        e.detail
    );
    let partial = config(
        "img:a",
        vec![(
            "steps",
            Value::List(vec![Value::from(5), Value::from(25), Value::from(50)]),
        )],
    );
    let e = single_error(&plan::check(&partial));
    assert!(
        e.detail.contains("pause_at_percent = 50") && e.detail.contains("[5, 25, 50, 100]"),
        "{}",
        e.detail
    );
}

/// A candidate that never became Ready: once the cause is fixed (same
/// template), the next apply builds a fresh revision and rolls it out.
#[tokio::test]
async fn a_fixed_unready_candidate_gets_a_fresh_revision() {
    let f = Fixture::serving(&["img:a"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    f.behavior(json!({"image": "img:late", "ready": false}))
        .await;
    let (s2, d) = f.apply(&s1, &config("img:late", vec![])).await;
    assert!(errors(&d).contains("not ready"), "{}", errors(&d));
    let failed = s2.get("candidate_revision").as_str().unwrap().to_owned();
    // The failed revision is out of the traffic, not kept at 0 %.
    assert_eq!(s2.get("traffic").as_seq().unwrap().len(), 1, "{s2:?}");

    f.behavior(json!({"image": "img:late", "rps": 100000}))
        .await;
    let (s3, d) = f.apply(&s2, &config("img:late", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s3.get("rollout_status"), &Value::from("succeeded"));
    let fresh = s3.get("stable_revision").as_str().unwrap();
    assert_eq!(fresh, format!("{failed}-2"));
    let (p, _) = f.plan(&s3, &config("img:late", vec![])).await;
    assert!(
        !plan::needs_rollout(&s3, &p),
        "the fresh attempt is this template"
    );
}

/// Starts a rollout of img:b over `prior` with 2 s bakes and waits until the
/// candidate serves 5 %; returns the running apply.
async fn rollout_at_five(
    f: &Fixture,
    prior: &Value,
) -> tokio::task::JoinHandle<tfplugin::ApplyResponse> {
    let cfg = config("img:b", vec![("bake_duration", Value::from("2s"))]);
    let (planned, d) = f.plan(prior, &cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let task = f.spawn_apply(prior, planned, &cfg);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let s = read_resource(f.res.as_ref(), prior).await;
        if candidate_share(&s) == 5 {
            return task;
        }
        assert!(std::time::Instant::now() < deadline, "never at 5 %: {s:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Traffic updates whose operations fail (the rollback's too): the split stays
/// at 5 %, the state says holding, and the error states the live split and how
/// to finish or revert; after the fault clears, an apply finishes the rollout.
#[tokio::test]
async fn failed_traffic_operations_report_the_live_split() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let stable = s1.get("stable_revision").as_str().unwrap().to_owned();
    let task = rollout_at_five(&f, &s1).await;
    f.h.admin(
        "POST",
        "/_emulator/faults",
        json!({"method": "PATCH", "path_regex": "/services/api$",
               "operation_error": {"code": 13, "message": "Injected reconcile failure"}}),
    )
    .await;
    let r = task.await.unwrap();
    let e = single_error(&r.diagnostics);
    let state = r.new_state;
    assert_eq!(
        state.get("rollout_status"),
        &Value::from("holding"),
        "{}",
        e.detail
    );
    let candidate = state.get("candidate_revision").as_str().unwrap().to_owned();
    for expected in [
        format!(
            "read back from the service: {}.",
            super::rollout::split_text(&std::collections::BTreeMap::from([
                (stable.clone(), 95),
                (candidate.clone(), 5)
            ]))
        ),
        "still split".to_owned(),
        "rollout.abort = true".to_owned(),
        "failed too".to_owned(),
    ] {
        assert!(e.detail.contains(&expected), "{expected:?} in {}", e.detail);
    }
    assert!(
        !e.detail.contains("serves no production traffic"),
        "{}",
        e.detail
    );
    assert_eq!(candidate_share(&state), 5, "{state:?}");

    f.h.admin("DELETE", "/_emulator/faults", json!({})).await;
    let (done, d) = f.apply(&state, &config("img:b", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(done.get("rollout_status"), &Value::from("succeeded"));
    assert_eq!(done.get("stable_revision"), &Value::from(candidate));
}

/// A PATCH the API refuses mid-rollout (no rollback is attempted): the error
/// says the traffic is still split, with the live split and the next step.
#[tokio::test]
async fn a_refused_traffic_update_says_the_split_is_still_live() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let task = rollout_at_five(&f, &s1).await;
    f.h.admin(
        "POST",
        "/_emulator/faults",
        json!({"method": "PATCH", "path_regex": "/services/api$", "status": 403}),
    )
    .await;
    let r = task.await.unwrap();
    let e = single_error(&r.diagnostics);
    assert_eq!(r.new_state.get("rollout_status"), &Value::from("holding"));
    for expected in [
        "Shifting 25 %",
        "still split",
        "serves 5 %",
        "resumes from 5 %",
        "rollout.abort = true",
        "--to-revisions=",
    ] {
        assert!(e.detail.contains(expected), "{expected:?} in {}", e.detail);
    }
}

/// Values Cloud Run rejects fail at validate, each at its attribute path, with
/// a short message (never the 10,000-character input back).
#[test]
fn cloud_run_limits_are_checked_at_validate() {
    let path = |p: &[&str]| {
        let mut a = tfplugin::AttributePath::root("template").index(0);
        for step in p {
            a = match step.parse::<usize>() {
                Ok(i) => a.index(i),
                Err(_) => a.attr(step),
            };
        }
        a
    };
    let sized = |cpu: &str, memory: &str| {
        let mut t = template(container("img:v1"));
        let mut c = t.get("containers").as_seq().unwrap()[0].clone();
        c.set(
            "resources",
            Value::List(vec![Value::object([
                ("cpu", Value::from(cpu)),
                ("memory", Value::from(memory)),
            ])]),
        );
        t.set("containers", Value::List(vec![c]));
        t
    };
    let cpu_path = path(&["containers", "0", "resources", "0", "cpu"]);
    let memory_path = path(&["containers", "0", "resources", "0", "memory"]);
    let mut cases: Vec<(&str, Value, tfplugin::AttributePath, &str)> = vec![
        ("cpu 3", sized("3", "4Gi"), cpu_path, "\"1\", \"2\", \"4\""),
        (
            "8Gi on 1 CPU",
            sized("1", "8Gi"),
            memory_path.clone(),
            "at least 2 CPU",
        ),
        (
            "4 CPU 1Gi",
            sized("4", "1Gi"),
            memory_path.clone(),
            "at least 2Gi",
        ),
        ("4 gigs", sized("2", "4 gigs"), memory_path, "\"512Mi\""),
    ];
    let mut timeout = template(container("img:v1"));
    timeout.set("timeout", Value::from("7200s"));
    cases.push(("timeout", timeout, path(&["timeout"]), "3600s"));
    let mut scaling = template(container("img:v1"));
    scaling.set(
        "scaling",
        Value::List(vec![Value::object([
            ("min_instance_count", Value::from(5)),
            ("max_instance_count", Value::from(2)),
        ])]),
    );
    cases.push((
        "min > max",
        scaling,
        path(&["scaling", "0", "min_instance_count"]),
        "at most 2",
    ));
    cases.push((
        "image",
        template(container("not an image!")),
        path(&["containers", "0", "image"]),
        "[HOST/]PATH[:TAG]",
    ));
    for (case, t, expected_path, fragment) in cases {
        let mut cfg = config("img:v1", vec![]);
        cfg.set("template", Value::List(vec![t]));
        let e = single_error(&plan::check(&cfg));
        assert_eq!(e.attribute, Some(expected_path), "{case}: {}", e.detail);
        assert!(e.detail.contains(fragment), "{case}: {}", e.detail);
    }
    let mut long = config("img:v1", vec![]);
    long.set("name", Value::from("a".repeat(10_000)));
    let e = single_error(&plan::check(&long));
    assert_eq!(e.attribute, Some(tfplugin::AttributePath::root("name")));
    assert!(
        e.detail.len() < 400 && e.detail.contains("10000 characters"),
        "{}",
        e.detail
    );
    assert!(plan::check(&config("img:v1", vec![])).is_empty());
}

/// A rollout can succeed in one way only, so its plan knows what that fixes:
/// the status, no candidate left and one untagged revision at 100 %; a first
/// deploy also knows its revision. A hold or an abort keeps them unknown.
#[tokio::test]
async fn a_rollouts_plan_knows_what_success_fixes() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let first = config("img:a", vec![]);
    let (p, _) = f.plan(&Value::Null, &first).await;
    assert_eq!(p.get("rollout_status"), &Value::from("succeeded"));
    assert!(p
        .get("stable_revision")
        .as_str()
        .is_some_and(|r| r.starts_with("api-")));
    assert!(p.get("traffic").is_unknown() && p.get("last_rollout").is_unknown());
    let (s1, d) = f.apply(&Value::Null, &first).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(s1.get("stable_revision"), p.get("stable_revision"));

    let change = config("img:b", vec![]);
    let (p, _) = f.plan(&s1, &change).await;
    assert_eq!(p.get("rollout_status"), &Value::from("succeeded"));
    assert!(p.get("candidate_revision").is_null() && p.get("candidate_uri").is_null());
    let only = &p.get("traffic").as_seq().unwrap()[0];
    assert_eq!(only.get("percent").as_i64(), Some(100));
    assert_eq!(only.get("tag"), &Value::from(""));
    assert!(only.get("revision").is_unknown() && p.get("stable_revision").is_unknown());
    // The apply checks every known value (Fixture::apply), nested ones included.
    let (s2, d) = f.apply(&s1, &change).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(
        s2.get("traffic").as_seq().unwrap()[0].get("revision"),
        s2.get("stable_revision")
    );

    for held in [
        ("pause_at_percent", Value::from(25)),
        ("abort", Value::Bool(true)),
    ] {
        let (p, _) = f.plan(&s2, &config("img:a", vec![held.clone()])).await;
        assert!(p.get("rollout_status").is_unknown(), "{}", held.0);
        assert!(p.get("traffic").is_unknown(), "{}", held.0);
    }
}

/// A `gate` on Cloud Run's own latency distributions at the 99th percentile,
/// relative to stable: a candidate 3× slower breaches it even when the
/// built-in p95 gate is set to let it through, and the message names the gate.
#[tokio::test]
async fn a_ratio_gate_rolls_back_on_its_own_metric() {
    let f = Fixture::serving(&["img:a"]).await;
    f.behavior(json!({"image": "img:slow", "rps": 100000, "p95_ms": 300}))
        .await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let gate = Value::object([
        ("name", Value::from("p99_latency")),
        (
            "filter",
            Value::from(r#"metric.type = "run.googleapis.com/request_latencies""#),
        ),
        ("aligner", Value::from("ALIGN_PERCENTILE_99")),
        ("reducer", Value::from("REDUCE_MAX")),
        ("max", Value::Null),
        (
            "max_ratio_to_stable",
            crate::framework::values::number("1.5"),
        ),
    ]);
    let cfg = config(
        "img:slow",
        vec![
            ("max_latency_ratio", Value::from(10)),
            ("gate", Value::List(vec![gate])),
        ],
    );
    let (p, d) = f.plan(&s1, &cfg).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let runbook = d
        .iter()
        .find(|x| x.summary == "Template change rolls out")
        .unwrap();
    assert!(runbook.detail.contains("gate p99_latency (run.googleapis.com/request_latencies ALIGN_PERCENTILE_99 REDUCE_MAX) at most 1.50× the stable revision's"), "{}", runbook.detail);
    let (s2, d) = f.apply(&s1, &cfg).await;
    let text = errors(&d);
    assert!(
        text.contains("gate p99_latency") && text.contains("above max_ratio_to_stable 1.50"),
        "{text}"
    );
    assert_eq!(s2.get("rollout_status"), &Value::from("rolled_back"));
    assert_eq!(p.get("rollout_status"), &Value::from("succeeded"));

    // A rate of a distribution is no number to compare; a percentile of a
    // count is refused by Monitoring itself: both errors at plan, on the aligner.
    for (metric, aligner, summary) in [
        (
            "request_latencies",
            "ALIGN_RATE",
            "Gate aligner gives a distribution",
        ),
        (
            "request_count",
            "ALIGN_PERCENTILE_99",
            "Cloud Monitoring rejects the gate",
        ),
    ] {
        let mut bad = cfg.clone();
        let mut rollout = bad.get("rollout").as_seq().unwrap()[0].clone();
        let mut g = rollout.get("gate").as_seq().unwrap()[0].clone();
        g.set("aligner", Value::from(aligner));
        g.set(
            "filter",
            Value::from(format!(r#"metric.type = "run.googleapis.com/{metric}""#)),
        );
        rollout.set("gate", Value::List(vec![g]));
        bad.set("rollout", Value::List(vec![rollout]));
        let (_, d) = f.plan(&s1, &bad).await;
        let e = single_error(&d);
        assert_eq!(e.summary, summary, "{e:?}");
        assert!(format!("{:?}", e.attribute).contains("aligner"), "{e:?}");
    }
}

/// Every optional attribute set to a value that is neither its default nor anything
/// Cloud Run would pick reaches the request that carries it: the service and template
/// settings the create's POST, the rollout settings the traffic PATCHes and the
/// Monitoring queries of the next rollout. A misspelt attribute name reads as unset and
/// fails here.
#[tokio::test]
async fn every_optional_attribute_reaches_the_api() {
    let f = Fixture::serving(&["img:v1", "img:v2"]).await;
    f.h.configure(&[
        ("project", Value::from("platform-local")),
        ("region", Value::from("us-central1")),
        (
            "default_labels",
            Value::Map([("cost-center".to_owned(), Value::from("reach"))].into()),
        ),
    ])
    .await;
    let one = |attrs: Vec<(&str, Value)>| Value::List(vec![Value::object(attrs)]);
    let probe = |path: &str| {
        one(vec![
            ("initial_delay_seconds", Value::from(11)),
            ("timeout_seconds", Value::from(3)),
            ("period_seconds", Value::from(13)),
            ("failure_threshold", Value::from(7)),
            ("http_get_path", Value::from(path)),
            ("port", Value::from(8181)),
        ])
    };
    let container = |image: &str| {
        let mut c = container(image);
        c.set("args", Value::from(vec!["--reach-arg"]));
        c.set("ports", one(vec![("container_port", Value::from(8181))]));
        c.set(
            "resources",
            one(vec![
                ("cpu", Value::from("4")),
                ("memory", Value::from("6Gi")),
            ]),
        );
        c.set(
            "env",
            one(vec![
                ("name", Value::from("REACH_ENV")),
                ("value", Value::from("env-value-1")),
            ]),
        );
        c.set(
            "env_secret",
            one(vec![
                ("name", Value::from("REACH_SECRET")),
                ("secret", Value::from("reach-secret")),
                ("version", Value::from("3")),
            ]),
        );
        c.set("startup_probe", probe("/reach-startup"));
        c.set("liveness_probe", probe("/reach-live"));
        c
    };
    let cfg = |image: &str| {
        let mut t = template(container(image));
        t.set(
            "service_account",
            Value::from("reach@platform-local.iam.gserviceaccount.com"),
        );
        t.set("timeout", Value::from("123s"));
        t.set("max_instance_request_concurrency", Value::from(17));
        t.set(
            "execution_environment",
            Value::from("EXECUTION_ENVIRONMENT_GEN2"),
        );
        t.set("session_affinity", Value::from(true));
        t.set(
            "scaling",
            one(vec![
                ("min_instance_count", Value::from(3)),
                ("max_instance_count", Value::from(33)),
            ]),
        );
        t.set(
            "vpc_access",
            one(vec![
                (
                    "connector",
                    Value::from("projects/platform-local/locations/us-central1/connectors/reach"),
                ),
                ("egress", Value::from("ALL_TRAFFIC")),
            ]),
        );
        let mut c = config(
            image,
            vec![
                ("steps", Value::List(vec![Value::from(7), Value::from(100)])),
                ("candidate_tag", Value::from("reach-tag")),
                ("analysis_interval", Value::from("2m")),
                (
                    "gate",
                    Value::List(vec![Value::object([
                        ("name", Value::from("reach")),
                        (
                            "filter",
                            Value::from("metric.type = \"run.googleapis.com/request_latencies\""),
                        ),
                        ("aligner", Value::from("ALIGN_PERCENTILE_99")),
                        ("reducer", Value::from("REDUCE_MEAN")),
                        ("max", Value::from(100000)),
                        ("max_ratio_to_stable", Value::Null),
                    ])]),
                ),
            ],
        );
        c.set("template", Value::List(vec![t]));
        c.set(
            "ingress",
            Value::from("INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"),
        );
        c.set(
            "labels",
            Value::Map([("team".to_owned(), Value::from("reach"))].into()),
        );
        c.set("deletion_protection", Value::from(false));
        c
    };
    let (state, d) = f.apply(&Value::Null, &cfg("img:v1")).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let log = f.h.admin_get("/_emulator/requests").await;
    let created = sent(&log, |m, p| m == "POST" && p.contains("/services"));
    assert_reached(
        &created,
        &[
            ("ingress", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"),
            ("labels", "\"team\":\"reach\""),
            ("provider default_labels", "\"cost-center\":\"reach\""),
            (
                "template.service_account",
                "reach@platform-local.iam.gserviceaccount.com",
            ),
            ("template.timeout", "123s"),
            (
                "template.max_instance_request_concurrency",
                "\"maxInstanceRequestConcurrency\":17",
            ),
            (
                "template.execution_environment",
                "EXECUTION_ENVIRONMENT_GEN2",
            ),
            ("template.session_affinity", "\"sessionAffinity\":true"),
            (
                "template.scaling.min_instance_count",
                "\"minInstanceCount\":3",
            ),
            (
                "template.scaling.max_instance_count",
                "\"maxInstanceCount\":33",
            ),
            ("template.vpc_access.connector", "connectors/reach"),
            ("template.vpc_access.egress", "ALL_TRAFFIC"),
            ("containers.args", "--reach-arg"),
            ("containers.ports.container_port", "\"containerPort\":8181"),
            ("containers.resources.cpu", "\"cpu\":\"4\""),
            ("containers.resources.memory", "6Gi"),
            ("containers.env", "env-value-1"),
            ("containers.env_secret.secret", "reach-secret"),
            ("containers.env_secret.version", "\"version\":\"3\""),
            ("containers.startup_probe.http_get_path", "/reach-startup"),
            ("containers.liveness_probe.http_get_path", "/reach-live"),
            ("probe.initial_delay_seconds", "\"initialDelaySeconds\":11"),
            ("probe.timeout_seconds", "\"timeoutSeconds\":3"),
            ("probe.period_seconds", "\"periodSeconds\":13"),
            ("probe.failure_threshold", "\"failureThreshold\":7"),
            ("probe.port", "\"port\":8181"),
        ],
    );
    // The rollout settings reach the next rollout's requests.
    f.h.admin("DELETE", "/_emulator/requests", json!({})).await;
    let (_, d) = f.apply(&state, &cfg("img:v2")).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let log = f.h.admin_get("/_emulator/requests").await;
    let patches = sent(&log, |m, p| m == "PATCH" && p.contains("/services/api"));
    assert_reached(
        &patches,
        &[
            ("rollout.steps", "\"percent\":7"),
            ("rollout.candidate_tag", "reach-tag"),
        ],
    );
    let queries = sent(&log, |m, p| m == "GET" && p.contains("/timeSeries"));
    assert_reached(
        &queries,
        &[
            ("rollout.gate.filter", "request_latencies"),
            ("rollout.gate.aligner", "ALIGN_PERCENTILE_99"),
            ("rollout.gate.reducer", "REDUCE_MEAN"),
            ("rollout.analysis_interval", "120s"),
        ],
    );
}

/// Every schema attribute is a model field of a compatible type and back
/// (a misspelt field fails here, or in the tests that decode it).
#[test]
fn model_matches_schema() {
    tfplugin::typed::check_plan_model::<super::model::Model>(&super::schema::schema().block, |v| {
        v.set("rollout_status", Value::from("succeeded"))
    })
    .unwrap();
}

/// A template setting removed from the configuration is planned as removed
/// (Terraform refuses a plan that keeps a non-computed value the config no
/// longer sets), and the revision that follows runs without it.
#[tokio::test]
async fn a_removed_template_setting_is_planned_removed() {
    let f = Fixture::serving(&["img:v1"]).await;
    let mut cfg = config("img:v1", vec![]);
    if let Some(Value::List(t)) = cfg.get_mut("template") {
        t[0].set(
            "execution_environment",
            Value::from("EXECUTION_ENVIRONMENT_GEN2"),
        );
    }
    let (state, d) = f.apply(&Value::Null, &cfg).await;
    assert!(!d.has_errors(), "{d:?}");
    let (planned, d) = f.plan(&state, &config("img:v1", vec![])).await;
    assert!(!d.has_errors(), "{d:?}");
    assert!(planned.get("template").as_seq().unwrap()[0]
        .get("execution_environment")
        .is_null());
}
