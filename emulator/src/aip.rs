//! Helpers shared by the resource-oriented (AIP) APIs: Budgets, Monitoring,
//! Pub/Sub and Resource Manager keep their resources in the store by relative
//! name and answer with google.rpc canonical errors.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::router::ApiCall;

/// An error whose canonical status differs from what the HTTP code implies
/// (e.g. ABORTED and FAILED_PRECONDITION are not 409/412 defaults).
pub fn status_error(
    code: StatusCode,
    status: &'static str,
    message: impl Into<String>,
) -> ApiError {
    let message = message.into();
    let mut err = ApiError::new(code, "invalid", message.clone());
    err.raw_body =
        Some(json!({"error": {"code": code.as_u16(), "message": message, "status": status}}));
    err
}

pub fn not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "notFound",
        format!("Requested entity was not found: {name}"),
    )
}

pub fn already_exists(message: impl Into<String>) -> ApiError {
    ApiError::conflict(message)
}

/// AIP-154: a stale etag is ABORTED.
pub fn aborted(message: impl Into<String>) -> ApiError {
    status_error(StatusCode::CONFLICT, "ABORTED", message)
}

pub fn failed_precondition(message: impl Into<String>) -> ApiError {
    status_error(StatusCode::BAD_REQUEST, "FAILED_PRECONDITION", message)
}

pub fn permission_denied(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

pub fn get(call: &ApiCall, name: &str) -> Result<Value, ApiError> {
    call.app
        .store
        .read(|d| d.resources.get(name).cloned())
        .ok_or_else(|| not_found(name))
}

pub fn exists(call: &ApiCall, name: &str) -> bool {
    call.app.store.read(|d| d.resources.contains_key(name))
}

/// Stores `value` under `name`, refusing to replace an existing resource.
pub fn insert_new(
    call: &ApiCall,
    name: &str,
    value: Value,
    conflict: ApiError,
) -> Result<Value, ApiError> {
    call.app.store.mutate(|d| {
        if d.resources.contains_key(name) {
            return Err(conflict);
        }
        d.resources.insert(name.to_string(), value.clone());
        Ok(value)
    })
}

/// Replaces a resource that must already exist.
pub fn replace(call: &ApiCall, name: &str, value: Value) -> Result<Value, ApiError> {
    call.app.store.mutate(|d| match d.resources.get_mut(name) {
        Some(slot) => {
            *slot = value.clone();
            Ok(value)
        }
        None => Err(not_found(name)),
    })
}

/// Removes a resource; 404 when it is not there.
pub fn remove(call: &ApiCall, name: &str) -> Result<Value, ApiError> {
    call.app.store.mutate(|d| {
        d.resources
            .remove(name)
            .map(|_| json!({}))
            .ok_or_else(|| not_found(name))
    })
}

/// Resources directly under `prefix` (`<prefix>/<id>`, not deeper).
pub fn children(call: &ApiCall, prefix: &str) -> Vec<Value> {
    let start = format!("{prefix}/");
    call.app.store.read(|d| {
        d.resources
            .range(start.clone()..)
            .take_while(|(k, _)| k.starts_with(&start))
            .filter(|(k, _)| !k[start.len()..].contains('/'))
            .map(|(_, v)| v.clone())
            .collect()
    })
}

/// One page of `items` under `field`, honouring `pageSize` / `pageToken` (AIP-158;
/// the token is the offset).
pub fn page(items: Vec<Value>, field: &str, call: &ApiCall) -> Result<Value, ApiError> {
    let size = call
        .query_one("pageSize")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(100);
    let start = match call.query_one("pageToken").filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::bad_field("page_token", "Invalid page token."))?,
        None => 0,
    };
    let end = (start + size).min(items.len());
    let mut out = json!({ field: items.get(start..end).unwrap_or_default() });
    if end < items.len() {
        out["nextPageToken"] = json!(end.to_string());
    }
    Ok(out)
}

/// The `updateMask` query parameter as field paths (empty when absent).
pub fn update_mask(call: &ApiCall) -> Vec<String> {
    call.query
        .iter()
        .filter(|(k, _)| k == "updateMask")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `updateMask` of a patch; without one, the top-level fields of `body`
/// for which `counts` holds (a patch without a mask updates what it sends).
pub fn mask_or_body_fields(
    call: &ApiCall,
    body: &Value,
    counts: impl Fn(&str, &Value) -> bool,
) -> Vec<String> {
    let mask = update_mask(call);
    if !mask.is_empty() {
        return mask;
    }
    body.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, v)| counts(k, v))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Copies each masked field path (dotted, camelCase) from `patch` into
/// `target`; a path absent from `patch` clears the field, as AIP-134 says.
pub fn apply_mask(target: &mut Value, patch: &Value, mask: &[String]) {
    for path in mask {
        let parts: Vec<&str> = path.split('.').collect();
        let source = parts.iter().try_fold(patch, |v, p| v.get(*p));
        set_path(target, &parts, source.cloned());
    }
}

fn set_path(target: &mut Value, parts: &[&str], value: Option<Value>) {
    let Some((last, parents)) = parts.split_last() else {
        return;
    };
    let mut cursor = target;
    for part in parents {
        // Clearing under a parent that is not there is already done.
        if value.is_none() && cursor.get(*part).is_none() {
            return;
        }
        if !cursor.is_object() {
            *cursor = json!({});
        }
        let Some(obj) = cursor.as_object_mut() else {
            return;
        };
        cursor = obj.entry((*part).to_string()).or_insert_with(|| json!({}));
    }
    if let Some(obj) = cursor.as_object_mut() {
        match value {
            Some(v) => {
                obj.insert((*last).to_string(), v);
            }
            None => {
                obj.remove(*last);
            }
        }
    }
}

/// A fresh opaque etag.
pub fn new_etag() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("\"{}\"", &id[..16])
}

/// A numeric id like the ones Monitoring assigns.
pub fn numeric_id() -> String {
    (rand::random::<u64>() % 9_000_000_000_000_000_000 + 1_000_000_000_000_000_000).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_copies_and_clears_nested_fields() {
        let mut target = json!({"a": 1, "b": {"c": 2, "d": 3}});
        apply_mask(
            &mut target,
            &json!({"a": 5, "b": {"d": 9}}),
            &["a".into(), "b.c".into(), "b.d".into(), "e.f".into()],
        );
        assert_eq!(target, json!({"a": 5, "b": {"d": 9}}));
    }
}
