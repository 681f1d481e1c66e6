//! Resource Manager v3 `projects.get`: resolves a project ID (or number) to
//! the project, whose `name` is `projects/<number>` — what Billing Budgets
//! filters need.

use serde_json::{json, Value};

use crate::aip;
use crate::compute::catalog::project_number;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};
use crate::state::AppState;

/// The project ID behind `id_or_number`, if such a project exists.
pub fn resolve_project(app: &AppState, id_or_number: &str) -> Option<String> {
    app.store.read(|d| {
        d.projects
            .iter()
            .find(|p| p.as_str() == id_or_number || project_number(p).to_string() == id_or_number)
            .cloned()
    })
}

pub fn project_resource(project_id: &str) -> Value {
    let number = project_number(project_id);
    json!({
        "name": format!("projects/{number}"),
        "projectId": project_id,
        "displayName": project_id,
        "state": "ACTIVE",
        "createTime": "2024-01-01T00:00:00.000Z",
        "updateTime": "2024-01-01T00:00:00.000Z",
        "etag": format!("W/\"{number:x}\""),
    })
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let requested = call.path("projectsId");
    // Google answers 403, not 404, so callers cannot probe for project IDs.
    let project = resolve_project(&call.app, requested).ok_or_else(|| {
        aip::permission_denied(format!(
            "Permission denied on resource project {requested} (or it may not exist)."
        ))
    })?;
    Ok(project_resource(&project))
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("cloudresourcemanager.projects.get", get)
}
