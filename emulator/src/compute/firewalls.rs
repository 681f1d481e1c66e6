//! `compute.firewalls.*` (global): insert/get/list/patch/delete.

use serde_json::{json, Value};

use super::crud::{self, Collection};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

pub const FIREWALLS: Collection = Collection {
    plural: "firewalls",
    param: "firewall",
    kind: "compute#firewall",
    list_kind: "compute#firewallList",
};

fn check_cidr(field: &str, range: &str) -> Result<(), ApiError> {
    let valid = range.split_once('/').is_some_and(|(ip, len)| {
        let ip_ok = ip.parse::<std::net::IpAddr>().ok();
        let max = match ip_ok {
            Some(std::net::IpAddr::V4(_)) => 32,
            Some(std::net::IpAddr::V6(_)) => 128,
            None => return false,
        };
        len.parse::<u8>().is_ok_and(|l| l <= max)
    }) || range.parse::<std::net::IpAddr>().is_ok();
    if valid {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            field,
            format!("Invalid value for field '{field}': '{range}'. The CIDR range is invalid."),
        ))
    }
}

fn check_rules(body: &Value) -> Result<(), ApiError> {
    let allowed = body["allowed"].as_array().map_or(0, Vec::len);
    let denied = body["denied"].as_array().map_or(0, Vec::len);
    if (allowed == 0) == (denied == 0) {
        return Err(ApiError::invalid_argument(
            "Invalid value for field 'resource': ''. Exactly one of 'allowed' or 'denied' must be specified.",
        ));
    }
    for field in ["sourceRanges", "destinationRanges"] {
        for (i, r) in body[field]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            check_cidr(
                &format!("resource.{field}[{i}]"),
                r.as_str().unwrap_or_default(),
            )?;
        }
    }
    for (i, rule) in body["allowed"]
        .as_array()
        .or(body["denied"].as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let proto = rule["IPProtocol"].as_str().unwrap_or_default();
        if proto.is_empty() {
            return Err(ApiError::bad_field(
                format!("resource.allowed[{i}].IPProtocol"),
                format!("Invalid value for field 'resource.allowed[{i}].IPProtocol': ''. IPProtocol is required."),
            ));
        }
    }
    Ok(())
}

async fn insert(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    check_rules(&body)?;
    let project = call.path("project");
    let mut fw = body.clone();
    fw["network"] = crud::network_link(project, &body);
    let network = crud::relative(fw["network"].as_str().unwrap_or_default());
    call.app.store.read(|d| {
        super::networks::check_network(d, project, "resource.network", &network).map(|_| ())
    })?;
    if fw["direction"].is_null() {
        fw["direction"] = json!("INGRESS");
    }
    if fw["priority"].is_null() {
        fw["priority"] = json!(1000);
    }
    if fw["disabled"].is_null() {
        fw["disabled"] = json!(false);
    }
    if fw["direction"] == json!("INGRESS")
        && fw["sourceRanges"].is_null()
        && fw["sourceTags"].is_null()
        && fw["sourceServiceAccounts"].is_null()
    {
        // Google's default for an ingress rule with no source.
        fw["sourceRanges"] = json!(["0.0.0.0/0"]);
    }
    crud::insert(&call, &FIREWALLS, fw, Vec::new())
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    crud::get(&call, &FIREWALLS).await
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &FIREWALLS)
}

async fn patch(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    if body.get("allowed").is_some() || body.get("denied").is_some() {
        check_rules(&body)?;
    }
    crud::patch(&call, &FIREWALLS, body)
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    crud::delete(&call, &FIREWALLS, |_, _| None, Vec::new())
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.firewalls.insert", insert)?;
    routes.add("compute.firewalls.get", get)?;
    routes.add("compute.firewalls.list", list)?;
    routes.add("compute.firewalls.patch", patch)?;
    routes.add("compute.firewalls.delete", delete)
}
