//! The statistics behind the gates: a confidence interval for an error rate
//! (Wilson score, one-sided bounds) and percentiles from Monitoring's
//! distribution values (bucket counts).

use gcp_client::monitoring::metrics::{BucketOptions, DistributionValue};

/// The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational
/// approximation, relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Lower and upper Wilson score bounds for an error rate of `errors` in
/// `requests`, each one-sided at `confidence`: the true rate is below the
/// upper bound (and above the lower one) with that probability. Each gate
/// decision uses one side only, so a breach is declared wrongly with at most
/// `1 - confidence` probability, and so is a pass. No requests: (0, 1).
pub fn wilson_bounds(errors: i64, requests: i64, confidence: f64) -> (f64, f64) {
    if requests <= 0 {
        return (0.0, 1.0);
    }
    let n = requests as f64;
    let p = errors.clamp(0, requests) as f64 / n;
    let z = normal_quantile(confidence);
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // Exact at the ends, where rounding would leave the observed rate outside.
    let lower = if errors <= 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let upper = if errors >= requests {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lower, upper)
}

/// Requests a window needs with no errors at all before the upper bound
/// reaches `max_error_rate` (about 3 / max_error_rate at 95 %): fewer can never
/// show the candidate within the limit.
pub fn requests_needed(max_error_rate: f64, confidence: f64) -> i64 {
    if max_error_rate <= 0.0 {
        return i64::MAX;
    }
    let z = normal_quantile(confidence);
    // Upper bound with no errors is z² / (n + z²) ≤ m  ⇔  n ≥ z² (1 - m) / m.
    (z * z * (1.0 - max_error_rate) / max_error_rate).ceil() as i64
}

/// (lower, upper) bound of each bucket: underflow first, overflow last.
fn bucket_bounds(options: &BucketOptions, index: usize) -> Option<(f64, f64)> {
    let i = index as f64;
    if let Some(l) = &options.linear_buckets {
        let n = l.num_finite_buckets.max(0) as usize;
        return Some(match index {
            0 => (f64::NEG_INFINITY, l.offset),
            _ if index > n => (l.offset + l.width * n as f64, f64::INFINITY),
            _ => (l.offset + l.width * (i - 1.0), l.offset + l.width * i),
        });
    }
    if let Some(e) = &options.exponential_buckets {
        let n = e.num_finite_buckets.max(0) as usize;
        return Some(match index {
            0 => (f64::NEG_INFINITY, e.scale),
            _ if index > n => (e.scale * e.growth_factor.powi(n as i32), f64::INFINITY),
            _ => (
                e.scale * e.growth_factor.powf(i - 1.0),
                e.scale * e.growth_factor.powf(i),
            ),
        });
    }
    let bounds = &options.explicit_buckets.as_ref()?.bounds;
    Some(match index {
        0 => (f64::NEG_INFINITY, *bounds.first()?),
        _ if index >= bounds.len() => (*bounds.last()?, f64::INFINITY),
        _ => (bounds[index - 1], bounds[index]),
    })
}

/// Bucket counts summed over several distributions of one layout (Monitoring
/// only aggregates distributions with the same bucket options).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub options: BucketOptions,
    pub counts: Vec<i64>,
}

impl Histogram {
    /// Adds `d`'s buckets; false (and nothing added) when its layout differs.
    pub fn add(&mut self, d: &DistributionValue) -> bool {
        if self.counts.is_empty() {
            self.options = d.bucket_options.clone();
        } else if self.options != d.bucket_options {
            return false;
        }
        for (i, c) in d.bucket_counts.iter().enumerate() {
            let c: i64 = c.parse().unwrap_or(0);
            if self.counts.len() <= i {
                self.counts.resize(i + 1, 0);
            }
            self.counts[i] += c;
        }
        true
    }

    pub fn count(&self) -> i64 {
        self.counts.iter().sum()
    }

