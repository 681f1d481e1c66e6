//! A stand-in for Terraform core (feature `client`), for protocol-level tests
//! of what Terraform 1.11 cannot exercise: identity, list resources, actions.
//!
//! [`ProviderProcess`] starts a provider binary exactly as Terraform does
//! (go-plugin environment, handshake, AutoMTLS with a P-521 client
//! certificate, `GRPCController.Shutdown`). [`Core`] builds each request as
//! hashicorp/terraform v1.14.x `internal/plugin6/grpc_provider.go` does and
//! applies the checks core applies to the response, so a provider mistake
//! shows up as the error diagnostic Terraform would print (summaries as in
//! core). On top of core, identity must stay unchanged across read, plan and
//! apply (terraform-plugin-framework's "Unexpected Identity Change" rule).

mod process;
mod tls;

use std::collections::BTreeMap;

use tonic::transport::Channel;
use tonic::Code;

pub use process::{connect, parse_handshake, ProviderProcess};
pub use tls::ClientIdentity;

use crate::codec;
use crate::diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::identity::{changed_attributes, IdentityAttribute, IdentitySchema};
/// The generated tfplugin6 messages and client, for requests [`Core`] does not build.
pub use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};

type Client = pb::provider_client::ProviderClient<Channel>;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("starting or watching the provider process: {0}")]
    Spawn(std::io::Error),
    #[error("go-plugin handshake: {0}")]
    Handshake(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("connecting: {0}")]
    Transport(tonic::transport::Error),
    #[error("RPC failed: {0}")]
    Rpc(#[from] tonic::Status),
    #[error("schema: {0}")]
    Schema(String),
    #[error("encoding a request: {0}")]
    Encode(String),
    #[error("the provider's schema has errors: {0:?}")]
    SchemaDiagnostics(Diagnostics),
}

/// A managed resource type as core sees it.
#[derive(Debug, Clone)]
pub struct ResourceType {
    pub version: i64,
    pub ty: Type,
    pub identity: Option<IdentitySchema>,
}

/// `GetProviderSchema` + `GetResourceIdentitySchemas`, decoded.
#[derive(Debug, Clone)]
pub struct Schemas {
    pub provider: Type,
    pub resources: BTreeMap<String, ResourceType>,
    pub data_sources: BTreeMap<String, Type>,
    /// Type of the `config` block of each list resource.
    pub list_resources: BTreeMap<String, Type>,
    pub actions: BTreeMap<String, Type>,
    pub capabilities: pb::ServerCapabilities,
}

