//! `alertPolicies`: conditions checked as Google checks them (metric types,
//! aligners, durations), channels referenced by name.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::{aligners, list_filtered, mutation_record, project_of};
use crate::aip;
use crate::error::ApiError;
use crate::router::ApiCall;

pub(super) fn references(policy: &Value, channel: &str) -> bool {
    policy
        .get("notificationChannels")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|c| c.as_str() == Some(channel)))
}

fn policy_name(call: &ApiCall) -> String {
    format!(
        "projects/{}/alertPolicies/{}",
        call.path("projectsId"),
        call.path("alertPoliciesId")
    )
}

/// `duration`s are seconds with an `s` suffix and alerting wants whole minutes... or zero.
fn check_duration(field: &str, text: Option<&str>) -> Result<(), ApiError> {
    let Some(text) = text else { return Ok(()) };
    let secs = text
        .strip_suffix('s')
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| ApiError::bad_field(field, format!("Invalid duration \"{text}\".")))?;
    if secs % 60 != 0 {
        return Err(ApiError::bad_field(
            field,
            "The duration must be a whole number of minutes.",
        ));
    }
    Ok(())
}

/// Google's answer to a policy watching a metric with no descriptor yet.
fn unknown_metric(metric_type: &str) -> ApiError {
    ApiError::invalid_argument(format!(
        "Cannot find metric(s) that match type = \"{metric_type}\". If a metric was created recently, it could take up to 10 minutes to become available. Please try again soon."
    ))
}

fn validate_condition(call: &ApiCall, i: usize, condition: &Value) -> Result<(), ApiError> {
    let at = |f: &str| format!("conditions[{i}].{f}");
    if condition
        .get("displayName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_field(
            at("displayName"),
            "A condition needs a display name.",
        ));
    }
    let kinds = condition.as_object().map_or(0, |o| {
        o.keys().filter(|k| k.starts_with("condition")).count()
    });
    if kinds != 1 {
        return Err(ApiError::bad_field(
            at("condition"),
            "Exactly one condition type must be set.",
        ));
    }
    if let Some(threshold) = condition.get("conditionThreshold") {
        if threshold
            .get("filter")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ApiError::bad_field(
                at("conditionThreshold.filter"),
                "A threshold condition needs a filter.",
            ));
        }
        let comparison = threshold
            .get("comparison")
            .and_then(Value::as_str)
            .unwrap_or("COMPARISON_UNSPECIFIED");
        if comparison == "COMPARISON_UNSPECIFIED" {
            return Err(ApiError::bad_field(
                at("conditionThreshold.comparison"),
                "A threshold condition needs a comparison.",
            ));
        }
        check_duration(
            &at("conditionThreshold.duration"),
            threshold.get("duration").and_then(Value::as_str),
        )?;
        let aggregations = threshold
            .get("aggregations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let metric = match threshold
            .get("filter")
            .and_then(Value::as_str)
            .and_then(aligners::filtered_metric_type)
        {
            Some(metric_type) => Some(
                crate::monitoring::descriptors::kind_of(call, metric_type)
                    .ok_or_else(|| unknown_metric(metric_type))?,
            ),
            None => None,
        };
        for (j, agg) in aggregations.iter().enumerate() {
            let aligner = agg
                .get("perSeriesAligner")
                .and_then(Value::as_str)
                .unwrap_or("ALIGN_NONE");
            aligners::check(
                &at(&format!("conditionThreshold.aggregations[{j}]")),
                aligner,
                agg.get("crossSeriesReducer").and_then(Value::as_str),
                metric.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
            )?;
            let period = agg.get("alignmentPeriod").and_then(Value::as_str);
            if aligner != "ALIGN_NONE" && period.is_none() {
                return Err(ApiError::bad_field(
                    at(&format!(
                        "conditionThreshold.aggregations[{j}].alignmentPeriod"
                    )),
                    "An alignment period is required with a per-series aligner.",
                ));
            }
            if let Some(p) = period {
                let secs = p
                    .strip_suffix('s')
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
                if secs < 60 {
                    return Err(ApiError::bad_field(
                        at(&format!(
                            "conditionThreshold.aggregations[{j}].alignmentPeriod"
                        )),
                        "The alignment period must be at least 60s.",
                    ));
                }
            }
        }
    }
    Ok(())
}

