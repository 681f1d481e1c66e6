//! Data sources, one folder each (schema + read + tests).

mod project;
mod zones;

use std::sync::Arc;

use tfplugin::{Attribute, DataSource, Type};

use crate::state::SharedState;

pub fn all(state: &SharedState) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(project::ProjectDataSource::new(state.clone())),
        Arc::new(zones::ZonesDataSource::new(state.clone())),
    ]
}

/// The optional `project` every data source takes.
pub(crate) fn project_attribute() -> Attribute {
    Attribute::optional_computed(
        "project",
        Type::String,
        "Project ID. Defaults to the provider's `project`.",
    )
}
