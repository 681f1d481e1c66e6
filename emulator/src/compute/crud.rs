//! The life cycle every Compute resource shares: insert through an operation
//! (409 `alreadyExists`, `requestId` replay), get, list, patch and delete.
//! Product modules add their own validation and side rules on top.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::{json, Value};

use super::list::{list_response, ListParams};
use super::{require_project, self_link};
use crate::clock::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::ops::compute::{random_id, start, ComputeMutation, Scope};
use crate::ops::Effect;
use crate::router::ApiCall;
use crate::store::Data;

/// Which collection a handler serves: `instances` (zonal), `subnetworks`
/// (regional) or `firewalls` (global).
#[derive(Debug, Clone, Copy)]
pub struct Collection {
    /// URL segment, e.g. `instanceGroups`.
    pub plural: &'static str,
    /// Path parameter naming one member, e.g. `instanceGroup`.
    pub param: &'static str,
    /// `compute#instanceGroup`.
    pub kind: &'static str,
    /// `compute#instanceGroupList`.
    pub list_kind: &'static str,
}

impl Collection {
    /// `projects/{p}/zones/{z}`, `projects/{p}/regions/{r}` or
    /// `projects/{p}/global`, with the operation scope.
    pub fn parent(&self, call: &ApiCall) -> (String, Scope) {
        let project = call.path("project");
        let (zone, region) = (call.path("zone"), call.path("region"));
        if !zone.is_empty() {
            (
                format!("projects/{project}/zones/{zone}"),
                Scope::Zone(zone.to_string()),
            )
        } else if !region.is_empty() {
            (
                format!("projects/{project}/regions/{region}"),
                Scope::Region(region.to_string()),
            )
        } else {
            (format!("projects/{project}/global"), Scope::Global)
        }
    }

    /// Relative name of the member the request addresses.
    pub fn member(&self, call: &ApiCall) -> String {
        format!(
            "{}/{}/{}",
            self.parent(call).0,
            self.plural,
            call.path(self.param)
        )
    }

    fn prefix(&self, call: &ApiCall) -> String {
        format!("{}/{}/", self.parent(call).0, self.plural)
    }
}

/// Compute's RFC 1035 name rule.
pub fn check_name(field: &str, name: &str) -> Result<(), ApiError> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")
            .unwrap_or_else(|_| unreachable!("constant regex compiles"))
    });
    if re.is_match(name) {
        Ok(())
    } else {
        Err(ApiError::bad_field(
            field,
            format!("Invalid value for field '{field}': '{name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,61}}[a-z0-9])?)'"),
        ))
    }
}

/// The operation of an earlier request with the same `requestId`, so a retried
/// mutation neither fails its pre-checks nor runs twice.
pub fn replay(call: &ApiCall) -> Option<Value> {
    let id = call.query_one("requestId")?;
    let key = format!("{}/{id}", call.path("project"));
    let now = now_ms();
    call.app.store.read(|d| {
        d.request_ids
            .get(&key)
            .and_then(|op| d.compute_ops.get(op))
            .map(|op| op.render(now))
    })
}

/// Whether `name` exists or an unfinished, non-failing operation is creating it.
pub fn exists_or_pending(data: &Data, name: &str) -> bool {
    data.resources.contains_key(name)
        || data.compute_ops.values().any(|op| {
            !op.settled
                && op.error.is_none()
                && op
                    .effects
                    .iter()
                    .any(|e| matches!(e, Effect::Put { name: n, .. } if n == name))
        })
}

/// A stored member, or Compute's 404.
pub fn load(call: &ApiCall, name: &str) -> Result<Value, ApiError> {
    call.app
        .store
        .read(|d| d.resources.get(name).cloned())
        .ok_or_else(|| ApiError::not_found(name))
}

/// The shape of every custom method on an existing member: a retried
/// `requestId` gets its original operation back (before any pre-check can
/// fail); otherwise `act` runs with the member's name and stored state.
pub fn on_member(
    call: &ApiCall,
    col: &Collection,
    act: impl FnOnce(String, Value) -> Result<Value, ApiError>,
) -> Result<Value, ApiError> {
    if let Some(op) = replay(call) {
        return Ok(op);
    }
    let name = col.member(call);
    let current = load(call, &name)?;
    act(name, current)
}

/// The `network` of a request body as a full self link in `project`
/// (the default network when absent).
pub fn network_link(project: &str, body: &Value) -> Value {
    let network = body["network"]
        .as_str()
        .map_or_else(|| "global/networks/default".to_string(), relative);
    let network = network.trim_start_matches(&format!("projects/{project}/"));
    json!(self_link(&format!("projects/{project}/{network}")))
}

