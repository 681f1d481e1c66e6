//! Cloud Run Admin v2 (`/v2/projects/*/locations/*/services...`): services,
//! revisions and their reconciliation, traffic splits with tag URLs, and
//! per-image behaviours that drive readiness and synthetic metrics.

pub mod behaviors;
pub mod record;
mod revisions;
mod services;
pub mod template;
pub mod traffic;

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde_json::Value;

use crate::clock::now_ms;
use crate::error::{ApiError, EmulatorError};
use crate::ops::lro::{self, LroMutation};
use crate::ops::Effect;
use crate::router::{ApiCall, Registry};
use crate::state::{App, AppState};

/// The shape of a Cloud Run region name (`us-central1`).
static REGION: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z]+-[a-z]+[0-9]+$").ok());

pub const LRO_SERVICE_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Service";
pub const LRO_REVISION_TYPE: &str = "type.googleapis.com/google.cloud.run.v2.Revision";

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("run.projects.locations.services.create", services::create)?;
    routes.add("run.projects.locations.services.get", services::get)?;
    routes.add("run.projects.locations.services.list", services::list)?;
    routes.add("run.projects.locations.services.patch", services::patch)?;
    routes.add("run.projects.locations.services.delete", services::delete)?;
    routes.add(
        "run.projects.locations.services.revisions.get",
        revisions::get,
    )?;
    routes.add(
        "run.projects.locations.services.revisions.list",
        revisions::list,
    )?;
    routes.add(
        "run.projects.locations.services.revisions.delete",
        revisions::delete,
    )
}

/// Admin routes under `/_emulator/run/`.
pub fn admin_routes() -> Router<App> {
    Router::new().route("/_emulator/run/behaviors", post(behaviors::set))
}

/// `projects/{p}/locations/{l}` from the route's path parameters.
pub fn parent_of(call: &ApiCall) -> String {
    format!(
        "projects/{}/locations/{}",
        call.path("projectsId"),
        call.path("locationsId")
    )
}

/// Cloud Run's 404 for a service or revision.
pub fn not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "notFound",
        format!("Resource '{name}' does not exist."),
    )
}

/// `projects/{p}/locations/{l}` of a service or revision name.
pub fn location_of(name: &str) -> String {
    name.split("/services/")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The operation of deleting service or revision `name`: its response is the
/// resource as it was (`rendered`, with its `@type`); `effects` apply when it
/// is done, unless the request is `validateOnly`.
pub fn start_delete(
    call: &ApiCall,
    name: &str,
    rendered: Value,
    effects: Vec<Effect>,
) -> Result<Value, ApiError> {
    let effects = if call.query_one("validateOnly") == Some("true") {
        Vec::new()
    } else {
        effects
    };
    lro::start(
        call,
        LroMutation {
            parent: location_of(name),
            metadata: rendered.clone(),
            response: rendered,
            effects,
            failure: None,
        },
    )
}

/// Completes due operations and reconciliations before a request looks at
/// services (the store's one settle path).
pub fn settle_now(app: &AppState) -> Result<(), ApiError> {
    app.store
        .settle(now_ms())
        .map_err(|e| ApiError::internal(e.to_string()))
}

pub use crate::aip::aborted;

/// `projects/{p}/locations/{l}` must name a known project and a plausible region.
pub fn require_parent(app: &AppState, parent: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = parent.split('/').collect();
    let (project, location) = match parts.as_slice() {
        ["projects", p, "locations", l] => (*p, *l),
        _ => {
            return Err(ApiError::bad_field(
                "parent",
                format!("Invalid parent {parent:?}."),
            ))
        }
    };
    if !app.project_exists(project) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Permission denied on resource project {project}."),
        ));
    }
    let valid = REGION.as_ref().is_some_and(|re| re.is_match(location));
    if !valid {
        return Err(ApiError::bad_field(
            "parent",
            format!("Location {location:?} is not a valid Cloud Run region."),
        ));
    }
    Ok(())
}
