//! Pub/Sub v1: topics (PUT create, get, delete, IAM policy) and
//! subscriptions (PUT create, get, delete).

mod iam;

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::aip;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// Pub/Sub's documented rule for topic and subscription IDs.
static ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$").ok());

/// Subscriptions of a deleted topic point here, as in Google's responses.
const DELETED_TOPIC: &str = "_deleted-topic_";

fn check_id(kind: &str, id: &str) -> Result<(), ApiError> {
    let valid = ID.as_ref().is_some_and(|re| re.is_match(id)) && !id.starts_with("goog");
    if valid {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            "name",
            format!(
                "Invalid [{kind}] name: ({id}). Must start with a letter, be 3-255 characters of letters, numbers, - _ . ~ + %, and not start with \"goog\"."
            ),
        ))
    }
}

fn require_project(call: &ApiCall) -> Result<String, ApiError> {
    let project = call.path("projectsId").to_string();
    if call.app.project_exists(&project) {
        Ok(project)
    } else {
        Err(aip::not_found(&format!("projects/{project}")))
    }
}

fn topic_name(call: &ApiCall) -> String {
    format!(
        "projects/{}/topics/{}",
        call.path("projectsId"),
        call.path("topicsId")
    )
}

fn subscription_name(call: &ApiCall) -> String {
    format!(
        "projects/{}/subscriptions/{}",
        call.path("projectsId"),
        call.path("subscriptionsId")
    )
}

/// Stores a new topic or subscription as `ACTIVE`; an existing one is a 409
/// naming the ID from path parameter `id_param`.
fn store_active(
    call: &ApiCall,
    name: &str,
    id_param: &str,
    mut resource: Value,
) -> Result<Value, ApiError> {
    resource["state"] = json!("ACTIVE");
    aip::insert_new(
        call,
        name,
        resource,
        aip::already_exists(format!(
            "Resource already exists in the project (resource={}).",
            call.path(id_param)
        )),
    )
}

async fn create_topic(call: ApiCall) -> Result<Value, ApiError> {
    require_project(&call)?;
    check_id("topics", call.path("topicsId"))?;
    let name = topic_name(&call);
    let mut topic = call.body_or_empty();
    topic["name"] = json!(name);
    store_active(&call, &name, "topicsId", topic)
}

async fn get_topic(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &topic_name(&call))
}

/// Deleting a topic detaches (but keeps) its subscriptions.
async fn delete_topic(call: ApiCall) -> Result<Value, ApiError> {
    let name = topic_name(&call);
    call.app.store.mutate(|d| {
        if d.resources.remove(&name).is_none() {
            return Err(aip::not_found(&name));
        }
        d.resources.remove(&iam::policy_key(&name));
        for sub in d.resources.values_mut() {
            if sub.get("topic").and_then(Value::as_str) == Some(name.as_str()) {
                sub["topic"] = json!(DELETED_TOPIC);
            }
        }
        Ok(json!({}))
    })
}

async fn create_subscription(call: ApiCall) -> Result<Value, ApiError> {
    require_project(&call)?;
    check_id("subscriptions", call.path("subscriptionsId"))?;
    let mut sub = call.body_or_empty();
    let topic = sub
        .get("topic")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_field("topic", "The topic field is required."))?
        .to_string();
    if !aip::exists(&call, &topic) {
        return Err(aip::not_found(&format!(
            "Resource not found (resource={topic})."
        )));
    }
    let ack = sub
        .get("ackDeadlineSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(10);
    if !(10..=600).contains(&ack) {
        return Err(ApiError::bad_field(
            "ack_deadline_seconds",
            "The ack deadline must be between 10 and 600 seconds.",
        ));
    }
    let name = subscription_name(&call);
    sub["name"] = json!(name);
    sub["ackDeadlineSeconds"] = json!(ack);
    for (field, default) in [
        ("messageRetentionDuration", json!("604800s")),
        ("expirationPolicy", json!({"ttl": "2678400s"})),
        ("pushConfig", json!({})),
    ] {
        if sub.get(field).is_none() {
            sub[field] = default;
        }
    }
    store_active(&call, &name, "subscriptionsId", sub)
}

async fn get_subscription(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &subscription_name(&call))
}

async fn delete_subscription(call: ApiCall) -> Result<Value, ApiError> {
    aip::remove(&call, &subscription_name(&call))
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("pubsub.projects.topics.create", create_topic)?;
    routes.add("pubsub.projects.topics.get", get_topic)?;
    routes.add("pubsub.projects.topics.delete", delete_topic)?;
    routes.add("pubsub.projects.topics.getIamPolicy", iam::get_policy)?;
    routes.add("pubsub.projects.topics.setIamPolicy", iam::set_policy)?;
    routes.add("pubsub.projects.subscriptions.create", create_subscription)?;
    routes.add("pubsub.projects.subscriptions.get", get_subscription)?;
    routes.add("pubsub.projects.subscriptions.delete", delete_subscription)
}
