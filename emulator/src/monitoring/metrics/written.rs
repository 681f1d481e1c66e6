//! User-written time series: `timeSeries.create` for `custom.googleapis.com/`
//! and `external.googleapis.com/` metrics, checked as Monitoring checks them
//! (one point per series and request, points in order, a value of the
//! descriptor's type, a monitored resource custom metrics may use), stored per
//! series, and read back by `timeSeries.list`. A missing descriptor is created
//! from the first write, as Monitoring does.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::filter::Fields;
use super::{bad, parse_time, Val};
use crate::aip;
use crate::error::ApiError;
use crate::router::ApiCall;

/// The monitored resource types custom metrics may be written against.
const WRITABLE_RESOURCES: &[&str] = &[
    "aws_ec2_instance",
    "dataflow_job",
    "gae_instance",
    "gce_instance",
    "generic_node",
    "generic_task",
    "gke_container",
    "global",
    "k8s_cluster",
    "k8s_container",
    "k8s_node",
    "k8s_pod",
];

/// At most this many series per request, as in the API.
const MAX_SERIES: usize = 200;

/// Points kept per series (older ones are dropped, like retention).
const KEEP_POINTS: usize = 10_000;

fn prefix(project: &str) -> String {
    format!("projects/{project}/timeSeries")
}

/// The store key of one series: its metric and resource, labels included.
fn series_name(project: &str, metric: &Value, resource: &Value) -> String {
    let key = json!([metric, resource]).to_string();
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{}/{hex}", prefix(project))
}

fn labels_of(v: &Value) -> serde_json::Map<String, Value> {
    v.get("labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The point's value and its value type; only numbers are written here.
fn point_value(field: &str, value: &Value) -> Result<(Val, &'static str), ApiError> {
    if let Some(text) = value.get("int64Value") {
        let n = text
            .as_str()
            .and_then(|t| t.parse::<i64>().ok())
            .or_else(|| text.as_i64())
            .ok_or_else(|| {
                bad(
                    field,
                    format!("Invalid value at '{field}.int64_value' (TYPE_INT64), {text}"),
                )
            })?;
        return Ok((Val::Int(n), "INT64"));
    }
    if let Some(d) = value.get("doubleValue") {
        let x = d.as_f64().ok_or_else(|| {
            bad(
                field,
                format!("Invalid value at '{field}.double_value' (TYPE_DOUBLE), {d}"),
            )
        })?;
        return Ok((Val::Double(x), "DOUBLE"));
    }
    if ["boolValue", "stringValue", "distributionValue"]
        .iter()
        .any(|k| value.get(k).is_some())
    {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_IMPLEMENTED,
            "notImplemented",
            "The emulator stores only int64Value and doubleValue points.",
        ));
    }
    Err(bad(
        field,
        format!("Field {field} had an invalid value: a point needs a value."),
    ))
}

/// The descriptor of `metric_type`, created from this write when missing.
fn descriptor(
    call: &ApiCall,
    project: &str,
    metric_type: &str,
    kind: &str,
    value_type: &str,
) -> Result<(String, String), ApiError> {
    if let Some(found) = super::super::descriptors::kind_of(call, metric_type) {
        return Ok(found);
    }
    let name = format!("projects/{project}/metricDescriptors/{metric_type}");
    let created = json!({
        "name": name,
        "type": metric_type,
        "metricKind": kind,
        "valueType": value_type,
        "description": "Auto-created custom metric.",
    });
    // A concurrent first write may have created it: either one is fine.
    let _ = aip::insert_new(call, &name, created, aip::already_exists(""));
    Ok((kind.to_owned(), value_type.to_owned()))
}

