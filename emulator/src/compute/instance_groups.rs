//! `compute.instanceGroups.*` (unmanaged, zonal): insert/get/list/delete,
//! addInstances/removeInstances/listInstances and setNamedPorts.
//!
//! Membership is stored beside the group as `{group}/members`, an object
//! `{instance name: instance URL}`, so concurrent add/remove operations merge
//! instead of overwriting each other.

use serde_json::{json, Map, Value};

use super::crud::{self, Collection};
use super::self_link;
use crate::error::{ApiError, EmulatorError};
use crate::ops::Effect;
use crate::router::{ApiCall, Registry};
use crate::store::Data;

pub const GROUPS: Collection = Collection {
    plural: "instanceGroups",
    param: "instanceGroup",
    kind: "compute#instanceGroup",
    list_kind: "compute#instanceGroupList",
};

fn members_key(group: &str) -> String {
    format!("{group}/members")
}

/// `{instance name: URL}` of a group (relative group name). An instance that
/// no longer exists (e.g. its insert failed after it joined) is no member:
/// unmanaged groups drop instances that stop existing.
pub fn group_members(data: &Data, group: &str) -> Map<String, Value> {
    let mut members = data
        .resources
        .get(&members_key(group))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    members.retain(|_, url| {
        data.resources
            .contains_key(&crud::relative(url.as_str().unwrap_or_default()))
    });
    members
}

/// Forgets `instance` (short name) in every group of `zone_parent`
/// (`projects/P/zones/Z`) while no such instance exists, so a new instance
/// of that name does not inherit the membership of a failed one.
pub fn forget_dangling(data: &mut Data, zone_parent: &str, instance: &str) {
    if data
        .resources
        .contains_key(&format!("{zone_parent}/instances/{instance}"))
    {
        return;
    }
    let prefix = format!("{zone_parent}/instanceGroups/");
    let keys: Vec<String> = data
        .resources
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .filter(|(k, v)| k.ends_with("/members") && v.get(instance).is_some())
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        if let Some(Value::Object(m)) = data.resources.get_mut(&key) {
            m.remove(instance);
        }
    }
}

/// The group as Google shows it: `size` counts the current members.
fn present(data: &Data, mut group: Value) -> Value {
    let name = crud::relative(group["selfLink"].as_str().unwrap_or_default());
    group["size"] = json!(group_members(data, &name).len());
    group
}

async fn insert(call: ApiCall) -> Result<Value, ApiError> {
    let body = call.body_or_empty();
    let project = call.path("project");
    let mut resource = body.clone();
    resource["network"] = crud::network_link(project, &body);
    let ports = body["namedPorts"].clone();
    let ports = if ports.is_array() { ports } else { json!([]) };
    resource["fingerprint"] = json!(crud::fingerprint(&ports));
    resource["namedPorts"] = ports;
    let key = format!(
        "{}/instanceGroups/{}",
        GROUPS.parent(&call).0,
        body["name"].as_str().unwrap_or_default()
    );
    crud::insert(
        &call,
        &GROUPS,
        resource,
        vec![Effect::Put {
            name: members_key(&key),
            value: json!({}),
        }],
    )
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let group = crud::get(&call, &GROUPS).await?;
    Ok(call.app.store.read(|d| present(d, group)))
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    let mut page = crud::list(&call, &GROUPS)?;
    if let Some(items) = page.get_mut("items").and_then(Value::as_array_mut) {
        call.app.store.read(|d| {
            for item in items.iter_mut() {
                *item = present(d, item.take());
            }
        });
    }
    Ok(page)
}

/// The backend service that refers to `group`, if any.
pub fn used_by_backend_service(data: &Data, group: &str) -> Option<String> {
    data.resources.iter().find_map(|(key, value)| {
        let is_bs = key.contains("/backendServices/") && !key.ends_with("/members");
        let uses = value["backends"].as_array().is_some_and(|bs| {
            bs.iter()
                .any(|b| crud::relative(b["group"].as_str().unwrap_or_default()) == group)
        });
        (is_bs && uses).then(|| key.clone())
    })
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    let key = GROUPS.member(&call);
    crud::delete(
        &call,
        &GROUPS,
        used_by_backend_service,
        vec![Effect::Delete {
            name: members_key(&key),
        }],
    )
}

