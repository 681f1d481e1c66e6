//! Cloud SQL Admin v1beta4: instances and their databases (insert, get, list)
//! and the `sql#operation`s their inserts return. Operations are stored as
//! long-running ones (same timeline and settling) and rendered in Cloud SQL's shape.

use std::sync::LazyLock;

use axum::http::StatusCode;
use regex::Regex;
use serde_json::{json, Value};

use crate::aip;
use crate::clock::{now_ms, rfc3339};
use crate::error::{ApiError, EmulatorError};
use crate::ops::lro::{self, LroMutation};
use crate::ops::{Effect, Lro};
use crate::router::{ApiCall, Registry};

const SELF_LINK_BASE: &str = "https://sqladmin.googleapis.com/sql/v1beta4/";

/// Cloud SQL's rule for instance IDs: lowercase letters, digits and hyphens,
/// starting with a letter, not ending with a hyphen.
static INSTANCE_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z]([a-z0-9-]{0,96}[a-z0-9])?$").ok());

fn instance_name(project: &str, instance: &str) -> String {
    format!("projects/{project}/instances/{instance}")
}

fn instance_missing() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "instanceDoesNotExist",
        "The Cloud SQL instance does not exist.",
    )
}

fn require_instance(call: &ApiCall, name: &str) -> Result<Value, ApiError> {
    aip::get(call, name).map_err(|_| instance_missing())
}

/// A `sql#operation` for `target` (relative name) in `project`.
fn start(
    call: &ApiCall,
    project: &str,
    operation_type: &str,
    target: &str,
    effects: Vec<Effect>,
) -> Result<Value, ApiError> {
    let id = target.rsplit('/').next().unwrap_or(target);
    let fixed = json!({
        "kind": "sql#operation",
        "operationType": operation_type,
        "targetLink": format!("{SELF_LINK_BASE}{}", instance_name(project, id)),
        "targetId": id,
        "targetProject": project,
        "user": call.principal,
    });
    let op = lro::start_stored(
        call,
        LroMutation {
            parent: format!("projects/{project}"),
            metadata: fixed,
            response: Value::Null,
            effects,
            failure: None,
        },
    )?;
    Ok(render(&op, now_ms()))
}

fn render(op: &Lro, now: i64) -> Value {
    let mut out = op.metadata.clone();
    out["name"] = json!(op.name.rsplit('/').next().unwrap_or(&op.name));
    out["selfLink"] = json!(format!("{SELF_LINK_BASE}{}", op.name));
    if op.timeline.stamp(&mut out, now) == "DONE" {
        if let Some(failure) = &op.error {
            out["error"] = json!({"kind": "sql#operationErrors", "errors": [
                {"kind": "sql#operationError", "code": failure.code, "message": failure.message}
            ]});
        }
    }
    out
}

async fn get_operation(call: ApiCall) -> Result<Value, ApiError> {
    let key = format!(
        "projects/{}/operations/{}",
        call.path("project"),
        call.path("operation")
    );
    let now = now_ms();
    call.app
        .store
        .read(|d| d.lros.get(&key).map(|op| render(op, now)))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "operationDoesNotExist",
                "The Cloud SQL operation does not exist.",
            )
        })
}

async fn insert_instance(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project").to_string();
    crate::compute::require_project(&call.app, &project)?;
    let mut instance = call.body_or_empty();
    let id = instance
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if !INSTANCE_ID.as_ref().is_some_and(|re| re.is_match(&id)) {
        return Err(ApiError::bad_field(
            "name",
            format!("Invalid request: instance name ({id})."),
        ));
    }
    if instance.pointer("/settings/tier").is_none() {
        return Err(ApiError::bad_field(
            "settings.tier",
            "Invalid request: Tier is required.",
        ));
    }
    let name = instance_name(&project, &id);
    let region = instance
        .get("region")
        .and_then(Value::as_str)
        .unwrap_or("us-central1")
        .to_string();
    let replica = instance.get("masterInstanceName").is_some();
    for (field, value) in [
        ("kind", json!("sql#instance")),
        ("project", json!(project)),
        ("region", json!(region)),
        ("gceZone", json!(format!("{region}-a"))),
        ("connectionName", json!(format!("{project}:{region}:{id}"))),
        ("selfLink", json!(format!("{SELF_LINK_BASE}{name}"))),
        ("backendType", json!("SECOND_GEN")),
        (
            "instanceType",
            json!(if replica {
                "READ_REPLICA_INSTANCE"
            } else {
                "CLOUD_SQL_INSTANCE"
            }),
        ),
        ("createTime", json!(rfc3339(now_ms()))),
        ("state", json!("PENDING_CREATE")),
    ] {
        instance[field] = value;
    }
    aip::insert_new(
        &call,
        &name,
        instance,
        ApiError::new(
            StatusCode::CONFLICT,
            "instanceAlreadyExists",
            "The Cloud SQL instance already exists.",
        ),
    )?;
    let ready = Effect::Merge {
        name: name.clone(),
        patch: json!({"state": "RUNNABLE"}),
    };
    start(&call, &project, "CREATE", &name, vec![ready])
}

async fn get_instance(call: ApiCall) -> Result<Value, ApiError> {
    require_instance(
        &call,
        &instance_name(call.path("project"), call.path("instance")),
    )
}

/// `items` omitted when empty, as Cloud SQL answers.
fn list(kind: &str, items: Vec<Value>) -> Value {
    let mut out = json!({ "kind": kind });
    if !items.is_empty() {
        out["items"] = json!(items);
    }
    out
}

