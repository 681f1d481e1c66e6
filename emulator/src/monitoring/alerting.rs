//! Monitoring v3 alerting: `notificationChannels` (secret labels obfuscated on
//! every read) and `alertPolicies`.

mod aligners;
mod filter;

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::aip;
use crate::clock::{now_ms, rfc3339};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// A channel type's labels, as its `notificationChannelDescriptor` lists them.
struct Descriptor {
    kind: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// Labels Google never returns in clear text.
    secret: &'static [&'static str],
}

const DESCRIPTORS: &[Descriptor] = &[
    Descriptor {
        kind: "email",
        required: &["email_address"],
        optional: &[],
        secret: &[],
    },
    Descriptor {
        kind: "slack",
        required: &["channel_name", "auth_token"],
        optional: &["team"],
        secret: &["auth_token"],
    },
    Descriptor {
        kind: "pagerduty",
        required: &["service_key"],
        optional: &[],
        secret: &["service_key"],
    },
    Descriptor {
        kind: "webhook_basicauth",
        required: &["url", "username", "password"],
        optional: &[],
        secret: &["password"],
    },
    Descriptor {
        kind: "webhook_tokenauth",
        required: &["url"],
        optional: &[],
        secret: &[],
    },
    Descriptor {
        kind: "pubsub",
        required: &["topic"],
        optional: &[],
        secret: &[],
    },
    Descriptor {
        kind: "sms",
        required: &["number"],
        optional: &[],
        secret: &[],
    },
    Descriptor {
        kind: "google_chat",
        required: &["space"],
        optional: &[],
        secret: &[],
    },
];

/// What Google shows instead of a secret label value.
pub const OBFUSCATED: &str = "**************";

fn descriptor(kind: &str) -> Option<&'static Descriptor> {
    DESCRIPTORS.iter().find(|d| d.kind == kind)
}

fn project_of(call: &ApiCall) -> Result<String, ApiError> {
    let project = call.path("projectsId").to_string();
    if call.app.project_exists(&project) {
        Ok(project)
    } else {
        Err(aip::not_found(&format!("projects/{project}")))
    }
}

fn mutation_record(call: &ApiCall) -> Value {
    json!({"mutateTime": rfc3339(now_ms()), "mutatedBy": call.principal})
}

/// Checks a channel's type and labels against its descriptor.
fn validate_channel(channel: &Value) -> Result<(), ApiError> {
    let kind = channel.get("type").and_then(Value::as_str).unwrap_or("");
    let desc = descriptor(kind).ok_or_else(|| {
        ApiError::bad_field(
            "type",
            format!("Unknown notification channel type: \"{kind}\"."),
        )
    })?;
    let empty = Map::new();
    let labels = channel
        .get("labels")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for key in labels.keys() {
        if !desc.required.contains(&key.as_str()) && !desc.optional.contains(&key.as_str()) {
            return Err(ApiError::bad_field(
                format!("labels.{key}"),
                format!("Label \"{key}\" is not defined for channel type \"{kind}\"."),
            ));
        }
    }
    for key in desc.required {
        let present = labels
            .get(*key)
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if !present {
            return Err(ApiError::bad_field(
                format!("labels.{key}"),
                format!("Missing required label \"{key}\" for channel type \"{kind}\"."),
            ));
        }
    }
    if kind == "email" {
        let address = labels
            .get("email_address")
            .and_then(Value::as_str)
            .unwrap_or("");
        if address
            .split_once('@')
            .is_none_or(|(l, d)| l.is_empty() || !d.contains('.'))
        {
            return Err(ApiError::bad_field(
                "labels.email_address",
                format!("\"{address}\" is not a valid email address."),
            ));
        }
    }
    Ok(())
}

/// The channel as API reads return it: secrets replaced.
pub fn obfuscate(mut channel: Value) -> Value {
    let kind = channel
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if let (Some(desc), Some(labels)) = (
        descriptor(&kind),
        channel.get_mut("labels").and_then(Value::as_object_mut),
    ) {
        for key in desc.secret {
            if let Some(v) = labels.get_mut(*key) {
                *v = json!(OBFUSCATED);
            }
        }
    }
    channel
}

fn channel_name(call: &ApiCall) -> String {
    format!(
        "projects/{}/notificationChannels/{}",
        call.path("projectsId"),
        call.path("notificationChannelsId")
    )
}

async fn create_channel(call: ApiCall) -> Result<Value, ApiError> {
    let project = project_of(&call)?;
    let mut channel = call.body_or_empty();
    validate_channel(&channel)?;
    let name = format!(
        "projects/{project}/notificationChannels/{}",
        aip::numeric_id()
    );
    channel["name"] = json!(name);
    if channel.get("enabled").is_none() {
        channel["enabled"] = json!(true);
    }
    // Email addresses need a confirmation click; token-based types are verified by their token.
    let kind = channel["type"].as_str().unwrap_or("");
    channel["verificationStatus"] = json!(if kind == "email" {
        "UNVERIFIED"
    } else {
        "VERIFIED"
    });
    channel["creationRecord"] = mutation_record(&call);
    channel["mutationRecords"] = json!([mutation_record(&call)]);
    let stored = aip::insert_new(&call, &name, channel, aip::already_exists(name.clone()))?;
    Ok(obfuscate(stored))
}

