//! `compute.backendServices.*` (global): insert/get/list/patch/delete and
//! getHealth.
//!
//! Health: a member is HEALTHY when its instance is RUNNING, unless a fault
//! with method `HEALTH` matches the instance's path
//! (`/compute/v1/projects/P/zones/Z/instances/NAME`), which keeps it UNHEALTHY —
//! how tests simulate a node whose server never comes up.

use serde_json::{json, Value};

use super::crud::{self, Collection};
use super::instance_groups::group_members;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};
use crate::store::Data;

pub const BACKEND_SERVICES: Collection = Collection {
    plural: "backendServices",
    param: "backendService",
    kind: "compute#backendService",
    list_kind: "compute#backendServiceList",
};

/// The pseudo HTTP method health faults are registered under.
pub const HEALTH_FAULT_METHOD: &str = "HEALTH";

/// Referenced health checks and groups must exist.
fn check_references(data: &Data, body: &Value) -> Result<(), ApiError> {
    for (i, hc) in body["healthChecks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let rel = crud::relative(hc.as_str().unwrap_or_default());
        if !data.resources.contains_key(&rel) {
            return Err(ApiError::bad_field(
                format!("resource.healthChecks[{i}]"),
                format!("The resource '{rel}' was not found"),
            ));
        }
    }
    for (i, b) in body["backends"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let rel = crud::relative(b["group"].as_str().unwrap_or_default());
        if !data.resources.contains_key(&rel) {
            return Err(ApiError::bad_field(
                format!("resource.backends[{i}].group"),
                format!("The resource '{rel}' was not found"),
            ));
        }
    }
    Ok(())
}

fn with_defaults(mut bs: Value) -> Value {
    let defaults = [
        ("protocol", json!("HTTP")),
        ("timeoutSec", json!(30)),
        ("loadBalancingScheme", json!("EXTERNAL")),
        ("sessionAffinity", json!("NONE")),
        ("connectionDraining", json!({"drainingTimeoutSec": 300})),
    ];
    for (field, value) in defaults {
        if bs[field].is_null() {
            bs[field] = value;
        }
    }
    if bs["portName"].is_null() && bs["port"].is_null() {
        bs["portName"] = json!("http");
    }
    if let Some(backends) = bs.get_mut("backends").and_then(Value::as_array_mut) {
        for b in backends {
            if b["balancingMode"].is_null() {
                b["balancingMode"] = json!("UTILIZATION");
            }
            if b["capacityScaler"].is_null() {
                b["capacityScaler"] = json!(1.0);
            }
        }
    }
    bs["fingerprint"] = json!(crud::fingerprint(&bs));
    bs
}

async fn insert(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    call.app.store.read(|d| check_references(d, &body))?;
    crud::insert(&call, &BACKEND_SERVICES, with_defaults(body), Vec::new())
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    crud::get(&call, &BACKEND_SERVICES).await
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &BACKEND_SERVICES)
}

async fn patch(call: ApiCall) -> Result<Value, ApiError> {
    let mut body = call.body_or_empty();
    call.app.store.read(|d| check_references(d, &body))?;
    let current = crud::load(&call, &BACKEND_SERVICES.member(&call))?;
    crud::check_fingerprint(
        body["fingerprint"].as_str(),
        current["fingerprint"].as_str().unwrap_or_default(),
    )?;
    let mut merged = current.clone();
    crate::store::merge(&mut merged, body.clone());
    body["fingerprint"] = json!(crud::fingerprint(&merged));
    crud::patch(&call, &BACKEND_SERVICES, body)
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    crud::delete(&call, &BACKEND_SERVICES, |_, _| None, Vec::new())
}

async fn get_health(call: ApiCall) -> Result<Value, ApiError> {
    let name = BACKEND_SERVICES.member(&call);
    let service = crud::load(&call, &name)?;
    let group_url = call.body_or_empty()["group"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let group = crud::relative(&group_url);
    let is_backend = service["backends"].as_array().is_some_and(|bs| {
        bs.iter()
            .any(|b| crud::relative(b["group"].as_str().unwrap_or_default()) == group)
    });
    if !is_backend {
        return Err(ApiError::bad_field(
            "resource.group",
            format!("Invalid value for field 'resource.group': '{group_url}'. Not a backend of '{name}'."),
        ));
    }
    let port_name = service["portName"].as_str().unwrap_or_default().to_string();
    let (members, group_resource) = call.app.store.read(|d| {
        let members: Vec<(String, Value)> = group_members(d, &group)
            .values()
            .filter_map(|url| {
                let rel = crud::relative(url.as_str().unwrap_or_default());
                d.resources.get(&rel).map(|i| (rel, i.clone()))
            })
            .collect();
        (
            members,
            d.resources.get(&group).cloned().unwrap_or_default(),
        )
    });
    let port = group_resource["namedPorts"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"].as_str() == Some(&port_name)))
        .and_then(|p| p["port"].as_i64())
        .or_else(|| service["port"].as_i64())
        .unwrap_or(80);
    let statuses: Vec<Value> = members
        .into_iter()
        .map(|(rel, instance)| {
            let faulted = call
                .app
                .faults
                .http_fault(HEALTH_FAULT_METHOD, &format!("/compute/v1/{rel}"))
                .is_some();
            let healthy = instance["status"] == json!("RUNNING") && !faulted;
            json!({
                "instance": instance["selfLink"],
                "ipAddress": instance["networkInterfaces"][0]["networkIP"],
                "port": port,
                "healthState": if healthy { "HEALTHY" } else { "UNHEALTHY" },
            })
        })
        .collect();
    let mut out = json!({"kind": "compute#backendServiceGroupHealth"});
    if !statuses.is_empty() {
        out["healthStatus"] = json!(statuses);
    }
    Ok(out)
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.backendServices.insert", insert)?;
    routes.add("compute.backendServices.get", get)?;
    routes.add("compute.backendServices.list", list)?;
    routes.add("compute.backendServices.patch", patch)?;
    routes.add("compute.backendServices.delete", delete)?;
    routes.add("compute.backendServices.getHealth", get_health)
}
