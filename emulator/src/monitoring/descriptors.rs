//! Monitoring v3 `projects.metricDescriptors` create/get/delete for
//! user-defined metrics. A custom metric exists only once its descriptor does,
//! and alert policies may only watch metrics that exist.

use serde_json::{json, Value};

use crate::aip;
use crate::error::{ApiError, EmulatorError};
use crate::monitoring::metrics;
use crate::router::{ApiCall, Registry};

const USER_PREFIXES: &[&str] = &["custom.googleapis.com/", "external.googleapis.com/"];
const KINDS: &[&str] = &["GAUGE", "DELTA", "CUMULATIVE"];
const VALUE_TYPES: &[&str] = &["BOOL", "INT64", "DOUBLE", "STRING", "DISTRIBUTION", "MONEY"];
const LABEL_TYPES: &[&str] = &["STRING", "BOOL", "INT64"];

fn stored_name(project: &str, metric_type: &str) -> String {
    format!("projects/{project}/metricDescriptors/{metric_type}")
}

/// The metric type in the path (sent URL-encoded, since it holds slashes).
fn path_type(call: &ApiCall) -> String {
    let raw = call.path("metricDescriptorsId");
    url::form_urlencoded::parse(format!("t={raw}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default()
}

/// (metric kind, value type) of a built-in metric or a stored custom one.
pub fn kind_of(call: &ApiCall, metric_type: &str) -> Option<(String, String)> {
    if let Some((k, v)) = metrics::known_metric(metric_type) {
        return Some((k.to_owned(), v.to_owned()));
    }
    let stored = aip::get(call, &stored_name(call.path("projectsId"), metric_type)).ok()?;
    let field = |f: &str| stored.get(f).and_then(Value::as_str).map(str::to_owned);
    Some((field("metricKind")?, field("valueType")?))
}

fn check_enum(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(v) if allowed.contains(&v) => Ok(()),
        other => Err(ApiError::bad_field(
            field,
            format!(
                "Field {field} had an invalid value of \"{}\": must be one of {}.",
                other.unwrap_or(""),
                allowed.join(", ")
            ),
        )),
    }
}

fn validate(descriptor: &Value) -> Result<String, ApiError> {
    let metric_type = descriptor.get("type").and_then(Value::as_str).unwrap_or("");
    if !USER_PREFIXES.iter().any(|p| {
        metric_type
            .strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty())
    }) {
        return Err(ApiError::bad_field(
            "type",
            format!(
                "The metric type \"{metric_type}\" must start with custom.googleapis.com/ or external.googleapis.com/."
            ),
        ));
    }
    let text = |f: &str| descriptor.get(f).and_then(Value::as_str);
    check_enum("metricKind", text("metricKind"), KINDS)?;
    check_enum("valueType", text("valueType"), VALUE_TYPES)?;
    let labels = descriptor
        .get("labels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut keys = std::collections::BTreeSet::new();
    for (i, label) in labels.iter().enumerate() {
        let key = label.get("key").and_then(Value::as_str).unwrap_or("");
        let valid = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && key.len() <= 100
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(ApiError::bad_field(
                format!("labels[{i}].key"),
                format!("Invalid label key \"{key}\"."),
            ));
        }
        if !keys.insert(key) {
            return Err(ApiError::bad_field(
                format!("labels[{i}].key"),
                format!("Duplicate label key \"{key}\"."),
            ));
        }
        // Absent means STRING, as in the API.
        let value_type = label.get("valueType").and_then(Value::as_str);
        if value_type.is_some() {
            check_enum(&format!("labels[{i}].valueType"), value_type, LABEL_TYPES)?;
        }
    }
    Ok(metric_type.to_owned())
}

async fn create(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("projectsId").to_string();
    if !call.app.project_exists(&project) {
        return Err(aip::not_found(&format!("projects/{project}")));
    }
    let mut descriptor = call.body_or_empty();
    let metric_type = validate(&descriptor)?;
    let name = stored_name(&project, &metric_type);
    descriptor["name"] = json!(name);
    aip::insert_new(
        &call,
        &name,
        descriptor,
        aip::already_exists(format!("Metric descriptor {name} already exists.")),
    )
}

/// Stored custom descriptors first, then the built-in Cloud Run ones.
async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let name = stored_name(call.path("projectsId"), &path_type(&call));
    match aip::get(&call, &name) {
        Ok(found) => Ok(found),
        Err(_) => metrics::builtin_descriptor(call).await,
    }
}

async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    aip::remove(
        &call,
        &stored_name(call.path("projectsId"), &path_type(&call)),
    )
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("monitoring.projects.metricDescriptors.create", create)?;
    routes.add("monitoring.projects.metricDescriptors.get", get)?;
    routes.add("monitoring.projects.metricDescriptors.delete", delete)
}
