//! Compute `Operation`s: zonal, regional and global, with `get` and `wait`,
//! `requestId` de-duplication and injected failures.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    failure_for, snapshot, timeline_for, wait_then_settle, Effect, OpFailure, StoredOp, Timeline,
    WAIT_CAP_MS,
};
use crate::clock::now_ms;
use crate::compute::self_link;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

/// Where an operation lives (its URL collection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    Zone(String),
    Region(String),
    Global,
}

impl Scope {
    fn collection(&self, project: &str) -> String {
        match self {
            Scope::Zone(z) => format!("projects/{project}/zones/{z}/operations"),
            Scope::Region(r) => format!("projects/{project}/regions/{r}/operations"),
            Scope::Global => format!("projects/{project}/global/operations"),
        }
    }
}

/// A stored Compute operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComputeOp {
    /// Fields that never change (name, ids, links, type, user).
    pub fixed: Value,
    pub timeline: Timeline,
    pub error: Option<OpFailure>,
    pub effects: Vec<Effect>,
    /// Applied once the operation leaves PENDING (e.g. an instance going
    /// PROVISIONING → STAGING).
    #[serde(default)]
    pub on_start: Vec<Effect>,
    /// Applied instead of `effects` when it fails (e.g. removing an instance
    /// that was visible while provisioning).
    #[serde(default)]
    pub on_failure: Vec<Effect>,
    #[serde(default)]
    pub started: bool,
    pub settled: bool,
    /// Mirrors `timeline.done_ms` for the store's generic settling.
    pub done_at_ms: i64,
}