#[derive(Debug, Clone, Default)]
pub struct ReadResult {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub identity: Value,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, Default)]
pub struct PlanResult {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
    pub planned_private: Vec<u8>,
    pub planned_identity: Value,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyResult {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub new_identity: Value,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
    pub identity: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ImportResult {
    pub imported: Vec<Imported>,
    pub diagnostics: Diagnostics,
}

/// What `import` names: `id = "..."` or `identity = {...}`.
#[derive(Debug, Clone)]
pub enum ImportTarget {
    Id(String),
    Identity(Value),
}

/// A `moved` block's source as it sits in state.
#[derive(Debug, Clone)]
pub struct MoveSource {
    pub provider_address: String,
    pub type_name: String,
    pub schema_version: i64,
    /// The state file's `attributes` JSON.
    pub state_json: Vec<u8>,
    pub private: Vec<u8>,
    pub identity_json: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
pub struct MoveResult {
    pub target_state: Value,
    pub target_private: Vec<u8>,
    pub target_identity: Value,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct Listed {
    pub display_name: String,
    pub identity: Value,
    /// Null unless the object was requested and sent.
    pub state: Value,
}

#[derive(Debug, Clone, Default)]
pub struct ListResult {
    pub results: Vec<Listed>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone, Default)]
pub struct InvokeResult {
    pub progress: Vec<String>,
    /// A `Completed` event arrived (last).
    pub completed: bool,
    pub diagnostics: Diagnostics,
}

/// The Terraform version core reports in ConfigureProvider.
pub const TERRAFORM_VERSION: &str = "1.14.9";

/// Terraform core's side of the tfplugin6 conversation.
#[derive(Debug, Clone)]
pub struct Core {
    client: Client,
    schemas: Option<Schemas>,
    caps: pb::ClientCapabilities,
}

fn core_error(summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail)
}

impl Core {
    pub fn new(channel: Channel) -> Self {
        Core {
            client: Client::new(channel),
            schemas: None,
            // Terraform 1.14 without -allow-deferral.
            caps: pb::ClientCapabilities {
                deferral_allowed: false,
                write_only_attributes_allowed: true,
            },
        }
    }

    /// The raw gRPC client, for requests core would refuse to send.
    pub fn raw(&mut self) -> &mut Client {
        &mut self.client
    }

    /// GetProviderSchema, then GetResourceIdentitySchemas (UNIMPLEMENTED
    /// means "no identities"), as core loads a provider; cached.
    pub async fn schemas(&mut self) -> Result<&Schemas, ClientError> {
        if self.schemas.is_none() {
            let resp = self
                .client
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await?
                .into_inner();
            let diags = diagnostics_from_proto(&resp.diagnostics);
            if diags.has_errors() {
                return Err(ClientError::SchemaDiagnostics(diags));
            }
            let identities = match self
                .client
                .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
                .await
            {
                Ok(r) => {
                    let r = r.into_inner();
                    let diags = diagnostics_from_proto(&r.diagnostics);
                    if diags.has_errors() {
                        return Err(ClientError::SchemaDiagnostics(diags));
                    }
                    r.identity_schemas
                }
                Err(s) if s.code() == Code::Unimplemented => Default::default(),
                Err(s) => return Err(s.into()),
            };
            self.schemas = Some(decode_schemas(resp, &identities)?);
        }
        self.schemas
            .as_ref()
            .ok_or_else(|| ClientError::Schema("no schema".to_owned()))
    }

    async fn resource_type(&mut self, type_name: &str) -> Result<ResourceType, ClientError> {
        self.schemas()
            .await?
            .resources
            .get(type_name)
            .cloned()
            .ok_or_else(|| ClientError::Schema(format!("unknown resource type {type_name:?}")))
    }

    pub async fn validate_resource_config(
        &mut self,
        type_name: &str,
        config: &Value,
    ) -> Result<Diagnostics, ClientError> {
        let rt = self.resource_type(type_name).await?;
        let resp = self
            .client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: type_name.to_owned(),
                config: Some(dv(config, &rt.ty)?),
                client_capabilities: Some(self.caps),
            })
            .await?
            .into_inner();
        Ok(diagnostics_from_proto(&resp.diagnostics))
    }

