//! The single HTTP path for every Google call (APIs and token endpoints): user agent,
//! retries with exponential backoff and full jitter, `Retry-After`, an overall deadline,
//! typed errors and request logging that never includes headers or bodies.

use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::header::{HeaderMap, AUTHORIZATION, RETRY_AFTER, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;

/// Transport-level failure of one logical request (after retries).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {path}: {source}")]
    Api {
        method: Method,
        path: String,
        #[source]
        source: Box<ApiError>,
    },
    #[error("{method} {path}: connection failed: {message}")]
    Network {
        method: Method,
        path: String,
        message: String,
    },
    #[error("{method} {path}: no successful response within {}s (last failure: {last})", after.as_secs())]
    Timeout {
        method: Method,
        path: String,
        after: Duration,
        last: String,
    },
    #[error("{method} {path}: unexpected response body: {message}")]
    Decode {
        method: Method,
        path: String,
        message: String,
    },
    #[error("invalid request URL {url:?}: {message}")]
    InvalidUrl { url: String, message: String },
    #[error("cannot build HTTP client: {0}")]
    Client(String),
}

impl HttpError {
    /// The API error inside, if the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            HttpError::Api { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Backoff parameters. Tests shrink `base_delay` so retries take milliseconds.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// First backoff ceiling; doubles per attempt (full jitter picks in `[0, ceiling)`).
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Attempts including the first one.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// Full-jitter delay before retry number `attempt` (1-based).
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::thread_rng().gen_range(0..nanos))
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    /// `application/x-www-form-urlencoded` (OAuth token endpoints).
    Form(Vec<(String, String)>),
}

/// One logical request; the transport may send it several times.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub body: Body,
    /// Bearer token; kept out of `Debug` and logs.
    pub bearer: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &log_path(&self.url))
            .field("bearer", &self.bearer.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            body: Body::Empty,
            bearer: None,
            headers: Vec::new(),
        }
    }

    #[must_use]
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    #[must_use]
    pub fn form(mut self, fields: Vec<(String, String)>) -> Self {
        self.body = Body::Form(fields);
        self
    }

    #[must_use]
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.bearer = Some(token.into());
        self
    }

    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Shared HTTP machinery. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Transport {
    client: reqwest::Client,
    user_agent: String,
    retry: RetryPolicy,
    request_timeout: Duration,
}

/// What went wrong on one attempt, and whether trying again may help.
enum AttemptFailure {
    Retryable {
        error: HttpError,
        retry_after: Option<Duration>,
    },
    Fatal(HttpError),
}

impl Transport {
    /// `request_timeout` bounds each logical request including all its retries.
    pub fn new(
        user_agent: String,
        request_timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30).min(request_timeout))
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Transport {
            client,
            user_agent,
            retry,
            request_timeout,
        })
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Send and decode a JSON response.
    pub async fn send_json<T: DeserializeOwned>(&self, req: Request) -> Result<T, HttpError> {
        let method = req.method.clone();
        let path = log_path(&req.url);
        let bytes = self.send(req).await?;
        let slice: &[u8] = if bytes.is_empty() { b"{}" } else { &bytes };
        serde_json::from_slice(slice).map_err(|e| HttpError::Decode {
            method,
            path,
            message: e.to_string(),
        })
    }

    /// Send with retries; returns the body of the first 2xx response.
    pub async fn send(&self, req: Request) -> Result<Vec<u8>, HttpError> {
        url::Url::parse(&req.url).map_err(|e| HttpError::InvalidUrl {
            url: req.url.clone(),
            message: e.to_string(),
        })?;
        let path = log_path(&req.url);
        let deadline = Instant::now() + self.request_timeout;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let failure = match self.attempt(&req, &path, attempt, remaining).await {
                Ok(body) => return Ok(body),
                Err(f) => f,
            };
            let (error, retry_after) = match failure {
                AttemptFailure::Fatal(e) => return Err(e),
                AttemptFailure::Retryable { error, retry_after } => (error, retry_after),
            };
            if attempt >= self.retry.max_attempts {
                return Err(error);
            }
            let delay = retry_after.unwrap_or_else(|| self.retry.backoff(attempt));
            if Instant::now() + delay >= deadline {
                return Err(HttpError::Timeout {
                    method: req.method.clone(),
                    path,
                    after: self.request_timeout,
                    last: error.to_string(),
                });
            }
            tracing::debug!(method = %req.method, path = %path, attempt, delay_ms = delay.as_millis() as u64, "retrying after transient failure");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(
        &self,
        req: &Request,
        path: &str,
        attempt: u32,
        remaining: Duration,
    ) -> Result<Vec<u8>, AttemptFailure> {
        let started = Instant::now();
        let mut builder = self
            .client
            .request(req.method.clone(), &req.url)
            .timeout(remaining)
            .header(USER_AGENT, &self.user_agent);
        if let Some(token) = &req.bearer {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value);
        }
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(v) => builder.json(v),
            Body::Form(fields) => builder.form(fields),
        };
        let result = builder.send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(method = %req.method, path, attempt, duration_ms = elapsed_ms, error = %e, "gcp request failed");
                let error = HttpError::Network {
                    method: req.method.clone(),
                    path: path.to_owned(),
                    message: error_chain(&e),
                };
                return Err(if e.is_connect() || e.is_timeout() || e.is_request() {
                    AttemptFailure::Retryable {
                        error,
                        retry_after: None,
                    }
                } else {
                    AttemptFailure::Fatal(error)
                });
            }
        };
        let status = response.status();
        tracing::debug!(method = %req.method, path, attempt, status = status.as_u16(), duration_ms = elapsed_ms, "gcp request");
        let retry_after = retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| AttemptFailure::Retryable {
                error: HttpError::Network {
                    method: req.method.clone(),
                    path: path.to_owned(),
                    message: error_chain(&e),
                },
                retry_after: None,
            })?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let error = HttpError::Api {
            method: req.method.clone(),
            path: path.to_owned(),
            source: Box::new(ApiError::from_response(status.as_u16(), &body)),
        };
        if is_retryable_status(status) {
            Err(AttemptFailure::Retryable { error, retry_after })
        } else {
            Err(AttemptFailure::Fatal(error))
        }
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// `Retry-After` in seconds (the HTTP-date form is rare from Google and ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

