//! `platform_livekit_cluster`: a LiveKit media cluster over zones as one
//! resource (VMs, per-zone unmanaged groups, health check, backend service,
//! firewall rules).

mod api;
mod apply;
mod children;
mod identity;
mod import;
mod list;
mod model;
mod plan;
mod preflight;
mod read;
mod render;
mod schema;
mod spec;

use async_trait::async_trait;
use tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, IdentitySchema, ImportResponse,
    MoveRequest, MoveResponse, OpContext, PlanRequest, PlanResponse, ReadRequest, ReadResponse,
    Resource, Schema, Value,
};

use super::{apply_failed, import_response};
use crate::framework::model::{decode, encode};
// `platform adopt` finds clusters by the named port their groups carry.
use crate::state::{ProviderData, SharedState};
use api::Waiter;
use apply::{destroy, Converge};
pub use children::PORT_NAME;
use model::Model;
use read::{observe, recorded_zones, set_computed};
use render::startup_script;
use spec::Spec;
use tfplugin::typed::MaybeUnknown::Known;

const TYPE_NAME: &str = "platform_livekit_cluster";

pub struct LivekitCluster {
    state: SharedState,
}

impl LivekitCluster {
    pub fn new(state: SharedState) -> Self {
        LivekitCluster { state }
    }
}

/// The model a known state/plan value holds, and the spec it describes.
fn model_of(data: &ProviderData, v: &Value) -> Result<(Model, Spec), Diagnostics> {
    let model: Model = decode(v)?;
    let spec = model.spec(&data.default_labels)?;
    Ok((model, spec))
}

