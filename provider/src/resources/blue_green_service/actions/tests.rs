//! The actions against the in-process emulator, with the refresh and plan
//! that follow them.

use tfplugin::{Action, Diagnostics, Progress, Severity, Value};

use super::super::plan;
use super::super::tests::{config, errors, Fixture};
use super::{Kind, RolloutAction};
use crate::framework::test_support::{ctx, read_resource};

fn action(f: &Fixture, kind: Kind) -> RolloutAction {
    RolloutAction {
        kind,
        state: f.h.provider.state().clone(),
    }
}

fn cfg(id: &str, candidate: Option<&str>, percent: Option<Value>) -> Value {
    let mut v = Value::object([
        ("id", Value::from(id)),
        (
            "candidate_revision",
            candidate.map_or(Value::Null, Value::from),
        ),
    ]);
    if let Some(p) = percent {
        v.set("percent", p);
    }
    v
}

/// Invokes `kind` as the server does: the progress messages and the completion.
async fn invoke(f: &Fixture, kind: Kind, config: Value) -> (Vec<String>, Diagnostics) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let d = action(f, kind)
        .invoke(&ctx(), config, &Progress::new(tx))
        .await;
    let mut progress = vec![];
    while let Ok(m) = rx.try_recv() {
        progress.push(m);
    }
    (progress, d)
}

fn only_error(d: &Diagnostics) -> (String, String) {
    let e: Vec<_> = d.iter().filter(|x| x.severity == Severity::Error).collect();
    assert_eq!(e.len(), 1, "{}", errors(d));
    let path = e[0]
        .attribute
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    (format!("{}: {}", e[0].summary, e[0].detail), path)
}

/// (revision, percent, tag) of the state's traffic, sorted.
fn traffic(state: &Value) -> Vec<(String, i64, String)> {
    let mut t: Vec<_> = state
        .get("traffic")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            (
                t.get("revision").as_str().unwrap_or_default().to_owned(),
                t.get("percent").as_i64().unwrap_or_default(),
                t.get("tag").as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    t.sort();
    t
}

fn sorted(mut v: Vec<(String, i64, String)>) -> Vec<(String, i64, String)> {
    v.sort();
    v
}

fn status(state: &Value) -> &str {
    state.get("rollout_status").as_str().unwrap_or_default()
}

#[tokio::test]
async fn pause_abort_promote_and_what_the_next_refresh_and_plan_show() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, d) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let stable = s1.get("stable_revision").as_str().unwrap().to_owned();
    let id = s1.get("id").as_str().unwrap().to_owned();
    let held = config("img:b", vec![("pause_at_percent", Value::from(25))]);
    let (s2, d) = f.apply(&s1, &held).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_eq!(status(&s2), "holding");
    let cand = s2.get("candidate_revision").as_str().unwrap().to_owned();

    // Pause at 10 %: the refresh still reads holding, the template is the candidate's.
    let (progress, d) = invoke(&f, Kind::Pause, cfg(&id, Some(&cand), Some(10.into()))).await;
    assert!(d.is_empty(), "{}", errors(&d));
    assert!(
        progress[0].contains(&format!("Holding the rollout of {cand} at 10 % (now 25 %)")),
        "{progress:?}"
    );
    assert!(
        progress[1].contains(&format!("{stable} 90 %, {cand} 10 %")),
        "{progress:?}"
    );
    let r2 = read_resource(f.res.as_ref(), &s2).await;
    assert_eq!(status(&r2), "holding");
    assert_eq!(r2.get("template"), s2.get("template"));
    assert_eq!(
        traffic(&r2),
        sorted(vec![
            (cand.clone(), 10, "candidate".into()),
            (stable.clone(), 90, String::new())
        ])
    );

    // Abort: rolled_back, the stable's template read back, so the plan
    // proposes the template change again; the candidate URL stays.
    let (_, d) = invoke(&f, Kind::Abort, cfg(&id, None, None)).await;
    assert!(d.is_empty(), "{}", errors(&d));
    let r3 = read_resource(f.res.as_ref(), &r2).await;
    assert_eq!(status(&r3), "rolled_back");
    assert_eq!(r3.get("stable_revision"), &Value::from(stable.clone()));
    assert_eq!(r3.get("candidate_revision"), &Value::from(cand.clone()));
    assert_eq!(r3.get("template"), s1.get("template"));
    assert!(!r3.get("candidate_uri").is_null());
    assert_eq!(
        traffic(&r3),
        sorted(vec![
            (cand.clone(), 0, "candidate".into()),
            (stable.clone(), 100, String::new())
        ])
    );
    let (p, d) = f.plan(&r3, &held).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert_ne!(p.get("template"), r3.get("template"));
    assert!(plan::needs_rollout(&r3, &p));
    assert_eq!(
        read_resource(f.res.as_ref(), &r3).await,
        r3,
        "a second refresh changes nothing"
    );

    // Aborting again changes nothing and says so.
    let (progress, d) = invoke(&f, Kind::Abort, cfg(&id, None, None)).await;
    assert!(d.is_empty(), "{}", errors(&d));
    assert!(progress[0].starts_with("Nothing to do"), "{progress:?}");

    // Promote: succeeded, the candidate is stable, the configuration plans clean.
    let (_, d) = invoke(&f, Kind::Promote, cfg(&id, Some(&cand), None)).await;
    assert!(d.is_empty(), "{}", errors(&d));
    let r4 = read_resource(f.res.as_ref(), &r3).await;
    assert_eq!(status(&r4), "succeeded");
    assert_eq!(r4.get("stable_revision"), &Value::from(cand.clone()));
    assert!(r4.get("candidate_revision").is_null());
    assert_eq!(traffic(&r4), vec![(cand.clone(), 100, String::new())]);
    let (p, d) = f.plan(&r4, &held).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    assert!(!plan::needs_rollout(&r4, &p), "{:?}", p.get("template"));
    assert_eq!(p.get("template"), r4.get("template"));

    // Now nothing is rolling out: every action says so at `id`.
    for (kind, percent) in [
        (Kind::Promote, None),
        (Kind::Abort, None),
        (Kind::Pause, Some(Value::from(5))),
    ] {
        let (_, d) = invoke(&f, kind, cfg(&id, None, percent.clone())).await;
        let (text, path) = only_error(&d);
        assert!(text.contains("No rollout to act on"), "{text}");
        assert!(path.contains("id"), "{path}");
        let d = action(&f, kind)
            .plan(&ctx(), &cfg(&id, None, percent))
            .await;
        assert!(
            errors(&d).contains("No rollout to act on"),
            "{}",
            errors(&d)
        );
    }
}

