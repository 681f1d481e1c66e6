//! Managed resources. The platform composites register here as they are written.

pub mod blue_green_service;
pub mod budget_guard;

pub mod livekit_cluster;

use std::sync::Arc;

use tfplugin::Resource;

use crate::state::SharedState;

/// Every managed resource type this provider serves.
pub fn all(state: &SharedState) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(budget_guard::BudgetGuard::new(state.clone())),
        Arc::new(blue_green_service::BlueGreenService::new(state.clone())),
        Arc::new(livekit_cluster::LivekitCluster::new(state.clone())),
    ]
}
