//! Errors: `ApiError` is what an emulated Google API answers (rendered in
//! Google's JSON shape); `EmulatorError` is what starting the emulator can fail with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Failures starting or persisting the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("binding {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("state file {path}: {source}")]
    StateIo {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is not valid emulator state: {source}")]
    StateFormat {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
    #[error("vendored discovery document {api} is invalid: {reason}")]
    Discovery { api: String, reason: String },
    #[error("route registered for unknown discovery method {0}")]
    UnknownMethod(String),
    #[error("generating the service-account key: {0}")]
    KeyGeneration(String),
}

/// Which flavour of Google error body to render. Compute predates AIP-193 and
/// additionally lists `errors[{domain,reason,message}]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorStyle {
    #[default]
    Aip,
    Compute,
}

/// A Google API error response.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: StatusCode,
    pub message: String,
    /// Compute `errors[].reason` (e.g. `notFound`, `invalid`).
    pub reason: &'static str,
    pub field_violations: Vec<(String, String)>,
    pub style: ErrorStyle,
    /// A verbatim body (fault injection) that replaces the rendered one.
    pub raw_body: Option<Value>,
}

impl ApiError {
    pub fn new(code: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            reason,
            field_violations: Vec::new(),
            style: ErrorStyle::Aip,
            raw_body: None,
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    /// A request-validation failure naming the offending field.
    pub fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut err = Self::invalid_argument(message.clone());
        err.field_violations.push((field.into(), message));
        err
    }

    /// Compute's wording for a missing resource (`name` is the relative resource name).
    pub fn not_found(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "notFound",
            format!("The resource '{name}' was not found"),
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "alreadyExists", message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, \
             login cookie or other valid authentication credential. \
             See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "backendError", message)
    }

    pub fn with_style(mut self, style: ErrorStyle) -> Self {
        self.style = style;
        self
    }

    pub fn body(&self) -> Value {
        if let Some(raw) = &self.raw_body {
            return raw.clone();
        }
        let mut error = json!({
            "code": self.code.as_u16(),
            "message": self.message,
            "status": canonical_status(self.code),
        });
        if self.style == ErrorStyle::Compute {
            error["errors"] = json!([{
                "message": self.message,
                "domain": "global",
                "reason": self.reason,
            }]);
        }
        if !self.field_violations.is_empty() {
            let violations: Vec<Value> = self
                .field_violations
                .iter()
                .map(|(field, description)| json!({"field": field, "description": description}))
                .collect();
            error["details"] = json!([{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": violations,
            }]);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.code, axum::Json(self.body())).into_response();
        if self.code == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static(
                    "Bearer realm=\"https://accounts.google.com/\"",
                ),
            );
        }
        response
    }
}

/// The google.rpc canonical code name Google pairs with an HTTP status.
pub fn canonical_status(code: StatusCode) -> &'static str {
    match code.as_u16() {
        200 => "OK",
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        500..=599 => "INTERNAL",
        _ => "UNKNOWN",
    }
}

/// The google.rpc numeric code for an HTTP status (used in LRO errors).
pub fn rpc_code(code: StatusCode) -> i32 {
    match code.as_u16() {
        400 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        412 => 9,
        429 => 8,
        499 => 1,
        501 => 12,
        503 => 14,
        504 => 4,
        _ => 13,
    }
}
