//! `run.projects.locations.services.*`: create, get, list, patch, delete.

use std::sync::LazyLock;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::record::{self, Internal, Pending};
use super::{
    aborted, location_of, not_found, require_parent, settle_now, start_delete, LRO_SERVICE_TYPE,
};
use super::{behaviors, template, traffic};
use crate::clock::{now_ms, rfc3339};
use crate::compute::catalog::project_number;
use crate::error::ApiError;
use crate::ops::lro::{self, LroMutation};
use crate::ops::{Effect, OpFailure};
use crate::router::ApiCall;
use crate::store::Data;

/// Cloud Run's rule for service IDs.
static SERVICE_ID: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$").ok());

/// Fields a client may set (everything else is output only).
const MUTABLE: &[&str] = &[
    "description",
    "labels",
    "annotations",
    "client",
    "clientVersion",
    "ingress",
    "launchStage",
    "template",
    "traffic",
    "scaling",
    "customAudiences",
    "defaultUriDisabled",
    "invokerIamDisabled",
];

fn query_bool(call: &ApiCall, name: &str) -> bool {
    call.query_one(name) == Some("true")
}

fn load(data: &Data, name: &str) -> Option<Value> {
    data.resources.get(name).cloned()
}

pub async fn get(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let name = call.resource_name();
    call.app
        .store
        .read(|d| load(d, &name))
        .map(|s| record::render(&s))
        .ok_or_else(|| not_found(&name))
}

pub async fn list(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let parent = super::parent_of(&call);
    require_parent(&call.app, &parent)?;
    let prefix = format!("{parent}/services/");
    let all: Vec<Value> = call.app.store.read(|d| {
        d.resources
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && record::is_service_key(k))
            .map(|(_, v)| record::render(v))
            .collect()
    });
    crate::aip::page(all, "services", &call)
}

pub async fn create(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let parent = super::parent_of(&call);
    require_parent(&call.app, &parent)?;
    let id = call.query_one("serviceId").unwrap_or("").to_string();
    let id_re = SERVICE_ID
        .as_ref()
        .ok_or_else(|| ApiError::internal("the service ID pattern does not compile"))?;
    if !id_re.is_match(&id) {
        return Err(ApiError::bad_field(
            "service_id",
            format!("service_id {} must use only lowercase letters, digits and hyphens, start with a letter, not end with a hyphen, and be at most 49 characters.", template::quoted(&id)),
        ));
    }
    let name = format!("{parent}/services/{id}");
    if call.app.store.read(|d| d.resources.contains_key(&name)) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "alreadyExists",
            format!("Resource '{id}' already exists."),
        ));
    }
    let body = call.body_or_empty();
    if let Some(given) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    {
        if given != name {
            return Err(ApiError::bad_field(
                "service.name",
                "Service name must be empty on create; the name comes from service_id.",
            ));
        }
    }
    let now = now_ms();
    let number = project_number(call.path("projectsId"));
    let uri = format!("https://{id}-{number}.{}.run.app", call.path("locationsId"));
    let mut service = json!({
        "name": name,
        "uid": uuid::Uuid::new_v4().to_string(),
        "generation": "0",
        "createTime": rfc3339(now),
        "creator": call.principal,
        "ingress": "INGRESS_TRAFFIC_ALL",
        "launchStage": "GA",
        "uri": uri,
        "urls": [uri],
        "traffic": [],
        "trafficStatuses": [],
    });
    mutate(&call, &name, &mut service, &body, None, false, now)
}

pub async fn patch(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let name = call.resource_name();
    let existing = call.app.store.read(|d| load(d, &name));
    let Some(mut service) = existing else {
        if query_bool(&call, "allowMissing") {
            return create_missing(call, &name).await;
        }
        return Err(not_found(&name));
    };
    let body = call.body_or_empty();
    check_etag(&service, body.get("etag").and_then(Value::as_str))?;
    let mask = call.query_one("updateMask").map(|m| {
        m.split(',')
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect::<Vec<_>>()
    });
    if let Some(fields) = &mask {
        for f in fields {
            let top = f.split('.').next().unwrap_or("");
            if !MUTABLE.contains(&snake_to_camel(top).as_str()) {
                return Err(ApiError::bad_field(
                    "update_mask",
                    format!("Invalid field mask path {f:?}: the field is not updatable."),
                ));
            }
        }
    }
    let force = query_bool(&call, "forceNewRevision");
    mutate(&call, &name, &mut service, &body, mask, force, now_ms())
}

