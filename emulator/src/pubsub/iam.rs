//! Topic IAM policies (`getIamPolicy` / `setIamPolicy` with etag checks).

use serde_json::{json, Value};

use crate::aip;
use crate::error::ApiError;
use crate::router::ApiCall;

/// Where a topic's policy is stored: beside the topic, so deleting the topic
/// can drop it and `/_emulator/resources` shows it.
pub fn policy_key(topic: &str) -> String {
    format!("{topic}/iamPolicy")
}

/// Pub/Sub roles a topic policy may grant.
const ROLE_PREFIXES: &[&str] = &[
    "roles/pubsub.",
    "roles/owner",
    "roles/editor",
    "roles/viewer",
];

fn current(call: &ApiCall, topic: &str) -> Result<Value, ApiError> {
    if !aip::exists(call, topic) {
        return Err(aip::not_found(topic));
    }
    Ok(call
        .app
        .store
        .read(|d| d.resources.get(&policy_key(topic)).cloned())
        .unwrap_or_else(|| json!({"version": 1, "etag": "ACAB"})))
}

pub async fn get_policy(call: ApiCall) -> Result<Value, ApiError> {
    current(&call, &call.resource_name())
}

fn check_bindings(bindings: &[Value]) -> Result<(), ApiError> {
    for (i, binding) in bindings.iter().enumerate() {
        let role = binding.get("role").and_then(Value::as_str).unwrap_or("");
        if !ROLE_PREFIXES.iter().any(|p| role.starts_with(p)) {
            return Err(ApiError::bad_field(
                format!("policy.bindings[{i}].role"),
                format!("Role {role} is not supported for this resource."),
            ));
        }
        let members = binding.get("members").and_then(Value::as_array);
        let valid = members.is_some_and(|m| {
            !m.is_empty()
                && m.iter().filter_map(Value::as_str).all(|m| {
                    ["user:", "serviceAccount:", "group:", "domain:"]
                        .iter()
                        .any(|p| m.starts_with(p))
                        || m == "allUsers"
                        || m == "allAuthenticatedUsers"
                })
        });
        if !valid {
            return Err(ApiError::bad_field(
                format!("policy.bindings[{i}].members"),
                "Each binding needs members of the form user:, serviceAccount:, group: or domain:.",
            ));
        }
    }
    Ok(())
}

pub async fn set_policy(call: ApiCall) -> Result<Value, ApiError> {
    let topic = call.resource_name();
    let existing = current(&call, &topic)?;
    let body = call.body_or_empty();
    let policy = body.get("policy").cloned().unwrap_or_else(|| json!({}));
    let bindings = policy
        .get("bindings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    check_bindings(&bindings)?;
    // Read-modify-write protection: a stale etag is rejected, a missing one overwrites.
    if let Some(etag) = policy.get("etag").and_then(Value::as_str) {
        if Some(etag) != existing.get("etag").and_then(Value::as_str) {
            return Err(aip::aborted(
                "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.",
            ));
        }
    }
    let stored =
        json!({"version": 1, "etag": aip::new_etag().trim_matches('"'), "bindings": bindings});
    call.app.store.mutate(|d| {
        d.resources.insert(policy_key(&topic), stored.clone());
        Ok(stored)
    })
}
