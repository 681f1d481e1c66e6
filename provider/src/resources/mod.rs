//! Managed resources. The platform composites register here as they are written.

pub mod blue_green_service;
pub mod budget_guard;

pub mod livekit_cluster;

#[cfg(test)]
mod robustness_tests;

use std::sync::Arc;

use tfplugin::{ApplyResponse, Diagnostics, ImportResponse, ImportedResource, Resource, Value};

use crate::state::SharedState;

/// Every managed resource type this provider serves.
pub fn all(state: &SharedState) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(budget_guard::BudgetGuard::new(state.clone())),
        Arc::new(blue_green_service::BlueGreenService::new(state.clone())),
        Arc::new(livekit_cluster::LivekitCluster::new(state.clone())),
    ]
}

/// An apply that failed: `state` is what truly exists now (partial or prior).
fn apply_failed(state: Value, diagnostics: impl Into<Diagnostics>) -> ApplyResponse {
    ApplyResponse {
        new_state: state,
        private: Vec::new(),
        diagnostics: diagnostics.into(),
    }
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
