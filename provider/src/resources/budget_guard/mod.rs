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
use tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostics, IdentitySchema, ImportResponse, MoveRequest,
    MoveResponse, OpContext, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
    Schema, Value,
};

use super::apply_failed;
use crate::state::SharedState;
use children::Children;
use model::Guard;

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
            let unset = plan::period_left_unset(&req.proposed_new_state);
            let mut resp = super::deferred::plan(&schema::schema(), req);
            if unset {
                resp.planned_state.set("calendar_period", Value::Null);
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
        let mut children = Children::from_state(&req.prior_state);
        // Keep the guard's hash key; make one at create (or for states from
        // before keyed hashes). Set first so partial state records it too.
        if !children
            .secret_hash_key
            .as_deref()
            .is_some_and(secret_hash::usable)
        {
            children.secret_hash_key = Some(secret_hash::new_key());
        }
        let source = if req.planned_state.is_null() {
            &req.prior_state
        } else {
            &req.planned_state
        };
        let project = match data.project_or(source.get("project").as_str(), "project") {
            Ok(p) => p,
            Err(d) => return apply_failed(req.prior_state, d),
        };
        let mut run = apply::Apply {
            ctx,
            client: &data.client,
            project,
            children,
        };
        if req.planned_state.is_null() {
            return match run.destroy().await {
                Ok(()) => ApplyResponse::default(),
                Err(d) => {
                    let mut state = req.prior_state.clone();
                    run.children.write(&mut state);
                    apply_failed(state, d)
                }
            };
        }
        // Secrets (write-only ones included) are only in config.
        let decoded = Guard::decode(&req.config).and_then(|guard| {
            let planned_guard = Guard::decode(&req.planned_state)?;
            let prior = match req.prior_state.is_null() {
                true => None,
                false => Some(Guard::decode(&req.prior_state)?),
            };
            Ok((guard, planned_guard, prior))
        });
        let (mut guard, planned_guard, prior) = match decoded {
            Ok(d) => d,
            Err(d) => return apply_failed(req.prior_state.clone(), d),
        };
        guard.project = planned_guard.project.clone();
        guard.tenants = planned_guard.tenants;
        guard.cost_metric = planned_guard.cost_metric;
        let result = run.converge(&guard, prior.as_ref()).await;
        let mut planned = req.planned_state.clone();
        planned.set("project", Value::from(run.project.clone()));
        let new_state = apply::state_after(&planned, &guard, &run.children);
        match result {
            Ok(()) => ApplyResponse {
                new_state,
                private: Vec::new(),
                diagnostics: Diagnostics::new(),
            },
            // A null state would orphan what was created: return what exists.
            Err(d) if run.children.is_empty() && req.prior_state.is_null() => {
                apply_failed(Value::Null, d)
            }
            Err(d) if req.prior_state.is_null() => apply_failed(new_state, partial_create(d)),
            Err(d) => apply_failed(new_state, d),
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
