//! The unauthenticated admin API under `/_emulator/` that tests use to
//! inspect and steer the emulator.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::token::{admin_authorized_user, admin_oidc_token};
use crate::clock::{now_ms, parse_duration};
use crate::error::ApiError;
use crate::faults::FaultSpec;
use crate::state::App;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/_emulator/health", get(|| async { "ok" }))
        .route("/_emulator/resources", get(resources))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/faults", post(add_fault).delete(clear_faults))
        .route("/_emulator/latency", post(set_latency))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/projects", post(add_project))
        .route("/_emulator/authorized-user", post(admin_authorized_user))
        .route("/_emulator/oidc-tokens", post(admin_oidc_token))
}

async fn resources(State(app): State<App>) -> Result<Json<Value>, ApiError> {
    app.store
        .settle(now_ms())
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let all: Map<String, Value> = app
        .store
        .read(|d| d.resources.clone().into_iter().collect());
    Ok(Json(Value::Object(all)))
}

async fn requests(State(app): State<App>) -> Json<Value> {
    Json(Value::Array(app.requests.list()))
}

async fn clear_requests(State(app): State<App>) -> StatusCode {
    app.requests.clear();
    StatusCode::NO_CONTENT
}

async fn add_fault(
    State(app): State<App>,
    Json(spec): Json<FaultSpec>,
) -> Result<Json<Value>, ApiError> {
    let id = app.faults.add(spec)?;
    Ok(Json(json!({ "id": id })))
}

async fn clear_faults(State(app): State<App>) -> StatusCode {
    app.faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct LatencyRequest {
    kind: String,
    operation: Option<String>,
    request: Option<String>,
    /// Hold the response this long after the handler ran (the write lands).
    response: Option<String>,
}

async fn set_latency(
    State(app): State<App>,
    Json(body): Json<LatencyRequest>,
) -> Result<StatusCode, ApiError> {
    let parse = |field: &str, text: Option<String>| {
        text.map(|t| parse_duration(&t).map_err(|e| ApiError::bad_field(field, e)))
            .transpose()
    };
    let operation = parse("operation", body.operation)?;
    let request = parse("request", body.request)?;
    let response = parse("response", body.response)?;
    app.latency.set(&body.kind, operation, request);
    if let Some(r) = response {
        app.latency.set_response(&body.kind, r);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets resources, operations, requests and faults; keys and projects stay
/// so credentials handed out earlier keep working.
async fn reset(State(app): State<App>) -> Result<StatusCode, ApiError> {
    app.store.mutate(|d| {
        d.resources.clear();
        d.compute_ops.clear();
        d.lros.clear();
        d.request_ids.clear();
        Ok(())
    })?;
    app.requests.clear();
    app.faults.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewProject {
    project_id: String,
}

async fn add_project(
    State(app): State<App>,
    Json(body): Json<NewProject>,
) -> Result<Json<Value>, ApiError> {
    let valid = regex::Regex::new(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
        .map(|re| re.is_match(&body.project_id))
        .unwrap_or(false);
    if !valid {
        return Err(ApiError::bad_field(
            "projectId",
            format!("invalid project id {:?}", body.project_id),
        ));
    }
    app.store.mutate(|d| {
        d.projects.insert(body.project_id.clone());
        Ok(())
    })?;
    Ok(Json(json!({
        "projectId": body.project_id,
        "projectNumber": crate::compute::catalog::project_number(&body.project_id).to_string(),
    })))
}
