//! Metric gates: candidate vs stable over one window, from Cloud Monitoring
//! (`request_count` by revision and response class, and the
//! `request_latencies` distributions by revision), judged on evidence: a
//! confidence interval for the error rate and p95s from bucket counts.

use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::{MetricsClient, TimeSeries, TimeSeriesQuery};

use super::gates::{Gate, Reading};
use super::model::Rollout;
use super::stats::{requests_needed, wilson_bounds, Histogram};

/// The metric the error rate comes from; its ingest delay paces each step and
/// its sample period is the shortest useful analysis interval.
pub const REQUEST_COUNT: &str = "run.googleapis.com/request_count";
const REQUEST_LATENCIES: &str = "run.googleapis.com/request_latencies";

/// Monitoring rejects alignment periods below 60 s (the window `measure` uses
/// when it has no descriptor to go by).
const MIN_ALIGNMENT: Duration = Duration::from_secs(60);

/// Latency samples each side needs before p95s are compared.
pub const MIN_LATENCY_SAMPLES: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Measurement {
    pub requests: i64,
    pub errors: i64,
    /// 0 when the candidate has no latency samples.
    pub candidate_p95_ms: f64,
    /// None when stable served nothing in the window (e.g. at 100 %).
    pub stable_p95_ms: Option<f64>,
    pub candidate_samples: i64,
    pub stable_samples: i64,
}

impl Measurement {
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }

    /// The error rate's (lower, upper) bounds at the rollout's confidence.
    pub fn error_bounds(&self, r: &Rollout) -> (f64, f64) {
        wilson_bounds(self.errors, self.requests, r.confidence)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The evidence shows the candidate within every limit.
    Pass,
    Inconclusive(String),
    Breach(String),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Inconclusive(_) => "inconclusive",
            Verdict::Breach(_) => "breach",
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

/// One gate's finding: Ok(None) within limits, Ok(Some) inconclusive, Err breach.
pub type Finding = Result<Option<String>, String>;

fn error_gate(m: &Measurement, r: &Rollout) -> Finding {
    let (lower, upper) = m.error_bounds(r);
    let confidence = format!("{:.0} %", r.confidence * 100.0);
    let evidence = format!(
        "{} of {} candidate requests answered 5xx ({}; at {confidence} confidence the error rate is between {} and {})",
        m.errors,
        m.requests,
        pct(m.error_rate()),
        pct(lower),
        pct(upper)
    );
    let limit = pct(r.max_error_rate);
    // Strong evidence of a breach stops the rollout whatever min_requests says.
    if lower > r.max_error_rate {
        return Err(format!(
            "{evidence}: even the lower bound exceeds max_error_rate {limit}"
        ));
    }
    if m.requests < r.min_requests.max(1) {
        return Ok(Some(format!(
            "{evidence}, fewer than min_requests = {}",
            r.min_requests
        )));
    }
    if upper <= r.max_error_rate {
        return Ok(None);
    }
    Ok(Some(format!(
        "{evidence}, which does not settle max_error_rate {limit} either way (with no errors about {} requests are needed)",
        requests_needed(r.max_error_rate, r.confidence)
    )))
}

fn latency_gate(m: &Measurement, r: &Rollout) -> Finding {
    let Some(stable) = m.stable_p95_ms.filter(|_| m.stable_samples > 0) else {
        // Nothing served by stable in the window (the 100 % step): no comparison.
        return Ok(None);
    };
    let sizes = format!(
        "candidate p95 {:.0} ms over {} samples, stable p95 {stable:.0} ms over {} samples",
        m.candidate_p95_ms, m.candidate_samples, m.stable_samples
    );
    if m.candidate_samples < MIN_LATENCY_SAMPLES || m.stable_samples < MIN_LATENCY_SAMPLES {
        return Ok(Some(format!(
            "latency not comparable yet ({sizes}; each side needs {MIN_LATENCY_SAMPLES})"
        )));
    }
    let ratio = if stable > 0.0 {
        m.candidate_p95_ms / stable
    } else {
        1.0
    };
    if ratio > r.max_latency_ratio {
        return Err(format!(
            "{sizes}: {ratio:.2}× stable, above max_latency_ratio {:.2}",
            r.max_latency_ratio
        ));
    }
    Ok(None)
}

/// Breach when any gate's evidence shows one; Pass only when every gate's
/// evidence shows the candidate within its limit; otherwise inconclusive.
pub fn judge(m: &Measurement, r: &Rollout) -> Verdict {
    decide(vec![error_gate(m, r), latency_gate(m, r)])
}

fn decide(findings: Vec<Finding>) -> Verdict {
    if let Some(Err(why)) = findings.iter().find(|f| f.is_err()) {
        return Verdict::Breach(why.clone());
    }
    let open: Vec<String> = findings
        .into_iter()
        .filter_map(|f| f.ok().flatten())
        .collect();
    if open.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Inconclusive(open.join("; "))
    }
}

