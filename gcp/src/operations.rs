//! Waiting for long-running operations: Compute operations (`status: DONE`) and
//! google.longrunning operations (`done: true`, used by Cloud Run v2).
//!
//! Waits are bounded by a timeout and a cancellation token so Ctrl-C stops promptly.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::Error;

/// One error inside a finished operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OperationErrorItem {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    #[error("operation {operation} failed: {}", join_errors(.errors))]
    Failed {
        operation: String,
        errors: Vec<OperationErrorItem>,
    },
    #[error("operation {operation} did not finish within {}s; it may still complete in the background", after.as_secs())]
    Timeout { operation: String, after: Duration },
    #[error("stopped waiting for operation {operation}: cancelled; it may still complete in the background")]
    Cancelled { operation: String },
    #[error("operation {operation}: {message}")]
    Malformed { operation: String, message: String },
}

fn join_errors(errors: &[OperationErrorItem]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.code, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Bounds for a wait.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    pub timeout: Duration,
    /// Pause between polls that return "not done yet".
    pub poll_interval: Duration,
    pub cancel: CancellationToken,
}

impl WaitOptions {
    pub fn new(timeout: Duration, cancel: CancellationToken) -> Self {
        WaitOptions {
            timeout,
            poll_interval: Duration::from_secs(2),
            cancel,
        }
    }
}

/// A Compute `Operation` (zonal, regional or global), field names as in the discovery doc.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ComputeOperation {
    pub id: String,
    pub name: String,
    pub operation_type: String,
    /// `PENDING`, `RUNNING` or `DONE`.
    pub status: String,
    pub target_link: String,
    pub target_id: String,
    pub self_link: String,
    pub zone: Option<String>,
    pub region: Option<String>,
    pub progress: Option<i32>,
    pub error: Option<ComputeOperationErrors>,
    pub http_error_status_code: Option<i32>,
    pub http_error_message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ComputeOperationErrors {
    pub errors: Vec<OperationErrorItem>,
}

impl ComputeOperation {
    pub fn is_done(&self) -> bool {
        self.status == "DONE"
    }

    /// `Err` when DONE with errors (e.g. `ZONE_RESOURCE_POOL_EXHAUSTED`).
    pub fn check(&self) -> Result<(), OperationError> {
        match &self.error {
            Some(e) if !e.errors.is_empty() => Err(OperationError::Failed {
                operation: self.name.clone(),
                errors: e.errors.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// `projects/.../operations/{name}` from the self link, whatever host it names.
    fn relative_path(&self) -> Result<&str, OperationError> {
        self.self_link
            .find("projects/")
            .map(|i| &self.self_link[i..])
            .ok_or_else(|| OperationError::Malformed {
                operation: self.name.clone(),
                message: format!("selfLink {:?} names no project", self.self_link),
            })
    }
}

/// A google.longrunning `Operation`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LongRunningOperation {
    pub name: String,
    pub done: bool,
    pub error: Option<RpcStatus>,
    pub metadata: Option<serde_json::Value>,
    pub response: Option<serde_json::Value>,
}

/// google.rpc.Status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RpcStatus {
    pub code: i32,
    pub message: String,
}

impl LongRunningOperation {
    pub fn check(&self) -> Result<(), OperationError> {
        match &self.error {
            Some(s) => Err(OperationError::Failed {
                operation: self.name.clone(),
                errors: vec![OperationErrorItem {
                    code: rpc_code_name(s.code).to_owned(),
                    message: s.message.clone(),
                }],
            }),
            None => Ok(()),
        }
    }
}

fn rpc_code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// Poll `.../operations/{op}/wait` until DONE; a DONE operation with errors is an error.
pub async fn wait_compute(
    api: &ApiClient,
    mut op: ComputeOperation,
    opts: &WaitOptions,
) -> Result<ComputeOperation, Error> {
    let mut poller = Poller::new(opts);
    while !op.is_done() {
        poller.pace(&op.name).await?;
        let url = api.url(Service::Compute, &format!("{}/wait", op.relative_path()?));
        op = poller
            .bounded(&op.name, api.post(&url, &serde_json::json!({})))
            .await??;
    }
    op.check()?;
    Ok(op)
}

/// Poll `GET {base}{name}` until `done`; an `error` is an error.
/// An operation without a name finished synchronously.
pub async fn wait_long_running(
    api: &ApiClient,
    service: Service,
    mut op: LongRunningOperation,
    opts: &WaitOptions,
) -> Result<LongRunningOperation, Error> {
    let mut poller = Poller::new(opts);
    while !op.done && !op.name.is_empty() {
        poller.pace(&op.name).await?;
        let url = api.url(service, &op.name);
        op = poller.bounded(&op.name, api.get(&url)).await??;
    }
    op.check()?;
    Ok(op)
}

/// The pace of one wait, whatever kind of operation it polls: the first poll
/// goes at once, each later one after `poll_interval`, and every step gives
/// up when the deadline passes or the wait is cancelled.
struct Poller<'a> {
    opts: &'a WaitOptions,
    deadline: Instant,
    polled: bool,
}

impl<'a> Poller<'a> {
    fn new(opts: &'a WaitOptions) -> Self {
        Poller {
            opts,
            deadline: Instant::now() + opts.timeout,
            polled: false,
        }
    }

    /// Sleeps out the poll interval before every poll but the first.
    async fn pace(&mut self, operation: &str) -> Result<(), OperationError> {
        if self.polled {
            self.bounded(operation, tokio::time::sleep(self.opts.poll_interval))
                .await?;
        }
        self.polled = true;
        Ok(())
    }

    /// Run `fut` unless the deadline passes or the wait is cancelled first.
    async fn bounded<T>(
        &self,
        operation: &str,
        fut: impl Future<Output = T>,
    ) -> Result<T, OperationError> {
        let opts = self.opts;
        tokio::select! {
            () = opts.cancel.cancelled() => Err(OperationError::Cancelled { operation: operation.to_owned() }),
            () = tokio::time::sleep_until(self.deadline.into()) => Err(OperationError::Timeout { operation: operation.to_owned(), after: opts.timeout }),
            v = fut => Ok(v),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn done_with_errors_is_failure() {
        let op: ComputeOperation = serde_json::from_str(
            r#"{"name":"op-1","status":"DONE","selfLink":"https://compute.googleapis.com/compute/v1/projects/p/zones/z/operations/op-1",
               "error":{"errors":[{"code":"ZONE_RESOURCE_POOL_EXHAUSTED","message":"no capacity"},{"code":"QUOTA_EXCEEDED","message":"cpus"}]}}"#,
        )
        .unwrap();
        let e = op.check().unwrap_err();
        assert_eq!(e.to_string(), "operation op-1 failed: ZONE_RESOURCE_POOL_EXHAUSTED: no capacity; QUOTA_EXCEEDED: cpus");
        assert_eq!(
            op.relative_path().unwrap(),
            "projects/p/zones/z/operations/op-1"
        );
    }

    #[test]
    fn longrunning_error_names_code() {
        let op: LongRunningOperation = serde_json::from_str(r#"{"name":"projects/p/locations/l/operations/o","done":true,"error":{"code":9,"message":"bad image"}}"#).unwrap();
        assert_eq!(
            op.check().unwrap_err().to_string(),
            "operation projects/p/locations/l/operations/o failed: FAILED_PRECONDITION: bad image"
        );
    }
}