/// `allowMissing` PATCH of a service that does not exist: create it.
async fn create_missing(mut call: ApiCall, name: &str) -> Result<Value, ApiError> {
    let (parent, id) = name
        .rsplit_once("/services/")
        .ok_or_else(|| not_found(name))?;
    call.params.insert(
        "projectsId".into(),
        parent.split('/').nth(1).unwrap_or_default().to_string(),
    );
    call.params.insert(
        "locationsId".into(),
        parent.split('/').nth(3).unwrap_or_default().to_string(),
    );
    call.query.retain(|(k, _)| k == "validateOnly");
    call.query.push(("serviceId".into(), id.to_string()));
    create(call).await
}

fn check_etag(service: &Value, given: Option<&str>) -> Result<(), ApiError> {
    match given.filter(|e| !e.is_empty()) {
        Some(e) if Some(e) != service.get("etag").and_then(Value::as_str) => Err(aborted(
            "The etag provided does not match the current etag of the resource; it was changed by another request. Re-read it and retry.",
        )),
        _ => Ok(()),
    }
}

fn snake_to_camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in s.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// What a change does to revisions: the one it creates, or why it fails.
struct Plan {
    new_revision: Option<(String, Value)>,
    failure: Option<OpFailure>,
}

fn not_ready(revision: &str) -> OpFailure {
    OpFailure {
        code: json!(9),
        message: format!("Revision '{revision}' is not ready and cannot serve traffic. The user-provided container failed to start and listen on the port defined provided by the PORT=8080 environment variable within the allocated timeout."),
        http_status: 400,
    }
}

