//! Managed resources. The platform composites register here as they are written.

mod adoption;
pub mod blue_green_service;
pub mod budget_guard;
mod deferred;

pub mod livekit_cluster;

#[cfg(test)]
mod robustness_tests;

use std::sync::Arc;

use tfplugin::{
    Action, ApplyResponse, Diagnostics, ImportResponse, ImportedResource, ListResource, Resource,
    Value,
};

use crate::state::SharedState;

/// Every managed resource type this provider serves.
pub fn all(state: &SharedState) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(budget_guard::BudgetGuard::new(state.clone())),
        Arc::new(blue_green_service::BlueGreenService::new(state.clone())),
        Arc::new(livekit_cluster::LivekitCluster::new(state.clone())),
    ]
}

/// Every list resource (`terraform query`): one per composite.
pub fn lists(state: &SharedState) -> Vec<Arc<dyn ListResource>> {
    use adoption::Listing;
    vec![
        Arc::new(Listing(budget_guard::BudgetGuard::new(state.clone()))),
        Arc::new(Listing(blue_green_service::BlueGreenService::new(
            state.clone(),
        ))),
        Arc::new(Listing(livekit_cluster::LivekitCluster::new(state.clone()))),
    ]
}

/// Every action (Terraform >= 1.14 `-invoke`).
pub fn actions(state: &SharedState) -> Vec<Arc<dyn Action>> {
    blue_green_service::actions(state)
}

/// An apply that failed: `state` is what truly exists now (partial or prior).
fn apply_failed(state: Value, diagnostics: impl Into<Diagnostics>) -> ApplyResponse {
    ApplyResponse {
        new_state: state,
        private: Vec::new(),
        diagnostics: diagnostics.into(),
    }
}

/// The one note every composite appends to the errors of a failed first
/// create. Terraform taints such a resource, so a plain next apply replaces
/// it; untainting continues instead. Terraform does not send the resource's
/// address to the provider but prints it with the error (`with <address>,`),
/// so the advice points there.
fn partial_create_note(type_name: &str, children: &str) -> String {
    format!(
        "What was created so far ({children}) is recorded in state. Terraform marks a resource whose create failed as tainted, so a plain next apply deletes all of it and creates it again. To keep it and continue where this apply stopped instead: fix the cause, run `terraform untaint` with this resource's address as shown in the \"with\" line of this error (e.g. `terraform untaint {type_name}.prod`), then apply again."
    )
}

/// The answer to importing one resource of `type_name`.
fn import_response(type_name: &str, result: Result<Value, Diagnostics>) -> ImportResponse {
    match result {
        Ok(state) => ImportResponse {
            imported: vec![ImportedResource {
                type_name: type_name.to_owned(),
                state,
                private: Vec::new(),
            }],
            diagnostics: Diagnostics::new(),
        },
        Err(diagnostics) => ImportResponse {
            imported: Vec::new(),
            diagnostics,
        },
    }
}
