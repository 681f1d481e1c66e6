//! Latency distributions with exponential buckets, as Cloud Run reports
//! `request_latencies`, plus merging and percentiles from bucket counts.

use serde_json::{json, Value};

const GROWTH: f64 = 1.1;
const SCALE: f64 = 1.0;
const FINITE: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Underflow, `FINITE` finite buckets, overflow.
    pub buckets: Vec<i64>,
    pub count: i64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Default for Distribution {
    fn default() -> Self {
        Self {
            buckets: vec![0; FINITE + 2],
            count: 0,
            sum: 0.0,
            sum_sq: 0.0,
        }
    }
}

fn bucket_of(value: f64) -> usize {
    if value < SCALE {
        return 0;
    }
    let i = ((value / SCALE).ln() / GROWTH.ln()).floor() as usize + 1;
    i.min(FINITE + 1)
}

/// Lower and upper bound of bucket `i`.
fn bounds(i: usize) -> (f64, f64) {
    match i {
        0 => (0.0, SCALE),
        i if i > FINITE => {
            let lower = SCALE * GROWTH.powi(FINITE as i32);
            (lower, lower * GROWTH)
        }
        i => (
            SCALE * GROWTH.powi(i as i32 - 1),
            SCALE * GROWTH.powi(i as i32),
        ),
    }
}

impl Distribution {
    pub fn add(&mut self, value: f64, n: i64) {
        if n <= 0 {
            return;
        }
        self.buckets[bucket_of(value)] += n;
        self.count += n;
        self.sum += value * n as f64;
        self.sum_sq += value * value * n as f64;
    }

    /// `n` requests whose 95th percentile is about `p95_ms`: half well below it, the
    /// slowest 4 % well above it, the rest just under it. The tail stays under 5 % for
    /// every `n`, so batches merged from short windows never move the 95th rank into it.
    pub fn synthetic(n: i64, p95_ms: f64) -> Self {
        let mut d = Self::default();
        let half = n / 2;
        let slow = n * 4 / 100;
        d.add(p95_ms * 0.5, half);
        d.add(p95_ms * 0.95, n - half - slow);
        d.add(p95_ms * 1.8, slow);
        d
    }

    pub fn merge(&mut self, other: &Distribution) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// Linear interpolation within the bucket holding the rank, as
    /// Monitoring's percentile aligners and reducers do.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = p / 100.0 * self.count as f64;
        let mut seen = 0.0;
        for (i, &c) in self.buckets.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let next = seen + c as f64;
            if next >= rank {
                let (lo, hi) = bounds(i);
                return lo + (hi - lo) * ((rank - seen) / c as f64);
            }
            seen = next;
        }
        bounds(FINITE + 1).0
    }

    pub fn to_json(&self) -> Value {
        let mean = self.mean();
        let ssd = (self.sum_sq - self.count as f64 * mean * mean).max(0.0);
        json!({
            "count": self.count.to_string(),
            "mean": mean,
            "sumOfSquaredDeviation": ssd,
            "bucketOptions": {"exponentialBuckets": {"numFiniteBuckets": FINITE, "growthFactor": GROWTH, "scale": SCALE}},
            "bucketCounts": self.buckets.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_p95_is_close_and_ratios_survive_merging() {
        let fast = Distribution::synthetic(1000, 100.0);
        let p = fast.percentile(95.0);
        assert!((90.0..=115.0).contains(&p), "{p}");
        let slow = Distribution::synthetic(1000, 300.0);
        let ratio = slow.percentile(95.0) / p;
        assert!((2.5..=3.5).contains(&ratio), "{ratio}");
        let mut both = fast.clone();
        both.merge(&fast);
        assert_eq!(both.count, 2000);
        assert!((both.percentile(95.0) - p).abs() < 1e-9);
        assert_eq!(Distribution::default().percentile(95.0), 0.0);
    }

    #[test]
    fn small_batches_merged_keep_the_p95() {
        for n in 1..40 {
            let mut merged = Distribution::default();
            for _ in 0..50 {
                merged.merge(&Distribution::synthetic(n, 300.0));
            }
            let p = merged.percentile(95.0);
            assert!((270.0..=330.0).contains(&p), "batches of {n}: p95 {p}");
        }
    }
}