/// Members of a collection (direct children only).
pub fn members(data: &Data, prefix: &str) -> Vec<Value> {
    data.resources
        .range(prefix.to_string()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .filter(|(k, _)| !k[prefix.len()..].contains('/'))
        .map(|(_, v)| v.clone())
        .collect()
}

/// Starts an operation on an existing member of `col`.
pub fn mutate(
    call: &ApiCall,
    col: &Collection,
    target: &Value,
    operation_type: &str,
    effects: Vec<Effect>,
) -> Result<Value, ApiError> {
    let (_, scope) = col.parent(call);
    start(
        call,
        ComputeMutation {
            project: call.path("project").to_string(),
            scope,
            operation_type: operation_type.to_string(),
            target: col.member(call),
            target_id: target["id"].as_str().unwrap_or_default().to_string(),
            effects,
            immediate: Vec::new(),
            on_start: Vec::new(),
            on_failure: Vec::new(),
            failure: None,
        },
    )
}

/// Starts an operation that merge-patches one stored document (`name`: the
/// member itself or a record beside it) when done.
pub fn merge(
    call: &ApiCall,
    col: &Collection,
    target: &Value,
    operation_type: &str,
    name: String,
    patch: Value,
) -> Result<Value, ApiError> {
    mutate(
        call,
        col,
        target,
        operation_type,
        vec![Effect::Merge { name, patch }],
    )
}

/// A setter guarded by a fingerprint (`setLabels`, `setMetadata`,
/// `setNamedPorts`): a stale `given_field` of the body (against the member's
/// value at `current_pointer`) is a 412 before anything changes; otherwise
/// `patch(body, current)` is merged when the operation is done.
pub fn guarded_set(
    call: &ApiCall,
    col: &Collection,
    operation_type: &str,
    given_field: &str,
    current_pointer: &str,
    patch: impl FnOnce(&Value, &Value) -> Value,
) -> Result<Value, ApiError> {
    on_member(call, col, |name, current| {
        let body = call.body_or_empty();
        check_fingerprint(
            body[given_field].as_str(),
            current
                .pointer(current_pointer)
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )?;
        let patch = patch(&body, &current);
        merge(call, col, &current, operation_type, name, patch)
    })
}

/// Statuses of a resource that is visible while its insert runs, as
/// Compute shows an instance: PROVISIONING at once, STAGING once the
/// operation runs, RUNNING when it is done; gone again if it fails.
#[derive(Debug, Clone, Copy)]
pub struct Provisioning {
    pub initial: &'static str,
    pub started: &'static str,
    pub done: &'static str,
}

/// Inserts `resource` (the validated request body) into `col`: fills the
/// output-only fields and creates it when the operation completes.
pub fn insert(
    call: &ApiCall,
    col: &Collection,
    resource: Value,
    extra: Vec<Effect>,
) -> Result<Value, ApiError> {
    insert_with(call, col, resource, extra, None)
}

/// Like [`insert`], but the resource is visible at once with a `status`
/// that follows the operation (see [`Provisioning`]).
pub fn insert_provisioned(
    call: &ApiCall,
    col: &Collection,
    resource: Value,
    lifecycle: Provisioning,
) -> Result<Value, ApiError> {
    insert_with(call, col, resource, Vec::new(), Some(lifecycle))
}

fn insert_with(
    call: &ApiCall,
    col: &Collection,
    mut resource: Value,
    mut extra: Vec<Effect>,
    lifecycle: Option<Provisioning>,
) -> Result<Value, ApiError> {
    if let Some(op) = replay(call) {
        return Ok(op);
    }
    let project = call.path("project").to_string();
    require_project(&call.app, &project)?;
    let name = resource["name"].as_str().unwrap_or_default().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_field(
            "resource.name",
            "Invalid value for field 'resource.name': ''. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'",
        ));
    }
    check_name("resource.name", &name)?;
    let (parent, scope) = col.parent(call);
    let key = format!("{parent}/{}/{name}", col.plural);
    if call.app.store.read(|d| exists_or_pending(d, &key)) {
        return Err(ApiError::conflict(format!(
            "The resource '{key}' already exists"
        )));
    }
    let id = random_id();
    resource["kind"] = json!(col.kind);
    resource["id"] = json!(id);
    resource["creationTimestamp"] = json!(rfc3339(now_ms()));
    resource["selfLink"] = json!(self_link(&key));
    if let Scope::Zone(zone) = &scope {
        resource["zone"] = json!(self_link(&format!("projects/{project}/zones/{zone}")));
    }
    let status = |s: &str| Effect::Merge {
        name: key.clone(),
        patch: json!({ "status": s }),
    };
    let (immediate, on_start, mut effects, on_failure) = match lifecycle {
        None => (
            Vec::new(),
            Vec::new(),
            vec![Effect::Put {
                name: key.clone(),
                value: resource,
            }],
            Vec::new(),
        ),
        Some(l) => {
            resource["status"] = json!(l.initial);
            (
                vec![Effect::Put {
                    name: key.clone(),
                    value: resource,
                }],
                vec![status(l.started)],
                vec![status(l.done)],
                vec![Effect::Delete { name: key.clone() }],
            )
        }
    };
    effects.append(&mut extra);
    start(
        call,
        ComputeMutation {
            project,
            scope,
            operation_type: "insert".into(),
            target: key,
            target_id: id,
            effects,
            immediate,
            on_start,
            on_failure,
            failure: None,
        },
    )
}

