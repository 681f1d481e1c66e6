//! The API router: routes are registered by discovery method id, so the URL
//! template, HTTP method and request validation all come from Google's own
//! documents. Dispatch order mirrors Google's front end: route, authenticate,
//! validate, then the product handler.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use crate::clock::now_ms;
use crate::discovery::{validate, Discovery, PathTemplate};
use crate::error::{ApiError, EmulatorError, ErrorStyle};
use crate::state::App;

/// Largest request body accepted (Compute allows ~512 KiB of metadata).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Value, ApiError>> + Send>>;
type Handler = Arc<dyn Fn(ApiCall) -> HandlerFuture + Send + Sync>;

/// One authenticated, validated API request as a handler sees it.
#[derive(Clone)]
pub struct ApiCall {
    pub app: App,
    pub method_id: String,
    pub http_method: String,
    /// URL path (without query), as received.
    pub path: String,
    /// Path parameters named as in the discovery `flatPath`.
    pub params: HashMap<String, String>,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// E-mail (or principal URI) of the caller.
    pub principal: String,
}

impl ApiCall {
    /// A path parameter; routes only match when every parameter is present.
    pub fn path(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }

    pub fn query_one(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The AIP-122 resource name a `{+name}`-style route addresses: the path
    /// without its version prefix and `:verb`, e.g. `/v2/projects/p/locations/l/services/s:wait`
    /// -> `projects/p/locations/l/services/s`.
    pub fn resource_name(&self) -> String {
        let without_version = self
            .path
            .trim_start_matches('/')
            .split_once('/')
            .map_or("", |(_, rest)| rest);
        let last_slash = without_version.rfind('/').map_or(0, |i| i + 1);
        match without_version[last_slash..].find(':') {
            Some(colon) => without_version[..last_slash + colon].to_string(),
            None => without_version.to_string(),
        }
    }

    pub fn body_or_empty(&self) -> Value {
        self.body
            .clone()
            .unwrap_or_else(|| Value::Object(Default::default()))
    }
}

struct Route {
    method_id: String,
    http_method: String,
    template: PathTemplate,
    handler: Handler,
}

/// Routes keyed by discovery method id.
pub struct Registry {
    discovery: Arc<Discovery>,
    routes: Vec<Route>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.routes.iter().map(|r| &r.method_id))
            .finish()
    }
}

impl Registry {
    pub fn new(discovery: Arc<Discovery>) -> Self {
        Self {
            discovery,
            routes: Vec::new(),
        }
    }

    /// Serves discovery method `method_id` with `handler`.
    pub fn add<F, Fut>(&mut self, method_id: &str, handler: F) -> Result<(), EmulatorError>
    where
        F: Fn(ApiCall) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, ApiError>> + Send + 'static,
    {
        let (_, method) = self
            .discovery
            .method(method_id)
            .ok_or_else(|| EmulatorError::UnknownMethod(method_id.to_string()))?;
        let template =
            PathTemplate::compile(&method.path).map_err(|e| EmulatorError::Discovery {
                api: method_id.to_string(),
                reason: e.to_string(),
            })?;
        self.routes.push(Route {
            method_id: method_id.to_string(),
            http_method: method.http_method.clone(),
            template,
            handler: Arc::new(move |call| Box::pin(handler(call))),
        });
        // Most literal text first, so `operations/{op}/wait` beats looser templates.
        self.routes
            .sort_by_key(|r| std::cmp::Reverse(r.template.specificity));
        Ok(())
    }

    fn find(&self, http_method: &str, path: &str) -> Option<(&Route, HashMap<String, String>)> {
        self.routes
            .iter()
            .filter(|r| r.http_method == http_method)
            .find_map(|r| r.template.matches(path).map(|params| (r, params)))
    }

    pub fn method_ids(&self) -> impl Iterator<Item = &str> {
        self.routes.iter().map(|r| r.method_id.as_str())
    }
}