    pub async fn configure(&mut self, config: &Value) -> Result<Diagnostics, ClientError> {
        let ty = self.schemas().await?.provider.clone();
        let resp = self
            .client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: TERRAFORM_VERSION.to_owned(),
                config: Some(dv(config, &ty)?),
                client_capabilities: Some(self.caps),
            })
            .await?
            .into_inner();
        Ok(diagnostics_from_proto(&resp.diagnostics))
    }

    /// ReadResource; the identity must be known, valid and unchanged.
    pub async fn read_resource(
        &mut self,
        type_name: &str,
        state: &Value,
        private: &[u8],
        identity: &Value,
    ) -> Result<ReadResult, ClientError> {
        let rt = self.resource_type(type_name).await?;
        let resp = self
            .client
            .read_resource(pb::read_resource::Request {
                type_name: type_name.to_owned(),
                current_state: Some(dv(state, &rt.ty)?),
                private: private.to_vec(),
                provider_meta: None,
                client_capabilities: Some(self.caps),
                current_identity: identity_request(&rt, identity)?,
            })
            .await?
            .into_inner();
        let mut diagnostics = diagnostics_from_proto(&resp.diagnostics);
        let new_state = decode(resp.new_state.as_ref(), &rt.ty, &mut diagnostics);
        let new_identity = decode_identity(&rt, resp.new_identity.as_ref(), &mut diagnostics);
        check_identity(&rt, &new_identity, false, &mut diagnostics);
        check_unchanged(identity, &new_identity, &mut diagnostics);
        Ok(ReadResult {
            new_state,
            private: resp.private,
            identity: new_identity,
            diagnostics,
        })
    }

    /// PlanResourceChange; a create or replace may leave the identity unknown,
    /// an update must keep it.
    pub async fn plan_resource_change(
        &mut self,
        type_name: &str,
        prior: &Value,
        proposed: &Value,
        config: &Value,
        prior_private: &[u8],
        prior_identity: &Value,
    ) -> Result<PlanResult, ClientError> {
        let rt = self.resource_type(type_name).await?;
        let resp = self
            .client
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: type_name.to_owned(),
                prior_state: Some(dv(prior, &rt.ty)?),
                proposed_new_state: Some(dv(proposed, &rt.ty)?),
                config: Some(dv(config, &rt.ty)?),
                prior_private: prior_private.to_vec(),
                provider_meta: None,
                client_capabilities: Some(self.caps),
                prior_identity: identity_request(&rt, prior_identity)?,
            })
            .await?
            .into_inner();
        let mut diagnostics = diagnostics_from_proto(&resp.diagnostics);
        let planned_state = decode(resp.planned_state.as_ref(), &rt.ty, &mut diagnostics);
        let planned_identity =
            decode_identity(&rt, resp.planned_identity.as_ref(), &mut diagnostics);
        let new_object = prior.is_null() || !resp.requires_replace.is_empty();
        if !proposed.is_null() {
            check_identity(&rt, &planned_identity, new_object, &mut diagnostics);
            if !new_object {
                check_unchanged(prior_identity, &planned_identity, &mut diagnostics);
            }
        }
        Ok(PlanResult {
            planned_state,
            requires_replace: resp.requires_replace.iter().map(path_from_proto).collect(),
            planned_private: resp.planned_private,
            planned_identity,
            diagnostics,
        })
    }

    /// ApplyResourceChange; the identity must be known and what the plan said.
    pub async fn apply_resource_change(
        &mut self,
        type_name: &str,
        prior: &Value,
        planned: &Value,
        config: &Value,
        planned_private: &[u8],
        planned_identity: &Value,
    ) -> Result<ApplyResult, ClientError> {
        let rt = self.resource_type(type_name).await?;
        let resp = self
            .client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: type_name.to_owned(),
                prior_state: Some(dv(prior, &rt.ty)?),
                planned_state: Some(dv(planned, &rt.ty)?),
                config: Some(dv(config, &rt.ty)?),
                planned_private: planned_private.to_vec(),
                provider_meta: None,
                planned_identity: identity_request(&rt, planned_identity)?,
            })
            .await?
            .into_inner();
        let mut diagnostics = diagnostics_from_proto(&resp.diagnostics);
        let new_state = decode(resp.new_state.as_ref(), &rt.ty, &mut diagnostics);
        let new_identity = decode_identity(&rt, resp.new_identity.as_ref(), &mut diagnostics);
        if !planned.is_null() {
            check_identity(&rt, &new_identity, false, &mut diagnostics);
            check_unchanged(planned_identity, &new_identity, &mut diagnostics);
        }
        Ok(ApplyResult {
            new_state,
            private: resp.private,
            new_identity,
            diagnostics,
        })
    }

    /// ImportResourceState by ID or by identity, with core's checks of the result.
    pub async fn import_resource_state(
        &mut self,
        type_name: &str,
        target: &ImportTarget,
    ) -> Result<ImportResult, ClientError> {
        let rt = self.resource_type(type_name).await?;
        let (id, identity) = match target {
            ImportTarget::Id(id) => (id.clone(), None),
            ImportTarget::Identity(v) => {
                if rt.identity.is_none() {
                    let mut diagnostics = Diagnostics::new();
                    diagnostics.push(core_error(
                        "Invalid import",
                        format!("unknown identity type {type_name:?}"),
                    ));
                    return Ok(ImportResult {
                        imported: Vec::new(),
                        diagnostics,
                    });
                }
                (String::new(), identity_request(&rt, v)?)
            }
        };
        let resp = self
            .client
            .import_resource_state(pb::import_resource_state::Request {
                type_name: type_name.to_owned(),
                id,
                client_capabilities: Some(self.caps),
                identity,
            })
            .await?
            .into_inner();
        let mut diagnostics = diagnostics_from_proto(&resp.diagnostics);
        if diagnostics.has_errors() {
            return Ok(ImportResult {
                imported: Vec::new(),
                diagnostics,
            });
        }
        let mut imported = Vec::new();
        for item in resp.imported_resources {
            let state = decode(item.state.as_ref(), &rt.ty, &mut diagnostics);
            let identity = decode_identity(&rt, item.identity.as_ref(), &mut diagnostics);
            imported.push(Imported {
                type_name: item.type_name,
                state,
                private: item.private,
                identity,
            });
        }
        match imported.as_slice() {
            [] => diagnostics.push(core_error(
                "Import returned no resources",
                "The provider returned no instance states.".to_owned(),
            )),
            [one] => {
                if one.type_name.is_empty() {
                    diagnostics.push(core_error(
                        "Import failed",
                        "import didn't set type".to_owned(),
                    ));
                }
                if matches!(target, ImportTarget::Identity(_)) && one.identity.is_null() {
                    diagnostics.push(core_error(
                        "Import failed",
                        "import didn't return an identity".to_owned(),
                    ));
                }
                if matches!(target, ImportTarget::Id(_)) && one.state.is_null() {
                    diagnostics.push(core_error(
                        "Import returned null resource",
                        "The provider returned an instance with no state.".to_owned(),
                    ));
                }
                check_identity(&rt, &one.identity, false, &mut diagnostics);
                if let ImportTarget::Identity(given) = target {
                    check_unchanged(given, &one.identity, &mut diagnostics);
                }
            }
            _ => diagnostics.push(core_error(
                "Multiple import states not supported",
                "The provider returned multiple resource instance states.".to_owned(),
            )),
        }
        Ok(ImportResult {
            imported,
            diagnostics,
        })
    }

    /// MoveResourceState as `moved` runs it: only when the provider advertises
    /// `move_resource_state`, without ConfigureProvider.
    pub async fn move_resource_state(
        &mut self,
        source: &MoveSource,
        target_type_name: &str,
    ) -> Result<MoveResult, ClientError> {
        let mut diagnostics = Diagnostics::new();
        if !self.schemas().await?.capabilities.move_resource_state {
            diagnostics.push(core_error(
                "Unsupported `moved` across resource types",
                "The provider does not support moved operations across resource types and providers.".to_owned(),
            ));
            return Ok(MoveResult {
                diagnostics,
                ..MoveResult::default()
            });
        }
        let rt = self.resource_type(target_type_name).await?;
        let resp = self
            .client
            .move_resource_state(pb::move_resource_state::Request {
                source_provider_address: source.provider_address.clone(),
                source_type_name: source.type_name.clone(),
                source_schema_version: source.schema_version,
                source_state: Some(pb::RawState {
                    json: source.state_json.clone(),
                    flatmap: Default::default(),
                }),
                target_type_name: target_type_name.to_owned(),
                source_private: source.private.clone(),
                source_identity: source.identity_json.clone().map(|json| pb::RawState {
                    json,
                    flatmap: Default::default(),
                }),
                // grpc_provider.go v1.14 does not send it.
                source_identity_schema_version: 0,
            })
            .await?
            .into_inner();
        diagnostics = diagnostics_from_proto(&resp.diagnostics);
        if diagnostics.has_errors() {
            return Ok(MoveResult {
                diagnostics,
                ..MoveResult::default()
            });
        }
        let target_state = decode(resp.target_state.as_ref(), &rt.ty, &mut diagnostics);
        let target_identity = decode_identity(&rt, resp.target_identity.as_ref(), &mut diagnostics);
        check_identity(&rt, &target_identity, false, &mut diagnostics);
        if target_state.is_null() || target_state.contains_unknown() {
            diagnostics.push(core_error(
                "Provider returned invalid value",
                "The provider returned an invalid value during an across type move operation: null or with unknown values.".to_owned(),
            ));
        }
        Ok(MoveResult {
            target_state,
            target_private: resp.target_private,
            target_identity,
            diagnostics,
        })
    }

    async fn list_config_type(
        &mut self,
        type_name: &str,
    ) -> Result<Result<Type, Diagnostics>, ClientError> {
        Ok(match self.schemas().await?.list_resources.get(type_name) {
            Some(t) => Ok(t.clone()),
            None => Err(core_error(
                "Invalid list resource",
                format!("unknown list resource type {type_name:?}"),
            )
            .into()),
        })
    }

    pub async fn validate_list_resource_config(
        &mut self,
        type_name: &str,
        config: &Value,
    ) -> Result<Diagnostics, ClientError> {
        let ty = match self.list_config_type(type_name).await? {
            Ok(t) => t,
            Err(d) => return Ok(d),
        };
        let resp = self
            .client
            .validate_list_resource_config(pb::validate_list_resource_config::Request {
                type_name: type_name.to_owned(),
                config: Some(dv(config, &ty)?),
                include_resource_object: None,
                limit: None,
            })
            .await?
            .into_inner();
        Ok(diagnostics_from_proto(&resp.diagnostics))
    }

    /// ListResource, read as core reads it: stop at `limit` results or the
    /// first error; every result needs an identity.
    pub async fn list_resource(
        &mut self,
        type_name: &str,
        config: &Value,
        include_resource_object: bool,
        limit: i64,
    ) -> Result<ListResult, ClientError> {
        let ty = match self.list_config_type(type_name).await? {
            Ok(t) => t,
            Err(diagnostics) => {
                return Ok(ListResult {
                    results: Vec::new(),
                    diagnostics,
                })
            }
        };
        let rt = match self.resource_type(type_name).await {
            Ok(rt) if rt.identity.is_some() => rt,
            _ => {
                return Ok(ListResult {
                    results: Vec::new(),
                    diagnostics: core_error(
                        "Invalid list resource",
                        format!("Identity schema not found for resource type {type_name}; this is a bug in the provider"),
                    )
                    .into(),
                })
            }
        };
        let mut stream = self
            .client
            .list_resource(pb::list_resource::Request {
                type_name: type_name.to_owned(),
                config: Some(dv(config, &ty)?),
                include_resource_object,
                limit,
            })
            .await?
            .into_inner();
        let mut out = ListResult::default();
        while i64::try_from(out.results.len()).unwrap_or(i64::MAX) < limit {
            let Some(event) = stream.message().await? else {
                break;
            };
            out.diagnostics
                .extend(diagnostics_from_proto(&event.diagnostic));
            if out.diagnostics.has_errors() {
                break;
            }
            let has_identity = event
                .identity
                .as_ref()
                .is_some_and(|i| i.identity_data.is_some());
            let warned = out
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Warning);
            if warned && !has_identity {
                continue;
            }
            if !has_identity {
                out.diagnostics.push(core_error(
                    "Invalid list result",
                    format!("missing identity data in ListResource event for {type_name}"),
                ));
                break;
            }
            let identity = decode_identity(&rt, event.identity.as_ref(), &mut out.diagnostics);
            check_identity(&rt, &identity, false, &mut out.diagnostics);
            let state = match event.resource_object.as_ref() {
                Some(obj) if include_resource_object => {
                    decode(Some(obj), &rt.ty, &mut out.diagnostics)
                }
                _ => Value::Null,
            };
            if out.diagnostics.has_errors() {
                break;
            }
            out.results.push(Listed {
                display_name: event.display_name,
                identity,
                state,
            });
        }
        Ok(out)
    }

    async fn action_type(
        &mut self,
        type_name: &str,
    ) -> Result<Result<Type, Diagnostics>, ClientError> {
        Ok(match self.schemas().await?.actions.get(type_name) {
            Some(t) => Ok(t.clone()),
            None => {
                Err(core_error("Invalid action", format!("unknown action {type_name:?}")).into())
            }
        })
    }

    pub async fn validate_action_config(
        &mut self,
        type_name: &str,
        config: &Value,
    ) -> Result<Diagnostics, ClientError> {
        let ty = match self.action_type(type_name).await? {
            Ok(t) => t,
            Err(d) => return Ok(d),
        };
        let resp = self
            .client
            .validate_action_config(pb::validate_action_config::Request {
                type_name: type_name.to_owned(),
                config: Some(dv(config, &ty)?),
            })
            .await?
            .into_inner();
        Ok(diagnostics_from_proto(&resp.diagnostics))
    }

    pub async fn plan_action(
        &mut self,
        type_name: &str,
        config: &Value,
    ) -> Result<Diagnostics, ClientError> {
        let ty = match self.action_type(type_name).await? {
            Ok(t) => t,
            Err(d) => return Ok(d),
        };
        let resp = self
            .client
            .plan_action(pb::plan_action::Request {
                action_type: type_name.to_owned(),
                config: Some(dv(config, &ty)?),
                client_capabilities: Some(self.caps),
            })
            .await?
            .into_inner();
        Ok(diagnostics_from_proto(&resp.diagnostics))
    }

    /// InvokeAction: progress messages, then the completion's diagnostics.
    pub async fn invoke_action(
        &mut self,
        type_name: &str,
        config: &Value,
    ) -> Result<InvokeResult, ClientError> {
        use pb::invoke_action::event::Type as Ev;
        let ty = match self.action_type(type_name).await? {
            Ok(t) => t,
            Err(diagnostics) => {
                return Ok(InvokeResult {
                    diagnostics,
                    ..InvokeResult::default()
                })
            }
        };
        let mut stream = self
            .client
            .invoke_action(pb::invoke_action::Request {
                action_type: type_name.to_owned(),
                config: Some(dv(config, &ty)?),
                client_capabilities: Some(self.caps),
            })
            .await?
            .into_inner();
        let mut out = InvokeResult::default();
        while let Some(event) = stream.message().await? {
            if out.completed {
                out.diagnostics.push(core_error(
                    "Invalid action event",
                    "the provider sent an event after the action completed".to_owned(),
                ));
            }
            match event.r#type {
                Some(Ev::Progress(p)) => out.progress.push(p.message),
                Some(Ev::Completed(c)) => {
                    out.completed = true;
                    out.diagnostics
                        .extend(diagnostics_from_proto(&c.diagnostics));
                }
                None => out.diagnostics.push(core_error(
                    "Invalid action event",
                    "unexpected event type in InvokeAction response".to_owned(),
                )),
            }
        }
        Ok(out)
    }
}

