//! `compute.instances.*`: insert/get/list/aggregatedList/delete, setLabels,
//! setMetadata, stop and start.
//!
//! As on Google, an instance is visible as soon as its insert is accepted:
//! PROVISIONING, STAGING while the operation runs, RUNNING when it is done.
//! A failed insert (e.g. an injected `ZONE_RESOURCE_POOL_EXHAUSTED`
//! operation fault on `/zones/ZONE/instances`) removes it again.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::crud::{self, Collection};
use super::networks;
use super::{images, machine_types, self_link};
use crate::error::{ApiError, EmulatorError};
use crate::ops::Effect;
use crate::router::{ApiCall, Registry};

pub const INSTANCES: Collection = Collection {
    plural: "instances",
    param: "instance",
    kind: "compute#instance",
    list_kind: "compute#instanceList",
};

const DISK_TYPES: &[&str] = &[
    "pd-standard",
    "pd-balanced",
    "pd-ssd",
    "pd-extreme",
    "hyperdisk-balanced",
];

fn bad(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::bad_field(
        field,
        format!("Invalid value for field '{field}': '{value}'. {why}"),
    )
}

fn hash_bytes(text: &str) -> [u8; 4] {
    let d = Sha256::digest(text.as_bytes());
    [d[0], d[1], d[2], d[3]]
}

