//! Per-image behaviour of revisions, set through the admin API
//! (`POST /_emulator/run/behaviors`): whether a revision built from the image
//! becomes Ready, and the synthetic traffic it serves (rate, errors, latency).
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
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Behavior {
    /// `false`: the container never passes its startup probe.
    pub ready: bool,
    /// Fraction of requests answered with HTTP 500.
    pub error_ratio: f64,
    /// 95th percentile request latency in milliseconds.
    pub p95_ms: f64,
    /// Requests per second the service receives at 100 % traffic.
    pub rps: f64,
}

impl Default for Behavior {
    fn default() -> Self {
        Self {
            ready: true,
            error_ratio: 0.0,
            p95_ms: 100.0,
            rps: 50.0,
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

impl Behavior {
    fn validate(&self) -> Result<(), ApiError> {
        if !(0.0..=1.0).contains(&self.error_ratio) {
            return Err(ApiError::bad_field("error_ratio", "must be within 0..1"));
        }
        if !(self.p95_ms.is_finite() && self.p95_ms > 0.0) {
            return Err(ApiError::bad_field("p95_ms", "must be a positive number"));
        }
        if !(self.rps.is_finite() && self.rps >= 0.0) {
            return Err(ApiError::bad_field("rps", "must be zero or positive"));
        }
        Ok(())
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
    let value = serde_json::to_value(req.behavior)
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
}