/// Compute fingerprints are opaque base64 hashes of the guarded content.
pub fn fingerprint(content: &Value) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(content.to_string().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

/// Compute's 412 for a stale fingerprint.
pub fn check_fingerprint(given: Option<&str>, current: &str) -> Result<(), ApiError> {
    match given {
        Some(g) if g != current => Err(ApiError::new(
            axum::http::StatusCode::PRECONDITION_FAILED,
            "conditionNotMet",
            "Supplied fingerprint does not match current fingerprint.",
        )),
        _ => Ok(()),
    }
}

pub async fn get(call: &ApiCall, col: &Collection) -> Result<Value, ApiError> {
    require_project(&call.app, call.path("project"))?;
    load(call, &col.member(call))
}

pub fn list(call: &ApiCall, col: &Collection) -> Result<Value, ApiError> {
    require_project(&call.app, call.path("project"))?;
    let params = ListParams::from_call(call)?;
    let prefix = col.prefix(call);
    let items = call.app.store.read(|d| members(d, &prefix));
    list_response(col.list_kind, prefix.trim_end_matches('/'), items, &params)
}

/// `aggregatedList` of a zonal collection: items grouped by `zones/{zone}`,
/// each filtered like `list`.
pub fn aggregated_list(
    call: &ApiCall,
    col: &Collection,
    list_kind: &str,
) -> Result<Value, ApiError> {
    let project = call.path("project");
    require_project(&call.app, project)?;
    let params = ListParams::from_call(call)?;
    let mut items = serde_json::Map::new();
    for (_, zone) in super::catalog::zones() {
        let prefix = format!("projects/{project}/zones/{zone}/{}/", col.plural);
        let members = call.app.store.read(|d| members(d, &prefix));
        let page = list_response(
            col.list_kind,
            prefix.trim_end_matches('/'),
            members,
            &params,
        )?;
        let scoped = match page.get("items") {
            Some(found) => json!({ col.plural: found }),
            None => json!({"warning": {
                "code": "NO_RESULTS_ON_PAGE",
                "message": "There are no results for scope 'zones/".to_string() + &zone + "' on this page.",
                "data": [{"key": "scope", "value": format!("zones/{zone}")}],
            }}),
        };
        items.insert(format!("zones/{zone}"), scoped);
    }
    Ok(json!({
        "kind": list_kind,
        "id": format!("projects/{project}/aggregated/{}", col.plural),
        "items": items,
        "selfLink": self_link(&format!("projects/{project}/aggregated/{}", col.plural)),
    }))
}

/// Merge-patches the member with the request body once the operation is done.
pub fn patch(call: &ApiCall, col: &Collection, patch: Value) -> Result<Value, ApiError> {
    on_member(call, col, |name, current| {
        merge(call, col, &current, "patch", name, patch)
    })
}

/// Deletes the member once the operation is done; `in_use` names a resource
/// still referring to it (Compute then refuses with `resourceInUseByAnotherResource`).
pub fn delete(
    call: &ApiCall,
    col: &Collection,
    in_use: impl FnOnce(&Data, &str) -> Option<String>,
    mut extra: Vec<Effect>,
) -> Result<Value, ApiError> {
    on_member(call, col, |name, current| {
        if let Some(user) = call.app.store.read(|d| in_use(d, &name)) {
            return Err(in_use_error(col, &name, &user));
        }
        let mut effects = vec![Effect::Delete { name }];
        effects.append(&mut extra);
        mutate(call, col, &current, "delete", effects)
    })
}

fn in_use_error(col: &Collection, name: &str, user: &str) -> ApiError {
    // Compute names the kind in snake case: `instance_group`, `health_check`.
    let kind: String = col
        .param
        .chars()
        .flat_map(|c| {
            if c.is_ascii_uppercase() {
                vec!['_', c.to_ascii_lowercase()]
            } else {
                vec![c]
            }
        })
        .collect();
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "resourceInUseByAnotherResource",
        format!("The {kind} resource '{name}' is already being used by '{user}'"),
    )
}

/// The relative name (`projects/...`) of a full or partial Compute URL.
pub fn relative(url: &str) -> String {
    match url.find("projects/") {
        Some(i) => url[i..].to_string(),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rfc1035() {
        assert!(check_name("resource.name", "lk-a-0").is_ok());
        for bad in ["Upper", "-x", "x-", "1abc", &"a".repeat(64)] {
            assert!(check_name("resource.name", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_names_from_urls() {
        assert_eq!(
            relative("https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/i"),
            "projects/p/zones/z/instances/i"
        );
        assert_eq!(relative("zones/z/instances/i"), "zones/z/instances/i");
    }

    #[test]
    fn members_are_direct_children_only() {
        let mut d = Data::default();
        for k in [
            "projects/p/global/firewalls/a",
            "projects/p/global/firewalls/b",
            "projects/p/global/firewallsx/c",
            "projects/p/global/firewalls/a/sub",
        ] {
            d.resources.insert(k.into(), json!({"name": k}));
        }
        assert_eq!(members(&d, "projects/p/global/firewalls/").len(), 2);
    }
}
