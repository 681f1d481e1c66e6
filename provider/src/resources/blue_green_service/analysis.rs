//! Metric gates: candidate vs stable over one bake window, from Cloud
//! Monitoring (`request_count` by revision and response class, and
//! `request_latencies` p95 by revision).

use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::{MetricsClient, TimeSeries, TimeSeriesQuery};

use super::model::Rollout;

/// The metric the error rate comes from; its ingest delay paces each step.
pub const REQUEST_COUNT: &str = "run.googleapis.com/request_count";

/// Monitoring rejects alignment periods below 60 s, even for shorter bakes.
const MIN_ALIGNMENT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    pub requests: i64,
    pub errors: i64,
    pub candidate_p95_ms: f64,
    /// None when stable served nothing in the window (e.g. at 100 %).
    pub stable_p95_ms: Option<f64>,
}

impl Measurement {
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors as f64 / self.requests as f64
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
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

pub fn judge(m: &Measurement, r: &Rollout) -> Verdict {
    if m.requests < r.min_requests.max(1) {
        return Verdict::Inconclusive(format!(
            "the candidate served {} requests in the window, fewer than min_requests = {}",
            m.requests, r.min_requests
        ));
    }
    let rate = m.error_rate();
    if rate > r.max_error_rate {
        return Verdict::Breach(format!(
            "candidate error rate {:.2} % ({} of {} requests answered 5xx) exceeds max_error_rate {:.2} %",
            rate * 100.0,
            m.errors,
            m.requests,
            r.max_error_rate * 100.0
        ));
    }
    if let Some(stable) = m.stable_p95_ms.filter(|s| *s > 0.0) {
        let ratio = m.candidate_p95_ms / stable;
        if ratio > r.max_latency_ratio {
            return Verdict::Breach(format!(
                "candidate p95 latency {:.0} ms is {ratio:.2}× stable p95 {stable:.0} ms, above max_latency_ratio {:.2}",
                m.candidate_p95_ms, r.max_latency_ratio
            ));
        }
    }
    Verdict::Pass
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

fn sum_for(series: &[TimeSeries], revision: &str, class: Option<&str>) -> f64 {
    series
        .iter()
        .filter(|s| s.label("resource.labels.revision_name") == Some(revision))
        .filter(|s| class.is_none_or(|c| s.label("metric.labels.response_code_class") == Some(c)))
        .flat_map(|s| &s.points)
        .filter_map(|p| p.value.as_f64())
        .sum()
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
    let latency = TimeSeriesQuery {
        filter: base_filter(t, "run.googleapis.com/request_latencies"),
        cross_series_reducer: Some("REDUCE_PERCENTILE_95".into()),
        group_by_fields: vec!["resource.labels.revision_name".into()],
        ..counts.clone()
    };
    // Independent queries: issued together, the judgement waits for one round trip.
    let (count_series, latency_series) = tokio::try_join!(
        metrics.list_time_series(t.project, &counts),
        metrics.list_time_series(t.project, &latency)
    )?;
    let requests = sum_for(&count_series, t.candidate, None) as i64;
    let errors = sum_for(&count_series, t.candidate, Some("5xx")) as i64;
    let p95 = |rev: &str| {
        latency_series
            .iter()
            .find(|s| s.label("resource.labels.revision_name") == Some(rev))
            .and_then(|s| s.points.first())
            .and_then(|p| p.value.double_value)
    };
    Ok(Measurement {
        requests,
        errors,
        candidate_p95_ms: p95(t.candidate).unwrap_or(0.0),
        stable_p95_ms: p95(t.stable),
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

    #[test]
    fn verdicts() {
        let r = settings();
        let m = |requests, errors, cand, stable| Measurement {
            requests,
            errors,
            candidate_p95_ms: cand,
            stable_p95_ms: stable,
        };
        assert_eq!(judge(&m(1000, 2, 100.0, Some(100.0)), &r), Verdict::Pass);
        match judge(&m(1000, 20, 100.0, Some(100.0)), &r) {
            Verdict::Breach(why) => {
                assert!(why.contains("2.00 %") && why.contains("0.50 %"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            judge(&m(1000, 0, 300.0, Some(100.0)), &r),
            Verdict::Breach(_)
        ));
        assert_eq!(judge(&m(1000, 0, 300.0, None), &r), Verdict::Pass);
        assert!(matches!(
            judge(&m(0, 0, 0.0, None), &r),
            Verdict::Inconclusive(_)
        ));
    }
}