/// `projects.timeSeries.create`.
pub async fn create(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("projectsId").to_string();
    if !call.app.project_exists(&project) {
        return Err(aip::not_found(&format!("projects/{project}")));
    }
    let body = call.body_or_empty();
    let series = body
        .get("timeSeries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if series.is_empty() || series.len() > MAX_SERIES {
        return Err(bad("timeSeries", format!("Field timeSeries had an invalid value: between 1 and {MAX_SERIES} time series are required per request.")));
    }
    for (i, s) in series.iter().enumerate() {
        let at = |f: &str| format!("timeSeries[{i}].{f}");
        let metric = s.get("metric").cloned().unwrap_or(Value::Null);
        let metric_type = metric.get("type").and_then(Value::as_str).unwrap_or("");
        if !["custom.googleapis.com/", "external.googleapis.com/"]
            .iter()
            .any(|p| metric_type.strip_prefix(p).is_some_and(|r| !r.is_empty()))
        {
            return Err(bad(&at("metric.type"), format!("Field {} had an invalid value of \"{metric_type}\": only custom.googleapis.com/ and external.googleapis.com/ metrics can be written.", at("metric.type"))));
        }
        let resource = s.get("resource").cloned().unwrap_or(Value::Null);
        let resource_type = resource.get("type").and_then(Value::as_str).unwrap_or("");
        if !WRITABLE_RESOURCES.contains(&resource_type) {
            return Err(bad(&at("resource.type"), format!("Field {} had an invalid value of \"{resource_type}\": custom metrics can be written only for the monitored resource types {}.", at("resource.type"), WRITABLE_RESOURCES.join(", "))));
        }
        let points = s
            .get("points")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let [point] = points.as_slice() else {
            return Err(bad(&at("points"), format!("Field {} had an invalid value: exactly one point is required per time series in a write.", at("points"))));
        };
        let end_text = point
            .pointer("/interval/endTime")
            .and_then(Value::as_str)
            .unwrap_or("");
        let end_ms = parse_time(&at("points[0].interval.end_time"), end_text)?;
        let kind = s
            .get("metricKind")
            .and_then(Value::as_str)
            .unwrap_or("GAUGE");
        if kind != "GAUGE" {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_IMPLEMENTED,
                "notImplemented",
                "The emulator stores only GAUGE custom metrics.",
            ));
        }
        if let Some(start) = point.pointer("/interval/startTime").and_then(Value::as_str) {
            if parse_time(&at("points[0].interval.start_time"), start)? != end_ms {
                return Err(bad(
                    &at("points[0].interval"),
                    "The start time must equal the end time for a GAUGE metric.",
                ));
            }
        }
        let (value, value_type) = point_value(
            &at("points[0].value"),
            point.get("value").unwrap_or(&Value::Null),
        )?;
        let (stored_kind, stored_type) =
            descriptor(&call, &project, metric_type, kind, value_type)?;
        if stored_kind != kind || stored_type != value_type {
            return Err(bad(&at("points[0].value"), format!("Value type for metric {metric_type} must be {stored_type} and kind {stored_kind}, but is {value_type} and {kind}.")));
        }
        let name = series_name(&project, &metric, &resource);
        call.app.store.mutate(|d| {
            let slot = d.resources.entry(name.clone()).or_insert_with(|| {
                json!({"metric": metric, "resource": resource, "metricKind": kind, "valueType": value_type, "points": []})
            });
            let list = slot["points"].as_array_mut().expect("points array");
            let last = list.last().and_then(|p| p["endMs"].as_i64());
            if last.is_some_and(|l| end_ms <= l) {
                return Err(bad(&at("points[0].interval.end_time"), "Points must be written in order. One or more of the points specified had an older start time than the most recent point."));
            }
            list.push(json!({"endMs": end_ms, "value": value.to_json()}));
            if list.len() > KEEP_POINTS {
                list.remove(0);
            }
            Ok(())
        })?;
    }
    Ok(json!({}))
}

/// A stored series' filter fields and its raw points (end time, value).
pub struct Written {
    pub fields: Fields,
    pub points: Vec<(i64, Val)>,
}

/// Every series written to `project` for `metric_type`.
pub fn series(call: &ApiCall, project: &str, metric_type: &str) -> Vec<Written> {
    aip::children(call, &prefix(project))
        .into_iter()
        .filter(|s| s.pointer("/metric/type").and_then(Value::as_str) == Some(metric_type))
        .map(|s| {
            let mut fields: Fields = [
                ("metric.type".to_owned(), metric_type.to_owned()),
                (
                    "resource.type".to_owned(),
                    s.pointer("/resource/type")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ),
            ]
            .into_iter()
            .collect();
            for (scope, part) in [("metric", &s["metric"]), ("resource", &s["resource"])] {
                for (k, v) in labels_of(part) {
                    fields.insert(
                        format!("{scope}.labels.{k}"),
                        v.as_str().unwrap_or("").to_owned(),
                    );
                }
            }
            let points = s["points"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| {
                    let end = p["endMs"].as_i64()?;
                    let v = &p["value"];
                    let val = match v.get("int64Value") {
                        Some(n) => Val::Int(n.as_str()?.parse().ok()?),
                        None => Val::Double(v.get("doubleValue")?.as_f64()?),
                    };
                    Some((end, val))
                })
                .collect();
            Written { fields, points }
        })
        .collect()
}
