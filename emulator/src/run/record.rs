//! The stored form of a Cloud Run service and how it reconciles.
//!
//! A service is stored as its public JSON plus an `_emulator` member (never
//! rendered) holding the in-flight reconciliation and the history of serving
//! splits, which the synthetic Monitoring metrics are derived from.
//! Reconciliation completes with its operation: the store's one settle path
//! ([`crate::store::Data::settle`], run before every request, by operation
//! waits and by the admin view) finishes operations and reconciliations alike.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::traffic;
use crate::clock::rfc3339;
use crate::store::Data;

const INTERNAL: &str = "_emulator";

/// A reconciliation started by a create or patch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub done_ms: i64,
    /// Short name of the revision this change created, if any.
    pub new_revision: Option<String>,
    /// Why the operation fails (it then leaves the serving split alone).
    pub failure: Option<String>,
}

/// From `at_ms` on, revision short name -> percent of requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitAt {
    pub at_ms: i64,
    pub split: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Internal {
    /// The newest generation's reconciliation.
    pub pending: Option<Pending>,
    /// Older generations still reconciling when a newer change arrived: their
    /// revisions still become ready (or fail) when their operations finish.
    pub superseded: Vec<Pending>,
    pub history: Vec<SplitAt>,
}

impl Internal {
    /// Starts the reconciliation of a new generation, keeping an unfinished
    /// older one's revision effects.
    pub fn begin(&mut self, next: Pending) {
        if let Some(older) = self.pending.replace(next) {
            self.superseded.push(older);
        }
    }

    fn due(&self, now: i64) -> bool {
        self.pending.as_ref().is_some_and(|p| p.done_ms <= now)
            || self.superseded.iter().any(|p| p.done_ms <= now)
    }
}

pub fn internal(service: &Value) -> Internal {
    service
        .get(INTERNAL)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

pub fn set_internal(service: &mut Value, state: &Internal) {
    service[INTERNAL] = serde_json::to_value(state).unwrap_or(Value::Null);
}

/// The resource as the API shows it.
pub fn render(stored: &Value) -> Value {
    let mut v = stored.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove(INTERNAL);
    }
    v
}

/// A new opaque etag for the current content.
pub fn refresh_etag(resource: &mut Value) {
    let mut content = render(resource);
    if let Some(o) = content.as_object_mut() {
        o.remove("etag");
    }
    let digest = Sha256::digest(content.to_string().as_bytes());
    resource["etag"] = json!(format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12])
    ));
}

pub fn is_service_key(key: &str) -> bool {
    let parts: Vec<&str> = key.split('/').collect();
    parts.len() == 6 && parts[0] == "projects" && parts[2] == "locations" && parts[4] == "services"
}

pub fn revision_key(service: &str, short: &str) -> String {
    format!("{service}/revisions/{short}")
}

/// Finishes every reconciliation whose time has come. Returns whether anything changed.
pub fn settle(data: &mut Data, now: i64) -> bool {
    let due: Vec<String> = data
        .resources
        .iter()
        .filter(|(k, v)| is_service_key(k) && internal(v).due(now))
        .map(|(k, _)| k.clone())
        .collect();
    for name in &due {
        finish(data, name, now);
    }
    !due.is_empty()
}

fn condition(kind: &str, state: &str, at: i64) -> Value {
    json!({"type": kind, "state": state, "lastTransitionTime": rfc3339(at)})
}

/// The revision a reconciliation created becomes ready, or fails.
fn finish_revision(data: &mut Data, name: &str, pending: &Pending) {
    let Some(r) = &pending.new_revision else {
        return;
    };
    if let Some(rev) = data.resources.get_mut(&revision_key(name, r)) {
        rev["reconciling"] = json!(false);
        rev["observedGeneration"] = json!("1");
        let mut ready = condition(
            "Ready",
            if pending.failure.is_some() {
                "CONDITION_FAILED"
            } else {
                "CONDITION_SUCCEEDED"
            },
            pending.done_ms,
        );
        if let Some(message) = &pending.failure {
            ready["message"] = json!(message);
            ready["reason"] = json!("HEALTH_CHECK_CONTAINER_ERROR");
        }
        rev["conditions"] = json!([ready]);
        refresh_etag(rev);
    }
}

/// Completes what is due at `now`: superseded generations' revisions, then
/// the newest generation (its spec becomes what serves).
fn finish(data: &mut Data, name: &str, now: i64) {
    let Some(mut service) = data.resources.get(name).cloned() else {
        return;
    };
    let mut state = internal(&service);
    let (done, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut state.superseded)
        .into_iter()
        .partition(|p| p.done_ms <= now);
    state.superseded = waiting;
    for older in &done {
        finish_revision(data, name, older);
        if let (None, Some(r)) = (&older.failure, &older.new_revision) {
            service["latestReadyRevision"] = json!(revision_key(name, r));
        }
    }
    let Some(pending) = state.pending.take_if(|p| p.done_ms <= now) else {
        set_internal(&mut service, &state);
        refresh_etag(&mut service);
        data.resources.insert(name.to_string(), service);
        return;
    };
    let at = pending.done_ms;
    service["observedGeneration"] = service["generation"].clone();
    service["reconciling"] = json!(!state.superseded.is_empty());
    finish_revision(data, name, &pending);
    match &pending.failure {
        Some(message) => {
            let mut failed = condition("Ready", "CONDITION_FAILED", at);
            failed["message"] = json!(message);
            service["terminalCondition"] = failed;
        }
        None => {
            if let Some(r) = &pending.new_revision {
                service["latestReadyRevision"] = json!(revision_key(name, r));
            }
            let spec = service["traffic"].as_array().cloned().unwrap_or_default();
            let uri = service["uri"].as_str().unwrap_or_default().to_string();
            service["trafficStatuses"] = traffic::statuses(&spec, |tag| tag_uri(&uri, tag));
            let latest = service["latestReadyRevision"]
                .as_str()
                .map(|r| traffic::short_name(r).to_string());
            let split = traffic::split(&spec, latest.as_deref());
            if state.history.last().is_none_or(|h| h.split != split) {
                state.history.push(SplitAt { at_ms: at, split });
            }
            service["terminalCondition"] = condition("Ready", "CONDITION_SUCCEEDED", at);
            service["conditions"] = json!([
                condition("RoutesReady", "CONDITION_SUCCEEDED", at),
                condition("ConfigurationsReady", "CONDITION_SUCCEEDED", at),
            ]);
        }
    }
    service["updateTime"] = json!(rfc3339(at));
    set_internal(&mut service, &state);
    refresh_etag(&mut service);
    data.resources.insert(name.to_string(), service);
}

