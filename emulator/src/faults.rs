//! Injected faults: HTTP errors for matching requests, or failed operations
//! for matching mutations.

use std::sync::Mutex;

use axum::http::StatusCode;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ErrorStyle};

/// How a faulted operation fails (`code` is a Compute reason string or an rpc number).
#[derive(Debug, Clone, Deserialize)]
pub struct OperationErrorSpec {
    pub code: Value,
    pub message: String,
}

/// The admin API's fault definition.
#[derive(Debug, Clone, Deserialize)]
pub struct FaultSpec {
    /// HTTP method to match; any when absent.
    pub method: Option<String>,
    pub path_regex: String,
    pub status: Option<u16>,
    pub body: Option<Value>,
    /// How many matches to fault; unlimited when absent.
    pub times: Option<u32>,
    pub probability: Option<f64>,
    pub operation_error: Option<OperationErrorSpec>,
}

#[derive(Debug)]
struct Fault {
    id: String,
    spec: FaultSpec,
    regex: Regex,
    remaining: Option<u32>,
}

#[derive(Debug, Default)]
pub struct Faults {
    faults: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Registers a fault and returns its id.
    pub fn add(&self, spec: FaultSpec) -> Result<String, ApiError> {
        let regex = Regex::new(&spec.path_regex)
            .map_err(|e| ApiError::bad_field("path_regex", e.to_string()))?;
        if spec.operation_error.is_none() {
            let status = spec.status.ok_or_else(|| {
                ApiError::bad_field("status", "status or operation_error is required")
            })?;
            StatusCode::from_u16(status)
                .map_err(|e| ApiError::bad_field("status", e.to_string()))?;
        }
        if spec.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(ApiError::bad_field("probability", "must be within 0..1"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.lock().push(Fault {
            id: id.clone(),
            remaining: spec.times,
            spec,
            regex,
        });
        Ok(id)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Consumes one match of the first applicable fault of the given kind.
    fn take<T>(
        &self,
        method: &str,
        path: &str,
        want_op: bool,
        make: impl FnOnce(&FaultSpec) -> T,
    ) -> Option<T> {
        let mut faults = self.lock();
        let index = faults.iter().position(|f| {
            f.spec.operation_error.is_some() == want_op
                && f.spec
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method) || m == "*")
                && f.regex.is_match(path)
        })?;
        if let Some(p) = faults[index].spec.probability {
            if rand::random::<f64>() >= p {
                return None;
            }
        }
        let result = make(&faults[index].spec);
        if let Some(remaining) = faults[index].remaining.as_mut() {
            *remaining = remaining.saturating_sub(1);
            if *remaining == 0 {
                faults.remove(index);
            }
        }
        Some(result)
    }

    /// The HTTP error to answer instead of serving the request, if any.
    pub fn http_fault(&self, method: &str, path: &str) -> Option<ApiError> {
        self.take(method, path, false, |spec| {
            let code = spec
                .status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut err = ApiError::new(
                code,
                reason_for(code),
                format!("Injected fault ({})", code.as_u16()),
            );
            if path.starts_with("/compute/") {
                err.style = ErrorStyle::Compute;
            }
            err.raw_body = spec.body.clone();
            err
        })
    }

    /// How a mutation's operation should fail, if a fault says so.
    pub fn operation_fault(&self, method: &str, path: &str) -> Option<OperationErrorSpec> {
        self.take(method, path, true, |spec| spec.operation_error.clone())?
    }

    pub fn ids(&self) -> Vec<String> {
        self.lock().iter().map(|f| f.id.clone()).collect()
    }
}

/// Compute's `errors[].reason` for a status.
fn reason_for(code: StatusCode) -> &'static str {
    match code.as_u16() {
        400 => "invalid",
        403 => "forbidden",
        404 => "notFound",
        409 => "alreadyExists",
        412 => "conditionNotMet",
        429 => "rateLimitExceeded",
        503 => "backendError",
        _ => "internalError",
    }
}
