//! Long-running operations: Compute's `Operation` and google.longrunning's.
//! A mutation's effects are recorded with the operation and applied to the
//! store when it completes (see `store::Data::settle`).

pub mod compute;
pub mod lro;

pub use compute::ComputeOp;
pub use lro::Lro;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A change to the resource store, deferred until its operation is done.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    Put {
        name: String,
        value: Value,
    },
    /// JSON merge-patch into an existing resource (e.g. `status: RUNNING`).
    Merge {
        name: String,
        patch: Value,
    },
    Delete {
        name: String,
    },
}

/// Why an operation finished with an error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpFailure {
    /// Compute: a reason string such as `ZONE_RESOURCE_POOL_EXHAUSTED`; LRO: an rpc code.
    pub code: Value,
    pub message: String,
    /// HTTP status Compute reports in `httpErrorStatusCode`.
    pub http_status: u16,
}

impl OpFailure {
    pub fn from_fault(spec: crate::faults::OperationErrorSpec) -> Self {
        let http_status = match &spec.code {
            Value::Number(n) => rpc_to_http(n.as_i64().unwrap_or(13)),
            Value::String(reason) if reason.contains("NOT_FOUND") => 404,
            Value::String(reason) if reason.contains("EXHAUSTED") || reason.contains("QUOTA") => {
                403
            }
            _ => 400,
        };
        Self {
            code: spec.code,
            message: spec.message,
            http_status,
        }
    }
}

fn rpc_to_http(code: i64) -> u16 {
    match code {
        1 => 499,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

/// Lifecycle timestamps shared by both operation kinds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Timeline {
    pub insert_ms: i64,
    pub start_ms: i64,
    pub done_ms: i64,
}

impl Timeline {
    /// PENDING for the first fifth of the latency, RUNNING until done.
    pub fn new(now_ms: i64, latency: std::time::Duration) -> Self {
        let total = i64::try_from(latency.as_millis()).unwrap_or(i64::MAX / 2);
        Self {
            insert_ms: now_ms,
            start_ms: now_ms + total / 5,
            done_ms: now_ms + total,
        }
    }

    pub fn is_done(&self, now_ms: i64) -> bool {
        now_ms >= self.done_ms
    }
}

/// How long a `wait` call may block, as Google's (about two minutes).
pub const WAIT_CAP_MS: i64 = 120_000;

/// Sleeps until `done_ms` or `deadline_ms`, whichever is first.
pub async fn sleep_until(done_ms: i64, deadline_ms: i64) {
    let target = done_ms.min(deadline_ms);
    let remaining = target - crate::clock::now_ms();
    if remaining > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(remaining.unsigned_abs())).await;
    }
}
