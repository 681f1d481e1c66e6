//! Managed resources. The platform composites register here as they are written.

use std::sync::Arc;

use tfplugin::Resource;

use crate::state::SharedState;

/// Every managed resource type this provider serves.
pub fn all(_state: &SharedState) -> Vec<Arc<dyn Resource>> {
    Vec::new()
}