    /// The `p`-th percentile, interpolating linearly inside the bucket that
    /// holds the rank (as Monitoring's percentile aligners do); an open-ended
    /// bucket answers its finite bound. None without samples.
    pub fn percentile(&self, p: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = p / 100.0 * total as f64;
        let mut seen = 0.0;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let next = seen + c as f64;
            if next >= rank {
                let (lo, hi) = bucket_bounds(&self.options, i)?;
                return Some(match (lo.is_finite(), hi.is_finite()) {
                    (true, true) => lo + (hi - lo) * ((rank - seen) / c as f64),
                    // Latencies are never negative: the underflow bucket starts at 0.
                    (false, true) => hi.min(0.0) + (hi - hi.min(0.0)) * ((rank - seen) / c as f64),
                    (true, false) => lo,
                    (false, false) => 0.0,
                });
            }
            seen = next;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gcp_client::monitoring::metrics::{ExplicitBuckets, ExponentialBuckets};

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.95) - 1.644_853_6).abs() < 1e-6);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-9);
        assert!((normal_quantile(0.001) + 3.090_232).abs() < 1e-5);
    }

    #[test]
    fn zero_errors_in_twenty_requests_says_little() {
        // "0 errors in 20 requests" does not show a rate below 0.5 %.
        let (lo, hi) = wilson_bounds(0, 20, 0.95);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.1, "{hi}");
    }

    #[test]
    fn three_percent_at_five_percent_traffic_is_caught() {
        // 50 rps at 5 %: 2.5 rps reach the candidate, 150 in a 1-minute interval;
        // a 3 % candidate answers about 4-5 of them with 5xx.
        let (lo, _) = wilson_bounds(4, 150, 0.95);
        assert!(lo > 0.005, "lower bound {lo}");
        // Over a whole 5-minute bake: 750 requests, 22 errors.
        let (lo, _) = wilson_bounds(22, 750, 0.95);
        assert!(lo > 0.015, "lower bound {lo}");
    }

    #[test]
    fn bounds_bracket_the_rate_and_tighten_with_evidence() {
        for (k, n) in [(0, 1), (1, 10), (5, 1000), (500, 1000), (1000, 1000)] {
            let (lo, hi) = wilson_bounds(k, n, 0.95);
            let p = k as f64 / n as f64;
            assert!(lo <= p && p <= hi && (0.0..=1.0).contains(&lo) && hi <= 1.0);
        }
        let small = wilson_bounds(1, 100, 0.95);
        let large = wilson_bounds(100, 10_000, 0.95);
        assert!(large.1 - large.0 < small.1 - small.0);
        // Higher confidence, wider interval.
        let wide = wilson_bounds(1, 100, 0.99);
        assert!(wide.0 < small.0 && wide.1 > small.1);
        assert_eq!(wilson_bounds(0, 0, 0.95), (0.0, 1.0));
    }

    #[test]
    fn requests_needed_matches_the_bound() {
        let n = requests_needed(0.005, 0.95);
        // About 3 / max_error_rate.
        assert!((500..=620).contains(&n), "{n}");
        assert!(wilson_bounds(0, n, 0.95).1 <= 0.005);
        assert!(wilson_bounds(0, n - 1, 0.95).1 > 0.005);
    }

    fn dist(options: BucketOptions, counts: &[i64]) -> DistributionValue {
        DistributionValue {
            count: Some(counts.iter().sum::<i64>().to_string()),
            mean: None,
            bucket_options: options,
            bucket_counts: counts.iter().map(i64::to_string).collect(),
        }
    }

    #[test]
    fn percentiles_from_bucket_counts() {
        let explicit = BucketOptions {
            explicit_buckets: Some(ExplicitBuckets {
                bounds: vec![0.0, 100.0, 200.0, 400.0],
            }),
            ..BucketOptions::default()
        };
        // 100 samples: 90 in [0,100), 10 in [200,400).
        let mut h = Histogram::default();
        assert!(h.add(&dist(explicit.clone(), &[0, 90, 0, 10])));
        assert_eq!(h.count(), 100);
        assert!((h.percentile(50.0).unwrap() - 55.555).abs() < 0.01);
        // Rank 95 lies half-way through the [200, 400) bucket.
        assert!((h.percentile(95.0).unwrap() - 300.0).abs() < 1e-9);
        // Merging the same layout adds counts; a different layout is refused.
        assert!(h.add(&dist(explicit, &[0, 90])));
        assert_eq!(h.count(), 190);
        let exponential = BucketOptions {
            exponential_buckets: Some(ExponentialBuckets {
                num_finite_buckets: 10,
                growth_factor: 2.0,
                scale: 1.0,
            }),
            ..BucketOptions::default()
        };
        assert!(!h.add(&dist(exponential.clone(), &[1])));
        let mut e = Histogram::default();
        // Bucket 8 is [128, 256); overflow answers its lower bound 1024.
        e.add(&dist(exponential.clone(), &[0, 0, 0, 0, 0, 0, 0, 0, 4]));
        assert!((e.percentile(50.0).unwrap() - 192.0).abs() < 1e-9);
        let mut over = Histogram::default();
        let mut overflow = [0; 12];
        overflow[11] = 3;
        over.add(&dist(exponential, &overflow));
        assert_eq!(over.percentile(95.0), Some(1024.0));
        assert_eq!(Histogram::default().percentile(95.0), None);
    }
}
