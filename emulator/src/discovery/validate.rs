//! Request validation against discovery: query parameters and JSON bodies are
//! checked the way Google's front end (ESF) does, with its error wording.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{ApiDoc, Method};
use crate::error::ApiError;

/// The API prefix of a schema name (`GoogleCloudRunV2`).
static SCHEMA_PREFIX: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"^Google[A-Za-z]*?V\d+(?:alpha\d*|beta\d*)?").ok());

/// Checks query parameters: unknown names, repeats, types, enums, required ones.
pub fn validate_query(
    api: &ApiDoc,
    method: &Method,
    query: &[(String, String)],
) -> Result<(), ApiError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (name, value) in query {
        let spec = match method.parameters.get(name) {
            Some(spec) if location(spec) == "query" => spec,
            Some(_) => return Err(unbindable(name)),
            None => match api.standard_params.get(name) {
                Some(spec) => spec,
                None => return Err(unbindable(name)),
            },
        };
        let count = seen.entry(name).or_insert(0);
        *count += 1;
        if *count > 1
            && !spec
                .get("repeated")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        {
            return Err(ApiError::bad_field(
                name,
                format!(
                    "Invalid value at '{}', multiple values given for a non-repeated field",
                    snake(name)
                ),
            ));
        }
        check_scalar(spec, value)
            .map_err(|type_name| invalid_value(&snake(name), &type_name, value))?;
    }
    for (name, spec) in &method.parameters {
        let required = spec
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if required && location(spec) == "query" && !seen.contains_key(name.as_str()) {
            return Err(ApiError::bad_field(
                name,
                format!("Required parameter '{name}' is missing"),
            ));
        }
    }
    Ok(())
}

