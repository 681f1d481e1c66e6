//! google.longrunning `Operation`s (Cloud Run v2, Memorystore Redis and other
//! AIP-151 APIs); Cloud SQL's own operations are stored as these too.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    failure_for, snapshot, timeline_for, wait_then_settle, Effect, OpFailure, StoredOp, Timeline,
    WAIT_CAP_MS,
};
use crate::clock::now_ms;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lro {
    pub name: String,
    pub metadata: Value,
    pub response: Value,
    pub timeline: Timeline,
    pub error: Option<OpFailure>,
    pub effects: Vec<Effect>,
    pub settled: bool,
    pub done_at_ms: i64,
}

impl Lro {
    pub fn render(&self, now: i64) -> Value {
        let done = self.timeline.is_done(now);
        let mut op = json!({"name": self.name, "metadata": self.metadata, "done": done});
        if done {
            match &self.error {
                Some(failure) => {
                    op["error"] = json!({"code": failure.code, "message": failure.message})
                }
                None => op["response"] = self.response.clone(),
            }
        }
        op
    }
}

/// What a long-running mutation does, handed to [`start`] by product handlers.
#[derive(Debug, Clone)]
pub struct LroMutation {
    /// `projects/{p}/locations/{l}`.
    pub parent: String,
    /// `metadata` (with its `@type`), visible while running.
    pub metadata: Value,
    /// `response` (with its `@type`) once done.
    pub response: Value,
    pub effects: Vec<Effect>,
    pub failure: Option<OpFailure>,
}

/// Records a long-running operation for `mutation` and returns it; an
/// injected operation fault replaces the mutation's own outcome.
pub fn start(call: &ApiCall, mut mutation: LroMutation) -> Result<Value, ApiError> {
    mutation.failure = failure_for(call, mutation.failure.take());
    start_decided(call, mutation)
}

/// [`start`] for a mutation whose `failure` already went through
/// [`failure_for`]: a handler whose resource state depends on the outcome
/// (Cloud Run keeps serving the old split when the operation fails) decides first.
pub fn start_decided(call: &ApiCall, mutation: LroMutation) -> Result<Value, ApiError> {
    let now = now_ms();
    record(call, mutation, now).map(|op| op.render(now))
}

/// [`start`] for an API whose operations have their own shape (Cloud SQL's):
/// the stored operation, for the caller to render.
pub fn start_stored(call: &ApiCall, mut mutation: LroMutation) -> Result<Lro, ApiError> {
    mutation.failure = failure_for(call, mutation.failure.take());
    record(call, mutation, now_ms())
}

fn record(call: &ApiCall, mutation: LroMutation, now: i64) -> Result<Lro, ApiError> {
    let timeline = timeline_for(call, now);
    let failure = mutation.failure;
    let name = format!("{}/operations/{}", mutation.parent, uuid::Uuid::new_v4());
    let op = Lro {
        name: name.clone(),
        metadata: mutation.metadata,
        response: mutation.response,
        timeline,
        error: failure,
        effects: mutation.effects,
        settled: false,
        done_at_ms: timeline.done_ms,
    };
    call.app.store.mutate(|data| {
        data.lros.insert(name, op.clone());
        data.settle(now);
        Ok(op)
    })
}

impl StoredOp for Lro {
    fn render(&self, now: i64) -> Value {
        Lro::render(self, now)
    }
    fn done_ms(&self) -> i64 {
        self.timeline.done_ms
    }
}

fn lookup(call: &ApiCall, name: &str) -> Result<(Value, i64), ApiError> {
    snapshot(call, |d| d.lros.get(name)).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "notFound",
            format!("Operation {name} not found."),
        )
    })
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    Ok(lookup(&call, &call.resource_name())?.0)
}

/// `:wait {timeout}`: blocks until done or the timeout (capped like Google's).
async fn wait(call: ApiCall) -> Result<Value, ApiError> {
    let name = call.resource_name();
    let (_, done_ms) = lookup(&call, &name)?;
    let timeout_ms = call
        .body
        .as_ref()
        .and_then(|b| b.get("timeout"))
        .and_then(Value::as_str)
        .and_then(|t| t.trim_end_matches('s').parse::<f64>().ok())
        .map_or(WAIT_CAP_MS, |s| ((s * 1000.0) as i64).min(WAIT_CAP_MS));
    wait_then_settle(&call, done_ms, now_ms() + timeout_ms).await?;
    Ok(lookup(&call, &name)?.0)
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("run.projects.locations.operations.get", get)?;
    routes.add("run.projects.locations.operations.wait", wait)?;
    routes.add("redis.projects.locations.operations.get", get)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::Data;

    fn op(failure: Option<OpFailure>) -> Lro {
        let timeline = Timeline::new(1_000, Duration::from_millis(500));
        Lro {
            name: "projects/p/locations/l/operations/1".into(),
            metadata: json!({"@type": "type.googleapis.com/google.cloud.run.v2.Service"}),
            response: json!({"name": "svc"}),
            timeline,
            error: failure,
            effects: vec![Effect::Put {
                name: "projects/p/locations/l/services/svc".into(),
                value: json!({"name": "svc"}),
            }],
            settled: false,
            done_at_ms: timeline.done_ms,
        }
    }

    #[test]
    fn done_operation_carries_response_and_applies_effects() {
        let lro = op(None);
        assert_eq!(lro.render(1_200)["done"], false);
        assert!(lro.render(1_200).get("response").is_none());
        assert_eq!(lro.render(1_500)["response"]["name"], "svc");
        let mut data = Data::default();
        data.lros.insert(lro.name.clone(), lro);
        assert!(!data.settle(1_499));
        assert!(data.resources.is_empty());
        assert!(data.settle(1_500));
        assert!(data
            .resources
            .contains_key("projects/p/locations/l/services/svc"));
    }

    #[test]
    fn failed_operation_has_error_and_no_effect() {
        let lro = op(Some(OpFailure {
            code: json!(9),
            message: "Revision is not ready and cannot serve traffic.".into(),
            http_status: 400,
        }));
        let rendered = lro.render(2_000);
        assert_eq!(rendered["error"]["code"], 9);
        assert!(rendered.get("response").is_none());
        let mut data = Data::default();
        data.lros.insert(lro.name.clone(), lro);
        data.settle(2_000);
        assert!(data.resources.is_empty());
    }
}
