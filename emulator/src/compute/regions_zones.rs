//! `compute.regions.get`, `compute.zones.get`, `compute.zones.list`.

use serde_json::{json, Value};

use super::catalog::{self, region_of_zone, region_zones, stable_id, CPU_PLATFORMS};
use super::list::{list_response, ListParams};
use super::{require_project, self_link};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// Catalogue entries predate every project; Google shows this fixed timestamp.
const CREATED: &str = "1969-12-31T16:00:00.000-08:00";

fn zone_resource(project: &str, region: &str, zone: &str) -> Value {
    json!({
        "kind": "compute#zone",
        "id": format!("2{}", stable_id(zone)),
        "creationTimestamp": CREATED,
        "name": zone,
        "description": zone,
        "status": "UP",
        "region": self_link(&format!("projects/{project}/regions/{region}")),
        "selfLink": self_link(&format!("projects/{project}/zones/{zone}")),
        "availableCpuPlatforms": CPU_PLATFORMS,
        "supportsPzs": false,
    })
}

fn region_resource(project: &str, region: &str, zones: &[String]) -> Value {
    let zone_links: Vec<String> = zones
        .iter()
        .map(|z| self_link(&format!("projects/{project}/zones/{z}")))
        .collect();
    json!({
        "kind": "compute#region",
        "id": format!("1{}", stable_id(region)),
        "creationTimestamp": CREATED,
        "name": region,
        "description": region,
        "status": "UP",
        "zones": zone_links,
        "quotas": [
            {"metric": "CPUS", "limit": 2400.0, "usage": 0.0},
            {"metric": "IN_USE_ADDRESSES", "limit": 575.0, "usage": 0.0},
            {"metric": "N2_CPUS", "limit": 2400.0, "usage": 0.0},
            {"metric": "SSD_TOTAL_GB", "limit": 81920.0, "usage": 0.0},
        ],
        "selfLink": self_link(&format!("projects/{project}/regions/{region}")),
        "supportsPzs": false,
    })
}

async fn get_region(call: ApiCall) -> Result<Value, ApiError> {
    let (project, region) = (call.path("project"), call.path("region"));
    require_project(&call.app, project)?;
    let zones = region_zones(region)
        .ok_or_else(|| ApiError::not_found(&format!("projects/{project}/regions/{region}")))?;
    Ok(region_resource(project, region, &zones))
}

async fn get_zone(call: ApiCall) -> Result<Value, ApiError> {
    let (project, zone) = (call.path("project"), call.path("zone"));
    require_project(&call.app, project)?;
    let region = region_of_zone(zone)
        .ok_or_else(|| ApiError::not_found(&format!("projects/{project}/zones/{zone}")))?;
    Ok(zone_resource(project, region, zone))
}

async fn list_zones(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project");
    require_project(&call.app, project)?;
    let params = ListParams::from_call(&call)?;
    let items: Vec<Value> = catalog::zones()
        .map(|(r, z)| zone_resource(project, r, &z))
        .collect();
    list_response(
        "compute#zoneList",
        &format!("projects/{project}/zones"),
        items,
        &params,
    )
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.regions.get", get_region)?;
    routes.add("compute.zones.get", get_zone)?;
    routes.add("compute.zones.list", list_zones)
}
