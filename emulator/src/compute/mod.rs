//! Compute Engine v1 (`/compute/v1/...`).

pub mod backend_services;
pub mod catalog;
pub mod crud;
pub mod firewalls;
pub mod health_checks;
pub mod images;
pub mod instance_groups;
pub mod instances;
pub mod list;
pub mod machine_types;
pub mod networks;
mod projects;
mod regions_zones;

use crate::error::{ApiError, EmulatorError};
use crate::router::Registry;
use crate::state::AppState;

/// Compute selfLinks use the legacy host, as Google's responses do.
pub const LINK_BASE: &str = "https://www.googleapis.com/compute/v1/";

pub fn self_link(relative: &str) -> String {
    format!("{LINK_BASE}{relative}")
}

/// Compute answers 404 for projects that do not exist.
pub fn require_project(app: &AppState, project: &str) -> Result<(), ApiError> {
    if app.project_exists(project) {
        Ok(())
    } else {
        Err(ApiError::not_found(&format!("projects/{project}")))
    }
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    crate::ops::compute::register(routes)?;
    projects::register(routes)?;
    instances::register(routes)?;
    instance_groups::register(routes)?;
    health_checks::register(routes)?;
    backend_services::register(routes)?;
    firewalls::register(routes)?;
    networks::register(routes)?;
    machine_types::register(routes)?;
    images::register(routes)?;
    regions_zones::register(routes)
}
