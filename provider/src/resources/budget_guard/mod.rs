//! `platform_budget_guard`: budgets, alert routing and per-tenant AI cost
//! limits as one resource (Billing Budgets, Monitoring channels and alert
//! policies, Pub/Sub, Resource Manager).

mod adopt;
mod apply;
mod children;
mod identity;
mod import;
mod list;
mod marker;
mod model;
mod plan;
mod read;
mod remote;
mod schema;
mod secret_hash;
mod validate;

use async_trait::async_trait;
use tfplugin::typed::MaybeUnknown;
use tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostics, IdentitySchema, ImportResponse, MoveRequest,
    MoveResponse, OpContext, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
    Schema, Value,
};

use super::apply_failed;
use crate::framework::model::encode;
use crate::state::SharedState;
use children::Children;
use model::{Guard, Model};

// `platform adopt` tells a guard's own tenant budgets from guards to adopt.
pub use marker::is_tenant_budget;
pub use schema::TYPE_NAME;

pub struct BudgetGuard {
    state: SharedState,
}

impl BudgetGuard {
    pub fn new(state: SharedState) -> Self {
        BudgetGuard { state }
    }
}

/// What Terraform stores for `state`; a model that cannot be encoded (a
/// provider bug) is reported and `otherwise` kept.
fn encoded(state: &Model, otherwise: &Value, diagnostics: &mut Diagnostics) -> Value {
    encode(state).unwrap_or_else(|d| {
        diagnostics.push(d);
        otherwise.clone()
    })
}

/// A failed first create: the partial guard is returned with the note on how to continue.
fn partial_create(mut d: tfplugin::Diagnostic) -> tfplugin::Diagnostic {
    let note = super::partial_create_note(
        TYPE_NAME,
        "`channels`, `topic`, `budget_name`, `tenant_budgets`, `alert_policies`",
    );
    d.detail = format!("{}\n\n{note}", d.detail);
    d
}

#[async_trait]
impl Resource for BudgetGuard {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    /// What the configuration alone decides, so `terraform validate` catches it. Whether
    /// write-only attributes are allowed is Terraform's version, known only at plan, which
    /// runs these checks again (values unknown here are known there).
    async fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config, true)
    }

    async fn read(&self, ctx: &OpContext, req: ReadRequest) -> ReadResponse {
        if self.state.is_deferred() {
            return super::deferred::read(req);
        }
        let req = match super::adoption::settle(self, ctx, req).await {
            Ok(req) => req,
            Err(resp) => return resp,
        };
        let data = match self.state.get() {
            Ok(d) => d,
            Err(d) => {
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                    diagnostics: d.into(),
                }
            }
        };
        match read::refresh(ctx, &data.client, &req.current_state).await {
            Ok(new_state) => ReadResponse {
                new_state,
                private: req.private,
                diagnostics: Diagnostics::new(),
            },
            Err(d) => ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics: d.into(),
            },
        }
    }

    async fn plan(&self, ctx: &OpContext, req: PlanRequest) -> PlanResponse {
        if let Some(refused) = super::adoption::unread(TYPE_NAME, &req.prior_private) {
            return refused;
        }
        if self.state.is_deferred() {
            let unset = Model::of(&req.proposed_new_state)
                .is_ok_and(|proposed| plan::period_left_unset(&proposed));
            let mut resp = super::deferred::plan(&schema::schema(), req);
            if unset {
                resp.planned_state.set(Model::CALENDAR_PERIOD, Value::Null);
            }
            return resp;
        }
        let data = self.state.get().ok();
        let project = data.as_ref().and_then(|d| d.project.clone());
        let mut resp = plan::plan(
            &req.prior_state,
            &req.proposed_new_state,
            &req.config,
            project.as_deref(),
            ctx.write_only_allowed,
        );
        if let Some(data) = data.filter(|_| !resp.diagnostics.has_errors()) {
            let check =
                plan::account_currency(ctx, &data.client, &req.prior_state, &resp.planned_state);
            if let Some(d) = check.await {
                resp.diagnostics.push(d);
            }
        }
        resp
    }

    async fn apply(&self, ctx: &OpContext, req: ApplyRequest) -> ApplyResponse {
        let data = match self.state.get() {
            Ok(d) => d,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let models = Model::of_nullable(&req.prior_state)
            .and_then(|prior| Ok((prior, Model::of_nullable(&req.planned_state)?)));
        let (prior, planned) = match models {
            Ok(m) => m,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let mut children = prior.as_ref().map(Children::of).unwrap_or_default();
        // Keep the guard's hash key; make one at create (or for states from
        // before keyed hashes). Set first so partial state records it too.
        if !children
            .secret_hash_key
            .as_deref()
            .is_some_and(secret_hash::usable)
        {
            children.secret_hash_key = Some(secret_hash::new_key());
        }
        let explicit = planned
            .as_ref()
            .or(prior.as_ref())
            .and_then(|m| m.project.known())
            .map(String::as_str);
        let project = match data.project_or(explicit, Model::PROJECT) {
            Ok(p) => p,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let mut run = apply::Apply {
            ctx,
            client: &data.client,
            project,
            children,
        };
        let Some(mut planned) = planned else {
            return match run.destroy().await {
                Ok(()) => ApplyResponse::default(),
                Err(d) => {
                    let mut state = prior.unwrap_or_default();
                    run.children.write(&mut state);
                    let mut diagnostics = Diagnostics::new();
                    let state = encoded(&state, &req.prior_state, &mut diagnostics);
                    diagnostics.push(d);
                    apply_failed(state, diagnostics)
                }
            };
        };
        // Secrets (write-only ones included) are only in config.
        let mut guard = match Guard::decode(&req.config) {
            Ok(g) => g,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let planned_guard = Guard::of(&planned);
        guard.project = planned_guard.project;
        guard.tenants = planned_guard.tenants;
        guard.cost_metric = planned_guard.cost_metric;
        let prior_guard = prior.as_ref().map(Guard::of);
        let result = run.converge(&guard, prior_guard.as_ref()).await;
        planned.project = MaybeUnknown::Known(run.project.clone());
        let state = apply::state_after(planned, &guard, &run.children);
        let mut diagnostics = Diagnostics::new();
        let new_state = encoded(&state, &req.prior_state, &mut diagnostics);
        match result {
            Ok(()) => ApplyResponse {
                new_state,
                private: Vec::new(),
                diagnostics,
            },
            // A null state would orphan what was created: return what exists.
            Err(d) if run.children.is_empty() && req.prior_state.is_null() => {
                apply_failed(Value::Null, d)
            }
            Err(d) => {
                diagnostics.push(match req.prior_state.is_null() {
                    true => partial_create(d),
                    false => d,
                });
                apply_failed(new_state, diagnostics)
            }
        }
    }

    async fn import(&self, ctx: &OpContext, id: &str) -> ImportResponse {
        let result = match self.state.get() {
            Ok(data) => import::import(ctx, &data.client, data.project.as_deref(), id).await,
            Err(d) => Err(d),
        };
        super::import_response(TYPE_NAME, result.map_err(Diagnostics::from))
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

#[cfg(test)]
pub(crate) mod tests;
