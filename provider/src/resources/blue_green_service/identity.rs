//! How a service is named for import by identity, listing and cross-type
//! `moved` from hashicorp/google's `google_cloud_run_v2_service`.

use serde_json::Value as Json;

use crate::resources::adoption::{attr, IdPattern, Identity, MoveSource};

pub const IDENTITY: Identity = Identity {
    pattern: IdPattern("projects/{project}/locations/{location}/services/{name}"),
    descriptions: &[
        (
            "project",
            "Project ID. Defaults to the provider's `project`.",
        ),
        (
            "location",
            "Region of the service. Defaults to the provider's `region`.",
        ),
        ("name", "Cloud Run service name."),
    ],
    defaulted: &["project", "location"],
};

const RUN_SERVICE: &str = "google_cloud_run_v2_service";

/// hashicorp/google writes this type at schema version 0 (6.x and 7.x:
/// `ResourceCloudRunV2Service` declares no `SchemaVersion`), with `project`,
/// `location`, `name` and `id = projects/P/locations/L/services/N`.
pub const MOVE_SOURCE_TYPES: [&str; 1] = [RUN_SERVICE];

pub const MOVE_SOURCES: [MoveSource; 1] = [MoveSource {
    type_name: RUN_SERVICE,
    schema_version: 0,
    import_id: run_service_id,
}];

fn run_service_id(state: &Json) -> Result<String, String> {
    if let (Some(p), Some(l), Some(n)) = (
        attr(state, "project"),
        attr(state, "location"),
        attr(state, "name"),
    ) {
        return Ok(format!("projects/{p}/locations/{l}/services/{n}"));
    }
    attr(state, "id")
        .filter(|id| IDENTITY.pattern.parse(id).is_some())
        .map(str::to_owned)
        .ok_or_else(|| "`project`, `location` and `name` (or `id`)".to_owned())
}