/// Where and what to measure.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub project: &'a str,
    pub location: &'a str,
    pub service: &'a str,
    pub candidate: &'a str,
    pub stable: &'a str,
}

fn base_filter(t: &Target<'_>, metric: &str) -> String {
    format!(
        r#"metric.type = "{metric}" AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "{}" AND resource.labels.location = "{}" AND (resource.labels.revision_name = "{}" OR resource.labels.revision_name = "{}")"#,
        t.service, t.location, t.candidate, t.stable
    )
}

/// Candidate and stable counts and latencies of one set of points.
#[derive(Debug, Default)]
struct Tally {
    requests: f64,
    errors: f64,
    candidate: Histogram,
    stable: Histogram,
}

impl Tally {
    fn measurement(&self) -> Measurement {
        Measurement {
            requests: self.requests as i64,
            errors: self.errors as i64,
            candidate_p95_ms: self.candidate.percentile(95.0).unwrap_or(0.0),
            stable_p95_ms: self.stable.percentile(95.0),
            candidate_samples: self.candidate.count(),
            stable_samples: self.stable.count(),
        }
    }
}

/// Adds the points of `counts` and `latencies` whose end time `keep` accepts.
fn tally(
    t: &Target<'_>,
    counts: &[TimeSeries],
    latencies: &[TimeSeries],
    keep: impl Fn(&str) -> bool,
) -> Tally {
    let mut out = Tally::default();
    let revision = |s: &TimeSeries| s.label("resource.labels.revision_name").map(str::to_owned);
    for s in counts
        .iter()
        .filter(|s| revision(s).as_deref() == Some(t.candidate))
    {
        let is_error = s.label("metric.labels.response_code_class") == Some("5xx");
        for p in s.points.iter().filter(|p| keep(&p.interval.end_time)) {
            let n = p.value.as_f64().unwrap_or(0.0);
            out.requests += n;
            if is_error {
                out.errors += n;
            }
        }
    }
    for s in latencies {
        let histogram = match revision(s) {
            Some(r) if r == t.candidate => &mut out.candidate,
            Some(r) if r == t.stable => &mut out.stable,
            _ => continue,
        };
        for p in s.points.iter().filter(|p| keep(&p.interval.end_time)) {
            if let Some(d) = &p.value.distribution_value {
                histogram.add(d);
            }
        }
    }
    out
}

/// What one analysis sees: every point of the window, and its newest
/// interval on its own (an error burst that begins late in a long bake is
/// diluted in the whole but plain in the latest interval).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    pub whole: Measurement,
    /// None when the window is a single interval.
    pub latest: Option<Measurement>,
    /// The `gate` blocks' values in the latest interval, in their order.
    pub gates: Vec<Reading>,
}

impl Evidence {
    /// The evidence as the step at `percent` judges it. At 100 % stable serves
    /// nothing, yet the window can still hold a few of its requests from just
    /// before the step (the first point reaches back, and a sample straddling
    /// the switch counts whole): never enough to compare with and never more,
    /// they would keep the latency comparison inconclusive to the end, so
    /// stable counts as absent, as when it has no points at all.
    pub fn for_step(mut self, percent: i64) -> Self {
        if percent < 100 {
            return self;
        }
        for m in std::iter::once(&mut self.whole).chain(self.latest.as_mut()) {
            m.stable_p95_ms = None;
            m.stable_samples = 0;
        }
        for reading in &mut self.gates {
            reading.stable = None;
        }
        self
    }

    /// The whole window's verdict, unless the latest interval alone already
    /// shows a breach; with the measurement the verdict rests on.
    /// The `gate` blocks join in: a breach of any is a breach, and one without
    /// data keeps the verdict inconclusive.
    pub fn judge(&self, r: &Rollout, interval: &str) -> (Verdict, Measurement) {
        let (builtin, m) = self.judge_builtin(r, interval);
        if matches!(builtin, Verdict::Breach(_)) {
            return (builtin, m);
        }
        let mut findings: Vec<Finding> = r
            .gates
            .iter()
            .zip(&self.gates)
            .map(|(g, reading)| g.finding(reading))
            .collect();
        if let Verdict::Inconclusive(why) = builtin {
            findings.insert(0, Ok(Some(why)));
        }
        (decide(findings), m)
    }

