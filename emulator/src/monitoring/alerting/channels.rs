//! `notificationChannels`: labels checked against the channel type's
//! descriptor, secret labels obfuscated on every read.

use serde_json::{json, Map, Value};

use super::{list_filtered, mutation_record, policies::references, project_of};
use crate::aip;
use crate::error::ApiError;
use crate::router::ApiCall;

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
const OBFUSCATED: &str = "**************";

fn descriptor(kind: &str) -> Option<&'static Descriptor> {
    DESCRIPTORS.iter().find(|d| d.kind == kind)
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
fn obfuscate(mut channel: Value) -> Value {
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

pub(super) fn channel_name(call: &ApiCall) -> String {
    format!(
        "projects/{}/notificationChannels/{}",
        call.path("projectsId"),
        call.path("notificationChannelsId")
    )
}

pub(super) async fn create_channel(call: ApiCall) -> Result<Value, ApiError> {
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

pub(super) async fn list_channels(call: ApiCall) -> Result<Value, ApiError> {
    list_filtered(
        &call,
        "notificationChannels",
        "notificationChannels",
        obfuscate,
    )
}

pub(super) async fn get_channel(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &channel_name(&call)).map(obfuscate)
}

/// Mask paths are the API's (`labels.auth_token`, `displayName`); without a
/// mask every field in the body replaces the stored one.
pub(super) async fn patch_channel(call: ApiCall) -> Result<Value, ApiError> {
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
pub(super) async fn delete_channel(call: ApiCall) -> Result<Value, ApiError> {
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