/// `GET projects/{p}/<collection>` with an optional `filter`; one page holds
/// everything (the guard's collections are small).
fn list_filtered(
    call: &ApiCall,
    collection: &str,
    field: &str,
    shown: fn(Value) -> Value,
) -> Result<Value, ApiError> {
    let project = project_of(call)?;
    let filter = filter::parse(call.query_one("filter").unwrap_or(""))?;
    let items: Vec<Value> = aip::children(call, &format!("projects/{project}/{collection}"))
        .into_iter()
        .map(shown)
        // Matched as shown, so a filter cannot probe an obfuscated secret.
        .filter(|r| filter.matches(r))
        .collect();
    let total = items.len();
    Ok(json!({ field: items, "totalSize": total }))
}

async fn list_channels(call: ApiCall) -> Result<Value, ApiError> {
    list_filtered(
        &call,
        "notificationChannels",
        "notificationChannels",
        obfuscate,
    )
}

async fn list_policies(call: ApiCall) -> Result<Value, ApiError> {
    list_filtered(&call, "alertPolicies", "alertPolicies", |p| p)
}

async fn get_channel(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &channel_name(&call)).map(obfuscate)
}

/// Mask paths are the API's (`labels.auth_token`, `displayName`); without a
/// mask every field in the body replaces the stored one.
async fn patch_channel(call: ApiCall) -> Result<Value, ApiError> {
    let name = channel_name(&call);
    let mut channel = aip::get(&call, &name)?;
    let patch = call.body_or_empty();
    let mask = aip::mask_or_body_fields(&call, &patch, |_, _| true);
    for path in &mask {
        if matches!(
            path.as_str(),
            "name" | "type" | "verificationStatus" | "creationRecord" | "mutationRecords"
        ) {
            return Err(ApiError::bad_field(
                "update_mask",
                format!("Field \"{path}\" cannot be updated."),
            ));
        }
    }
    aip::apply_mask(&mut channel, &patch, &mask);
    validate_channel(&channel)?;
    if let Some(records) = channel
        .get_mut("mutationRecords")
        .and_then(Value::as_array_mut)
    {
        records.push(mutation_record(&call));
    }
    aip::replace(&call, &name, channel).map(obfuscate)
}

/// Without `force`, a channel an alert policy uses cannot be deleted.
async fn delete_channel(call: ApiCall) -> Result<Value, ApiError> {
    let name = channel_name(&call);
    let force = call.query_one("force") == Some("true");
    call.app.store.mutate(|d| {
        if !d.resources.contains_key(&name) {
            return Err(aip::not_found(&name));
        }
        let users: Vec<String> = d
            .resources
            .iter()
            .filter(|(k, v)| k.contains("/alertPolicies/") && references(v, &name))
            .map(|(k, _)| k.clone())
            .collect();
        if !users.is_empty() && !force {
            return Err(aip::failed_precondition(format!(
                "Notification channel {name} is referenced by alert policies ({}); delete with force=true to detach it.",
                users.join(", ")
            )));
        }
        for policy in users {
            if let Some(list) = d
                .resources
                .get_mut(&policy)
                .and_then(|p| p.get_mut("notificationChannels"))
                .and_then(Value::as_array_mut)
            {
                list.retain(|c| c.as_str() != Some(name.as_str()));
            }
        }
        d.resources.remove(&name);
        Ok(json!({}))
    })
}

fn references(policy: &Value, channel: &str) -> bool {
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

async fn create_policy(call: ApiCall) -> Result<Value, ApiError> {
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

async fn get_policy(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &policy_name(&call))
}

async fn patch_policy(call: ApiCall) -> Result<Value, ApiError> {
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

async fn delete_policy(call: ApiCall) -> Result<Value, ApiError> {
    aip::remove(&call, &policy_name(&call))
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add(
        "monitoring.projects.notificationChannels.create",
        create_channel,
    )?;
    routes.add("monitoring.projects.notificationChannels.get", get_channel)?;
    routes.add(
        "monitoring.projects.notificationChannels.list",
        list_channels,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.patch",
        patch_channel,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.delete",
        delete_channel,
    )?;
    routes.add("monitoring.projects.alertPolicies.create", create_policy)?;
    routes.add("monitoring.projects.alertPolicies.get", get_policy)?;
    routes.add("monitoring.projects.alertPolicies.list", list_policies)?;
    routes.add("monitoring.projects.alertPolicies.patch", patch_policy)?;
    routes.add("monitoring.projects.alertPolicies.delete", delete_policy)
}