/// The last path segment of a full or partial URL.
fn last_segment(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

fn check_machine_type(zone: &str, body: &Value) -> Result<String, ApiError> {
    let given = body["machineType"].as_str().unwrap_or_default();
    let field = "resource.machineType";
    if given.is_empty() {
        return Err(bad(field, given, "Machine type is required."));
    }
    let rel = crud::relative(given);
    let expected_prefix = format!("zones/{zone}/machineTypes/");
    if !rel.contains(&expected_prefix) && given.contains('/') {
        return Err(bad(
            field,
            given,
            &format!("Machine type must be in zone '{zone}'."),
        ));
    }
    let name = last_segment(given);
    if !machine_types::exists(zone, name) {
        return Err(bad(
            field,
            given,
            &format!("Machine type with name '{name}' does not exist in zone '{zone}'."),
        ));
    }
    Ok(name.to_string())
}

/// Validates the boot disk and fills what Google fills (source, type URL, names).
fn disks(project: &str, zone: &str, name: &str, body: &Value) -> Result<Vec<Value>, ApiError> {
    let given = body["disks"].as_array().cloned().unwrap_or_default();
    if given.iter().filter(|d| d["boot"] == json!(true)).count() != 1 {
        return Err(ApiError::invalid_argument(
            "Invalid value for field 'resource.disks': ''. Exactly one boot disk must be specified.",
        ));
    }
    let mut out = Vec::new();
    for (i, disk) in given.into_iter().enumerate() {
        let mut disk = disk;
        let params = disk["initializeParams"].clone();
        let field = format!("resource.disks[{i}].initializeParams.sourceImage");
        let source = params["sourceImage"].as_str().unwrap_or_default();
        if disk["boot"] == json!(true) {
            let image = images::resolve(source).ok_or_else(|| {
                bad(
                    &field,
                    source,
                    "The referenced image resource cannot be found.",
                )
            })?;
            disk["licenses"] = json!([image]);
        }
        // N2 and most families boot from pd-standard unless told otherwise.
        let dtype = params["diskType"].as_str().unwrap_or("pd-standard");
        let dname = last_segment(dtype);
        if !DISK_TYPES.contains(&dname) {
            return Err(bad(
                &format!("resource.disks[{i}].initializeParams.diskType"),
                dtype,
                "The referenced diskType resource cannot be found.",
            ));
        }
        let disk_name = params["diskName"].as_str().map_or_else(
            || {
                if i == 0 {
                    name.to_string()
                } else {
                    format!("{name}-{i}")
                }
            },
            str::to_string,
        );
        let size = params["diskSizeGb"]
            .as_str()
            .map(str::to_string)
            .or_else(|| params["diskSizeGb"].as_i64().map(|n| n.to_string()))
            .unwrap_or_else(|| "10".into());
        let size_num: i64 = size.parse().unwrap_or(0);
        if size_num < 10 {
            return Err(bad(
                &format!("resource.disks[{i}].initializeParams.diskSizeGb"),
                &size,
                "Requested disk size cannot be smaller than the image size (10 GB).",
            ));
        }
        disk["initializeParams"]["diskType"] = json!(self_link(&format!(
            "projects/{project}/zones/{zone}/diskTypes/{dname}"
        )));
        disk["initializeParams"]["diskSizeGb"] = json!(size);
        disk["kind"] = json!("compute#attachedDisk");
        disk["type"] = json!("PERSISTENT");
        disk["mode"] = json!("READ_WRITE");
        disk["index"] = json!(i);
        disk["deviceName"] = json!(disk["deviceName"].as_str().unwrap_or(&disk_name));
        disk["diskSizeGb"] = json!(size);
        disk["autoDelete"] = json!(disk["autoDelete"].as_bool().unwrap_or(false));
        disk["source"] = json!(self_link(&format!(
            "projects/{project}/zones/{zone}/disks/{disk_name}"
        )));
        out.push(disk);
    }
    Ok(out)
}

/// Checks every interface's network and subnetwork as Compute does and fills
/// them in as full links; allocates the internal (and external) address.
fn network_interfaces(
    data: &crate::store::Data,
    project: &str,
    zone: &str,
    name: &str,
    body: &Value,
) -> Result<Vec<Value>, ApiError> {
    let mut given = body["networkInterfaces"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if given.is_empty() {
        given.push(json!({}));
    }
    let region = zone.rsplit_once('-').map_or(zone, |(r, _)| r);
    given
        .into_iter()
        .enumerate()
        .map(|(i, mut nic)| {
            let h = hash_bytes(&format!("{project}/{zone}/{name}/{i}"));
            let field = format!("resource.networkInterfaces[{i}]");
            let network_link = crud::network_link(project, &nic);
            let network = networks::check_network(
                data,
                project,
                &format!("{field}.network"),
                &crud::relative(network_link.as_str().unwrap_or_default()),
            )?;
            let subnet = networks::check_subnetwork(
                data,
                project,
                &network,
                region,
                &field,
                nic["subnetwork"].as_str(),
            )?;
            nic["network"] = network_link;
            nic["subnetwork"] = json!(self_link(&subnet));
            nic["kind"] = json!("compute#networkInterface");
            nic["name"] = json!(format!("nic{i}"));
            nic["networkIP"] = json!(format!("10.128.{}.{}", h[0], h[1].max(2)));
            if let Some(configs) = nic.get_mut("accessConfigs").and_then(Value::as_array_mut) {
                for ac in configs {
                    ac["kind"] = json!("compute#accessConfig");
                    ac["type"] = json!(ac["type"].as_str().unwrap_or("ONE_TO_ONE_NAT"));
                    ac["name"] = json!(ac["name"].as_str().unwrap_or("External NAT"));
                    ac["networkTier"] = json!("PREMIUM");
                    if ac["natIP"].is_null() {
                        ac["natIP"] =
                            json!(format!("34.{}.{}.{}", 64 + h[2] % 64, h[3], h[0].max(1)));
                    }
                }
            }
            Ok(nic)
        })
        .collect()
}

fn labels_of(body: &Value) -> Value {
    body.get("labels")
        .cloned()
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({}))
}

fn metadata_of(items: Value) -> Value {
    json!({"kind": "compute#metadata", "fingerprint": crud::fingerprint(&items), "items": items})
}

async fn insert(call: ApiCall) -> Result<Value, ApiError> {
    if let Some(op) = crud::replay(&call) {
        return Ok(op);
    }
    let project = call.path("project").to_string();
    let zone = call.path("zone").to_string();
    if super::catalog::region_of_zone(&zone).is_none() {
        return Err(ApiError::not_found(&format!(
            "projects/{project}/zones/{zone}"
        )));
    }
    let body = call.body_or_empty();
    let name = body["name"].as_str().unwrap_or_default().to_string();
    crud::check_name("resource.name", &name)?;
    let machine = check_machine_type(&zone, &body)?;
    let zone_parent = format!("projects/{project}/zones/{zone}");
    call.app.store.mutate(|d| {
        super::instance_groups::forget_dangling(d, &zone_parent, &name);
        Ok(())
    })?;
    let mut resource = body.clone();
    resource["machineType"] = json!(self_link(&format!(
        "projects/{project}/zones/{zone}/machineTypes/{machine}"
    )));
    resource["disks"] = json!(disks(&project, &zone, &name, &body)?);
    let nics = call
        .app
        .store
        .read(|d| network_interfaces(d, &project, &zone, &name, &body))?;
    resource["networkInterfaces"] = json!(nics);
    let labels = labels_of(&body);
    resource["labelFingerprint"] = json!(crud::fingerprint(&labels));
    resource["labels"] = labels;
    resource["metadata"] = metadata_of(
        body["metadata"]["items"]
            .clone()
            .as_array()
            .map_or(json!([]), |a| json!(a)),
    );
    let tags = body["tags"]["items"].clone();
    let tags = if tags.is_array() { tags } else { json!([]) };
    resource["tags"] = json!({"items": tags, "fingerprint": crud::fingerprint(&tags)});
    resource["cpuPlatform"] = json!("Intel Cascade Lake");
    resource["canIpForward"] = json!(body["canIpForward"].as_bool().unwrap_or(false));
    resource["deletionProtection"] = json!(body["deletionProtection"].as_bool().unwrap_or(false));
    resource["scheduling"] = body
        .get("scheduling")
        .cloned()
        .unwrap_or_else(|| json!({"onHostMaintenance": "MIGRATE", "automaticRestart": true, "preemptible": false, "provisioningModel": "STANDARD"}));
    resource["startRestricted"] = json!(false);
    crud::insert_provisioned(
        &call,
        &INSTANCES,
        resource,
        crud::Provisioning {
            initial: "PROVISIONING",
            started: "STAGING",
            done: "RUNNING",
        },
    )
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    crud::get(&call, &INSTANCES).await
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    crud::list(&call, &INSTANCES)
}

async fn aggregated_list(call: ApiCall) -> Result<Value, ApiError> {
    crud::aggregated_list(&call, &INSTANCES, "compute#instanceAggregatedList")
}

/// Marks the instance STOPPING at once (as Google shows during shutdown).
fn mark_stopping(call: &ApiCall, name: &str) -> Result<(), ApiError> {
    call.app.store.mutate(|d| {
        if let Some(i) = d.resources.get_mut(name) {
            i["status"] = json!("STOPPING");
        }
        Ok(())
    })
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &INSTANCES, |name, current| {
        if current["deletionProtection"] == json!(true) {
            return Err(ApiError::invalid_argument(format!(
            "Invalid resource usage: 'Resource cannot be deleted if it's protected against deletion.'. {name}"
        )));
        }
        // Unmanaged groups drop a deleted member.
        let short = call.path("instance").to_string();
        let group_prefix = format!("{}/instanceGroups/", INSTANCES.parent(&call).0);
        let extra: Vec<Effect> = call.app.store.read(|d| {
            d.resources
                .range(group_prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&group_prefix))
                .filter(|(k, v)| k.ends_with("/members") && v.get(&short).is_some())
                .map(|(k, _)| Effect::Merge {
                    name: k.clone(),
                    patch: json!({ short.clone(): null }),
                })
                .collect()
        });
        let op = crud::delete(&call, &INSTANCES, |_, _| None, extra)?;
        mark_stopping(&call, &name)?;
        Ok(op)
    })
}

