//! How a cluster is named for import by identity, listing and cross-type
//! `moved` from hashicorp/google's `google_compute_backend_service` (the
//! cluster's anchor: groups, VMs, health check and firewall are found from it).

use serde_json::Value as Json;

use crate::resources::adoption::{attr, IdPattern, Identity, MoveSource};

pub const IDENTITY: Identity = Identity {
    pattern: IdPattern("projects/{project}/global/backendServices/{name}"),
    descriptions: &[
        (
            "project",
            "Project ID. Defaults to the provider's `project`.",
        ),
        (
            "name",
            "Name of the backend service in front of the cluster.",
        ),
    ],
    defaulted: &["project"],
};

const BACKEND_SERVICE: &str = "google_compute_backend_service";

/// hashicorp/google writes this type at schema version 1 (6.x and 7.x:
/// `SchemaVersion: 1` with a V0 upgrader in
/// `resource_compute_backend_service.go`), with `project`, `name` and
/// `id = projects/P/global/backendServices/N`.
pub const MOVE_SOURCE_TYPES: [&str; 1] = [BACKEND_SERVICE];

pub const MOVE_SOURCES: [MoveSource; 1] = [MoveSource {
    type_name: BACKEND_SERVICE,
    schema_version: 1,
    import_id: backend_service_id,
}];

fn backend_service_id(state: &Json) -> Result<String, String> {
    if let (Some(p), Some(n)) = (attr(state, "project"), attr(state, "name")) {
        return Ok(format!("projects/{p}/global/backendServices/{n}"));
    }
    attr(state, "id")
        .filter(|id| IDENTITY.pattern.parse(id).is_some())
        .map(str::to_owned)
        .ok_or_else(|| "`project` and `name` (or `id`)".to_owned())
}
