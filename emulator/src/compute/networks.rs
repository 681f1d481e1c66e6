//! `compute.networks.*` (global) and `compute.subnetworks.*` (regional), and
//! the references other resources make to them: Compute rejects a VM or
//! firewall rule whose network does not exist, a VM in a custom-mode network
//! without a subnetwork, and deleting a network or subnetwork still in use.
//!
//! Every project has the `default` auto-mode network (as new projects do),
//! without it being stored, so resource listings stay what tests create. An
//! auto-mode network has one subnetwork per region, named after the network.

use serde_json::{json, Value};

use super::catalog::REGIONS;
use super::crud::{self, Collection};
use super::self_link;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};
use crate::store::Data;

pub const NETWORKS: Collection = Collection {
    plural: "networks",
    param: "network",
    kind: "compute#network",
    list_kind: "compute#networkList",
};

pub const SUBNETWORKS: Collection = Collection {
    plural: "subnetworks",
    param: "subnetwork",
    kind: "compute#subnetwork",
    list_kind: "compute#subnetworkList",
};

const DEFAULT_NETWORK: &str = "default";

/// The implicit `default` network of `project`.
fn default_network(project: &str) -> Value {
    let name = format!("projects/{project}/global/networks/{DEFAULT_NETWORK}");
    json!({
        "kind": NETWORKS.kind,
        "id": super::catalog::stable_id(&name),
        "name": DEFAULT_NETWORK,
        "description": "Default network for the project",
        "autoCreateSubnetworks": true,
        "routingConfig": {"routingMode": "REGIONAL"},
        "selfLink": self_link(&name),
        "subnetworks": auto_subnetworks(project, DEFAULT_NETWORK),
    })
}

fn auto_subnetworks(project: &str, network: &str) -> Vec<String> {
    REGIONS
        .iter()
        .map(|(region, _)| {
            self_link(&format!(
                "projects/{project}/regions/{region}/subnetworks/{network}"
            ))
        })
        .collect()
}

/// The stored (or implicit default) network with relative name `name`.
pub fn find_network(data: &Data, project: &str, name: &str) -> Option<Value> {
    data.resources.get(name).cloned().or_else(|| {
        (name == format!("projects/{project}/global/networks/{DEFAULT_NETWORK}"))
            .then(|| default_network(project))
    })
}

fn bad_reference(field: &str, url: &str, what: &str) -> ApiError {
    ApiError::bad_field(
        field,
        format!("Invalid value for field '{field}': '{url}'. The referenced {what} resource cannot be found."),
    )
}

/// Checks a `network` reference (relative name) made by a request field.
pub fn check_network(
    data: &Data,
    project: &str,
    field: &str,
    network: &str,
) -> Result<Value, ApiError> {
    find_network(data, project, network).ok_or_else(|| bad_reference(field, network, "network"))
}

/// Checks the subnetwork of a VM's interface in `project` and `region`: an existing one of
/// its network, or (none given) the auto-mode network's own; returns the
/// subnetwork's relative name.
pub fn check_subnetwork(
    data: &Data,
    project: &str,
    network: &Value,
    region: &str,
    field: &str,
    given: Option<&str>,
) -> Result<String, ApiError> {
    let network_link = network["selfLink"].as_str().unwrap_or_default();
    let network_name = network["name"].as_str().unwrap_or_default();
    let auto = network["autoCreateSubnetworks"].as_bool() == Some(true);
    let Some(given) = given else {
        if auto {
            return Ok(format!(
                "projects/{project}/regions/{region}/subnetworks/{network_name}"
            ));
        }
        return Err(ApiError::bad_field(
            field,
            format!("Invalid value for field '{field}': ''. Subnetwork should be specified for custom subnetmode network"),
        ));
    };
    let name = crud::relative(given);
    let name = if name.starts_with("projects/") {
        name
    } else {
        format!("projects/{project}/{}", name.trim_start_matches('/'))
    };
    let own_auto =
        auto && name == format!("projects/{project}/regions/{region}/subnetworks/{network_name}");
    let stored = data.resources.get(&name).is_some_and(|s| {
        crud::relative(s["network"].as_str().unwrap_or_default()) == crud::relative(network_link)
    });
    if own_auto || stored {
        Ok(name)
    } else {
        Err(bad_reference(
            &format!("{field}.subnetwork"),
            given,
            "subnetwork",
        ))
    }
}

