//! Memorystore for Redis v1: instances (create as a long-running operation,
//! get, list); `operations.get` is the shared google.longrunning one.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::aip;
use crate::clock::{now_ms, rfc3339};
use crate::error::{ApiError, EmulatorError};
use crate::ops::lro::{self, LroMutation};
use crate::ops::Effect;
use crate::router::{ApiCall, Registry};

const TYPE_PREFIX: &str = "type.googleapis.com/google.cloud.redis.v1.";

/// Memorystore's rule for instance IDs: 1-40 lowercase letters, digits and
/// hyphens, starting with a letter and ending with a letter or digit.
static INSTANCE_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$").ok());

fn parent(call: &ApiCall) -> Result<String, ApiError> {
    let project = call.path("projectsId");
    crate::compute::require_project(&call.app, project)?;
    Ok(format!(
        "projects/{project}/locations/{}",
        call.path("locationsId")
    ))
}

async fn create(call: ApiCall) -> Result<Value, ApiError> {
    let parent = parent(&call)?;
    let id = call.query_one("instanceId").unwrap_or_default();
    if !INSTANCE_ID.as_ref().is_some_and(|re| re.is_match(id)) {
        return Err(ApiError::bad_field(
            "instance_id",
            format!("Invalid instance_id \"{id}\": it must be 1 to 40 lowercase letters, numbers and hyphens, start with a letter and end with a letter or number."),
        ));
    }
    let mut instance = call.body_or_empty();
    for field in ["tier", "memorySizeGb"] {
        if instance.get(field).is_none() {
            return Err(ApiError::bad_field(
                field,
                format!("Field {field} is required."),
            ));
        }
    }
    let name = format!("{parent}/instances/{id}");
    let now = rfc3339(now_ms());
    let zone = format!("{}-a", call.path("locationsId"));
    for (field, default) in [
        ("locationId", json!(zone)),
        ("currentLocationId", json!(zone)),
        ("redisVersion", json!("REDIS_7_2")),
        (
            "authorizedNetwork",
            json!(format!(
                "projects/{}/global/networks/default",
                call.path("projectsId")
            )),
        ),
        ("connectMode", json!("DIRECT_PEERING")),
    ] {
        if instance.get(field).is_none() {
            instance[field] = default;
        }
    }
    instance["name"] = json!(name);
    instance["createTime"] = json!(now);
    instance["host"] = json!("10.0.0.3");
    instance["port"] = json!(6379);
    instance["state"] = json!("CREATING");
    aip::insert_new(
        &call,
        &name,
        instance.clone(),
        aip::already_exists(format!("Resource '{name}' already exists")),
    )?;
    instance["state"] = json!("READY");
    instance["@type"] = json!(format!("{TYPE_PREFIX}Instance"));
    lro::start(
        &call,
        LroMutation {
            parent,
            metadata: json!({
                "@type": format!("{TYPE_PREFIX}OperationMetadata"),
                "createTime": now,
                "target": name,
                "verb": "create",
                "apiVersion": "v1",
            }),
            response: instance,
            effects: vec![Effect::Merge {
                name,
                patch: json!({"state": "READY"}),
            }],
            failure: None,
        },
    )
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &call.resource_name())
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    let instances = aip::children(&call, &format!("{}/instances", parent(&call)?));
    aip::page(instances, "instances", &call)
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("redis.projects.locations.instances.create", create)?;
    routes.add("redis.projects.locations.instances.get", get)?;
    routes.add("redis.projects.locations.instances.list", list)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::TestServer;

    const INSTANCES: &str = "/v1/projects/p/locations/us-central1/instances";

    #[tokio::test]
    async fn instances_are_created_by_operation_found_and_refused_twice() {
        let s = TestServer::start().await;
        let body = json!({"tier": "STANDARD_HA", "memorySizeGb": 5});
        let create = format!("{INSTANCES}?instanceId=platform-redis");
        let (status, op) = s.send("POST", &create, Some(body.clone())).await;
        assert_eq!(status, 200, "{op}");
        let (status, polled) = s
            .send(
                "GET",
                &format!("/v1/{}", op["name"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(polled["done"], true);
        assert_eq!(polled["response"]["state"], "READY");
        let (status, got) = s
            .send("GET", &format!("{INSTANCES}/platform-redis"), None)
            .await;
        assert_eq!((status, got["state"].as_str()), (200, Some("READY")));
        assert_eq!(
            got["name"],
            "projects/p/locations/us-central1/instances/platform-redis"
        );
        let (status, err) = s.send("POST", &create, Some(body)).await;
        assert_eq!(status, 409);
        assert_eq!(err["error"]["status"], "ALREADY_EXISTS");
        let (_, listed) = s.send("GET", INSTANCES, None).await;
        assert_eq!(listed["instances"].as_array().map(Vec::len), Some(1));
        assert!(s
            .stored()
            .await
            .get("projects/p/locations/us-central1/instances/platform-redis")
            .is_some());
    }

    #[tokio::test]
    async fn missing_instances_are_404_and_bad_ids_rejected() {
        let s = TestServer::start().await;
        let (status, _) = s.send("GET", &format!("{INSTANCES}/nope"), None).await;
        assert_eq!(status, 404);
        for bad in ["Redis", "r-", "1r"] {
            let (status, _) = s
                .send(
                    "POST",
                    &format!("{INSTANCES}?instanceId={bad}"),
                    Some(json!({"tier": "BASIC", "memorySizeGb": 1})),
                )
                .await;
            assert_eq!(status, 400, "{bad}");
        }
    }
}