/// The URL path only: queries can carry secrets (e.g. `key=`), so they never reach logs.
pub(crate) fn log_path(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| "<invalid url>".to_owned(), |u| u.path().to_owned())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use axum::http::StatusCode as AxStatus;
    use axum::response::IntoResponse;
    use axum::routing::get;

    /// Serves `/flaky`: the first `fail_times` calls answer `status`, then 200 `{"ok":true}`.
    async fn flaky_server(
        fail_times: u32,
        status: u16,
        retry_after: Option<&'static str>,
    ) -> (String, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let app = axum::Router::new().route(
            "/flaky",
            get(move || {
                let c = c.clone();
                async move {
                    let n = c.fetch_add(1, Ordering::SeqCst);
                    if n < fail_times {
                        let mut headers = axum::http::HeaderMap::new();
                        if let Some(ra) = retry_after {
                            headers.insert("retry-after", ra.parse().unwrap());
                        }
                        let body =
                            r#"{"error":{"code":0,"message":"try later","status":"UNAVAILABLE"}}"#;
                        (AxStatus::from_u16(status).unwrap(), headers, body).into_response()
                    } else {
                        (AxStatus::OK, r#"{"ok":true}"#).into_response()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{addr}/flaky"), calls)
    }

    fn transport(timeout: Duration) -> Transport {
        let retry = RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_attempts: 6,
        };
        Transport::new("test-agent".into(), timeout, retry).unwrap()
    }

    #[tokio::test]
    async fn retries_503_then_succeeds() {
        let (url, calls) = flaky_server(3, 503, None).await;
        let v: serde_json::Value = transport(Duration::from_secs(10))
            .send_json(Request::new(Method::GET, url))
            .await
            .unwrap();
        assert_eq!(v["ok"], true);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn does_not_retry_404() {
        let (url, calls) = flaky_server(5, 404, None).await;
        let err = transport(Duration::from_secs(10))
            .send(Request::new(Method::GET, url))
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(err.api().unwrap().http_status, 404);
        assert_eq!(err.api().unwrap().message, "try later");
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let (url, calls) = flaky_server(100, 500, None).await;
        let err = transport(Duration::from_secs(10))
            .send(Request::new(Method::GET, url))
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 6);
        assert_eq!(err.api().unwrap().http_status, 500);
    }

    #[tokio::test]
    async fn retry_after_beyond_deadline_times_out() {
        let (url, calls) = flaky_server(100, 429, Some("30")).await;
        let started = Instant::now();
        let err = transport(Duration::from_secs(2))
            .send(Request::new(Method::GET, url))
            .await
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "must not sleep past the deadline"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(matches!(err, HttpError::Timeout { .. }), "{err}");
    }

    #[tokio::test]
    async fn honours_retry_after_seconds() {
        let (url, calls) = flaky_server(1, 429, Some("1")).await;
        let started = Instant::now();
        transport(Duration::from_secs(10))
            .send(Request::new(Method::GET, url))
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_secs(1));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn connection_refused_is_retried_then_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = transport(Duration::from_secs(10))
            .send(Request::new(Method::GET, format!("http://{addr}/x")))
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Network { .. }), "{err}");
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_attempts: 10,
        };
        for attempt in 1..10 {
            assert!(p.backoff(attempt) < Duration::from_millis(300));
        }
    }

    #[test]
    fn log_path_drops_query() {
        assert_eq!(log_path("https://h/v1/x?key=secret"), "/v1/x");
    }
}
