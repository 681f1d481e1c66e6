//! Long-running operations: Compute's `Operation` and google.longrunning's.
//! A mutation's effects are recorded with the operation and applied to the
//! store when it completes (see `store::Data::settle`).

pub mod compute;
pub mod lro;

pub use compute::ComputeOp;
pub use lro::Lro;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::clock::rfc3339;

use crate::error::ApiError;
use crate::router::ApiCall;

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

    /// Sets the `status` (`PENDING`, `RUNNING`, `DONE`) and the times a
    /// Compute or Cloud SQL operation shows at `now_ms`; returns the status.
    pub fn stamp(&self, op: &mut Value, now_ms: i64) -> &'static str {
        let status = if self.is_done(now_ms) {
            "DONE"
        } else if now_ms >= self.start_ms {
            "RUNNING"
        } else {
            "PENDING"
        };
        op["status"] = json!(status);
        op["insertTime"] = json!(rfc3339(self.insert_ms));
        if status != "PENDING" {
            op["startTime"] = json!(rfc3339(self.start_ms));
        }
        if status == "DONE" {
            op["endTime"] = json!(rfc3339(self.done_ms));
        }
        status
    }
}

/// How long a `wait` call may block, as Google's (about two minutes).
pub const WAIT_CAP_MS: i64 = 120_000;

/// The failure an operation started by `call` ends with: an injected
/// operation fault wins over what the product logic decided.
pub(crate) fn failure_for(call: &ApiCall, decided: Option<OpFailure>) -> Option<OpFailure> {
    call.app
        .faults
        .operation_fault(&call.http_method, &call.path)
        .map(OpFailure::from_fault)
        .or(decided)
}

/// Timeline of an operation `call` starts at `now`, with the operation
/// latency configured for its method.
fn timeline_for(call: &ApiCall, now: i64) -> Timeline {
    Timeline::new(now, call.app.latency.operation(&call.method_id))
}

/// A stored operation as `get`/`wait` show it: rendered at `now`, with when it is done.
trait StoredOp {
    fn render(&self, now: i64) -> Value;
    fn done_ms(&self) -> i64;
}

/// Renders the operation `find` picks from the store, if any.
fn snapshot<O: StoredOp>(
    call: &ApiCall,
    find: impl FnOnce(&crate::store::Data) -> Option<&O>,
) -> Option<(Value, i64)> {
    let now = crate::clock::now_ms();
    call.app
        .store
        .read(|d| find(d).map(|op| (op.render(now), op.done_ms())))
}

/// Blocks until `done_ms` or `deadline_ms`, whichever is first, then applies
/// every completed operation so the caller's next read sees its effects.
async fn wait_then_settle(call: &ApiCall, done_ms: i64, deadline_ms: i64) -> Result<(), ApiError> {
    let target = done_ms.min(deadline_ms);
    let remaining = target - crate::clock::now_ms();
    if remaining > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(remaining.unsigned_abs())).await;
    }
    call.app
        .store
        .settle(crate::clock::now_ms())
        .map_err(|e| ApiError::internal(e.to_string()))
}
