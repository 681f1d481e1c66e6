//! `compute.machineTypes.get/list`: a fixed catalogue of common machine types,
//! offered in every zone.

use serde_json::{json, Value};

use super::catalog::{region_of_zone, stable_id};
use super::list::{list_response, ListParams};
use super::{require_project, self_link};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// (name, guest CPUs, memory MiB).
const TYPES: &[(&str, u32, u32)] = &[
    ("e2-micro", 2, 1024),
    ("e2-small", 2, 2048),
    ("e2-medium", 2, 4096),
    ("e2-standard-2", 2, 8192),
    ("e2-standard-4", 4, 16384),
    ("n1-standard-1", 1, 3840),
    ("n2-standard-2", 2, 8192),
    ("n2-standard-4", 4, 16384),
    ("n2-standard-8", 8, 32768),
    ("n2-standard-16", 16, 65536),
    ("c3-standard-4", 4, 16384),
    // Compute-optimized: what LiveKit's deployment guidance picks for media nodes.
    ("c2-standard-4", 4, 16384),
    ("c2-standard-8", 8, 32768),
    ("c2-standard-16", 16, 65536),
];

/// Whether machine type `name` is offered in `zone`.
pub fn exists(zone: &str, name: &str) -> bool {
    region_of_zone(zone).is_some() && TYPES.iter().any(|(n, _, _)| *n == name)
}

fn resource(project: &str, zone: &str, (name, cpus, memory): (&str, u32, u32)) -> Value {
    let plural = if cpus == 1 { "" } else { "s" };
    json!({
        "kind": "compute#machineType",
        "id": stable_id(name),
        "creationTimestamp": "1969-12-31T16:00:00.000-08:00",
        "name": name,
        "description": format!("{cpus} vCPU{plural}, {} GB RAM", f64::from(memory) / 1024.0),
        "guestCpus": cpus,
        "memoryMb": memory,
        "maximumPersistentDisks": 128,
        "maximumPersistentDisksSizeGb": "263168",
        "zone": zone,
        "selfLink": self_link(&format!("projects/{project}/zones/{zone}/machineTypes/{name}")),
        "isSharedCpu": matches!(name, "e2-micro" | "e2-small" | "e2-medium"),
    })
}

fn zone_checked(call: &ApiCall) -> Result<(&str, &str), ApiError> {
    let (project, zone) = (call.path("project"), call.path("zone"));
    require_project(&call.app, project)?;
    if region_of_zone(zone).is_none() {
        return Err(ApiError::not_found(&format!(
            "projects/{project}/zones/{zone}"
        )));
    }
    Ok((project, zone))
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let (project, zone) = zone_checked(&call)?;
    let name = call.path("machineType");
    TYPES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|t| resource(project, zone, *t))
        .ok_or_else(|| {
            ApiError::not_found(&format!(
                "projects/{project}/zones/{zone}/machineTypes/{name}"
            ))
        })
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    let (project, zone) = zone_checked(&call)?;
    let params = ListParams::from_call(&call)?;
    let items = TYPES.iter().map(|t| resource(project, zone, *t)).collect();
    list_response(
        "compute#machineTypeList",
        &format!("projects/{project}/zones/{zone}/machineTypes"),
        items,
        &params,
    )
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.machineTypes.get", get)?;
    routes.add("compute.machineTypes.list", list)
}
