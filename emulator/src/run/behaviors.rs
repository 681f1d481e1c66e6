//! Per-image behaviour of revisions, set through the admin API
//! (`POST /_emulator/run/behaviors`): whether a revision built from the image
//! becomes Ready, and the synthetic traffic it serves (rate, errors, latency),
//! optionally changing part-way (`changes`: e.g. errors start 30 s of
//! simulated time after the revision first served) and drawn at random from a
//! `seed` instead of exactly proportional.
//!
//! Kept in the resource store (under an `_emulator/` key) so it survives a
//! restart with `--state-file` and is cleared by `/_emulator/reset`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::state::App;
use crate::store::Data;

const KEY_PREFIX: &str = "_emulator/run/behaviors/";

/// How revisions built from one image behave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Behavior {
    /// `false`: the container never passes its startup probe.
    pub ready: bool,
    /// Fraction of requests answered with HTTP 500.
    pub error_ratio: f64,
    /// 95th percentile request latency in milliseconds.
    pub p95_ms: f64,
    /// Requests per (simulated) second the service receives at 100 % traffic.
    pub rps: f64,
    /// With a seed, each simulated second's 5xx count is a binomial draw
    /// (reproducible per seed, revision and second); without, it is exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Later changes, in time order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// From `after_s` simulated seconds after the revision first served traffic,
/// the fields given replace the behaviour's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub after_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rps: Option<f64>,
}

/// What a revision serves during one stretch of time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    pub error_ratio: f64,
    pub p95_ms: f64,
    pub rps: f64,
}

impl Default for Behavior {
    fn default() -> Self {
        Self {
            ready: true,
            error_ratio: 0.0,
            p95_ms: 100.0,
            rps: 50.0,
            seed: None,
            changes: Vec::new(),
        }
    }
}

/// Admin request body: the image plus any behaviour fields to set.
#[derive(Debug, Deserialize)]
pub struct BehaviorRequest {
    pub image: String,
    #[serde(flatten)]
    pub behavior: Behavior,
}

fn check_rates(r: Rates, at: &str) -> Result<(), ApiError> {
    if !(0.0..=1.0).contains(&r.error_ratio) {
        return Err(ApiError::bad_field(
            format!("{at}error_ratio"),
            "must be within 0..1",
        ));
    }
    if !(r.p95_ms.is_finite() && r.p95_ms > 0.0) {
        return Err(ApiError::bad_field(
            format!("{at}p95_ms"),
            "must be a positive number",
        ));
    }
    if !(r.rps.is_finite() && r.rps >= 0.0) {
        return Err(ApiError::bad_field(
            format!("{at}rps"),
            "must be zero or positive",
        ));
    }
    Ok(())
}

impl Behavior {
    fn validate(&self) -> Result<(), ApiError> {
        check_rates(self.base(), "")?;
        let mut last = 0.0;
        for (i, c) in self.changes.iter().enumerate() {
            if !(c.after_s.is_finite() && c.after_s >= last) {
                return Err(ApiError::bad_field(
                    format!("changes[{i}].after_s"),
                    "must be zero or more and in ascending order",
                ));
            }
            last = c.after_s;
            check_rates(self.rates_after(c.after_s), &format!("changes[{i}]."))?;
        }
        Ok(())
    }

    fn base(&self) -> Rates {
        Rates {
            error_ratio: self.error_ratio,
            p95_ms: self.p95_ms,
            rps: self.rps,
        }
    }

    /// The rates in force `after_s` simulated seconds after the first traffic.
    pub fn rates_after(&self, after_s: f64) -> Rates {
        let mut r = self.base();
        for c in self.changes.iter().filter(|c| c.after_s <= after_s) {
            r.error_ratio = c.error_ratio.unwrap_or(r.error_ratio);
            r.p95_ms = c.p95_ms.unwrap_or(r.p95_ms);
            r.rps = c.rps.unwrap_or(r.rps);
        }
        r
    }
}

/// The behaviour configured for `image`, or the default (healthy, fast, no errors).
pub fn lookup(data: &Data, image: &str) -> Behavior {
    data.resources
        .get(&format!("{KEY_PREFIX}{image}"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// `POST /_emulator/run/behaviors`.
pub async fn set(
    State(app): State<App>,
    Json(req): Json<BehaviorRequest>,
) -> Result<Json<Value>, ApiError> {
    if req.image.trim().is_empty() {
        return Err(ApiError::bad_field("image", "image is required"));
    }
    req.behavior.validate()?;
    let value = serde_json::to_value(&req.behavior)
        .map_err(|e| ApiError::internal(format!("encoding behaviour: {e}")))?;
    app.store.mutate(|d| {
        d.resources
            .insert(format!("{KEY_PREFIX}{}", req.image), value.clone());
        Ok(())
    })?;
    Ok(Json(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_images_are_healthy_and_partial_requests_keep_defaults() {
        let data = Data::default();
        assert_eq!(lookup(&data, "x"), Behavior::default());
        let req: BehaviorRequest =
            serde_json::from_str(r#"{"image":"img:v3","error_ratio":0.02}"#).unwrap();
        assert_eq!(req.behavior.error_ratio, 0.02);
        assert!(req.behavior.ready);
        assert_eq!(req.behavior.rps, 50.0);
        assert!(Behavior {
            error_ratio: 2.0,
            ..Behavior::default()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn changes_apply_in_order_and_are_validated() {
        let req: BehaviorRequest = serde_json::from_str(
            r#"{"image":"i","rps":100,"changes":[{"after_s":30,"error_ratio":0.5},{"after_s":60,"p95_ms":900}]}"#,
        )
        .unwrap();
        let b = req.behavior;
        assert!(b.validate().is_ok());
        assert_eq!(b.rates_after(29.0).error_ratio, 0.0);
        assert_eq!(b.rates_after(30.0).error_ratio, 0.5);
        let late = b.rates_after(61.0);
        assert_eq!(
            (late.error_ratio, late.p95_ms, late.rps),
            (0.5, 900.0, 100.0)
        );
        let bad: BehaviorRequest =
            serde_json::from_str(r#"{"image":"i","changes":[{"after_s":5,"error_ratio":3}]}"#)
                .unwrap();
        assert!(bad.behavior.validate().is_err());
        let unordered: BehaviorRequest =
            serde_json::from_str(r#"{"image":"i","changes":[{"after_s":5},{"after_s":1}]}"#)
                .unwrap();
        assert!(unordered.behavior.validate().is_err());
    }
}