    fn judge_builtin(&self, r: &Rollout, interval: &str) -> (Verdict, Measurement) {
        let whole = judge(&self.whole, r);
        if let (false, Some(latest)) = (matches!(whole, Verdict::Breach(_)), self.latest) {
            if let Verdict::Breach(why) = judge(&latest, r) {
                return (
                    Verdict::Breach(format!("in the latest {interval}: {why}")),
                    latest,
                );
            }
        }
        (whole, self.whole)
    }
}

/// Requests per second the whole service received over `(end - window, end]`
/// (one Monitoring call), for the plan's estimate of a conclusive window.
pub async fn service_rate(
    metrics: &MetricsClient,
    project: &str,
    location: &str,
    service: &str,
    window: Duration,
    end: SystemTime,
) -> Result<f64, gcp_client::Error> {
    let query = TimeSeriesQuery {
        filter: format!(
            r#"metric.type = "{REQUEST_COUNT}" AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "{service}" AND resource.labels.location = "{location}""#
        ),
        start: end.checked_sub(window).unwrap_or(end),
        end,
        alignment_period: window,
        per_series_aligner: "ALIGN_DELTA".into(),
        cross_series_reducer: Some("REDUCE_SUM".into()),
        group_by_fields: vec![],
    };
    let series = metrics.list_time_series(project, &query).await?;
    let total: f64 = series
        .iter()
        .flat_map(|s| &s.points)
        .filter_map(|p| p.value.as_f64())
        .sum();
    Ok(total / window.as_secs_f64().max(1e-3))
}

/// Queries the window `(end - max(bake, 60 s), end]` (two Monitoring calls).
pub async fn measure(
    metrics: &MetricsClient,
    t: &Target<'_>,
    bake: Duration,
    end: SystemTime,
) -> Result<Measurement, gcp_client::Error> {
    let period = Duration::from_secs(bake.max(MIN_ALIGNMENT).as_secs_f64().ceil() as u64);
    let start = end.checked_sub(period).unwrap_or(end);
    Ok(measure_intervals(metrics, t, &[], start, end, period)
        .await?
        .whole)
}