impl ComputeOp {
    /// The Operation resource as of `now`.
    pub fn render(&self, now: i64) -> Value {
        let mut op = self.fixed.clone();
        let t = &self.timeline;
        let status = t.stamp(&mut op, now);
        let progress = match status {
            "DONE" => 100,
            "RUNNING" => {
                let span = (t.done_ms - t.start_ms).max(1);
                ((now - t.start_ms) * 100 / span).clamp(0, 99)
            }
            _ => 0,
        };
        op["progress"] = json!(progress);
        if status == "DONE" {
            if let Some(failure) = &self.error {
                op["error"] =
                    json!({"errors": [{"code": failure.code, "message": failure.message}]});
                op["httpErrorStatusCode"] = json!(failure.http_status);
                let reason = axum::http::StatusCode::from_u16(failure.http_status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("ERROR");
                op["httpErrorMessage"] = json!(reason.to_ascii_uppercase());
            }
        }
        op
    }
}

/// What a Compute mutation does, handed to [`start`] by product handlers.
#[derive(Debug, Clone)]
pub struct ComputeMutation {
    pub project: String,
    pub scope: Scope,
    /// e.g. `insert`, `delete`, `setNamedPorts`.
    pub operation_type: String,
    /// Relative name of the target resource.
    pub target: String,
    pub target_id: String,
    /// Applied when the operation completes successfully. To make a resource
    /// visible at once (e.g. `PROVISIONING`), apply a `Put` before calling
    /// [`start`] and pass a `Merge` here.
    pub effects: Vec<Effect>,
    /// Applied at once, together with recording the operation (a resource
    /// Google shows while it is still being created).
    pub immediate: Vec<Effect>,
    /// Applied when the operation starts running.
    pub on_start: Vec<Effect>,
    /// Applied when the operation ends with an error.
    pub on_failure: Vec<Effect>,
    /// A failure decided by the product logic (e.g. no capacity in the zone).
    pub failure: Option<OpFailure>,
}

/// Records the operation for `mutation` and returns it (or, for a repeated
/// `requestId`, the operation of the original request).
pub fn start(call: &ApiCall, mutation: ComputeMutation) -> Result<Value, ApiError> {
    let request_id = call.query_one("requestId").map(str::to_string);
    if let Some(id) = &request_id {
        match uuid::Uuid::parse_str(id) {
            Ok(uuid) if !uuid.is_nil() => {}
            _ => {
                return Err(ApiError::bad_field(
                    "requestId",
                    format!("Invalid value for field 'requestId': '{id}'. The requestId must be a valid, non-zero UUID."),
                ))
            }
        }
    }
    let dedup_key = request_id
        .as_ref()
        .map(|id| format!("{}/{id}", mutation.project));
    let now = now_ms();
    let failure = failure_for(call, mutation.failure);
    let collection = mutation.scope.collection(&mutation.project);
    let name = operation_name(now);
    let key = format!("{collection}/{name}");
    let mut fixed = json!({
        "kind": "compute#operation",
        "id": random_id(),
        "name": name,
        "operationType": mutation.operation_type,
        "targetLink": self_link(&mutation.target),
        "targetId": mutation.target_id,
        "selfLink": self_link(&key),
        "user": call.principal,
    });
    match &mutation.scope {
        Scope::Zone(z) => {
            fixed["zone"] = json!(self_link(&format!(
                "projects/{}/zones/{z}",
                mutation.project
            )))
        }
        Scope::Region(r) => {
            fixed["region"] = json!(self_link(&format!(
                "projects/{}/regions/{r}",
                mutation.project
            )))
        }
        Scope::Global => {}
    }
    if let Some(id) = &request_id {
        fixed["clientOperationId"] = json!(id);
    }
    let timeline = timeline_for(call, now);
    let op = ComputeOp {
        fixed,
        timeline,
        error: failure,
        effects: mutation.effects,
        on_start: mutation.on_start,
        on_failure: mutation.on_failure,
        started: false,
        settled: false,
        done_at_ms: timeline.done_ms,
    };
    call.app.store.mutate(|data| {
        if let Some(existing) = dedup_key.as_ref().and_then(|k| data.request_ids.get(k)) {
            if let Some(original) = data.compute_ops.get(existing) {
                return Ok(original.render(now));
            }
        }
        let rendered = op.render(now);
        for effect in mutation.immediate {
            data.apply(effect);
        }
        data.compute_ops.insert(key.clone(), op);
        if let Some(k) = dedup_key {
            data.request_ids.insert(k, key.clone());
        }
        data.settle(now);
        Ok(rendered)
    })
}

fn operation_name(now: i64) -> String {
    let a: u64 = rand::random();
    let b: u32 = rand::random();
    let c: u32 = rand::random();
    format!(
        "operation-{now}-{:013x}-{b:08x}-{c:08x}",
        a & 0x1f_ffff_ffff_ffff
    )
}

/// Compute's numeric resource ids are unsigned 64-bit decimals.
pub fn random_id() -> String {
    (rand::random::<u64>() >> 1).to_string()
}

fn op_key(call: &ApiCall) -> String {
    let project = call.path("project");
    let operation = call.path("operation");
    let scope = if !call.path("zone").is_empty() {
        Scope::Zone(call.path("zone").to_string())
    } else if !call.path("region").is_empty() {
        Scope::Region(call.path("region").to_string())
    } else {
        Scope::Global
    };
    format!("{}/{operation}", scope.collection(project))
}

impl StoredOp for ComputeOp {
    fn render(&self, now: i64) -> Value {
        ComputeOp::render(self, now)
    }
    fn done_ms(&self) -> i64 {
        self.timeline.done_ms
    }
}

fn render_op(call: &ApiCall, key: &str) -> Result<(Value, i64), ApiError> {
    snapshot(call, |d| d.compute_ops.get(key)).ok_or_else(|| ApiError::not_found(key))
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    Ok(render_op(&call, &op_key(&call))?.0)
}

/// `wait`: returns once the operation is DONE or about two minutes have passed.
async fn wait(call: ApiCall) -> Result<Value, ApiError> {
    let key = op_key(&call);
    let (_, done_ms) = render_op(&call, &key)?;
    wait_then_settle(&call, done_ms, now_ms() + WAIT_CAP_MS).await?;
    Ok(render_op(&call, &key)?.0)
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    for collection in ["zoneOperations", "regionOperations", "globalOperations"] {
        routes.add(&format!("compute.{collection}.get"), get)?;
        routes.add(&format!("compute.{collection}.wait"), wait)?;
    }
    Ok(())
}
