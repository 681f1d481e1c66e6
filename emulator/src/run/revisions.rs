//! `run.projects.locations.services.revisions.*`: get, list, delete.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::record::render;
use super::{not_found, settle_now, start_delete, traffic, LRO_REVISION_TYPE};
use crate::error::ApiError;
use crate::ops::Effect;
use crate::router::ApiCall;

pub async fn get(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let name = call.resource_name();
    call.app
        .store
        .read(|d| d.resources.get(&name).map(render))
        .ok_or_else(|| not_found(&name))
}

pub async fn list(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let service = format!(
        "{}/services/{}",
        super::parent_of(&call),
        call.path("servicesId")
    );
    let prefix = format!("{service}/revisions/");
    let found = call.app.store.read(|d| {
        d.resources.contains_key(&service).then(|| {
            d.resources
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(_, v)| render(v))
                .collect::<Vec<_>>()
        })
    });
    let mut all = found.ok_or_else(|| not_found(&service))?;
    // Newest first, as the API lists them.
    all.sort_by(|a, b| b["createTime"].as_str().cmp(&a["createTime"].as_str()));
    crate::aip::page(all, "revisions", &call)
}

/// Only retired revisions can be deleted: not serving and not the latest ready one
/// while traffic follows LATEST.
pub async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let name = call.resource_name();
    let service_name = name
        .split("/revisions/")
        .next()
        .unwrap_or_default()
        .to_string();
    let short = traffic::short_name(&name).to_string();
    let (revision, service) = call.app.store.read(|d| {
        (
            d.resources.get(&name).cloned(),
            d.resources.get(&service_name).cloned(),
        )
    });
    let revision = revision.ok_or_else(|| not_found(&name))?;
    if let Some(service) = service {
        let statuses = service["trafficStatuses"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let latest = service["latestReadyRevision"]
            .as_str()
            .map(|r| traffic::short_name(r).to_string());
        let serving = traffic::split(&statuses, latest.as_deref());
        let spec = service["traffic"].as_array().cloned().unwrap_or_default();
        let referenced = traffic::referenced_revisions(&spec)
            .iter()
            .any(|(r, _)| *r == short);
        if serving.contains_key(&short) || referenced {
            return Err(crate::aip::status_error(
                StatusCode::BAD_REQUEST,
                "FAILED_PRECONDITION",
                format!("Revision '{short}' is still referenced by the traffic configuration of its service; only retired revisions can be deleted."),
            ));
        }
    }
    if let Some(given) = call.query_one("etag").filter(|e| !e.is_empty()) {
        if Some(given) != revision.get("etag").and_then(Value::as_str) {
            return Err(super::aborted(
                "The etag provided does not match the revision's current etag.",
            ));
        }
    }
    let mut rendered = render(&revision);
    rendered["@type"] = json!(LRO_REVISION_TYPE);
    start_delete(
        &call,
        &name,
        rendered,
        vec![Effect::Delete { name: name.clone() }],
    )
}