/// `https://{tag}---{host}` for the service URI `https://{host}`.
pub fn tag_uri(service_uri: &str, tag: &str) -> String {
    match service_uri.strip_prefix("https://") {
        Some(host) => format!("https://{tag}---{host}"),
        None => service_uri.to_string(),
    }
}

/// The service as it will look once its pending change completes (the LRO response).
pub fn preview_finished(data: &Data, name: &str, service: &Value) -> Value {
    let mut scratch = Data::default();
    scratch.resources.insert(name.to_string(), service.clone());
    for (k, v) in data.resources.range(format!("{name}/revisions/")..) {
        if !k.starts_with(&format!("{name}/revisions/")) {
            break;
        }
        scratch.resources.insert(k.clone(), v.clone());
    }
    finish(&mut scratch, name, i64::MAX);
    scratch.resources.get(name).map(render).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_keys_and_tag_uris() {
        assert!(is_service_key("projects/p/locations/l/services/s"));
        assert!(!is_service_key(
            "projects/p/locations/l/services/s/revisions/r"
        ));
        assert_eq!(
            tag_uri("https://api-123.us-central1.run.app", "candidate"),
            "https://candidate---api-123.us-central1.run.app"
        );
    }

    #[test]
    fn failed_reconcile_keeps_serving_split() {
        let name = "projects/p/locations/l/services/s";
        let mut svc = json!({"name": name, "generation": "2", "uri": "https://s-1.l.run.app",
            "traffic": [{"type": traffic::TYPE_REVISION, "revision": "s-b", "percent": 100}],
            "trafficStatuses": [{"type": traffic::TYPE_REVISION, "revision": "s-a", "percent": 100}]});
        set_internal(
            &mut svc,
            &Internal {
                pending: Some(Pending {
                    done_ms: 10,
                    new_revision: Some("s-b".into()),
                    failure: Some("not ready".into()),
                }),
                ..Internal::default()
            },
        );
        let mut data = Data::default();
        data.resources.insert(name.into(), svc);
        data.resources
            .insert(revision_key(name, "s-b"), json!({"name": "x"}));
        assert!(!settle(&mut data, 5));
        assert!(settle(&mut data, 10));
        let s = &data.resources[name];
        assert_eq!(s["trafficStatuses"][0]["revision"], "s-a");
        assert_eq!(s["terminalCondition"]["state"], "CONDITION_FAILED");
        assert_eq!(s["observedGeneration"], "2");
        assert_eq!(
            data.resources[&revision_key(name, "s-b")]["conditions"][0]["state"],
            "CONDITION_FAILED"
        );
        assert!(internal(s).history.is_empty());
    }

    #[test]
    fn a_change_during_a_pending_generation_keeps_its_effects() {
        let name = "projects/p/locations/l/services/s";
        let spec =
            |rev: &str| json!([{"type": traffic::TYPE_REVISION, "revision": rev, "percent": 100}]);
        let mut svc = json!({"name": name, "generation": "3", "uri": "https://s-1.l.run.app", "traffic": spec("s-a")});
        let mut state = Internal::default();
        // Generation 2 creates s-b (done at 10); generation 3 (traffic only) arrives first.
        state.begin(Pending {
            done_ms: 10,
            new_revision: Some("s-b".into()),
            failure: None,
        });
        state.begin(Pending {
            done_ms: 20,
            new_revision: None,
            failure: None,
        });
        set_internal(&mut svc, &state);
        let mut data = Data::default();
        data.resources.insert(name.into(), svc);
        data.resources.insert(
            revision_key(name, "s-b"),
            json!({"name": "b", "reconciling": true}),
        );
        assert!(settle(&mut data, 10));
        let rev = &data.resources[&revision_key(name, "s-b")];
        assert_eq!(rev["reconciling"], false);
        assert_eq!(rev["conditions"][0]["state"], "CONDITION_SUCCEEDED");
        assert_eq!(
            data.resources[name]["latestReadyRevision"],
            revision_key(name, "s-b")
        );
        assert!(settle(&mut data, 20));
        let s = &data.resources[name];
        assert_eq!(s["reconciling"], false);
        assert_eq!(s["observedGeneration"], "3");
        assert!(internal(s).pending.is_none() && internal(s).superseded.is_empty());
        assert!(!settle(&mut data, 30));
    }
}