/// Applies `body` (restricted to `mask`) to `service`, creates a revision if
/// the template changed, and starts the reconciliation operation.
#[allow(clippy::too_many_arguments)]
fn mutate(
    call: &ApiCall,
    name: &str,
    service: &mut Value,
    body: &Value,
    mask: Option<Vec<String>>,
    force_new_revision: bool,
    now: i64,
) -> Result<Value, ApiError> {
    let old_template = service.get("template").cloned();
    let fields: Vec<String> = match mask {
        Some(m) => m
            .iter()
            .map(|f| snake_to_camel(f.split('.').next().unwrap_or("")))
            .collect(),
        None => MUTABLE.iter().map(|f| (*f).to_string()).collect(),
    };
    for f in &fields {
        match body.get(f) {
            Some(v) if !v.is_null() => service[f.as_str()] = v.clone(),
            _ => {
                if let Some(o) = service.as_object_mut() {
                    o.remove(f.as_str());
                }
            }
        }
    }
    let project = call.path("projectsId");
    let default_sa = format!(
        "{}-compute@developer.gserviceaccount.com",
        project_number(project)
    );
    let raw_template = service
        .get("template")
        .cloned()
        .ok_or_else(|| ApiError::bad_field("service.template", "template is required."))?;
    let template = template::normalize(&raw_template, &default_sa)?;
    service["template"] = template.clone();
    if service.get("ingress").is_none() {
        service["ingress"] = json!("INGRESS_TRAFFIC_ALL");
    }
    let mut spec = service
        .get("traffic")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    traffic::validate(&spec)?;
    if spec.is_empty() {
        spec = traffic::default_traffic()
            .as_array()
            .cloned()
            .unwrap_or_default();
        service["traffic"] = Value::Array(spec.clone());
    }
    let generation = service["generation"]
        .as_str()
        .and_then(|g| g.parse::<i64>().ok())
        .unwrap_or(0)
        + 1;

    let plan = call.app.store.read(|d| {
        plan_revisions(
            d,
            name,
            &template,
            old_template.as_ref(),
            &spec,
            generation,
            force_new_revision,
            now,
        )
    })?;
    let validate_only = call.query_one("validateOnly") == Some("true");
    // An injected operation fault fails the reconciliation like a real one:
    // the service keeps serving its old split.
    let failure = crate::ops::failure_for(call, plan.failure);

    service["generation"] = json!(generation.to_string());
    service["reconciling"] = json!(true);
    service["updateTime"] = json!(rfc3339(now));
    service["lastModifier"] = json!(call.principal);
    let short_new = plan.new_revision.as_ref().map(|(s, _)| s.clone());
    if let Some(s) = &short_new {
        service["latestCreatedRevision"] = json!(record::revision_key(name, s));
    }
    let latency = call.app.latency.operation(&call.method_id);
    let done_ms = now + i64::try_from(latency.as_millis()).unwrap_or(0);
    let mut state: Internal = record::internal(service);
    state.begin(Pending {
        done_ms,
        new_revision: short_new.clone(),
        failure: failure.as_ref().map(|f| f.message.clone()),
    });
    record::set_internal(service, &state);
    record::refresh_etag(service);

    let preview = call.app.store.read(|d| {
        let mut scratch_data = Data {
            resources: d
                .resources
                .iter()
                .filter(|(k, _)| k.starts_with(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..Data::default()
        };
        if let Some((s, r)) = &plan.new_revision {
            scratch_data
                .resources
                .insert(record::revision_key(name, s), r.clone());
        }
        record::preview_finished(&scratch_data, name, service)
    });
    let metadata = with_type(&record::render(service));
    let op = lro::start_decided(
        call,
        LroMutation {
            parent: location_of(name),
            metadata,
            response: with_type(&preview),
            effects: vec![],
            failure,
        },
    )?;
    if validate_only {
        return Ok(op);
    }
    let stored = service.clone();
    call.app.store.mutate(|d| {
        if let Some((s, r)) = plan.new_revision {
            d.resources.insert(record::revision_key(name, &s), r);
        }
        d.resources.insert(name.to_string(), stored);
        Ok(())
    })?;
    Ok(op)
}

fn with_type(service: &Value) -> Value {
    let mut v = Map::new();
    v.insert("@type".into(), json!(LRO_SERVICE_TYPE));
    if let Some(o) = service.as_object() {
        v.extend(o.clone());
    }
    Value::Object(v)
}

/// Decides which revision (if any) a change creates and whether the operation fails.
#[allow(clippy::too_many_arguments)]
fn plan_revisions(
    data: &Data,
    service: &str,
    template: &Value,
    old_template: Option<&Value>,
    spec: &[Value],
    generation: i64,
    force: bool,
    now: i64,
) -> Result<Plan, ApiError> {
    let service_id = service.rsplit('/').next().unwrap_or_default();
    let fingerprint = template::fingerprint(template);
    let requested = template
        .get("revision")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty());
    if let Some(r) = requested {
        if !r.starts_with(&format!("{service_id}-")) {
            return Err(ApiError::bad_field(
                "service.template.revision",
                format!("Revision name {r:?} must start with the service name followed by a hyphen ({service_id}-)."),
            ));
        }
    }
    let changed = old_template.is_none_or(|old| {
        template::fingerprint(old) != fingerprint
            || old.get("revision").and_then(Value::as_str) != requested
    });
    let mut new_revision = None;
    if changed || force {
        let short = match requested {
            Some(r) => r.to_string(),
            None => format!(
                "{service_id}-{generation:05}-{}",
                &uuid::Uuid::new_v4().simple().to_string()[..3]
            ),
        };
        match data.resources.get(&record::revision_key(service, &short)) {
            Some(existing) => {
                let same =
                    existing.get("_emulator").and_then(|e| e.get("template")) == Some(&fingerprint);
                if !same {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "alreadyExists",
                        format!(
                            "Revision named '{short}' with different configuration already exists."
                        ),
                    ));
                }
            }
            None => {
                let mut rev = template::revision(service, &short, template, now);
                rev["_emulator"] = json!({"template": fingerprint});
                new_revision = Some((short, rev));
            }
        }
    }
    let mut failure = None;
    if let Some((short, _)) = &new_revision {
        if !behaviors::lookup(data, &template::image(template)).ready {
            failure = Some(not_ready(short));
        }
    }
    for (revision, percent) in traffic::referenced_revisions(spec) {
        let key = record::revision_key(service, &revision);
        let is_new = new_revision.as_ref().is_some_and(|(s, _)| *s == revision);
        match data.resources.get(&key) {
            None if !is_new => {
                failure.get_or_insert(OpFailure {
                    code: json!(13),
                    message: format!("Revision '{revision}' referenced in traffic does not exist."),
                    http_status: 500,
                });
            }
            Some(r)
                if percent > 0
                    && r.pointer("/conditions/0/state") == Some(&json!("CONDITION_FAILED")) =>
            {
                failure.get_or_insert(not_ready(&revision));
            }
            _ => {}
        }
    }
    Ok(Plan {
        new_revision,
        failure,
    })
}

pub async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    settle_now(&call.app)?;
    let name = call.resource_name();
    let service = call
        .app
        .store
        .read(|d| load(d, &name))
        .ok_or_else(|| not_found(&name))?;
    check_etag(&service, call.query_one("etag"))?;
    let mut effects: Vec<Effect> = call.app.store.read(|d| {
        d.resources
            .keys()
            .filter(|k| k.starts_with(&format!("{name}/revisions/")))
            .map(|k| Effect::Delete { name: k.clone() })
            .collect()
    });
    effects.push(Effect::Delete { name: name.clone() });
    start_delete(&call, &name, with_type(&record::render(&service)), effects)
}