fn dv(v: &Value, ty: &Type) -> Result<pb::DynamicValue, ClientError> {
    codec::to_msgpack(v, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|e| ClientError::Encode(e.to_string()))
}

/// Core sends an identity only when it has one.
fn identity_request(
    rt: &ResourceType,
    identity: &Value,
) -> Result<Option<pb::ResourceIdentityData>, ClientError> {
    if identity.is_null() {
        return Ok(None);
    }
    let schema = rt
        .identity
        .as_ref()
        .ok_or_else(|| ClientError::Encode("identity type not found".to_owned()))?;
    Ok(Some(pb::ResourceIdentityData {
        identity_data: Some(dv(identity, &schema.value_type())?),
    }))
}

fn decode(dv: Option<&pb::DynamicValue>, ty: &Type, diags: &mut Diagnostics) -> Value {
    let result = match dv {
        Some(d) if !d.msgpack.is_empty() => {
            codec::from_msgpack(&d.msgpack, ty).map_err(|e| e.to_string())
        }
        Some(d) if !d.json.is_empty() => serde_json::from_slice(&d.json)
            .map_err(|e| e.to_string())
            .and_then(|j| codec::from_json(&j, ty).map_err(|e| e.to_string())),
        _ => Ok(Value::Null),
    };
    result.unwrap_or_else(|e| {
        diags.push(core_error("Invalid value from provider", e));
        Value::Null
    })
}

