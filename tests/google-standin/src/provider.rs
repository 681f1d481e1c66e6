//! The provider and its one generic resource implementation, instantiated per vendored type.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use tfplugin::{
    ApplyRequest, ApplyResponse, ConfigureRequest, DataSource, Diagnostic, Diagnostics,
    NestingMode, OpContext, PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse,
    Resource, Schema, Value,
};

use crate::fill::{self, Defaults};
use crate::schema;

pub struct StandIn {
    resources: Vec<Arc<dyn Resource>>,
    defaults: Arc<RwLock<Defaults>>,
}

impl StandIn {
    pub fn new() -> Result<Self, String> {
        let defaults = Arc::new(RwLock::new(Defaults::default()));
        let resources = schema::resource_schemas()?
            .into_iter()
            .map(|(name, schema)| {
                Arc::new(GoogleResource {
                    // Type names live for the whole process; the trait wants 'static.
                    type_name: Box::leak(name.into_boxed_str()),
                    schema,
                    defaults: defaults.clone(),
                }) as Arc<dyn Resource>
            })
            .collect();
        Ok(StandIn {
            resources,
            defaults,
        })
    }
}

#[async_trait]
impl Provider for StandIn {
    fn schema(&self) -> Schema {
        schema::provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        self.resources.clone()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let text = |name: &str| req.config.get(name).as_str().map(str::to_owned);
        let mut defaults = self
            .defaults
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *defaults = Defaults {
            project: text("project"),
            region: text("region"),
            zone: text("zone"),
        };
        Diagnostics::new()
    }
}

struct GoogleResource {
    type_name: &'static str,
    schema: Schema,
    defaults: Arc<RwLock<Defaults>>,
}

impl GoogleResource {
    fn defaults(&self) -> Defaults {
        self.defaults
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl Resource for GoogleResource {
    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        self.schema.clone()
    }

    /// Passthrough for every version up to the vendored one: the stand-in reads state a real
    /// hashicorp/google wrote (e.g. the source objects of a `moved` test) as it is.
    fn upgrade_state(
        &self,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        if version <= self.schema.version {
            Ok(state)
        } else {
            Err(Diagnostic::error(
                "State written by a newer provider",
                format!(
                    "This {} state has schema version {version}; the stand-in serves the vendored hashicorp/google 6.50 schema, version {}. Re-vendor the schema (scripts/vendor-google-schema.sh).",
                    self.type_name, self.schema.version
                ),
            )
            .into())
        }
    }

    /// Nothing exists outside Terraform state, so the remote object is what state says.
    async fn read(&self, _ctx: &OpContext, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn plan(&self, _ctx: &OpContext, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        if !planned.is_null() {
            // Like the real provider's DefaultProviderProject/Region/Zone diffs: the
            // location arguments left unset are known at plan time.
            fill::provider_defaults(&self.schema.block, &mut planned, &self.defaults());
            unknown_computed(&self.schema.block, &mut planned);
        }
        PlanResponse {
            planned_state: planned,
            planned_private: req.prior_private,
            ..PlanResponse::default()
        }
    }

    async fn apply(&self, _ctx: &OpContext, req: ApplyRequest) -> ApplyResponse {
        let mut state = req.planned_state;
        if !state.is_null() {
            fill::resolve(
                self.type_name,
                &self.schema.block,
                &mut state,
                &self.defaults(),
            );
        }
        ApplyResponse {
            new_state: state,
            private: req.planned_private,
            diagnostics: Diagnostics::new(),
        }
    }
}

/// Every computed attribute the configuration leaves null becomes unknown, at any depth:
/// what the real provider shows as "(known after apply)".
fn unknown_computed(block: &tfplugin::Block, value: &mut Value) {
    let Value::Object(fields) = value else {
        return;
    };
    for a in block.attributes.iter().filter(|a| a.computed) {
        let slot = fields.entry(a.name.clone()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = Value::Unknown;
        }
    }
    for nested in &block.blocks {
        let Some(v) = fields.get_mut(&nested.type_name) else {
            continue;
        };
        match (nested.nesting, v) {
            (NestingMode::Single | NestingMode::Group, v) => unknown_computed(&nested.block, v),
            (_, Value::List(items) | Value::Set(items)) => {
                items
                    .iter_mut()
                    .for_each(|i| unknown_computed(&nested.block, i));
            }
            (_, Value::Map(items)) => {
                items
                    .values_mut()
                    .for_each(|i| unknown_computed(&nested.block, i));
            }
            _ => {}
        }
    }
}