/// Checks path parameters against their discovery `pattern` (only for
/// parameters that appear one-to-one in the flat path, as in Compute).
pub fn validate_path(method: &Method, params: &HashMap<String, String>) -> Result<(), ApiError> {
    for (name, value) in params {
        let Some(pattern) = method
            .parameters
            .get(name)
            .and_then(|s| s.get("pattern"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        let anchored = format!(
            "^(?:{})$",
            pattern.trim_start_matches('^').trim_end_matches('$')
        );
        let matches = crate::regex_cache::regex(&anchored)
            .map(|re| re.is_match(value))
            .unwrap_or(true);
        if !matches {
            return Err(ApiError::bad_field(
                name,
                format!("Invalid value for field '{name}': '{value}'. Must be a match of regex '{pattern}'"),
            ));
        }
    }
    Ok(())
}

/// Checks a JSON request body against the method's request schema.
pub fn validate_body(api: &ApiDoc, method: &Method, body: Option<&Value>) -> Result<(), ApiError> {
    let (Some(schema_name), Some(body)) = (&method.request_ref, body) else {
        return Ok(());
    };
    let root = body_field_name(schema_name);
    let mut violations = Vec::new();
    let schema = Value::Object(Map::from_iter([(
        "$ref".to_string(),
        Value::String(schema_name.clone()),
    )]));
    check_value(api, &schema, body, &root, &mut violations);
    if violations.is_empty() {
        return Ok(());
    }
    let message = violations
        .iter()
        .map(|(_, d)| d.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut err = ApiError::invalid_argument(message);
    err.field_violations = violations;
    Err(err)
}

/// The request-message field name Google uses for a body of schema `name`
/// (`Instance` -> `instance`, `GoogleCloudRunV2Service` -> `service`).
fn body_field_name(schema: &str) -> String {
    let trimmed = SCHEMA_PREFIX.as_ref().map_or_else(
        || schema.to_string(),
        |re| re.replace(schema, "").into_owned(),
    );
    let base = if trimmed.is_empty() { schema } else { &trimmed };
    snake(base)
}

fn check_value(
    api: &ApiDoc,
    schema: &Value,
    value: &Value,
    path: &str,
    out: &mut Vec<(String, String)>,
) {
    let schema = resolve(api, schema);
    // proto3 JSON: null means "unset" for any field.
    if value.is_null() {
        return;
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    match kind {
        "object" => check_object(api, schema, value, path, out),
        "array" => match value.as_array() {
            Some(items) => {
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
                for (i, item) in items.iter().enumerate() {
                    check_value(api, &item_schema, item, &format!("{path}[{i}]"), out);
                }
            }
            None => out.push(type_violation(path, "TYPE_LIST", value)),
        },
        "any" => {}
        _ => {
            if let Err(type_name) = check_json_scalar(schema, value) {
                out.push(type_violation(path, &type_name, value));
            }
        }
    }
}

fn check_object(
    api: &ApiDoc,
    schema: &Value,
    value: &Value,
    path: &str,
    out: &mut Vec<(String, String)>,
) {
    let Some(fields) = value.as_object() else {
        out.push(type_violation(path, "TYPE_MESSAGE", value));
        return;
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    if properties.is_none() && additional.is_none() {
        // A free-form object (google.protobuf.Struct and friends).
        return;
    }
    for (name, field_value) in fields {
        let child_path = format!("{path}.{}", snake(name));
        match (properties.and_then(|p| p.get(name)), additional) {
            (Some(field_schema), _) => {
                check_value(api, field_schema, field_value, &child_path, out)
            }
            (None, Some(map_value_schema)) => check_value(
                api,
                map_value_schema,
                field_value,
                &format!("{path}[{name:?}]"),
                out,
            ),
            (None, None) => {
                let message = format!("Invalid JSON payload received. Unknown name \"{name}\" at '{path}': Cannot find field.");
                out.push((path.to_string(), message));
            }
        }
    }
}

fn resolve<'a>(api: &'a ApiDoc, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    // Bounded: a `$ref` always names a schema object, never another bare ref chain > a few.
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(name) => match api.schemas.get(name) {
                Some(target) => current = target,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

/// Validates a JSON scalar; `Err` carries Google's type name for the message.
fn check_json_scalar(spec: &Value, value: &Value) -> Result<(), String> {
    match value {
        Value::String(s) => check_scalar(spec, s),
        Value::Number(n) => {
            let kind = spec.get("type").and_then(Value::as_str).unwrap_or("string");
            let format = spec.get("format").and_then(Value::as_str).unwrap_or("");
            let integral_string = matches!(format, "int64" | "uint64");
            if kind == "integer" || kind == "number" || (kind == "string" && integral_string) {
                check_scalar(spec, &n.to_string())
            } else {
                Err(type_name(spec))
            }
        }
        Value::Bool(b) if spec.get("type").and_then(Value::as_str) == Some("boolean") => {
            check_scalar(spec, if *b { "true" } else { "false" })
        }
        _ => Err(type_name(spec)),
    }
}

/// Validates a textual value (query parameter or JSON string) against a
/// discovery type; JSON numbers are checked through their decimal text.
fn check_scalar(spec: &Value, raw: &str) -> Result<(), String> {
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("string");
    let format = spec.get("format").and_then(Value::as_str).unwrap_or("");
    let ok = match (kind, format) {
        ("integer", "int32") | ("string", "int32") => {
            in_bounds(spec, raw.parse::<i32>().ok().map(i128::from))
        }
        ("integer", "uint32") | ("string", "uint32") => {
            in_bounds(spec, raw.parse::<u32>().ok().map(i128::from))
        }
        ("string", "int64") | ("integer", "int64") => {
            in_bounds(spec, raw.parse::<i64>().ok().map(i128::from))
        }
        ("string", "uint64") | ("integer", "uint64") => {
            in_bounds(spec, raw.parse::<u64>().ok().map(i128::from))
        }
        ("integer", _) => in_bounds(spec, raw.parse::<i64>().ok().map(i128::from)),
        ("number", _) => {
            matches!(raw, "NaN" | "Infinity" | "-Infinity") || raw.parse::<f64>().is_ok()
        }
        ("boolean", _) => matches!(raw, "true" | "false"),
        ("string", "byte") => is_base64(raw),
        ("string", "google-duration") => is_duration(raw),
        ("string", "google-datetime") | ("string", "date-time") => {
            time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).is_ok()
        }
        _ => true,
    };
    let enum_ok = match spec.get("enum").and_then(Value::as_array) {
        Some(values) => values.iter().any(|v| v.as_str() == Some(raw)),
        None => true,
    };
    if ok && enum_ok {
        Ok(())
    } else {
        Err(type_name(spec))
    }
}

fn in_bounds(spec: &Value, parsed: Option<i128>) -> bool {
    let bound = |key: &str| {
        spec.get(key)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<i128>().ok())
    };
    match parsed {
        Some(n) => {
            bound("minimum").is_none_or(|min| n >= min)
                && bound("maximum").is_none_or(|max| n <= max)
        }
        None => false,
    }
}

fn is_base64(raw: &str) -> bool {
    use base64::Engine;
    let engines = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ];
    engines.iter().any(|e| e.decode(raw).is_ok())
}

fn is_duration(raw: &str) -> bool {
    raw.strip_suffix('s')
        .map(|n| n.trim_start_matches('-'))
        .is_some_and(|n| {
            !n.is_empty()
                && n.split('.').count() <= 2
                && n.split('.').all(|p| p.chars().all(|c| c.is_ascii_digit()))
        })
}

/// Google's name for the expected type in "Invalid value at" messages.
fn type_name(spec: &Value) -> String {
    if spec.get("enum").is_some() {
        return "TYPE_ENUM".into();
    }
    let kind = spec.get("type").and_then(Value::as_str).unwrap_or("string");
    let format = spec.get("format").and_then(Value::as_str).unwrap_or("");
    match (kind, format) {
        ("boolean", _) => "TYPE_BOOL",
        (_, "int32") => "TYPE_INT32",
        (_, "uint32") => "TYPE_UINT32",
        (_, "int64") => "TYPE_INT64",
        (_, "uint64") => "TYPE_UINT64",
        ("number", "float") => "TYPE_FLOAT",
        ("number", _) => "TYPE_DOUBLE",
        ("integer", _) => "TYPE_INT64",
        (_, "byte") => "TYPE_BYTES",
        _ => "TYPE_STRING",
    }
    .into()
}

fn type_violation(path: &str, type_name: &str, value: &Value) -> (String, String) {
    let shown = match value {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    (
        path.to_string(),
        format!("Invalid value at '{path}' ({type_name}), {shown}"),
    )
}

fn invalid_value(field: &str, type_name: &str, raw: &str) -> ApiError {
    let (field, message) = type_violation(field, type_name, &Value::String(raw.to_string()));
    ApiError::bad_field(field, message)
}

fn unbindable(name: &str) -> ApiError {
    ApiError::bad_field(
        name,
        format!(
            "Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. \
             Field '{name}' could not be found in request message."
        ),
    )
}

fn location(spec: &Value) -> &str {
    spec.get("location")
        .and_then(Value::as_str)
        .unwrap_or("query")
}

/// lowerCamel -> snake_case, as ESF names fields in its messages.
fn snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::discovery::Discovery;

    fn method(id: &str) -> (std::sync::Arc<Discovery>, String) {
        (Discovery::shared().unwrap(), id.to_string())
    }

    fn body_err(id: &str, body: Value) -> Option<ApiError> {
        let (d, id) = method(id);
        let (api, m) = d.method(&id).unwrap();
        validate_body(api, m, Some(&body)).err()
    }

    fn query_err(id: &str, query: &[(&str, &str)]) -> Option<ApiError> {
        let (d, id) = method(id);
        let (api, m) = d.method(&id).unwrap();
        let q: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        validate_query(api, m, &q).err()
    }

    #[test]
    fn valid_compute_instance_passes() {
        let body = json!({
            "name": "vm-1",
            "machineType": "zones/us-central1-a/machineTypes/n2-standard-4",
            "canIpForward": false,
            "disks": [{"boot": true, "autoDelete": true, "type": "PERSISTENT",
                "initializeParams": {"diskSizeGb": "50", "sourceImage": "x"}}],
            "labels": {"env": "dev"},
            "metadata": {"items": [{"key": "startup-script", "value": "echo"}]},
            "scheduling": {"gracefulShutdown": {"enabled": true, "maxDuration": {"seconds": "30", "nanos": 0}}}
        });
        assert!(body_err("compute.instances.insert", body).is_none());
    }

    #[test]
    fn unknown_nested_field_is_named() {
        let err = body_err(
            "compute.instances.insert",
            json!({"name": "a", "disks": [{"bogus": 1}]}),
        )
        .unwrap();
        assert_eq!(err.code.as_u16(), 400);
        assert_eq!(
            err.message,
            "Invalid JSON payload received. Unknown name \"bogus\" at 'instance.disks[0]': Cannot find field."
        );
        assert_eq!(err.field_violations[0].0, "instance.disks[0]");
        let body = err.body();
        assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
        assert_eq!(
            body["error"]["details"][0]["@type"],
            "type.googleapis.com/google.rpc.BadRequest"
        );
    }

    #[test]
    fn int64_accepts_string_and_number_but_not_garbage() {
        let ok = |v: Value| {
            body_err(
                "compute.instances.insert",
                json!({"disks": [{"diskSizeGb": v}]}),
            )
            .is_none()
        };
        assert!(ok(json!("50")));
        assert!(ok(json!(50)));
        assert!(!ok(json!("fifty")));
        assert!(!ok(json!(1.5)));
        assert!(!ok(json!(true)));
    }

    #[test]
    fn wrong_types_and_enums_are_rejected() {
        assert!(body_err("compute.instances.insert", json!({"canIpForward": "yes"})).is_some());
        assert!(body_err("compute.instances.insert", json!({"disks": {"boot": true}})).is_some());
        assert!(body_err("compute.instances.insert", json!({"labels": {"a": 1}})).is_some());
        let err = body_err(
            "compute.instances.insert",
            json!({"disks": [{"type": "FLOPPY"}]}),
        )
        .unwrap();
        assert!(err.message.contains("TYPE_ENUM"), "{}", err.message);
    }

    #[test]
    fn cloud_run_service_schema() {
        let good = json!({
            "template": {"containers": [{"image": "us-docker.pkg.dev/x/y@sha256:abc", "ports": [{"containerPort": 8080}],
                "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}],
                "scaling": {"minInstanceCount": 1}, "timeout": "300s", "revision": "svc-abc"},
            "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
            "ingress": "INGRESS_TRAFFIC_ALL",
            "labels": {"a": "b"}
        });
        assert!(body_err("run.projects.locations.services.create", good).is_none());
        let err = body_err(
            "run.projects.locations.services.create",
            json!({"ingress": "EVERYONE"}),
        )
        .unwrap();
        assert!(
            err.message
                .starts_with("Invalid value at 'service.ingress'"),
            "{}",
            err.message
        );
        let err = body_err(
            "run.projects.locations.services.create",
            json!({"template": {"timeout": "5 minutes"}}),
        )
        .unwrap();
        assert!(
            err.message.contains("service.template.timeout"),
            "{}",
            err.message
        );
        let err = body_err("run.projects.locations.services.create", json!({"nope": 1})).unwrap();
        assert!(
            err.message.contains("Unknown name \"nope\" at 'service'"),
            "{}",
            err.message
        );
    }

    #[test]
    fn query_parameters() {
        assert!(query_err(
            "compute.zones.list",
            &[
                ("maxResults", "10"),
                ("filter", "name = x"),
                ("prettyPrint", "false"),
                ("alt", "json")
            ]
        )
        .is_none());
        let err = query_err("compute.zones.list", &[("bogus", "1")]).unwrap();
        assert!(
            err.message.contains("Unknown name \"bogus\""),
            "{}",
            err.message
        );
        assert!(query_err("compute.zones.list", &[("maxResults", "ten")]).is_some());
        assert!(query_err("compute.zones.list", &[("maxResults", "-1")]).is_some());
        assert!(query_err("compute.zones.list", &[("alt", "xml")]).is_some());
        assert!(query_err("compute.zones.list", &[("filter", "a"), ("filter", "b")]).is_some());
        // `project` is a path parameter and cannot be bound from the query.
        assert!(query_err("compute.zones.list", &[("project", "p")]).is_some());
        assert!(query_err(
            "run.projects.locations.services.create",
            &[("validateOnly", "maybe")]
        )
        .is_some());
    }

    #[test]
    fn path_patterns() {
        let d = Discovery::shared().unwrap();
        let (_, m) = d.method("compute.zones.get").unwrap();
        let params = |p: &str| {
            HashMap::from([
                ("project".to_string(), p.to_string()),
                ("zone".to_string(), "us-central1-a".to_string()),
            ])
        };
        assert!(validate_path(m, &params("my-project")).is_ok());
        assert!(validate_path(m, &params("Bad_Project!")).is_err());
    }
}