fn decode_identity(
    rt: &ResourceType,
    data: Option<&pb::ResourceIdentityData>,
    diags: &mut Diagnostics,
) -> Value {
    let Some(dv) = data.and_then(|d| d.identity_data.as_ref()) else {
        return Value::Null;
    };
    match &rt.identity {
        Some(schema) => decode(Some(dv), &schema.value_type(), diags),
        None => {
            diags.push(core_error(
                "Invalid identity",
                "identity type not found for resource type".to_owned(),
            ));
            Value::Null
        }
    }
}

/// `validateIdentityKnown` + `validateIdentity` for a non-null identity.
fn check_identity(
    rt: &ResourceType,
    identity: &Value,
    allow_unknown: bool,
    diags: &mut Diagnostics,
) {
    let (Some(schema), false) = (&rt.identity, identity.is_null()) else {
        return;
    };
    if let Err(why) = schema.validate(identity, allow_unknown) {
        diags.push(core_error(
            "Provider produced invalid identity",
            format!("The provider returned an identity that Terraform rejects: {why}."),
        ));
    }
}

/// An identity known before must come back the same (see [`changed_attributes`]).
fn check_unchanged(before: &Value, after: &Value, diags: &mut Diagnostics) {
    for name in changed_attributes(before, after) {
        diags.push(core_error(
            "Unexpected Identity Change",
            format!(
                "The identity attribute {name:?} changed from {:?} to {:?}.",
                before.get(name),
                after.get(name)
            ),
        ));
    }
}

