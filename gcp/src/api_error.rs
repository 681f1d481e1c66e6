//! Google's JSON error bodies, typed.

use std::fmt;

use serde::Deserialize;

/// An error response from a Google API (or an OAuth token endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code, e.g. 404.
    pub http_status: u16,
    /// Canonical status, e.g. `NOT_FOUND`; for OAuth endpoints the `error` code (`invalid_grant`).
    pub status: String,
    /// The API's own message, verbatim.
    pub message: String,
    /// `errors[0].reason` or the `ErrorInfo` detail's reason (e.g. `notFound`, `RATE_LIMIT_EXCEEDED`).
    pub reason: Option<String>,
}

impl ApiError {
    /// Build from a non-2xx response; bodies that are not Google's shape keep their text.
    pub fn from_response(http_status: u16, body: &[u8]) -> Self {
        if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
            match envelope.error {
                ErrorField::Google(e) => {
                    let reason = e
                        .errors
                        .iter()
                        .find_map(|x| x.reason.clone())
                        .or_else(|| e.details.iter().find_map(ErrorDetail::error_info_reason));
                    return ApiError {
                        http_status,
                        status: e
                            .status
                            .unwrap_or_else(|| canonical_status(http_status).to_owned()),
                        message: e.message.unwrap_or_default(),
                        reason,
                    };
                }
                ErrorField::OAuth(code) => {
                    return ApiError {
                        http_status,
                        status: code,
                        message: envelope.error_description.unwrap_or_default(),
                        reason: None,
                    };
                }
            }
        }
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        // Cap echoed non-JSON bodies (HTML error pages) so diagnostics stay readable.
        let message: String = text.chars().take(500).collect();
        ApiError {
            http_status,
            status: canonical_status(http_status).to_owned(),
            message,
            reason: None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.http_status == 404
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Error {} ({}): {:?}",
            self.http_status, self.status, self.message
        )?;
        if let Some(r) = &self.reason {
            write!(f, " [reason: {r}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The canonical gRPC-style status Google uses for an HTTP code when the body names none.
fn canonical_status(http: u16) -> &'static str {
    match http {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
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

#[derive(Deserialize)]
struct Envelope {
    error: ErrorField,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorField {
    Google(GoogleError),
    OAuth(String),
}

#[derive(Deserialize)]
struct GoogleError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    errors: Vec<LegacyError>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct LegacyError {
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(rename = "@type", default)]
    type_url: String,
    #[serde(default)]
    reason: Option<String>,
}

impl ErrorDetail {
    fn error_info_reason(&self) -> Option<String> {
        if self.type_url.ends_with("google.rpc.ErrorInfo") {
            self.reason.clone()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_google_error_with_legacy_reason() {
        let body = br#"{"error":{"code":404,"message":"The resource 'projects/x' was not found","status":"NOT_FOUND","errors":[{"message":"m","domain":"global","reason":"notFound"}]}}"#;
        let e = ApiError::from_response(404, body);
        assert_eq!(e.status, "NOT_FOUND");
        assert_eq!(e.message, "The resource 'projects/x' was not found");
        assert_eq!(e.reason.as_deref(), Some("notFound"));
        assert!(e
            .to_string()
            .contains("\"The resource 'projects/x' was not found\""));
    }

    #[test]
    fn reason_from_error_info() {
        let body = br#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com"}]}}"#;
        let e = ApiError::from_response(429, body);
        assert_eq!(e.reason.as_deref(), Some("RATE_LIMIT_EXCEEDED"));
    }

    #[test]
    fn parses_oauth_error() {
        let e = ApiError::from_response(
            400,
            br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
        );
        assert_eq!(e.status, "invalid_grant");
        assert_eq!(e.message, "Invalid JWT Signature.");
    }

    #[test]
    fn non_json_body_keeps_text_and_canonical_status() {
        let e = ApiError::from_response(502, b"<html>Bad Gateway</html>");
        assert_eq!(e.status, "INTERNAL");
        assert_eq!(e.message, "<html>Bad Gateway</html>");
    }
}
