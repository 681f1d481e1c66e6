//! The request log (for tests to assert on what the provider sent) and the
//! middleware that records it and applies injected HTTP faults.

use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::state::App;

/// Body fields never echoed back by the admin API.
const SECRET_FIELDS: &[&str] = &[
    "private_key",
    "assertion",
    "access_token",
    "accesstoken",
    "auth_token",
    "service_key",
    "password",
    "client_secret",
    "refresh_token",
    "subject_token",
    "token",
    "id_token",
];

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<Vec<Value>>,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Value>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn push(&self, entry: Value) {
        self.lock().push(entry);
    }

    pub fn list(&self) -> Vec<Value> {
        self.lock().clone()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// Records every non-admin request and short-circuits it if a fault matches.
pub async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if path.starts_with("/_emulator/") {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_string();
    // The quota project a caller asks to be billed (not a secret; tests check it reaches us).
    let user_project = request
        .headers()
        .get("x-goog-user-project")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query = request
        .uri()
        .query()
        .map(query_object)
        .unwrap_or_else(|| json!({}));
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => Bytes::new(),
    };
    let logged_body = redacted_body(&bytes);
    let response = match app.faults.http_fault(&method, &path) {
        Some(err) => err.into_response(),
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    };
    // Path and status only: queries and bodies may carry credentials.
    tracing::info!(%method, %path, status = response.status().as_u16(), "request");
    let status = response.status().as_u16();
    let (response, logged_response) = small_json_response(response).await;
    app.requests.push(json!({
        "method": method,
        "path": path,
        "query": query,
        "user_project": user_project,
        "status": status,
        "body": logged_body,
        "response": logged_response,
    }));
    response
}

/// Largest response body the log keeps: enough for operations, errors and
/// `getHealth`, while list pages and downloads stay out so the log stays small.
const MAX_LOGGED_RESPONSE: usize = 8 * 1024;

/// The response's JSON body (secrets redacted) when it is small JSON, and the
/// response rebuilt from the buffered bytes; anything else passes untouched.
async fn small_json_response(response: Response) -> (Response, Value) {
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    let small = axum::body::HttpBody::size_hint(response.body())
        .exact()
        .is_some_and(|n| n <= MAX_LOGGED_RESPONSE as u64);
    if !is_json || !small {
        return (response, Value::Null);
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_LOGGED_RESPONSE).await {
        Ok(bytes) => {
            let logged = serde_json::from_slice::<Value>(&bytes).map_or(Value::Null, redact);
            (Response::from_parts(parts, Body::from(bytes)), logged)
        }
        // The exact size hint said it fits; a body that errors is reported as a 500.
        Err(_) => (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            Value::Null,
        ),
    }
}

fn query_object(raw: &str) -> Value {
    let mut object = Map::new();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()).into_owned() {
        object.insert(k, Value::String(v));
    }
    redact(Value::Object(object))
}

/// The request body as JSON (or form fields), secrets replaced.
fn redacted_body(bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return redact(value);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains('=') => with_assertion_claims(text, query_object(text)),
        Ok(text) => Value::String(text.to_string()),
        Err(_) => Value::String(format!("<{} binary bytes>", bytes.len())),
    }
}

/// A token request's JWT assertion is a credential, but its claims (issuer,
/// scope, audience) are not: they are kept so tests can see what was asked for.
fn with_assertion_claims(form: &str, mut logged: Value) -> Value {
    let claims = url::form_urlencoded::parse(form.as_bytes())
        .find(|(k, _)| k == "assertion")
        .and_then(|(_, jwt)| crate::auth::jwt::Jwt::decode(&jwt).ok())
        .map(|jwt| jwt.claims);
    if let (Some(claims), Some(object)) = (claims, logged.as_object_mut()) {
        object.insert("assertion_claims".into(), redact(claims));
    }
    logged
}

pub fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if SECRET_FIELDS.contains(&k.to_ascii_lowercase().as_str()) {
                        (k, Value::String("<redacted>".into()))
                    } else {
                        (k, redact(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_json_and_forms() {
        let v = redacted_body(&Bytes::from_static(
            br#"{"a":1,"nested":{"private_key":"k","refresh_token":"r"}}"#,
        ));
        assert_eq!(
            v,
            json!({"a": 1, "nested": {"private_key": "<redacted>", "refresh_token": "<redacted>"}})
        );
        let f = redacted_body(&Bytes::from_static(b"grant_type=x&assertion=secret"));
        assert_eq!(f, json!({"grant_type": "x", "assertion": "<redacted>"}));
    }

    #[test]
    fn a_token_requests_claims_are_kept_without_the_jwt() {
        use base64::Engine;
        let part =
            |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let jwt = format!(
            "{}.{}.c2ln",
            part(json!({"alg": "RS256"})),
            part(json!({"iss": "sa@p.iam.gserviceaccount.com", "scope": "s1 s2"}))
        );
        let form = format!("grant_type=jwt&assertion={jwt}");
        let logged = redacted_body(&Bytes::from(form));
        assert_eq!(logged["assertion"], "<redacted>");
        assert_eq!(logged["assertion_claims"]["scope"], "s1 s2");
        assert!(!logged.to_string().contains(&jwt));
    }
}
