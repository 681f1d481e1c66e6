//! The traits a provider implements. The server owns the protocol; these own the behaviour.
//!
//! Every response carries diagnostics *and* a value so that a failed operation
//! can still hand Terraform the true (partial) state.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::diag::Diagnostics;
use crate::schema::Schema;
use crate::value::Value;

/// Per-call context handed to resource and data source operations.
#[derive(Debug, Clone)]
pub struct OpContext {
    /// Cancelled when Terraform calls `StopProvider` (Ctrl-C). The gRPC server stays
    /// up, so an operation that sees this must wind down and return honest state.
    pub cancel: CancellationToken,
    /// Terraform >= 1.11 announced that it accepts write-only attributes.
    pub write_only_allowed: bool,
}

#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// Terraform's version (for the user agent); empty if Terraform did not say.
    pub terraform_version: String,
    /// The provider configuration, conforming to [`Provider::schema`]. May contain unknowns.
    pub config: Value,
}

#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// `Value::Null` means the remote object is gone (Terraform plans a create).
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// `Value::Null` on create.
    pub prior_state: Value,
    /// `Value::Null` on destroy.
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<crate::diag::AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// `Value::Null` on create.
    pub prior_state: Value,
    /// `Value::Null` on destroy.
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    /// The true state after the operation, even when `diagnostics` has errors
    /// (partial state). `Value::Null` after a successful destroy.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ReadDataRequest {
    pub config: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ReadDataResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// A Terraform provider.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider configuration block schema.
    fn schema(&self) -> Schema;

    fn resources(&self) -> Vec<Arc<dyn Resource>>;

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;

    /// Static checks on the provider configuration (values may be unknown).
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Called once before any resource operation.
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics;
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// e.g. `platform_livekit_cluster`.
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Static checks on configuration (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Upgrade JSON state written with schema `version` to the current schema's shape.
    /// The default accepts only the current version.
    fn upgrade_state(
        &self,
        version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let current = self.schema().version;
        if version == current {
            Ok(state)
        } else {
            Err(crate::diag::Diagnostic::error(
                "Unsupported state version",
                format!(
                    "The state of this {} was written with schema version {version}, but this provider knows only version {current}. Use the provider version that wrote the state, or remove the resource from state and import it again.",
                    self.type_name()
                ),
            )
            .into())
        }
    }

    async fn read(&self, ctx: &OpContext, req: ReadRequest) -> ReadResponse;

    async fn plan(&self, ctx: &OpContext, req: PlanRequest) -> PlanResponse;

    async fn apply(&self, ctx: &OpContext, req: ApplyRequest) -> ApplyResponse;

    /// Import by ID. The default says import is not supported.
    async fn import(&self, _ctx: &OpContext, _id: &str) -> ImportResponse {
        ImportResponse {
            imported: Vec::new(),
            diagnostics: crate::diag::Diagnostic::error(
                "Import not supported",
                format!("{} cannot be imported.", self.type_name()),
            )
            .into(),
        }
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn read(&self, ctx: &OpContext, req: ReadDataRequest) -> ReadDataResponse;
}
