//! `compute.projects.get` and `compute.projects.setCommonInstanceMetadata`.
//!
//! The project's mutable part (common instance metadata) is stored as the
//! resource `projects/{p}`; everything else is derived from the project id.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::catalog::project_number;
use super::{require_project, self_link};
use crate::error::{ApiError, EmulatorError};
use crate::ops::compute::{start, ComputeMutation, Scope};
use crate::ops::Effect;
use crate::router::{ApiCall, Registry};

/// Compute fingerprints are opaque base64 hashes of the guarded content.
fn fingerprint(items: &Value) -> String {
    let digest = Sha256::digest(items.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

fn metadata(items: Value) -> Value {
    json!({"kind": "compute#metadata", "fingerprint": fingerprint(&items), "items": items})
}

fn stored_metadata(call: &ApiCall, project: &str) -> Value {
    call.app
        .store
        .read(|d| {
            d.resources
                .get(&format!("projects/{project}"))
                .and_then(|p| p.get("commonInstanceMetadata"))
                .cloned()
        })
        .unwrap_or_else(|| metadata(json!([])))
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project");
    require_project(&call.app, project)?;
    let number = project_number(project);
    Ok(json!({
        "kind": "compute#project",
        "id": number.to_string(),
        "name": project,
        "creationTimestamp": "2024-01-01T00:00:00.000-08:00",
        "selfLink": self_link(&format!("projects/{project}")),
        "defaultServiceAccount": format!("{number}-compute@developer.gserviceaccount.com"),
        "commonInstanceMetadata": stored_metadata(&call, project),
        "quotas": [
            {"metric": "NETWORKS", "limit": 15.0, "usage": 0.0},
            {"metric": "FIREWALLS", "limit": 200.0, "usage": 0.0},
            {"metric": "BACKEND_SERVICES", "limit": 75.0, "usage": 0.0},
            {"metric": "HEALTH_CHECKS", "limit": 75.0, "usage": 0.0},
        ],
        "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS",
        "defaultNetworkTier": "PREMIUM",
        "vmDnsSetting": "ZONAL_ONLY",
    }))
}

async fn set_common_instance_metadata(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project").to_string();
    require_project(&call.app, &project)?;
    let body = call.body_or_empty();
    let current = stored_metadata(&call, &project);
    // Like Google: a stale fingerprint is rejected, a missing one is not checked.
    if let Some(given) = body.get("fingerprint").and_then(Value::as_str) {
        if Some(given) != current.get("fingerprint").and_then(Value::as_str) {
            return Err(ApiError::new(
                axum::http::StatusCode::PRECONDITION_FAILED,
                "conditionNotMet",
                "Supplied fingerprint does not match current metadata fingerprint.",
            ));
        }
    }
    let items = body.get("items").cloned().unwrap_or_else(|| json!([]));
    let name = format!("projects/{project}");
    start(
        &call,
        ComputeMutation {
            project: project.clone(),
            scope: Scope::Global,
            operation_type: "compute.projects.setCommonInstanceMetadata".into(),
            target: name.clone(),
            target_id: project_number(&project).to_string(),
            effects: vec![Effect::Put {
                name,
                value: json!({"commonInstanceMetadata": metadata(items)}),
            }],
            immediate: Vec::new(),
            on_start: Vec::new(),
            on_failure: Vec::new(),
            failure: None,
        },
    )
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.projects.get", get)?;
    routes.add(
        "compute.projects.setCommonInstanceMetadata",
        set_common_instance_metadata,
    )
}