pub fn diagnostics_from_proto(d: &[pb::Diagnostic]) -> Diagnostics {
    Diagnostics(
        d.iter()
            .map(|d| Diagnostic {
                severity: if d.severity == pb::diagnostic::Severity::Warning as i32 {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                summary: d.summary.clone(),
                detail: d.detail.clone(),
                attribute: d.attribute.as_ref().map(path_from_proto),
            })
            .collect(),
    )
}

fn path_from_proto(p: &pb::AttributePath) -> AttributePath {
    use pb::attribute_path::step::Selector;
    AttributePath(
        p.steps
            .iter()
            .filter_map(|s| match s.selector.as_ref()? {
                Selector::AttributeName(a) => Some(PathStep::Attribute(a.clone())),
                Selector::ElementKeyString(k) => Some(PathStep::Key(k.clone())),
                Selector::ElementKeyInt(i) => Some(PathStep::Index(*i)),
            })
            .collect(),
    )
}

fn decode_schemas(
    resp: pb::get_provider_schema::Response,
    identities: &std::collections::HashMap<String, pb::ResourceIdentitySchema>,
) -> Result<Schemas, ClientError> {
    let provider = schema_type(resp.provider.as_ref())?;
    let mut resources = BTreeMap::new();
    for (name, s) in &resp.resource_schemas {
        let identity = identities.get(name).map(identity_schema).transpose()?;
        resources.insert(
            name.clone(),
            ResourceType {
                version: s.version,
                ty: schema_type(Some(s))?,
                identity,
            },
        );
    }
    let types = |m: &std::collections::HashMap<String, pb::Schema>| {
        m.iter()
            .map(|(n, s)| Ok((n.clone(), schema_type(Some(s))?)))
            .collect::<Result<BTreeMap<_, _>, ClientError>>()
    };
    Ok(Schemas {
        provider,
        resources,
        data_sources: types(&resp.data_source_schemas)?,
        list_resources: types(&resp.list_resource_schemas)?,
        actions: resp
            .action_schemas
            .iter()
            .map(|(n, a)| Ok((n.clone(), schema_type(a.schema.as_ref())?)))
            .collect::<Result<_, ClientError>>()?,
        capabilities: resp.server_capabilities.unwrap_or_default(),
    })
}

fn identity_schema(s: &pb::ResourceIdentitySchema) -> Result<IdentitySchema, ClientError> {
    let attributes = s
        .identity_attributes
        .iter()
        .map(|a| {
            Ok(IdentityAttribute {
                name: a.name.clone(),
                ty: codec::type_from_json_bytes(&a.r#type).map_err(|e| {
                    ClientError::Schema(format!("identity attribute {}: {e}", a.name))
                })?,
                required_for_import: a.required_for_import,
                optional_for_import: a.optional_for_import,
                description: a.description.clone(),
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    let schema = IdentitySchema {
        version: s.version,
        attributes,
    };
    schema.check().map_err(ClientError::Schema)?;
    Ok(schema)
}

fn schema_type(s: Option<&pb::Schema>) -> Result<Type, ClientError> {
    let block = s
        .and_then(|s| s.block.as_ref())
        .ok_or_else(|| ClientError::Schema("missing schema block".to_owned()))?;
    block_type(block)
}

/// The object type a block implies (configschema `ImpliedType`).
fn block_type(b: &pb::schema::Block) -> Result<Type, ClientError> {
    use pb::schema::nested_block::NestingMode as N;
    let mut fields = BTreeMap::new();
    for a in &b.attributes {
        if a.nested_type.is_some() {
            return Err(ClientError::Schema(format!(
                "attribute {} uses nested_type, which this client does not decode",
                a.name
            )));
        }
        let ty = codec::type_from_json_bytes(&a.r#type)
            .map_err(|e| ClientError::Schema(format!("attribute {}: {e}", a.name)))?;
        fields.insert(a.name.clone(), ty);
    }
    for nb in &b.block_types {
        let inner =
            block_type(nb.block.as_ref().ok_or_else(|| {
                ClientError::Schema(format!("block {} has no body", nb.type_name))
            })?)?;
        let ty = match N::try_from(nb.nesting).unwrap_or(N::Invalid) {
            N::Single | N::Group => inner,
            N::List => Type::List(Box::new(inner)),
            N::Set => Type::Set(Box::new(inner)),
            N::Map => Type::Map(Box::new(inner)),
            N::Invalid => {
                return Err(ClientError::Schema(format!(
                    "block {} has no nesting mode",
                    nb.type_name
                )))
            }
        };
        fields.insert(nb.type_name.clone(), ty);
    }
    Ok(Type::Object(fields))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    fn widget_type() -> ResourceType {
        ResourceType {
            version: 0,
            ty: Type::Object(BTreeMap::new()),
            identity: Some(IdentitySchema {
                version: 0,
                attributes: vec![IdentityAttribute::required("name", Type::String, "")],
            }),
        }
    }

    /// The server catches these too, so here the client's own checks are
    /// fed what a faulty provider could send.
    #[test]
    fn core_checks_catch_bad_identities() {
        let rt = widget_type();
        let mut d = Diagnostics::new();
        check_identity(
            &rt,
            &Value::object([("name", Value::Unknown)]),
            false,
            &mut d,
        );
        check_identity(
            &rt,
            &Value::object([("name", Value::from(1))]),
            false,
            &mut d,
        );
        check_identity(
            &rt,
            &Value::object([("name", Value::Unknown)]),
            true,
            &mut d,
        );
        check_identity(&rt, &Value::Null, false, &mut d);
        assert_eq!(d.0.len(), 2, "{d:?}");
        let before = Value::object([("name", Value::string("a"))]);
        let mut d = Diagnostics::new();
        check_unchanged(
            &before,
            &Value::object([("name", Value::string("b"))]),
            &mut d,
        );
        check_unchanged(&before, &before, &mut d);
        check_unchanged(&before, &Value::Null, &mut d);
        check_unchanged(&Value::Null, &before, &mut d);
        assert_eq!(summaries(&d), ["Unexpected Identity Change"]);
    }

    fn summaries(d: &Diagnostics) -> Vec<&str> {
        d.iter().map(|d| d.summary.as_str()).collect()
    }

    #[test]
    fn handshake_lines_are_checked_like_go_plugin() {
        let (addr, cert) = parse_handshake("1|6|tcp|127.0.0.1:1234|grpc|\n").unwrap();
        assert_eq!(addr.port(), 1234);
        assert!(cert.is_none());
        assert!(parse_handshake("1|5|tcp|127.0.0.1:1|grpc|").is_err());
        assert!(parse_handshake("1|6|tcp|127.0.0.1:1|netrpc|").is_err());
        assert!(parse_handshake("2|6|tcp|127.0.0.1:1|grpc|").is_err());
        let long = "A".repeat(60);
        assert!(parse_handshake(&format!("1|6|tcp|127.0.0.1:1|grpc|{long}")).is_ok());
        assert!(parse_handshake(&format!("1|6|tcp|127.0.0.1:1|grpc|{long}=")).is_err());
    }
}
