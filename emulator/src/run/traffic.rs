//! Traffic targets: validation (as the Run API does it synchronously) and
//! resolution into the serving split that `trafficStatuses` reports.

use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::error::ApiError;

/// Cloud Run's rule for traffic tags.
static TAG: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$").ok());

pub const TYPE_REVISION: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";
pub const TYPE_LATEST: &str = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST";

/// Empty `traffic` means 100 % to the latest ready revision.
pub fn default_traffic() -> Value {
    json!([{"type": TYPE_LATEST, "percent": 100}])
}

/// The last path segment: targets may name revisions by full or short name.
pub fn short_name(revision: &str) -> &str {
    revision.rsplit('/').next().unwrap_or(revision)
}

fn percent(target: &Value) -> i64 {
    target.get("percent").and_then(Value::as_i64).unwrap_or(0)
}

fn target_type(target: &Value) -> &str {
    target.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Checks what the API rejects up front: percents in range and summing to
/// 100, revision names where needed, unique well-formed tags.
pub fn validate(traffic: &[Value]) -> Result<(), ApiError> {
    let tag_re = TAG
        .as_ref()
        .ok_or_else(|| ApiError::internal("the tag pattern does not compile"))?;
    let mut tags = HashSet::new();
    let mut sum = 0;
    for (i, target) in traffic.iter().enumerate() {
        let field = |f: &str| format!("service.traffic[{i}].{f}");
        let p = percent(target);
        if !(0..=100).contains(&p) {
            return Err(ApiError::bad_field(
                field("percent"),
                format!("Traffic percent must be between 0 and 100, got {p}."),
            ));
        }
        sum += p;
        let revision = target.get("revision").and_then(Value::as_str).unwrap_or("");
        match target_type(target) {
            TYPE_LATEST if !revision.is_empty() => {
                return Err(ApiError::bad_field(
                    field("revision"),
                    "A traffic target of type LATEST must not name a revision.",
                ))
            }
            TYPE_REVISION if revision.is_empty() => {
                return Err(ApiError::bad_field(
                    field("revision"),
                    "A traffic target of type REVISION must name a revision.",
                ))
            }
            TYPE_LATEST | TYPE_REVISION => {}
            other => {
                return Err(ApiError::bad_field(
                    field("type"),
                    format!("Unsupported traffic target type {other:?}."),
                ))
            }
        }
        if let Some(tag) = target
            .get("tag")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        {
            if !tag_re.is_match(tag) {
                return Err(ApiError::bad_field(
                    field("tag"),
                    format!("Tag {tag:?} must be lower-case letters, digits and hyphens, start with a letter and be at most 46 characters."),
                ));
            }
            if !tags.insert(tag.to_string()) {
                return Err(ApiError::bad_field(
                    field("tag"),
                    format!("Tag {tag:?} is used by more than one traffic target."),
                ));
            }
        }
    }
    if !traffic.is_empty() && sum != 100 {
        return Err(ApiError::bad_field(
            "service.traffic",
            format!("Traffic percents must add up to 100, got {sum}."),
        ));
    }
    Ok(())
}

/// Revision short names referenced by type-REVISION targets.
pub fn referenced_revisions(traffic: &[Value]) -> Vec<(String, i64)> {
    traffic
        .iter()
        .filter(|t| target_type(t) == TYPE_REVISION)
        .filter_map(|t| {
            t.get("revision")
                .and_then(Value::as_str)
                .map(|r| (short_name(r).to_string(), percent(t)))
        })
        .collect()
}

/// `trafficStatuses` for a converged `traffic`, with per-tag URLs.
pub fn statuses(traffic: &[Value], tag_uri: impl Fn(&str) -> String) -> Value {
    Value::Array(
        traffic
            .iter()
            .map(|t| {
                let mut status = json!({"type": target_type(t), "percent": percent(t)});
                if let Some(r) = t.get("revision").and_then(Value::as_str) {
                    status["revision"] = json!(short_name(r));
                }
                if let Some(tag) = t
                    .get("tag")
                    .and_then(Value::as_str)
                    .filter(|t| !t.is_empty())
                {
                    status["tag"] = json!(tag);
                    status["uri"] = json!(tag_uri(tag));
                }
                status
            })
            .collect(),
    )
}

/// Percent per revision short name (LATEST resolved to `latest_ready`); the
/// split the synthetic metrics are derived from.
pub fn split(traffic: &[Value], latest_ready: Option<&str>) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in traffic {
        let revision = match target_type(t) {
            TYPE_LATEST => latest_ready.map(str::to_string),
            _ => t
                .get("revision")
                .and_then(Value::as_str)
                .map(|r| short_name(r).to_string()),
        };
        if let Some(r) = revision {
            *out.entry(r).or_insert(0) += percent(t);
        }
    }
    out.retain(|_, p| *p > 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(name: &str, percent: i64, tag: Option<&str>) -> Value {
        let mut t = json!({"type": TYPE_REVISION, "revision": name, "percent": percent});
        if let Some(tag) = tag {
            t["tag"] = json!(tag);
        }
        t
    }

    #[test]
    fn rejects_bad_sums_duplicate_tags_and_missing_names() {
        assert!(validate(&[rev("a", 95, None), rev("b", 5, Some("candidate"))]).is_ok());
        let sum = validate(&[rev("a", 90, None), rev("b", 5, None)]).unwrap_err();
        assert!(sum.message.contains("add up to 100"));
        let dup = validate(&[rev("a", 50, Some("x")), rev("b", 50, Some("x"))]).unwrap_err();
        assert!(dup.message.contains("more than one"));
        let missing = validate(&[json!({"type": TYPE_REVISION, "percent": 100})]).unwrap_err();
        assert!(missing.message.contains("must name a revision"));
        assert!(validate(&[rev("a", 100, Some("Bad_Tag"))]).is_err());
        assert!(validate(&[]).is_ok());
    }

    #[test]
    fn split_resolves_latest_and_drops_zero() {
        let t = [
            json!({"type": TYPE_LATEST, "percent": 75}),
            rev("projects/p/locations/l/services/s/revisions/s-a", 25, None),
            rev("s-b", 0, Some("candidate")),
        ];
        let s = split(&t, Some("s-c"));
        assert_eq!(s.len(), 2);
        assert_eq!(s["s-c"], 75);
        assert_eq!(s["s-a"], 25);
        let st = statuses(&t, |tag| format!("https://{tag}---s"));
        assert_eq!(st[2]["uri"], "https://candidate---s");
        assert_eq!(st[1]["revision"], "s-a");
    }
}
