//! Synthetic Cloud Run request metrics, derived from each revision's share of
//! traffic over time (the service's split history) and its image behaviour.

use std::collections::BTreeMap;

use super::distribution::Distribution;
use super::filter::Fields;
use crate::run::{behaviors, record, template};
use crate::store::Data;

pub const REQUEST_COUNT: &str = "run.googleapis.com/request_count";
pub const REQUEST_LATENCIES: &str = "run.googleapis.com/request_latencies";
pub const RESOURCE_TYPE: &str = "cloud_run_revision";

/// One revision's traffic history and behaviour.
#[derive(Debug, Clone)]
pub struct RevisionTraffic {
    pub project: String,
    pub location: String,
    pub service: String,
    pub revision: String,
    pub behavior: behaviors::Behavior,
    /// (from_ms, percent) steps, in time order.
    pub shares: Vec<(i64, i64)>,
}

impl RevisionTraffic {
    /// Requests served up to `t_ms` (fractional; counts are floors of this).
    fn cumulative(&self, t_ms: i64) -> f64 {
        let mut total = 0.0;
        for (i, &(from, percent)) in self.shares.iter().enumerate() {
            let until = self.shares.get(i + 1).map_or(i64::MAX, |s| s.0).min(t_ms);
            if until > from {
                total +=
                    self.behavior.rps * percent as f64 / 100.0 * (until - from) as f64 / 1000.0;
            }
        }
        total
    }

    /// (all requests, 5xx requests) in the interval (start, end].
    pub fn counts(&self, start_ms: i64, end_ms: i64) -> (i64, i64) {
        let c = |t| self.cumulative(t).floor() as i64;
        let e = |t| (self.cumulative(t) * self.behavior.error_ratio).floor() as i64;
        let all = c(end_ms) - c(start_ms);
        let errors = (e(end_ms) - e(start_ms)).clamp(0, all);
        (all, errors)
    }

    pub fn latencies(&self, n: i64) -> Distribution {
        Distribution::synthetic(n, self.behavior.p95_ms)
    }

    /// Filterable fields of this revision's series for one response code class.
    pub fn fields(&self, metric_type: &str, code: &str) -> Fields {
        let class = format!("{}xx", &code[..1]);
        [
            ("metric.type", metric_type.to_string()),
            ("metric.labels.response_code", code.to_string()),
            ("metric.labels.response_code_class", class),
            ("resource.type", RESOURCE_TYPE.to_string()),
            ("resource.labels.project_id", self.project.clone()),
            ("resource.labels.location", self.location.clone()),
            ("resource.labels.service_name", self.service.clone()),
            ("resource.labels.configuration_name", self.service.clone()),
            ("resource.labels.revision_name", self.revision.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// Every revision of `project` that ever received traffic.
pub fn revisions(data: &Data, project: &str) -> Vec<RevisionTraffic> {
    let prefix = format!("projects/{project}/locations/");
    let mut out = Vec::new();
    for (name, service) in data.resources.range(prefix.clone()..) {
        if !name.starts_with(&prefix) {
            break;
        }
        if !record::is_service_key(name) {
            continue;
        }
        let parts: Vec<&str> = name.split('/').collect();
        let history = record::internal(service).history;
        let mut per_revision: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        for (i, entry) in history.iter().enumerate() {
            for r in entry.split.keys() {
                per_revision.entry(r.clone()).or_default();
            }
            for (r, shares) in per_revision.iter_mut() {
                let p = entry.split.get(r).copied().unwrap_or(0);
                if shares.last().is_none_or(|s| s.1 != p) || i == 0 {
                    shares.push((entry.at_ms, p));
                }
            }
        }
        for (revision, shares) in per_revision {
            let image = data
                .resources
                .get(&record::revision_key(name, &revision))
                .map(template::image)
                .unwrap_or_default();
            out.push(RevisionTraffic {
                project: project.to_string(),
                location: parts[3].to_string(),
                service: parts[5].to_string(),
                behavior: behaviors::lookup(data, &image),
                revision,
                shares,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_share_changes() {
        let r = RevisionTraffic {
            project: "p".into(),
            location: "l".into(),
            service: "s".into(),
            revision: "s-a".into(),
            behavior: behaviors::Behavior {
                error_ratio: 0.1,
                rps: 100.0,
                ..Default::default()
            },
            shares: vec![(0, 100), (10_000, 5)],
        };
        assert_eq!(r.counts(0, 10_000), (1000, 100));
        assert_eq!(r.counts(10_000, 20_000), (50, 5));
        assert_eq!(r.counts(-5_000, 0), (0, 0));
    }
}