async fn insert_network(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    crud::check_name("resource.name", &name)?;
    let project = call.path("project");
    let mut network = body.clone();
    let auto = body["autoCreateSubnetworks"].as_bool().unwrap_or(false);
    network["autoCreateSubnetworks"] = json!(auto);
    if network["routingConfig"].is_null() {
        network["routingConfig"] = json!({"routingMode": "REGIONAL"});
    }
    network["subnetworks"] = json!(if auto {
        auto_subnetworks(project, &name)
    } else {
        Vec::new()
    });
    crud::insert(&call, &NETWORKS, network, Vec::new())
}

async fn get_network(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project");
    if call.path("network") == DEFAULT_NETWORK {
        super::require_project(&call.app, project)?;
        return Ok(default_network(project));
    }
    crud::get(&call, &NETWORKS).await
}

async fn list_networks(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &NETWORKS)
}

/// The first resource still pointing at network `name` (VMs, firewall rules,
/// subnetworks), as Compute names it when refusing a delete.
fn network_user(data: &Data, name: &str) -> Option<String> {
    data.resources.iter().find_map(|(key, value)| {
        let refs = |v: &Value| crud::relative(v.as_str().unwrap_or_default()) == name;
        let uses = refs(&value["network"])
            || value["networkInterfaces"]
                .as_array()
                .is_some_and(|nics| nics.iter().any(|n| refs(&n["network"])));
        uses.then(|| key.clone())
    })
}

async fn delete_network(call: ApiCall) -> Result<Value, ApiError> {
    crud::delete(&call, &NETWORKS, network_user, Vec::new())
}

async fn insert_subnetwork(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    crud::check_name("resource.name", &name)?;
    let project = call.path("project");
    let network = crud::network_link(project, &body);
    let network_name = crud::relative(network.as_str().unwrap_or_default());
    call.app
        .store
        .read(|d| check_network(d, project, "resource.network", &network_name).map(|_| ()))?;
    let range = body["ipCidrRange"].as_str().unwrap_or_default();
    let valid = range.split_once('/').is_some_and(|(ip, len)| {
        ip.parse::<std::net::Ipv4Addr>().is_ok()
            && len.parse::<u8>().is_ok_and(|l| (8..=29).contains(&l))
    });
    if !valid {
        return Err(ApiError::bad_field(
            "resource.ipCidrRange",
            format!("Invalid value for field 'resource.ipCidrRange': '{range}'. Invalid IPCidrRange: {range}."),
        ));
    }
    let mut subnet = body.clone();
    subnet["network"] = network;
    subnet["region"] = json!(self_link(&format!(
        "projects/{project}/regions/{}",
        call.path("region")
    )));
    subnet["gatewayAddress"] = json!(gateway(range));
    subnet["fingerprint"] = json!(crud::fingerprint(&body));
    crud::insert(&call, &SUBNETWORKS, subnet, Vec::new())
}

/// The first usable address of an IPv4 range, which Google reserves for the gateway.
fn gateway(range: &str) -> String {
    let ip = range
        .split_once('/')
        .and_then(|(ip, _)| ip.parse::<std::net::Ipv4Addr>().ok())
        .map_or(0, u32::from);
    std::net::Ipv4Addr::from(ip.wrapping_add(1)).to_string()
}

async fn get_subnetwork(call: ApiCall) -> Result<Value, ApiError> {
    crud::get(&call, &SUBNETWORKS).await
}

async fn list_subnetworks(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &SUBNETWORKS)
}

fn subnetwork_user(data: &Data, name: &str) -> Option<String> {
    data.resources.iter().find_map(|(key, value)| {
        let uses = value["networkInterfaces"].as_array().is_some_and(|nics| {
            nics.iter()
                .any(|n| crud::relative(n["subnetwork"].as_str().unwrap_or_default()) == name)
        });
        uses.then(|| key.clone())
    })
}

async fn delete_subnetwork(call: ApiCall) -> Result<Value, ApiError> {
    crud::delete(&call, &SUBNETWORKS, subnetwork_user, Vec::new())
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.networks.insert", insert_network)?;
    routes.add("compute.networks.get", get_network)?;
    routes.add("compute.networks.list", list_networks)?;
    routes.add("compute.networks.delete", delete_network)?;
    routes.add("compute.subnetworks.insert", insert_subnetwork)?;
    routes.add("compute.subnetworks.get", get_subnetwork)?;
    routes.add("compute.subnetworks.list", list_subnetworks)?;
    routes.add("compute.subnetworks.delete", delete_subnetwork)
}