async fn list_instances(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("project");
    crate::compute::require_project(&call.app, project)?;
    let items = aip::children(&call, &format!("projects/{project}/instances"));
    Ok(list("sql#instancesList", items))
}

fn instance_of(call: &ApiCall) -> Result<String, ApiError> {
    let name = instance_name(call.path("project"), call.path("instance"));
    require_instance(call, &name)?;
    Ok(name)
}

async fn insert_database(call: ApiCall) -> Result<Value, ApiError> {
    let instance = instance_of(&call)?;
    let mut database = call.body_or_empty();
    let id = database
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if id.is_empty() || id.len() > 63 || id.contains('/') {
        return Err(ApiError::bad_field(
            "name",
            format!("Invalid request: database name ({id})."),
        ));
    }
    let name = format!("{instance}/databases/{id}");
    for (field, value) in [
        ("kind", json!("sql#database")),
        ("project", json!(call.path("project"))),
        ("instance", json!(call.path("instance"))),
        ("selfLink", json!(format!("{SELF_LINK_BASE}{name}"))),
        ("etag", json!(aip::new_etag())),
    ] {
        database[field] = value;
    }
    if aip::exists(&call, &name) {
        return Err(ApiError::conflict(format!(
            "Database \"{id}\" already exists in instance \"{}\".",
            call.path("instance")
        )));
    }
    let put = Effect::Put {
        name,
        value: database,
    };
    start(
        &call,
        call.path("project"),
        "CREATE_DATABASE",
        &instance,
        vec![put],
    )
}

async fn get_database(call: ApiCall) -> Result<Value, ApiError> {
    let name = format!(
        "{}/databases/{}",
        instance_of(&call)?,
        call.path("database")
    );
    aip::get(&call, &name).map_err(|_| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "notFound",
            format!("Database \"{}\" does not exist.", call.path("database")),
        )
    })
}

async fn list_databases(call: ApiCall) -> Result<Value, ApiError> {
    let items = aip::children(&call, &format!("{}/databases", instance_of(&call)?));
    Ok(list("sql#databasesList", items))
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("sql.instances.insert", insert_instance)?;
    routes.add("sql.instances.get", get_instance)?;
    routes.add("sql.instances.list", list_instances)?;
    routes.add("sql.databases.insert", insert_database)?;
    routes.add("sql.databases.get", get_database)?;
    routes.add("sql.databases.list", list_databases)?;
    routes.add("sql.operations.get", get_operation)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::TestServer;

    const INSTANCES: &str = "/sql/v1beta4/projects/p/instances";

    #[tokio::test]
    async fn instances_and_databases_are_created_found_and_refused_twice() {
        let s = TestServer::start().await;
        let body = json!({"name": "platform-prod-db", "databaseVersion": "POSTGRES_16",
                          "settings": {"tier": "db-custom-2-7680"}});
        let (status, op) = s.send("POST", INSTANCES, Some(body.clone())).await;
        assert_eq!(status, 200, "{op}");
        assert_eq!(op["kind"], "sql#operation");
        assert_eq!(op["operationType"], "CREATE");
        let op_path = format!(
            "/sql/v1beta4/projects/p/operations/{}",
            op["name"].as_str().unwrap()
        );
        let (status, polled) = s.send("GET", &op_path, None).await;
        assert_eq!((status, polled["status"].as_str()), (200, Some("DONE")));
        let (status, got) = s
            .send("GET", &format!("{INSTANCES}/platform-prod-db"), None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(got["state"], "RUNNABLE");
        assert_eq!(got["connectionName"], "p:us-central1:platform-prod-db");
        let (status, err) = s.send("POST", INSTANCES, Some(body)).await;
        assert_eq!(status, 409);
        assert_eq!(err["error"]["errors"][0]["reason"], "instanceAlreadyExists");
        let (_, listed) = s.send("GET", INSTANCES, None).await;
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

        let databases = format!("{INSTANCES}/platform-prod-db/databases");
        let (status, _) = s
            .send("POST", &databases, Some(json!({"name": "platform"})))
            .await;
        assert_eq!(status, 200);
        let (status, db) = s.send("GET", &format!("{databases}/platform"), None).await;
        assert_eq!(
            (status, db["instance"].as_str()),
            (200, Some("platform-prod-db"))
        );
        let (status, _) = s
            .send("POST", &databases, Some(json!({"name": "platform"})))
            .await;
        assert_eq!(status, 409);
        let (_, listed) = s.send("GET", &databases, None).await;
        assert_eq!(listed["kind"], "sql#databasesList");
        assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
        let stored = s.stored().await;
        assert!(stored
            .get("projects/p/instances/platform-prod-db/databases/platform")
            .is_some());
    }

    #[tokio::test]
    async fn missing_objects_are_404_and_bad_names_rejected() {
        let s = TestServer::start().await;
        let (status, err) = s.send("GET", &format!("{INSTANCES}/nope"), None).await;
        assert_eq!(status, 404);
        assert_eq!(err["error"]["status"], "NOT_FOUND");
        let (status, _) = s
            .send("GET", &format!("{INSTANCES}/nope/databases/x"), None)
            .await;
        assert_eq!(status, 404);
        let (status, _) = s
            .send(
                "POST",
                &format!("{INSTANCES}/nope/databases"),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(status, 404);
        let (_, listed) = s.send("GET", INSTANCES, None).await;
        assert!(listed.get("items").is_none());
        for bad in ["Platform-DB", "1db", "db-"] {
            let (status, _) = s
                .send(
                    "POST",
                    INSTANCES,
                    Some(json!({"name": bad, "settings": {"tier": "db-f1-micro"}})),
                )
                .await;
            assert_eq!(status, 400, "{bad}");
        }
    }
}