/// The axum fallback that serves every registered Google API route.
pub async fn dispatch(State(app): State<App>, request: Request) -> Response {
    if let Err(err) = app.store.settle(now_ms()) {
        return ApiError::internal(err.to_string()).into_response();
    }
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let http_method = parts.method.as_str().to_string();
    let Some((route, params)) = app.routes.find(&http_method, &path) else {
        let mut err = ApiError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            format!("Method not found: {http_method} {path}"),
        );
        if path.starts_with("/compute/") {
            err.style = ErrorStyle::Compute;
        }
        return err.into_response();
    };
    let Some((api, method)) = app.discovery.method(&route.method_id) else {
        return ApiError::internal("route without discovery method").into_response();
    };
    let style = api.error_style();
    let result = async {
        let principal = crate::auth::authenticate(&app, &parts.headers)?;
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let body = read_json_body(body).await?;
        validate::validate_query(api, method, &query)?;
        validate::validate_path(method, &params)?;
        validate::validate_body(api, method, body.as_ref())?;
        let delay = app.latency.request(&route.method_id);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let call = ApiCall {
            app: app.clone(),
            method_id: route.method_id.clone(),
            http_method: http_method.clone(),
            path: path.clone(),
            params,
            query,
            body,
            principal,
        };
        let result = (route.handler)(call).await;
        let hold = app.latency.response(&route.method_id);
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
        result
    }
    .await;
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => {
            if err.code.is_server_error() {
                tracing::warn!(method = %route.method_id, message = %err.message, "request failed");
            }
            err.with_style(style).into_response()
        }
    }
}

async fn read_json_body(body: Body) -> Result<Option<Value>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::invalid_argument("Request payload too large or unreadable."))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| ApiError::invalid_argument(format!("Invalid JSON payload received. {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppState;
    use crate::store::Store;

    fn call(path: &str) -> ApiCall {
        let discovery = Discovery::shared().unwrap();
        let app = Arc::new(AppState::new(
            Store::open(None).unwrap(),
            discovery.clone(),
            Registry::new(discovery),
            Vec::new(),
            "http://127.0.0.1:1".into(),
            std::time::Duration::ZERO,
        ));
        ApiCall {
            app,
            method_id: "x".into(),
            http_method: "GET".into(),
            path: path.into(),
            params: HashMap::new(),
            query: Vec::new(),
            body: None,
            principal: "p".into(),
        }
    }

    #[test]
    fn resource_name_strips_version_and_verb() {
        assert_eq!(
            call("/v2/projects/p/locations/l/operations/o:wait").resource_name(),
            "projects/p/locations/l/operations/o"
        );
        assert_eq!(
            call("/v2/projects/p/locations/l/services/s").resource_name(),
            "projects/p/locations/l/services/s"
        );
        assert_eq!(
            call("/v1/projects/p:setIamPolicy").resource_name(),
            "projects/p"
        );
    }

    #[test]
    fn registry_rejects_unknown_methods_and_prefers_specific_routes() {
        let mut registry = Registry::new(Discovery::shared().unwrap());
        assert!(registry
            .add("compute.nothing.here", |_| async { Ok(Value::Null) })
            .is_err());
        registry
            .add("compute.zoneOperations.get", |_| async {
                Ok(Value::from("get"))
            })
            .unwrap();
        registry
            .add("run.projects.locations.operations.wait", |_| async {
                Ok(Value::from("wait"))
            })
            .unwrap();
        let (route, params) = registry
            .find("GET", "/compute/v1/projects/p/zones/z/operations/op-1")
            .unwrap();
        assert_eq!(route.method_id, "compute.zoneOperations.get");
        assert_eq!(params["operation"], "op-1");
        assert!(registry
            .find("POST", "/compute/v1/projects/p/zones/z/operations/op-1")
            .is_none());
        let (route, _) = registry
            .find("POST", "/v2/projects/p/locations/l/operations/o:wait")
            .unwrap();
        assert_eq!(route.method_id, "run.projects.locations.operations.wait");
    }
}
