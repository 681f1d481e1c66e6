//! Google's discovery documents (vendored under `emulator/discovery/`), indexed
//! by method id so every route is validated against the real API surface.

mod template;
pub mod validate;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::error::{EmulatorError, ErrorStyle};
pub use template::PathTemplate;

/// (api name, document text) of every vendored discovery document.
const DOCUMENTS: &[(&str, &str)] = &[
    ("compute", include_str!("../../discovery/compute.v1.json")),
    ("run", include_str!("../../discovery/run.v2.json")),
    (
        "monitoring",
        include_str!("../../discovery/monitoring.v3.json"),
    ),
    (
        "billingbudgets",
        include_str!("../../discovery/billingbudgets.v1.json"),
    ),
    ("pubsub", include_str!("../../discovery/pubsub.v1.json")),
    (
        "cloudresourcemanager",
        include_str!("../../discovery/cloudresourcemanager.v3.json"),
    ),
    (
        "iamcredentials",
        include_str!("../../discovery/iamcredentials.v1.json"),
    ),
    ("sts", include_str!("../../discovery/sts.v1.json")),
    (
        "sqladmin",
        include_str!("../../discovery/sqladmin.v1beta4.json"),
    ),
    ("redis", include_str!("../../discovery/redis.v1.json")),
    (
        "secretmanager",
        include_str!("../../discovery/secretmanager.v1.json"),
    ),
];

/// One API's discovery document.
#[derive(Debug)]
pub struct ApiDoc {
    pub name: String,
    /// URL path prefix the API is served under, e.g. `compute/v1/`.
    pub service_path: String,
    /// Standard query parameters (`alt`, `fields`, …) every method accepts.
    pub standard_params: Map<String, Value>,
    pub schemas: Map<String, Value>,
}

impl ApiDoc {
    pub fn error_style(&self) -> ErrorStyle {
        // Both predate AIP-193: their errors also list `errors[].reason`.
        if self.name == "compute" || self.name == "sqladmin" {
            ErrorStyle::Compute
        } else {
            ErrorStyle::Aip
        }
    }
}

/// One REST method of an API.
#[derive(Debug)]
pub struct Method {
    pub id: String,
    pub http_method: String,
    /// Full URL path template, e.g. `/compute/v1/projects/{project}/zones`.
    pub path: String,
    pub parameters: Map<String, Value>,
    /// Schema name of the request body, if the method takes one.
    pub request_ref: Option<String>,
    pub api: usize,
}

/// All vendored APIs, indexed by method id.
#[derive(Debug)]
pub struct Discovery {
    apis: Vec<ApiDoc>,
    methods: HashMap<String, Method>,
}

impl Discovery {
    /// The parsed documents, shared by every emulator in the process (compute.v1
    /// alone is 1.5 MB, so it is parsed once).
    pub fn shared() -> Result<Arc<Discovery>, EmulatorError> {
        static SHARED: OnceLock<Result<Arc<Discovery>, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Discovery::load().map(Arc::new).map_err(|e| e.to_string()))
            .clone()
            .map_err(|reason| EmulatorError::Discovery {
                api: "*".into(),
                reason,
            })
    }

    fn load() -> Result<Discovery, EmulatorError> {
        let mut discovery = Discovery {
            apis: Vec::new(),
            methods: HashMap::new(),
        };
        for (name, text) in DOCUMENTS {
            let invalid = |reason: String| EmulatorError::Discovery {
                api: (*name).to_string(),
                reason,
            };
            let doc: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
            let object = |key: &str| {
                doc.get(key)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default()
            };
            let index = discovery.apis.len();
            discovery.apis.push(ApiDoc {
                name: (*name).to_string(),
                service_path: doc
                    .get("servicePath")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                standard_params: object("parameters"),
                schemas: object("schemas"),
            });
            let prefix = format!("/{}", discovery.apis[index].service_path);
            collect_methods(&doc, index, &prefix, &mut discovery.methods).map_err(invalid)?;
        }
        Ok(discovery)
    }

    pub fn method(&self, id: &str) -> Option<(&ApiDoc, &Method)> {
        let method = self.methods.get(id)?;
        Some((&self.apis[method.api], method))
    }

    pub fn api(&self, name: &str) -> Option<&ApiDoc> {
        self.apis.iter().find(|api| api.name == name)
    }
}

/// Walks `methods` and nested `resources` of a discovery node.
fn collect_methods(
    node: &Value,
    api: usize,
    prefix: &str,
    out: &mut HashMap<String, Method>,
) -> Result<(), String> {
    if let Some(methods) = node.get("methods").and_then(Value::as_object) {
        for method in methods.values() {
            let field = |key: &str| method.get(key).and_then(Value::as_str);
            let id = field("id").ok_or("method without id")?;
            let flat = field("flatPath")
                .or_else(|| field("path"))
                .ok_or_else(|| format!("{id} has no path"))?;
            out.insert(
                id.to_string(),
                Method {
                    id: id.to_string(),
                    http_method: field("httpMethod").unwrap_or("GET").to_string(),
                    path: format!("{prefix}{flat}"),
                    parameters: method
                        .get("parameters")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                    request_ref: method
                        .pointer("/request/$ref")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    api,
                },
            );
        }
    }
    if let Some(resources) = node.get("resources").and_then(Value::as_object) {
        for resource in resources.values() {
            collect_methods(resource, api, prefix, out)?;
        }
    }
    Ok(())
}
