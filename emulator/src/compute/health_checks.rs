//! `compute.healthChecks.*` (global): insert/get/list/patch/delete.

use serde_json::{json, Value};

use super::crud::{self, Collection};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};
use crate::store::Data;

pub const HEALTH_CHECKS: Collection = Collection {
    plural: "healthChecks",
    param: "healthCheck",
    kind: "compute#healthCheck",
    list_kind: "compute#healthCheckList",
};

/// `type` and the sub-object that must accompany it.
const TYPES: &[(&str, &str)] = &[
    ("TCP", "tcpHealthCheck"),
    ("SSL", "sslHealthCheck"),
    ("HTTP", "httpHealthCheck"),
    ("HTTPS", "httpsHealthCheck"),
    ("HTTP2", "http2HealthCheck"),
    ("GRPC", "grpcHealthCheck"),
];

fn check_type(body: &Value) -> Result<(), ApiError> {
    let ty = body["type"].as_str().unwrap_or_default();
    let Some((_, field)) = TYPES.iter().find(|(t, _)| *t == ty) else {
        return Err(ApiError::bad_field(
            "resource.type",
            format!("Invalid value for field 'resource.type': '{ty}'. Health check type must be specified."),
        ));
    };
    if !body[*field].is_object() {
        return Err(ApiError::bad_field(
            format!("resource.{field}"),
            format!("Invalid value for field 'resource.{field}': ''. {field} must be set for a health check of type {ty}."),
        ));
    }
    let port = &body[*field]["port"];
    if let Some(p) = port.as_i64() {
        if !(1..=65535).contains(&p) {
            return Err(ApiError::bad_field(
                format!("resource.{field}.port"),
                format!("Invalid value for field 'resource.{field}.port': '{p}'. Must be between 1 and 65535."),
            ));
        }
    }
    Ok(())
}

fn with_defaults(mut hc: Value) -> Value {
    for (field, default) in [
        ("checkIntervalSec", 5),
        ("timeoutSec", 5),
        ("healthyThreshold", 2),
        ("unhealthyThreshold", 2),
    ] {
        if hc[field].is_null() {
            hc[field] = json!(default);
        }
    }
    hc
}

async fn insert(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    check_type(&body)?;
    crud::insert(&call, &HEALTH_CHECKS, with_defaults(body), Vec::new())
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    crud::get(&call, &HEALTH_CHECKS).await
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &HEALTH_CHECKS)
}

async fn patch(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    if body.get("type").is_some() {
        check_type(&body)?;
    }
    crud::patch(&call, &HEALTH_CHECKS, body)
}

fn used_by(data: &Data, hc: &str) -> Option<String> {
    data.resources.iter().find_map(|(key, value)| {
        let uses = key.contains("/backendServices/")
            && value["healthChecks"].as_array().is_some_and(|hcs| {
                hcs.iter()
                    .any(|h| crud::relative(h.as_str().unwrap_or_default()) == hc)
            });
        uses.then(|| key.clone())
    })
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    crud::delete(&call, &HEALTH_CHECKS, used_by, Vec::new())
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.healthChecks.insert", insert)?;
    routes.add("compute.healthChecks.get", get)?;
    routes.add("compute.healthChecks.list", list)?;
    routes.add("compute.healthChecks.patch", patch)?;
    routes.add("compute.healthChecks.delete", delete)
}