#[tokio::test]
async fn bad_configurations_fail_at_their_attribute() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let (s2, d) = f
        .apply(
            &s1,
            &config("img:b", vec![("pause_at_percent", Value::from(5))]),
        )
        .await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let id = s2.get("id").as_str().unwrap().to_owned();
    let pause = action(&f, Kind::Pause);
    for bad in [
        Value::from(0),
        Value::from(100),
        crate::framework::values::float(12.5),
    ] {
        let (text, path) = only_error(&pause.validate(&cfg(&id, None, Some(bad))).await);
        assert!(text.contains("whole number from 1 to 99"), "{text}");
        assert!(path.contains("percent"), "{path}");
    }
    // Unknown values are checked once known.
    assert!(pause
        .validate(&cfg(&id, None, Some(Value::Unknown)))
        .await
        .is_empty());
    let mut unknown_id = cfg("", None, Some(Value::from(5)));
    unknown_id.set("id", Value::Unknown);
    assert!(pause.validate(&unknown_id).await.is_empty());
    assert!(pause.plan(&ctx(), &unknown_id).await.is_empty());

    let abort = action(&f, Kind::Abort);
    let (text, path) = only_error(&abort.validate(&cfg("api", None, None)).await);
    assert!(
        text.contains("projects/PROJECT/locations/LOCATION/services/SERVICE"),
        "{text}"
    );
    assert!(path.contains("id"), "{path}");

    let gone = id.replace("/services/api", "/services/nope");
    let (text, path) = only_error(&abort.plan(&ctx(), &cfg(&gone, None, None)).await);
    assert!(text.contains("does not exist"), "{text}");
    assert!(path.contains("id"), "{path}");

    // The guard: an action meant for another candidate changes nothing.
    let (_, d) = invoke(&f, Kind::Abort, cfg(&id, Some("api-other"), None)).await;
    let (text, path) = only_error(&d);
    assert!(text.contains("A different rollout is live"), "{text}");
    assert!(path.contains("candidate_revision"), "{path}");
    assert_eq!(read_resource(f.res.as_ref(), &s2).await, s2);
}

/// An abort while `terraform apply` rolls out: the rollout notices the
/// foreign split at its next step, keeps it and records the truth.
#[tokio::test]
async fn abort_during_a_running_rollout_stops_it_and_keeps_the_split() {
    let f = Fixture::serving(&["img:a", "img:b"]).await;
    let (s1, _) = f.apply(&Value::Null, &config("img:a", vec![])).await;
    let stable = s1.get("stable_revision").as_str().unwrap().to_owned();
    let id = s1.get("id").as_str().unwrap().to_owned();
    let cfg_b = config("img:b", vec![("bake_duration", Value::from("2s"))]);
    let (planned, d) = f.plan(&s1, &cfg_b).await;
    assert!(!d.has_errors(), "{}", errors(&d));
    let apply = f.spawn_apply(&s1, planned, &cfg_b);
    let run = f.h.provider.state().get().unwrap().client.run();
    // Wait until the rollout serves its first step.
    loop {
        let s = run.get_service(&id).await.unwrap();
        if s.serving_split().values().any(|p| *p == 5) && s.converged() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (progress, d) = invoke(&f, Kind::Abort, cfg(&id, None, None)).await;
    assert!(d.is_empty(), "{}", errors(&d));
    assert!(progress[0].contains("(now 5 %)"), "{progress:?}");
    let r = apply.await.unwrap();
    let text = errors(&r.diagnostics);
    assert!(text.contains("Traffic changed by someone else"), "{text}");
    assert_eq!(status(&r.new_state), "rolled_back");
    assert_eq!(r.new_state.get("template"), s1.get("template"));
    let live = run.get_service(&id).await.unwrap();
    assert_eq!(
        live.spec_split().into_iter().collect::<Vec<_>>(),
        vec![(stable, 100)]
    );
    assert!(
        live.traffic.iter().any(|t| t.tag == "candidate"),
        "{live:?}"
    );
}