/// Queries `(start, end]` aligned to points of `period` each (two Monitoring
/// calls and one per gate, issued together): `period` must be at least the
/// metric's sample period, which the API requires of an alignment period.
pub async fn measure_intervals(
    metrics: &MetricsClient,
    t: &Target<'_>,
    gates: &[Gate],
    start: SystemTime,
    end: SystemTime,
    period: Duration,
) -> Result<Evidence, gcp_client::Error> {
    // Whole milliseconds, so the points tile the window exactly.
    let period = Duration::from_millis(period.as_millis() as u64);
    let counts = TimeSeriesQuery {
        filter: base_filter(t, REQUEST_COUNT),
        start,
        end,
        alignment_period: period,
        per_series_aligner: "ALIGN_DELTA".into(),
        cross_series_reducer: Some("REDUCE_SUM".into()),
        group_by_fields: vec![
            "resource.labels.revision_name".into(),
            "metric.labels.response_code_class".into(),
        ],
    };
    // Distributions summed per revision: p95s come from the bucket counts.
    let latency = TimeSeriesQuery {
        filter: base_filter(t, REQUEST_LATENCIES),
        group_by_fields: vec!["resource.labels.revision_name".into()],
        ..counts.clone()
    };
    let gate_queries: Vec<TimeSeriesQuery> = gates
        .iter()
        .map(|g| g.query(t, start, end, period))
        .collect();
    let (count_series, latency_series, gate_series) = tokio::try_join!(
        metrics.list_time_series(t.project, &counts),
        metrics.list_time_series(t.project, &latency),
        futures::future::try_join_all(
            gate_queries
                .iter()
                .map(|q| metrics.list_time_series(t.project, q))
        )
    )?;
    let whole = tally(t, &count_series, &latency_series, |_| true).measurement();
    let newest = count_series
        .iter()
        .chain(&latency_series)
        .flat_map(|s| &s.points)
        .map(|p| p.interval.end_time.as_str())
        .max_by_key(|e| gcp_client::monitoring::metrics::parse_timestamp(e))
        .map(str::to_owned);
    let several = end.duration_since(start).unwrap_or_default() > period;
    let latest = newest
        .filter(|_| several)
        .map(|n| tally(t, &count_series, &latency_series, |e| e == n).measurement());
    let gates = gates
        .iter()
        .zip(&gate_series)
        .map(|(g, series)| g.reading(t, series, end, period))
        .collect();
    Ok(Evidence {
        whole,
        latest,
        gates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::blue_green_service::model;

    fn settings() -> Rollout {
        model::rollout(&tfplugin::Value::object([(
            "rollout",
            tfplugin::Value::List(vec![]),
        )]))
        .unwrap()
    }

    fn m(requests: i64, errors: i64, cand: f64, stable: Option<f64>) -> Measurement {
        Measurement {
            requests,
            errors,
            candidate_p95_ms: cand,
            stable_p95_ms: stable,
            candidate_samples: requests,
            stable_samples: if stable.is_some() { 10 * requests } else { 0 },
        }
    }

    #[test]
    fn verdicts_follow_the_evidence() {
        let r = settings();
        assert_eq!(judge(&m(5000, 2, 100.0, Some(100.0)), &r), Verdict::Pass);
        match judge(&m(1000, 20, 100.0, Some(100.0)), &r) {
            Verdict::Breach(why) => assert!(
                why.contains("20 of 1000") && why.contains("2.00 %") && why.contains("0.50 %"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        match judge(&m(1000, 0, 300.0, Some(100.0)), &r) {
            Verdict::Breach(why) => assert!(why.contains("1000 samples"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(judge(&m(1000, 0, 300.0, None), &r), Verdict::Pass);
        assert!(matches!(
            judge(&m(0, 0, 0.0, None), &r),
            Verdict::Inconclusive(_)
        ));
    }

    #[test]
    fn zero_errors_in_twenty_requests_is_inconclusive() {
        // The old ratio rule passed this (0 % ≤ 0.5 %).
        let r = settings();
        match judge(&m(20, 0, 100.0, None), &r) {
            Verdict::Inconclusive(why) => {
                assert!(
                    why.contains("0 of 20") && why.contains("539 requests"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn three_percent_candidate_at_five_percent_traffic_breaches() {
        // One 1-minute interval at 5 % of 50 rps: 150 requests, 3 % of them 5xx.
        let r = settings();
        assert!(matches!(
            judge(&m(150, 5, 100.0, Some(100.0)), &r),
            Verdict::Breach(_)
        ));
        // A ratio above the limit on too little evidence is inconclusive, not a breach.
        assert!(matches!(
            judge(&m(100, 1, 100.0, Some(100.0)), &r),
            Verdict::Inconclusive(_)
        ));
    }

    #[test]
    fn min_requests_stays_a_floor() {
        let mut r = settings();
        r.min_requests = 10_000;
        assert!(matches!(
            judge(&m(5000, 0, 100.0, None), &r),
            Verdict::Inconclusive(_)
        ));
        // The floor holds back a pass, never a breach the evidence shows.
        assert!(matches!(
            judge(&m(5000, 500, 100.0, None), &r),
            Verdict::Breach(_)
        ));
    }

    #[test]
    fn stray_stable_requests_do_not_hold_the_full_step() {
        // The rollout bench's 100 % step: 9 stable requests from just before the
        // switch in the first window, and no more to come.
        let r = settings();
        let mut whole = m(2991, 4, 97.0, Some(96.0));
        whole.stable_samples = 9;
        let evidence = Evidence {
            whole,
            latest: Some(whole),
            gates: vec![Reading {
                candidate: Some(1.0),
                stable: Some(2.0),
            }],
        };
        // While stable serves, too few of its samples stay inconclusive.
        let (verdict, _) = evidence.clone().for_step(95).judge(&r, "1s");
        assert!(matches!(verdict, Verdict::Inconclusive(_)), "{verdict:?}");
        let full = evidence.for_step(100);
        let (verdict, m) = full.judge(&r, "1s");
        assert_eq!(verdict, Verdict::Pass);
        assert_eq!((m.stable_p95_ms, m.stable_samples), (None, 0));
        assert_eq!(full.latest.map(|l| l.stable_samples), Some(0));
        assert_eq!(full.gates[0].stable, None);
    }

    #[test]
    fn latency_needs_samples_on_both_sides() {
        let r = settings();
        let mut few = m(5000, 0, 300.0, Some(100.0));
        few.stable_samples = 20;
        match judge(&few, &r) {
            Verdict::Inconclusive(why) => {
                assert!(
                    why.contains("5000 samples") && why.contains("20 samples"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