fn validate_policy(call: &ApiCall, policy: &Value) -> Result<(), ApiError> {
    if policy
        .get("displayName")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_field(
            "displayName",
            "An alert policy needs a display name.",
        ));
    }
    let conditions = policy
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if conditions.is_empty() || conditions.len() > 6 {
        return Err(ApiError::bad_field(
            "conditions",
            "An alert policy needs between 1 and 6 conditions.",
        ));
    }
    let combiner = policy
        .get("combiner")
        .and_then(Value::as_str)
        .unwrap_or("COMBINE_UNSPECIFIED");
    if conditions.len() > 1 && combiner == "COMBINE_UNSPECIFIED" {
        return Err(ApiError::bad_field(
            "combiner",
            "A combiner is required with more than one condition.",
        ));
    }
    for (i, c) in conditions.iter().enumerate() {
        validate_condition(call, i, c)?;
    }
    let channels = policy
        .get("notificationChannels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if channels.len() > 16 {
        return Err(ApiError::bad_field(
            "notificationChannels",
            "At most 16 notification channels per policy.",
        ));
    }
    let project = format!("projects/{}/", call.path("projectsId"));
    let mut seen = BTreeSet::new();
    for (i, c) in channels.iter().enumerate() {
        let c = c.as_str().unwrap_or("");
        if !c.starts_with(&project)
            || !c.contains("/notificationChannels/")
            || !aip::exists(call, c)
        {
            return Err(ApiError::bad_field(
                format!("notificationChannels[{i}]"),
                format!("Notification channel \"{c}\" does not exist in this project."),
            ));
        }
        if !seen.insert(c) {
            return Err(ApiError::bad_field(
                format!("notificationChannels[{i}]"),
                "Duplicate notification channel.",
            ));
        }
    }
    Ok(())
}

/// Gives each condition its server-assigned name.
fn name_conditions(policy: &mut Value, name: &str) {
    if let Some(conditions) = policy.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conditions {
            if c.get("name").is_none() {
                c["name"] = json!(format!("{name}/conditions/{}", aip::numeric_id()));
            }
        }
    }
}

pub(super) async fn create_policy(call: ApiCall) -> Result<Value, ApiError> {
    let project = project_of(&call)?;
    let mut policy = call.body_or_empty();
    validate_policy(&call, &policy)?;
    let name = format!("projects/{project}/alertPolicies/{}", aip::numeric_id());
    policy["name"] = json!(name);
    if policy.get("enabled").is_none() {
        policy["enabled"] = json!(true);
    }
    if policy.get("combiner").is_none() {
        policy["combiner"] = json!("OR");
    }
    name_conditions(&mut policy, &name);
    policy["creationRecord"] = mutation_record(&call);
    policy["mutationRecord"] = mutation_record(&call);
    aip::insert_new(&call, &name, policy, aip::already_exists(name.clone()))
}

pub(super) async fn get_policy(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &policy_name(&call))
}

pub(super) async fn list_policies(call: ApiCall) -> Result<Value, ApiError> {
    list_filtered(&call, "alertPolicies", "alertPolicies", |p| p)
}

pub(super) async fn patch_policy(call: ApiCall) -> Result<Value, ApiError> {
    let name = policy_name(&call);
    let mut policy = aip::get(&call, &name)?;
    let patch = call.body_or_empty();
    let mask = aip::mask_or_body_fields(&call, &patch, |k, _| k != "name");
    aip::apply_mask(&mut policy, &patch, &mask);
    validate_policy(&call, &policy)?;
    name_conditions(&mut policy, &name);
    policy["mutationRecord"] = mutation_record(&call);
    aip::replace(&call, &name, policy)
}

pub(super) async fn delete_policy(call: ApiCall) -> Result<Value, ApiError> {
    aip::remove(&call, &policy_name(&call))
}