/// Instance names named by a request's `instances[].instance`, each checked to
/// be in the group's zone.
fn requested_instances(call: &ApiCall) -> Result<Vec<(String, String)>, ApiError> {
    let zone_prefix = format!("{}/instances/", GROUPS.parent(call).0);
    let body = call.body_or_empty();
    let mut out = Vec::new();
    for (i, item) in body["instances"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let url = item["instance"].as_str().unwrap_or_default();
        let rel = crud::relative(url);
        let Some(short) = rel.strip_prefix(&zone_prefix) else {
            return Err(ApiError::bad_field(
                format!("instances[{i}].instance"),
                format!("Invalid value for field 'instances[{i}].instance': '{url}'. The instance must be in the zone of the instance group."),
            ));
        };
        out.push((short.to_string(), rel.clone()));
    }
    Ok(out)
}

async fn add_instances(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &GROUPS, |group_name, group| {
        let wanted = requested_instances(&call)?;
        let mut patch = Map::new();
        call.app.store.read(|d| {
            let current = group_members(d, &group_name);
            for (short, rel) in &wanted {
                if !d.resources.contains_key(rel) {
                    return Err(ApiError::not_found(rel));
                }
                if current.contains_key(short) {
                    return Err(ApiError::new(
                        axum::http::StatusCode::BAD_REQUEST,
                        "memberAlreadyExists",
                        format!("The resource '{rel}' is already a member of '{group_name}'"),
                    ));
                }
                patch.insert(short.clone(), json!(self_link(rel)));
            }
            Ok(())
        })?;
        crud::merge(
            &call,
            &GROUPS,
            &group,
            "compute.instanceGroups.addInstances",
            members_key(&group_name),
            Value::Object(patch),
        )
    })
}

async fn remove_instances(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &GROUPS, |group_name, group| {
        let patch: Map<String, Value> = requested_instances(&call)?
            .into_iter()
            .map(|(short, _)| (short, Value::Null))
            .collect();
        crud::merge(
            &call,
            &GROUPS,
            &group,
            "compute.instanceGroups.removeInstances",
            members_key(&group_name),
            Value::Object(patch),
        )
    })
}

async fn list_instances(call: ApiCall) -> Result<Value, ApiError> {
    let group_name = GROUPS.member(&call);
    let group = crud::load(&call, &group_name)?;
    let running_only = call.body_or_empty()["instanceState"] == json!("RUNNING");
    let items: Vec<Value> = call.app.store.read(|d| {
        group_members(d, &group_name)
            .values()
            .filter_map(|url| {
                let rel = crud::relative(url.as_str().unwrap_or_default());
                let status = d.resources.get(&rel)?["status"].as_str()?.to_string();
                (!running_only || status == "RUNNING").then(|| {
                    json!({"instance": url, "status": status, "namedPorts": group["namedPorts"]})
                })
            })
            .collect()
    });
    let params = super::list::ListParams::from_call(&call)?;
    let mut page = super::list::list_response(
        "compute#instanceGroupsListInstances",
        &format!("{group_name}/listInstances"),
        items,
        &params,
    )?;
    // Members have no `name`; keep Google's order (by instance URL).
    if let Some(items) = page.get_mut("items").and_then(Value::as_array_mut) {
        items.sort_by(|a, b| a["instance"].as_str().cmp(&b["instance"].as_str()));
    }
    Ok(page)
}

async fn set_named_ports(call: ApiCall) -> Result<Value, ApiError> {
    let patch = |body: &Value, _: &Value| {
        let ports = body["namedPorts"]
            .as_array()
            .map_or(json!([]), |p| json!(p));
        json!({"namedPorts": ports, "fingerprint": crud::fingerprint(&ports)})
    };
    crud::guarded_set(
        &call,
        &GROUPS,
        "compute.instanceGroups.setNamedPorts",
        "fingerprint",
        "/fingerprint",
        patch,
    )
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.instanceGroups.insert", insert)?;
    routes.add("compute.instanceGroups.get", get)?;
    routes.add("compute.instanceGroups.list", list)?;
    routes.add("compute.instanceGroups.delete", delete)?;
    routes.add("compute.instanceGroups.addInstances", add_instances)?;
    routes.add("compute.instanceGroups.removeInstances", remove_instances)?;
    routes.add("compute.instanceGroups.listInstances", list_instances)?;
    routes.add("compute.instanceGroups.setNamedPorts", set_named_ports)
}