async fn set_labels(call: ApiCall) -> Result<Value, ApiError> {
    let patch = |body: &Value, current: &Value| {
        let labels = labels_of(body);
        // Merge-patch semantics need explicit nulls for removed keys.
        let mut patch_labels: Map<String, Value> = current["labels"]
            .as_object()
            .map(|m| m.keys().map(|k| (k.clone(), Value::Null)).collect())
            .unwrap_or_default();
        if let Some(new) = labels.as_object() {
            patch_labels.extend(new.clone());
        }
        json!({"labels": patch_labels, "labelFingerprint": crud::fingerprint(&labels)})
    };
    crud::guarded_set(
        &call,
        &INSTANCES,
        "setLabels",
        "labelFingerprint",
        "/labelFingerprint",
        patch,
    )
}

async fn set_metadata(call: ApiCall) -> Result<Value, ApiError> {
    let patch = |body: &Value, _: &Value| {
        let items = body["items"].as_array().map_or(json!([]), |a| json!(a));
        json!({"metadata": metadata_of(items)})
    };
    crud::guarded_set(
        &call,
        &INSTANCES,
        "setMetadata",
        "fingerprint",
        "/metadata/fingerprint",
        patch,
    )
}

async fn stop(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &INSTANCES, |name, current| {
        let op = crud::merge(
            &call,
            &INSTANCES,
            &current,
            "stop",
            name.clone(),
            json!({"status": "TERMINATED"}),
        )?;
        mark_stopping(&call, &name)?;
        Ok(op)
    })
}

async fn start(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &INSTANCES, |name, current| {
        crud::merge(
            &call,
            &INSTANCES,
            &current,
            "start",
            name,
            json!({"status": "RUNNING"}),
        )
    })
}

/// Compute changes the machine type of a stopped instance only.
async fn set_machine_type(call: ApiCall) -> Result<Value, ApiError> {
    crud::on_member(&call, &INSTANCES, |name, current| {
        if current["status"] != json!("TERMINATED") {
            return Err(ApiError::bad_field(
                "instance",
                format!("The resource '{name}' is not ready: the instance must be stopped to change its machine type."),
            ));
        }
        let zone = call.path("zone").to_string();
        let machine = check_machine_type(&zone, &call.body_or_empty())?;
        let link = self_link(&format!(
            "projects/{}/zones/{zone}/machineTypes/{machine}",
            call.path("project")
        ));
        crud::merge(
            &call,
            &INSTANCES,
            &current,
            "setMachineType",
            name,
            json!({ "machineType": link }),
        )
    })
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("compute.instances.setMachineType", set_machine_type)?;
    routes.add("compute.instances.insert", insert)?;
    routes.add("compute.instances.get", get)?;
    routes.add("compute.instances.list", list)?;
    routes.add("compute.instances.aggregatedList", aggregated_list)?;
    routes.add("compute.instances.delete", delete)?;
    routes.add("compute.instances.setLabels", set_labels)?;
    routes.add("compute.instances.setMetadata", set_metadata)?;
    routes.add("compute.instances.stop", stop)?;
    routes.add("compute.instances.start", start)
}