#[async_trait]
impl Resource for LivekitCluster {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        spec::validate(config)
    }

    async fn read(&self, ctx: &OpContext, req: ReadRequest) -> ReadResponse {
        if self.state.is_deferred() {
            return super::deferred::read(req);
        }
        let req = match super::adoption::settle(self, ctx, req).await {
            Ok(req) => req,
            Err(resp) => return resp,
        };
        let mut resp = ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private,
            diagnostics: Diagnostics::new(),
        };
        let result = async {
            let data = self.state.get()?;
            let (mut state, spec) = model_of(&data, &req.current_state)?;
            let zones = recorded_zones(Some(&state));
            let obs = observe(ctx, &data.client, &spec, &zones).await?;
            if obs.is_empty() {
                return Ok(Value::Null);
            }
            set_computed(&mut state, &obs);
            Ok::<_, Diagnostics>(encode(&state)?)
        }
        .await;
        match result {
            Ok(state) => resp.new_state = state,
            Err(d) => resp.diagnostics = d,
        }
        resp
    }

    async fn plan(&self, _ctx: &OpContext, req: PlanRequest) -> PlanResponse {
        if req.proposed_new_state.is_null() {
            return PlanResponse::default();
        }
        if let Some(refused) = super::adoption::unread(TYPE_NAME, &req.prior_private) {
            return refused;
        }
        if self.state.is_deferred() {
            return super::deferred::plan(&schema::schema(), req);
        }
        match self.state.get() {
            Ok(data) => {
                let mut resp = plan::plan(&data, &req);
                if let (false, Ok((_, spec))) = (
                    resp.diagnostics.has_errors(),
                    model_of(&data, &resp.planned_state),
                ) {
                    let prior = model_of(&data, &req.prior_state).ok().map(|(_, s)| s);
                    let compute = data.client.compute();
                    let found = preflight::check(&compute, &spec, prior.as_ref()).await;
                    resp.diagnostics.extend(found);
                }
                resp
            }
            Err(d) => PlanResponse {
                diagnostics: d.into(),
                ..PlanResponse::default()
            },
        }
    }

    async fn apply(&self, ctx: &OpContext, req: ApplyRequest) -> ApplyResponse {
        let data = match self.state.get() {
            Ok(d) => d,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        if req.planned_state.is_null() {
            return self.apply_destroy(ctx, &data, req.prior_state).await;
        }
        let prior = if req.prior_state.is_null() {
            None
        } else {
            match decode::<Model>(&req.prior_state) {
                Ok(m) => Some(m),
                Err(d) => return apply_failed(req.prior_state, d),
            }
        };
        let (mut planned, spec) = match model_of(&data, &req.planned_state) {
            Ok(m) => m,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let timeout = if req.prior_state.is_null() {
            spec.timeouts.create
        } else {
            spec.timeouts.update
        };
        let waiter = Waiter::new(data.client.clone(), ctx.clone(), timeout);
        let script = startup_script(&spec);
        let hash = spec.config_hash(&script);
        let zones = recorded_zones(prior.as_ref());
        let converge = Converge {
            w: &waiter,
            spec: &spec,
            recorded_zones: &zones,
            hash: hash.clone(),
            script,
        };
        let mut diagnostics = converge.run().await;
        // Record what truly exists, even (especially) after a failure. A
        // cancelled context must not stop this last look.
        let fresh = OpContext {
            cancel: tokio_util::sync::CancellationToken::new(),
            ..ctx.clone()
        };
        let creating = prior.is_none();
        planned.id = Known(plan::cluster_id(&spec));
        planned.config_hash = Known(hash);
        planned.effective_labels = Known(spec.labels.clone());
        let mut recorded = 0;
        let new_state = match observe(&fresh, &data.client, &spec, &zones).await {
            Ok(obs) if obs.is_empty() && creating => Value::Null,
            Ok(obs) => {
                set_computed(&mut planned, &obs);
                recorded = obs.nodes.len();
                encode(&planned).unwrap_or_else(|d| {
                    diagnostics.push(d);
                    req.prior_state
                })
            }
            Err(d) => {
                diagnostics.push(d);
                req.prior_state
            }
        };
        if diagnostics.has_errors() {
            diagnostics = explain_failure(diagnostics, creating && !new_state.is_null(), recorded);
        }
        ApplyResponse {
            new_state,
            private: Vec::new(),
            diagnostics,
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> ImportResponse {
        import_response(self.type_name(), self.import_cluster(ctx, id).await)
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(identity::IDENTITY.schema())
    }

    fn identity(&self, state: &Value) -> Value {
        identity::IDENTITY.of(state)
    }

    async fn import_by_identity(&self, ctx: &OpContext, given: &Value) -> ImportResponse {
        let data = self.state.get().ok();
        super::adoption::import_by_identity(self, ctx, &identity::IDENTITY, given, data.as_deref())
            .await
    }

    fn move_sources(&self) -> &'static [&'static str] {
        &identity::MOVE_SOURCE_TYPES
    }

    async fn move_state(&self, req: MoveRequest) -> MoveResponse {
        let block = schema::schema().block;
        super::adoption::move_state(
            TYPE_NAME,
            &block,
            &identity::IDENTITY,
            &identity::MOVE_SOURCES,
            &req,
        )
    }
}

impl LivekitCluster {
    async fn import_cluster(&self, ctx: &OpContext, id: &str) -> Result<Value, Diagnostics> {
        let data = self.state.get()?;
        Ok(import::import(
            ctx,
            &data.client,
            data.project.as_deref(),
            &data.default_labels,
            id,
        )
        .await?)
    }

    async fn apply_destroy(
        &self,
        ctx: &OpContext,
        data: &ProviderData,
        prior: Value,
    ) -> ApplyResponse {
        let (model, spec) = match model_of(data, &prior) {
            Ok(m) => m,
            Err(d) => return apply_failed(prior, d),
        };
        let waiter = Waiter::new(data.client.clone(), ctx.clone(), spec.timeouts.delete);
        let diagnostics = destroy(&waiter, &spec, &recorded_zones(Some(&model))).await;
        ApplyResponse {
            // On failure Terraform keeps the prior state; nothing is lost.
            new_state: if diagnostics.has_errors() {
                prior
            } else {
                Value::Null
            },
            private: Vec::new(),
            diagnostics,
        }
    }
}

/// What a failed first create leaves behind, and how to continue from it.
/// Terraform taints every resource whose create returned an error, so the
/// next apply would destroy the recorded children and start over; untainting
/// lets it continue from them instead.
/// A failed apply's diagnostics, said once: the calls that Terraform's stop request
/// ended become one diagnostic with their count, and how to continue is added to the
/// first error (a failed create is tainted: untaint to continue; an update continues).
fn explain_failure(
    diagnostics: Diagnostics,
    partial_create: bool,
    recorded_nodes: usize,
) -> Diagnostics {
    let (stopped, mut out): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .0
        .into_iter()
        .partition(|d| d.detail == api::CANCELLED);
    if let Some(first) = stopped.first() {
        let what = first
            .summary
            .strip_prefix("Error ")
            .unwrap_or(&first.summary);
        out.insert(
            0,
            Diagnostic::error(
                "Apply cancelled",
                format!(
                    "Terraform asked the provider to stop while {} operation(s) were pending or not yet started (e.g. {what}). Nothing new was started after that; every VM whose creation Google had accepted is recorded ({recorded_nodes} node(s) in state).",
                    stopped.len()
                ),
            ),
        );
    }
    let note = if partial_create {
        super::partial_create_note(
            TYPE_NAME,
            "`nodes`, `instance_groups`, `health_check`, `backend_service`, `firewall_rules`",
        )
    } else {
        "What exists is recorded in state: after fixing the cause, apply again to continue from it."
            .to_owned()
    };
    if let Some(d) = out
        .iter_mut()
        .find(|d| d.severity == tfplugin::Severity::Error)
    {
        d.detail = format!("{}\n\n{note}", d.detail);
    }
    Diagnostics(out)
}

#[cfg(test)]
pub(crate) mod tests;
