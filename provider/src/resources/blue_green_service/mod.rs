//! `platform_blue_green_service`: progressive Cloud Run rollouts with metric
//! gates and automatic rollback. See schema.rs for the contract and
//! rollout.rs for the engine.

mod actions;
mod analysis;
mod apply;
mod gates;
mod identity;
mod import;
mod limits;
mod list;
mod model;
mod observed;
mod plan;
mod read;
mod rollout;
mod schema;
mod stats;
#[cfg(test)]
pub(crate) mod tests;

use async_trait::async_trait;
use tfplugin::{
    ApplyRequest, ApplyResponse, Diagnostics, IdentitySchema, ImportResponse, MoveRequest,
    MoveResponse, OpContext, PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
    Schema, Value,
};

use crate::state::SharedState;

pub const TYPE_NAME: &str = "platform_blue_green_service";

// The `platform rollout watch` CLI reads the rollout settings from state and
// measures live windows with exactly the provider's defaults, query and verdicts.
pub use analysis::{judge, measure, Measurement, Target, Verdict, REQUEST_COUNT};
pub use model::{rollout as rollout_settings, Rollout};
pub use schema::schema as resource_schema;

/// `platform_rollout_promote`, `platform_rollout_abort`, `platform_rollout_pause`.
pub use actions::all as actions;

pub struct BlueGreenService {
    state: SharedState,
}

impl BlueGreenService {
    pub fn new(state: SharedState) -> Self {
        BlueGreenService { state }
    }
}

#[async_trait]
impl Resource for BlueGreenService {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        plan::check(config)
    }

    async fn read(&self, ctx: &OpContext, req: ReadRequest) -> ReadResponse {
        if self.state.is_deferred() {
            return super::deferred::read(req);
        }
        let req = match super::adoption::settle(self, ctx, req).await {
            Ok(req) => req,
            Err(resp) => return resp,
        };
        let mut diagnostics = Diagnostics::new();
        let data = match self.state.get() {
            Ok(d) => d,
            Err(d) => {
                diagnostics.push(d);
                return ReadResponse {
                    new_state: req.current_state,
                    private: req.private,
                    diagnostics,
                };
            }
        };
        let Some(loc) = apply::Location::of(&req.current_state) else {
            return ReadResponse {
                new_state: req.current_state,
                private: req.private,
                diagnostics,
            };
        };
        let new_state = match read::refresh(&data.client.run(), &loc.name, &req.current_state).await
        {
            Ok(s) => s,
            Err(e) => {
                diagnostics.push(e.diagnostic(
                    &format!("reading {}", loc.name),
                    "Check that the credentials may read Cloud Run services.",
                ));
                req.current_state
            }
        };
        ReadResponse {
            new_state,
            private: req.private,
            diagnostics,
        }
    }

    async fn plan(&self, _ctx: &OpContext, req: PlanRequest) -> PlanResponse {
        if let Some(refused) = super::adoption::unread(TYPE_NAME, &req.prior_private) {
            return refused;
        }
        if self.state.is_deferred() {
            return super::deferred::plan(&schema::schema(), req);
        }
        let data = self.state.get().ok();
        let (planned_state, requires_replace, mut diagnostics) = plan::plan(
            data.as_deref(),
            &req.prior_state,
            &req.proposed_new_state,
            &req.config,
        );
        if !diagnostics.has_errors() {
            let preview = plan::preview(
                data.as_deref(),
                &req.prior_state,
                &planned_state,
                &req.config,
            );
            diagnostics.extend(preview.await);
        }
        PlanResponse {
            planned_state,
            requires_replace,
            planned_private: req.prior_private,
            diagnostics,
        }
    }

    async fn apply(&self, ctx: &OpContext, req: ApplyRequest) -> ApplyResponse {
        let data = match self.state.get() {
            Ok(d) => d,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    private: req.planned_private,
                    diagnostics: d.into(),
                }
            }
        };
        let (new_state, diagnostics) = if req.planned_state.is_null() {
            apply::delete(ctx, &data, &req.prior_state).await
        } else if req.prior_state.is_null() {
            apply::create(ctx, &data, &req.planned_state).await
        } else {
            apply::update(ctx, &data, &req.prior_state, &req.planned_state).await
        };
        ApplyResponse {
            new_state,
            private: req.planned_private,
            diagnostics,
        }
    }

    async fn import(&self, _ctx: &OpContext, id: &str) -> ImportResponse {
        let result = match self.state.get() {
            Ok(data) => import::import_state(&data, id).await,
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
