//! Text of `rollout watch`: one status line per poll (redrawn in place on a
//! terminal) and the closing line.

use std::time::Duration;

use platform_provider::resources::blue_green_service::{judge, Measurement, Rollout};

use super::phase::Outcome;

const BAR_WIDTH: usize = 20;

/// Everything one status line shows.
#[derive(Debug, Clone)]
pub struct StepView<'a> {
    pub service: &'a str,
    pub candidate: &'a str,
    pub stable: &'a str,
    pub percent: i64,
    pub stable_percent: i64,
    pub on_step: Duration,
    /// `Err` carries why the metrics could not be read.
    pub measurement: Option<Result<Measurement, String>>,
}

/// `[#####---------------]` for a percentage.
pub fn bar(percent: i64) -> String {
    let filled = (percent.clamp(0, 100) as usize * BAR_WIDTH).div_ceil(100);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(BAR_WIDTH - filled))
}

/// `450ms`, `3.2s`, `4m05s`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

fn step_label(percent: i64, r: &Rollout) -> String {
    match r.steps.iter().position(|s| *s == percent) {
        Some(i) => format!("step {}/{}", i + 1, r.steps.len()),
        None => "step -".to_string(),
    }
}

/// The measured part: error rate against the threshold, and the verdict the
/// provider would reach on this window.
pub fn metrics(m: &Option<Result<Measurement, String>>, r: &Rollout) -> String {
    let max = format!("max {:.2} %", r.max_error_rate * 100.0);
    match m {
        None => format!("error rate - ({max})"),
        Some(Err(why)) => format!("error rate unavailable ({max}): {why}"),
        Some(Ok(m)) => {
            // The confidence bounds the verdict rests on, as the provider judges them.
            let (lower, upper) = m.error_bounds(r);
            format!(
                "error rate {:.2} % ({max}, {} requests, {:.0} % bounds {:.2}–{:.2} %) {}",
                m.error_rate() * 100.0,
                m.requests,
                r.confidence * 100.0,
                lower * 100.0,
                upper * 100.0,
                judge(m, r).label()
            )
        }
    }
}

/// The status line.
pub fn step_line(v: &StepView<'_>, r: &Rollout) -> String {
    let bake = r.bake_at(v.percent);
    let left = bake.saturating_sub(v.on_step);
    let timing = format!(
        "  on step {} (bake {}, {} left)",
        duration(v.on_step),
        duration(bake),
        duration(left)
    );
    format!(
        "{}  {}  {} {:>3} %  {} {} % / {} {} %{timing}  {}",
        v.service,
        step_label(v.percent, r),
        bar(v.percent),
        v.percent,
        v.candidate,
        v.percent,
        v.stable,
        v.stable_percent,
        metrics(&v.measurement, r)
    )
}

/// What must change for plain output to print a new line: the step or the
/// verdict, not every new request count or clock tick.
pub fn change_key(v: &StepView<'_>, r: &Rollout) -> String {
    let verdict = match &v.measurement {
        Some(Ok(m)) => judge(m, r).label(),
        Some(Err(_)) => "unavailable",
        None => "-",
    };
    format!("{} {} {verdict}", v.candidate, v.percent)
}

pub fn finished_line(service: &str, outcome: &Outcome) -> String {
    let steps = |s: &[i64]| {
        s.iter()
            .map(|p| format!("{p} %"))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    match outcome {
        Outcome::Promoted { revision, steps: s } => format!(
            "✓ {service}: rollout finished, {revision} serves 100 % (steps seen: {})",
            steps(s)
        ),
        Outcome::RolledBack {
            stable,
            candidate,
            steps: s,
        } => format!(
            "✗ {service}: rolled back, {stable} serves 100 % and {candidate} 0 % (steps seen: {}). `platform rollout status {service}` shows the measurements once the apply has finished.",
            steps(s)
        ),
    }
}

#[cfg(test)]
mod tests {
    use platform_provider::resources::blue_green_service::rollout_settings;

    use super::*;

    fn defaults() -> Rollout {
        rollout_settings(&tfplugin::Value::object([(
            "rollout",
            tfplugin::Value::List(vec![]),
        )]))
        .unwrap()
    }

    #[test]
    fn bar_and_durations() {
        assert_eq!(bar(0), format!("[{}]", "-".repeat(20)));
        assert_eq!(bar(25), format!("[{}{}]", "#".repeat(5), "-".repeat(15)));
        assert_eq!(bar(100), format!("[{}]", "#".repeat(20)));
        assert_eq!(duration(Duration::from_millis(450)), "450ms");
        assert_eq!(duration(Duration::from_millis(3250)), "3.2s");
        assert_eq!(duration(Duration::from_secs(245)), "4m05s");
    }

    #[test]
    fn step_line_shows_split_timing_and_verdict() {
        let r = defaults();
        let m = Measurement {
            requests: 1000,
            errors: 21,
            candidate_p95_ms: 100.0,
            stable_p95_ms: Some(100.0),
            candidate_samples: 1000,
            stable_samples: 19_000,
        };
        let v = StepView {
            service: "api",
            candidate: "api-2",
            stable: "api-1",
            percent: 25,
            stable_percent: 75,
            on_step: Duration::from_secs(65),
            measurement: Some(Ok(m)),
        };
        let line = step_line(&v, &r);
        for part in [
            "api  step 2/4",
            " 25 %  api-2 25 % / api-1 75 %",
            "on step 1m05s (bake 5m00s, 3m55s left)",
            "error rate 2.10 % (max 0.50 %, 1000 requests, 95 % bounds 1.47–2.99 %) breach",
        ] {
            assert!(line.contains(part), "{part:?} in {line}");
        }
        let later = StepView {
            on_step: Duration::from_secs(70),
            ..v.clone()
        };
        assert_eq!(change_key(&v, &r), change_key(&later, &r));
        let unavailable = StepView {
            measurement: Some(Err("403".into())),
            ..v.clone()
        };
        assert_ne!(change_key(&v, &r), change_key(&unavailable, &r));
        assert!(step_line(&unavailable, &r).contains("error rate unavailable (max 0.50 %): 403"));
    }
}
