//! The traits a provider implements. The server owns the protocol; these own the behaviour.
//!
//! Every response carries diagnostics *and* a value so that a failed operation
//! can still hand Terraform the true (partial) state.

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::IdentitySchema;
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

/// A cross-type `moved` (Terraform >= 1.8): the source resource's state as
/// Terraform stored it. Terraform never asks the source provider to upgrade
/// or decode it, and does not configure this provider first.
#[derive(Debug, Clone)]
pub struct MoveRequest {
    /// `registry.terraform.io/hashicorp/google`; some OpenTofu releases send the bare `google`.
    pub source_provider_address: String,
    pub source_type_name: String,
    pub source_schema_version: i64,
    /// The state file's `attributes` object of the source.
    pub source_state: serde_json::Value,
    pub source_private: Vec<u8>,
    /// Terraform >= 1.12: the source's stored identity, if it had one.
    pub source_identity: Option<serde_json::Value>,
    pub source_identity_schema_version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct MoveResponse {
    /// Must equal what [`Resource::read`] would return for the object, or every
    /// move shows a spurious update. Wholly known.
    pub target_state: Value,
    pub target_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

/// `terraform query` (Terraform >= 1.14): what to list.
#[derive(Debug, Clone)]
pub struct ListRequest {
    /// Conforms to [`ListResource::config_schema`].
    pub config: Value,
    /// Fill [`ListEvent::object`]; otherwise leave it null and save the reads.
    pub include_resource_object: bool,
    /// Terraform stops reading after this many results; 0 means no limit.
    /// [`ListSink::send`] enforces it.
    pub limit: i64,
}

/// One listed object.
#[derive(Debug, Clone, Default)]
pub struct ListEvent {
    /// Conforms to the managed resource's identity schema, wholly known.
    /// `Value::Null` derives it from `object` with [`Resource::identity`].
    pub identity: Value,
    /// Shown to humans, e.g. `api-prod-service (us-central1)`.
    pub display_name: String,
    /// The full state as [`Resource::read`] would return it, when requested.
    pub object: Value,
    /// Warnings (or an error) about this object.
    pub diagnostics: Diagnostics,
}

/// Where a [`ListResource`] sends its results; the server streams them on.
#[derive(Debug)]
pub struct ListSink {
    tx: tokio::sync::mpsc::Sender<ListEvent>,
    /// `None`: no limit.
    remaining: Option<u64>,
}

impl ListSink {
    pub(crate) fn new(tx: tokio::sync::mpsc::Sender<ListEvent>, limit: i64) -> Self {
        let remaining = u64::try_from(limit).ok().filter(|l| *l > 0);
        ListSink { tx, remaining }
    }

    /// Send one result. `false` means stop listing: the limit is reached or
    /// Terraform stopped reading.
    pub async fn send(&mut self, event: ListEvent) -> bool {
        if self.remaining == Some(0) || self.tx.send(event).await.is_err() {
            return false;
        }
        if let Some(r) = &mut self.remaining {
            *r -= 1;
        }
        self.remaining != Some(0)
    }
}

/// Progress messages of a running [`Action`]; Terraform prints each one.
#[derive(Debug, Clone)]
pub struct Progress {
    tx: tokio::sync::mpsc::Sender<String>,
}

impl Progress {
    /// Progress into `tx` (the server's stream; a provider's own tests read it directly).
    pub fn new(tx: tokio::sync::mpsc::Sender<String>) -> Self {
        Progress { tx }
    }

    pub async fn report(&self, message: impl Into<String>) {
        // Terraform gone: the action still finishes; nobody is left to tell.
        let _ = self.tx.send(message.into()).await;
    }
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

    /// `list` blocks for `terraform query` (Terraform >= 1.14).
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }

    /// Actions (`terraform apply -invoke=action.<type>.<name>`, Terraform >= 1.14).
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
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

    /// The identity schema (Terraform >= 1.12). `None`: no identity, and no
    /// import by identity or listing either.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of the object `state` describes, conforming to
    /// [`Resource::identity_schema`]. The server derives every identity it
    /// returns (read, plan, apply, import, move, list) from the state through
    /// this, and checks it as Terraform would: wholly known (a plan for a
    /// create or replacement may leave parts unknown) and unchanged for the
    /// life of the object.
    fn identity(&self, _state: &Value) -> Value {
        Value::Null
    }

    /// Upgrade a stored identity written with identity schema `version` (JSON)
    /// to the current identity schema. The default accepts only the current version.
    fn upgrade_identity(
        &self,
        version: i64,
        identity: serde_json::Value,
    ) -> Result<serde_json::Value, Diagnostics> {
        let current = self.identity_schema().map_or(0, |s| s.version);
        if version == current {
            Ok(identity)
        } else {
            Err(Diagnostic::error(
                "Unsupported identity version",
                format!(
                    "The stored identity of this {} was written with identity version {version}, but this provider knows only version {current}. Use the provider version that wrote the state, or remove the resource from state and import it again.",
                    self.type_name()
                ),
            )
            .into())
        }
    }

    /// Import by identity (`import { identity = {...} }`, Terraform >= 1.12):
    /// `identity` conforms to the identity schema and holds every
    /// required-for-import attribute. The default says it is not supported.
    async fn import_by_identity(&self, _ctx: &OpContext, _identity: &Value) -> ImportResponse {
        ImportResponse {
            imported: Vec::new(),
            diagnostics: Diagnostic::error(
                "Import by identity not supported",
                format!(
                    "{} cannot be imported by identity; use `import {{ id = ... }}` instead.",
                    self.type_name()
                ),
            )
            .into(),
        }
    }

    /// Resource types (of any provider) a `moved` block may move into this
    /// type. Non-empty makes the provider advertise `move_resource_state`; the
    /// server rejects every other source type with a diagnostic naming these.
    fn move_sources(&self) -> &'static [&'static str] {
        &[]
    }

    /// Turn a source resource's stored state into this type's state. Called
    /// only for a source type listed in [`Resource::move_sources`]; the
    /// provider is not configured, so no API calls: leave what needs reads to
    /// the [`Resource::read`] that follows.
    async fn move_state(&self, req: MoveRequest) -> MoveResponse {
        MoveResponse {
            diagnostics: Diagnostic::error(
                "Move not supported",
                format!(
                    "{} cannot be the target of a `moved` block from {}.",
                    self.type_name(),
                    req.source_type_name
                ),
            )
            .into(),
            ..MoveResponse::default()
        }
    }
}

/// A `list` block type for `terraform query`. Its type name is that of a
/// managed resource with an identity schema, whose results it lists.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    /// The `config { ... }` block of the `list` block.
    fn config_schema(&self) -> Schema;

    /// Static checks on the list configuration (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Send each object to `sink` until it says stop; the returned
    /// diagnostics end the stream.
    async fn list(&self, ctx: &OpContext, req: ListRequest, sink: &mut ListSink) -> Diagnostics;
}

/// An action: an operation Terraform invokes on demand; it cannot change state,
/// so the next refresh must show its effect.
#[async_trait]
pub trait Action: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    /// Static checks (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Checks at plan time, with the configuration as far as it is known.
    async fn plan(&self, _ctx: &OpContext, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Do it, reporting progress; the returned diagnostics complete the invocation.
    async fn invoke(&self, ctx: &OpContext, config: Value, progress: &Progress) -> Diagnostics;
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
