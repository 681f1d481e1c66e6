//! Synthetic Cloud Run request metrics, derived from each revision's share of
//! traffic over time (the service's split history) and its image behaviour.

use std::collections::BTreeMap;

use super::distribution::Distribution;
use super::filter::Fields;
use crate::run::behaviors::{self, Rates};
use crate::run::{record, template};
use crate::store::Data;

pub const REQUEST_COUNT: &str = "run.googleapis.com/request_count";
pub const REQUEST_LATENCIES: &str = "run.googleapis.com/request_latencies";
pub const RESOURCE_TYPE: &str = "cloud_run_revision";

/// One stretch of constant share and rates.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    from: i64,
    until: i64,
    /// Requests per wall-clock millisecond.
    per_ms: f64,
    rates: Rates,
}

/// One revision's traffic history and behaviour.
#[derive(Debug, Clone)]
pub struct RevisionTraffic {
    pub project: String,
    pub location: String,
    pub service: String,
    pub revision: String,
    pub behavior: behaviors::Behavior,
    /// Simulated seconds per wall-clock second.
    scale: f64,
    segments: Vec<Segment>,
}

/// A reproducible stream of uniform numbers (SplitMix64).
struct Draws(u64);

impl Draws {
    fn new(seed: u64, revision: &str, slot: i64) -> Self {
        // FNV-1a of the revision name.
        let name = revision.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        Draws(seed ^ name ^ (slot as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn poisson(&mut self, mean: f64) -> i64 {
        let limit = (-mean).exp();
        let (mut k, mut product) = (0, self.next());
        while product > limit {
            k += 1;
            product *= self.next();
        }
        k
    }

    /// A Binomial(n, p) draw: exact for small n, Poisson or normal
    /// approximations where those are accurate.
    fn binomial(&mut self, n: i64, p: f64) -> i64 {
        if n <= 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let nf = n as f64;
        if n <= 64 {
            return (0..n).filter(|_| self.next() < p).count() as i64;
        }
        if nf * p < 30.0 {
            return self.poisson(nf * p).min(n);
        }
        if nf * (1.0 - p) < 30.0 {
            return n - self.poisson(nf * (1.0 - p)).min(n);
        }
        let gauss = (-2.0 * self.next().max(f64::MIN_POSITIVE).ln()).sqrt()
            * (std::f64::consts::TAU * self.next()).cos();
        (nf * p + (nf * p * (1.0 - p)).sqrt() * gauss)
            .round()
            .clamp(0.0, nf) as i64
    }
}

impl RevisionTraffic {
    /// `shares`: (from_ms, percent) steps in time order.
    pub fn new(
        labels: [String; 4],
        behavior: behaviors::Behavior,
        shares: &[(i64, i64)],
        scale: f64,
    ) -> Self {
        let [project, location, service, revision] = labels;
        let first = shares.iter().find(|s| s.1 > 0).map(|s| s.0);
        // Behaviour changes start counting at the revision's first traffic.
        let change_at: Vec<i64> = first.map_or(vec![], |f| {
            behavior
                .changes
                .iter()
                .map(|c| f + (c.after_s * 1000.0 / scale).round() as i64)
                .collect()
        });
        let mut segments = Vec::new();
        for (i, &(from, percent)) in shares.iter().enumerate() {
            let until = shares.get(i + 1).map_or(i64::MAX, |s| s.0);
            let mut cuts: Vec<i64> = change_at
                .iter()
                .copied()
                .filter(|t| *t > from && *t < until)
                .collect();
            cuts.push(until);
            let mut start = from;
            for cut in cuts {
                let since_first = first.map_or(-1.0, |f| (start - f) as f64 / 1000.0 * scale);
                let rates = behavior.rates_after(since_first);
                segments.push(Segment {
                    from: start,
                    until: cut,
                    per_ms: rates.rps * scale * percent as f64 / 100.0 / 1000.0,
                    rates,
                });
                start = cut;
            }
        }
        RevisionTraffic {
            project,
            location,
            service,
            revision,
            behavior,
            scale,
            segments,
        }
    }

    /// (requests, 5xx) served up to `t_ms`, fractional (counts are floors of these).
    fn cumulative(&self, t_ms: i64) -> (f64, f64) {
        let (mut all, mut errors) = (0.0, 0.0);
        for s in self.segments.iter().take_while(|s| s.from < t_ms) {
            let n = s.per_ms * (s.until.min(t_ms) - s.from) as f64;
            all += n;
            errors += n * s.rates.error_ratio;
        }
        (all, errors)
    }

    /// (all requests, 5xx requests) in the interval (start, end].
    pub fn counts(&self, start_ms: i64, end_ms: i64) -> (i64, i64) {
        if let Some(seed) = self.behavior.seed {
            return self.drawn_counts(seed, start_ms, end_ms);
        }
        let (r0, e0) = self.cumulative(start_ms);
        let (r1, e1) = self.cumulative(end_ms);
        let all = r1.floor() as i64 - r0.floor() as i64;
        let errors = (e1.floor() as i64 - e0.floor() as i64).clamp(0, all);
        (all, errors)
    }

    /// Seeded counts: every simulated second ending in (start, end] draws its
    /// 5xx from a binomial of its requests at its error ratio.
    fn drawn_counts(&self, seed: u64, start_ms: i64, end_ms: i64) -> (i64, i64) {
        let slot = 1000.0 / self.scale;
        let first = (start_ms as f64 / slot).floor() as i64;
        let last = (end_ms as f64 / slot).floor() as i64 - 1;
        let (mut all, mut errors) = (0, 0);
        let mut before = self.cumulative((first as f64 * slot).round() as i64);
        for k in first..=last {
            let after = self.cumulative(((k + 1) as f64 * slot).round() as i64);
            let n = after.0.floor() as i64 - before.0.floor() as i64;
            let served = after.0 - before.0;
            let ratio = if served > 0.0 {
                (after.1 - before.1) / served
            } else {
                0.0
            };
            all += n;
            errors += Draws::new(seed, &self.revision, k).binomial(n, ratio);
            before = after;
        }
        (all, errors)
    }

    /// A latency distribution of `n` requests served in (start, end], each
    /// stretch of the window contributing by its share of the requests.
    pub fn latencies(&self, start_ms: i64, end_ms: i64, n: i64) -> Distribution {
        let weights: Vec<(f64, f64)> = self
            .segments
            .iter()
            .filter(|s| s.until > start_ms && s.from < end_ms)
            .map(|s| {
                let overlap = (s.until.min(end_ms) - s.from.max(start_ms)) as f64;
                (s.per_ms * overlap, s.rates.p95_ms)
            })
            .filter(|(w, _)| *w > 0.0)
            .collect();
        let total: f64 = weights.iter().map(|w| w.0).sum();
        let mut d = Distribution::default();
        let mut left = n;
        for (i, (w, p95)) in weights.iter().enumerate() {
            let part = if i + 1 == weights.len() {
                left
            } else {
                ((n as f64 * w / total).round() as i64).min(left)
            };
            d.merge(&Distribution::synthetic(part, *p95));
            left -= part;
        }
        if weights.is_empty() {
            d = Distribution::synthetic(n, self.behavior.p95_ms);
        }
        d
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
pub fn revisions(data: &Data, project: &str, scale: f64) -> Vec<RevisionTraffic> {
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
            out.push(RevisionTraffic::new(
                [
                    project.to_string(),
                    parts[3].to_string(),
                    parts[5].to_string(),
                    revision,
                ],
                behaviors::lookup(data, &image),
                &shares,
                scale,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> [String; 4] {
        ["p", "l", "s", "s-a"].map(str::to_string)
    }

    #[test]
    fn counts_follow_share_changes() {
        let b = behaviors::Behavior {
            error_ratio: 0.1,
            rps: 100.0,
            ..Default::default()
        };
        let r = RevisionTraffic::new(labels(), b.clone(), &[(0, 100), (10_000, 5)], 1.0);
        assert_eq!(r.counts(0, 10_000), (1000, 100));
        assert_eq!(r.counts(10_000, 20_000), (50, 5));
        assert_eq!(r.counts(-5_000, 0), (0, 0));
        // At 60× a wall-clock second holds a simulated minute of requests.
        let fast = RevisionTraffic::new(labels(), b, &[(0, 100)], 60.0);
        assert_eq!(fast.counts(0, 1_000), (6000, 600));
    }

    #[test]
    fn errors_start_after_the_first_traffic_as_configured() {
        let b = behaviors::Behavior {
            rps: 100.0,
            changes: vec![behaviors::Change {
                after_s: 30.0,
                error_ratio: Some(0.5),
                p95_ms: Some(400.0),
                rps: None,
            }],
            ..Default::default()
        };
        // First traffic at t = 10 s (5 %), simulated at 10×: errors from 13 s on.
        let r = RevisionTraffic::new(labels(), b, &[(0, 0), (10_000, 5)], 10.0);
        assert_eq!(r.counts(10_000, 13_000).1, 0);
        let (all, errors) = r.counts(13_000, 14_000);
        assert_eq!((all, errors), (50, 25));
        let before = r.latencies(10_000, 13_000, 1000).percentile(95.0);
        let after = r.latencies(13_000, 14_000, 1000).percentile(95.0);
        assert!(before < 120.0 && after > 350.0, "{before} {after}");
    }

    #[test]
    fn seeded_draws_vary_by_seed_and_stay_additive() {
        let seeded = |seed| behaviors::Behavior {
            rps: 1000.0,
            error_ratio: 0.03,
            seed: Some(seed),
            ..Default::default()
        };
        let a = RevisionTraffic::new(labels(), seeded(1), &[(0, 5)], 1.0);
        let (all, errors) = a.counts(0, 60_000);
        assert_eq!(all, 3000);
        assert!((50..=130).contains(&errors), "{errors}");
        // Reproducible, and the sum of two halves is the whole.
        assert_eq!(a.counts(0, 60_000), (all, errors));
        let (x, y) = (a.counts(0, 30_000), a.counts(30_000, 60_000));
        assert_eq!((x.0 + y.0, x.1 + y.1), (all, errors));
        let draws: std::collections::BTreeSet<i64> = (1..=10)
            .map(|s| {
                RevisionTraffic::new(labels(), seeded(s), &[(0, 5)], 1.0)
                    .counts(0, 60_000)
                    .1
            })
            .collect();
        assert!(draws.len() > 3, "{draws:?}");
    }
}
