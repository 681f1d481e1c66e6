//! The `tfplugin6.Provider` gRPC service: decodes requests, calls the
//! [`Provider`]/[`Resource`]/[`DataSource`] implementation, encodes replies.
//!
//! Every failure the user can cause, and every provider bug, becomes a
//! diagnostic in the reply; gRPC errors are left to tonic (unknown methods).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::convert;
use crate::codec;
use crate::diag::{Diagnostic, Diagnostics};
use crate::identity::{changed_attributes, IdentitySchema};
use crate::proto::tfplugin6 as pb;
use crate::provider::{
    Action, ApplyRequest, ConfigureRequest, DataSource, ListEvent, ListRequest, ListResource,
    ListSink, MoveRequest, OpContext, PlanRequest, Progress, Provider, ReadDataRequest,
    ReadRequest, Resource,
};
use crate::schema::Schema;
use crate::value::{Type, Value};

/// An implementation together with its schema, computed once at start-up.
struct Typed<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Typed<T> {
    fn new(imp: Arc<T>, schema: Schema) -> Self {
        let ty = schema.value_type();
        Typed { imp, schema, ty }
    }
}

/// A resource's identity schema with its value type; `Err` holds why the
/// provider's schema is unusable (reported by GetResourceIdentitySchemas).
type IdentityInfo = Result<(IdentitySchema, Type), String>;

pub struct ProviderService {
    provider: Typed<dyn Provider>,
    resources: HashMap<String, Typed<dyn Resource>>,
    identities: HashMap<String, IdentityInfo>,
    data_sources: HashMap<String, Typed<dyn DataSource>>,
    list_resources: HashMap<String, Typed<dyn ListResource>>,
    actions: HashMap<String, Typed<dyn Action>>,
    /// Some resource accepts cross-type moves.
    move_resource_state: bool,
    /// Cancelled by StopProvider; every OpContext holds a clone.
    cancel: CancellationToken,
    /// Write-only support is a property of the Terraform process; RPCs without
    /// client capabilities (Apply) inherit what earlier RPCs announced.
    write_only_seen: AtomicBool,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>, cancel: CancellationToken) -> Self {
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name().to_owned(), Typed::new(r.clone(), r.schema())))
            .collect();
        let identities = resources
            .iter()
            .filter_map(|(name, r)| {
                let schema = r.imp.identity_schema()?;
                let info = schema.check().map(|()| {
                    let ty = schema.value_type();
                    (schema, ty)
                });
                Some((name.clone(), info))
            })
            .collect();
        let move_resource_state = resources.values().any(|r| !r.imp.move_sources().is_empty());
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name().to_owned(), Typed::new(d.clone(), d.schema())))
            .collect();
        let list_resources = provider
            .list_resources()
            .into_iter()
            .map(|l| {
                (
                    l.type_name().to_owned(),
                    Typed::new(l.clone(), l.config_schema()),
                )
            })
            .collect();
        let actions = provider
            .actions()
            .into_iter()
            .map(|a| (a.type_name().to_owned(), Typed::new(a.clone(), a.schema())))
            .collect();
        let schema = provider.schema();
        ProviderService {
            provider: Typed::new(provider, schema),
            resources,
            identities,
            data_sources,
            list_resources,
            actions,
            move_resource_state,
            cancel,
            write_only_seen: AtomicBool::new(false),
        }
    }

    fn ctx(&self, caps: Option<&pb::ClientCapabilities>) -> OpContext {
        if caps.is_some_and(|c| c.write_only_attributes_allowed) {
            self.write_only_seen.store(true, Ordering::Relaxed);
        }
        let write_only_allowed = caps.map_or_else(
            || self.write_only_seen.load(Ordering::Relaxed),
            |c| c.write_only_attributes_allowed,
        );
        OpContext {
            cancel: self.cancel.clone(),
            write_only_allowed,
        }
    }

    fn resource(&self, name: &str) -> Result<&Typed<dyn Resource>, Diagnostic> {
        self.resources
            .get(name)
            .ok_or_else(|| unknown_type("resource", name))
    }

    fn data_source(&self, name: &str) -> Result<&Typed<dyn DataSource>, Diagnostic> {
        self.data_sources
            .get(name)
            .ok_or_else(|| unknown_type("data source", name))
    }

    fn list_resource(&self, name: &str) -> Result<&Typed<dyn ListResource>, Diagnostic> {
        self.list_resources
            .get(name)
            .ok_or_else(|| unknown_type("list resource", name))
    }

    fn action(&self, name: &str) -> Result<&Typed<dyn Action>, Diagnostic> {
        self.actions
            .get(name)
            .ok_or_else(|| unknown_type("action", name))
    }

    fn server_capabilities(&self) -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            move_resource_state: self.move_resource_state,
            generate_resource_config: false,
        }
    }

    /// The usable identity schema of `type_name`, if it has one.
    fn identity_of(&self, type_name: &str) -> Option<&(IdentitySchema, Type)> {
        self.identities.get(type_name).and_then(|i| i.as_ref().ok())
    }

    /// Decode an identity Terraform sent; one for a type without identity is an error.
    fn decode_identity(
        &self,
        type_name: &str,
        data: Option<&pb::ResourceIdentityData>,
        what: &str,
    ) -> Result<Value, Diagnostic> {
        let Some(dv) = data.and_then(|d| d.identity_data.as_ref()) else {
            return Ok(Value::Null);
        };
        let Some((_, ty)) = self.identity_of(type_name) else {
            return Err(Diagnostic::error(
                "Unexpected resource identity",
                format!("Terraform sent an identity for {type_name}, which has no identity in this provider. Upgrade the provider, or remove the identity from state."),
            ));
        };
        convert::decode(Some(dv), ty, what)
    }

    /// The identity of the object `state` describes, derived by its resource
    /// and checked as Terraform core checks it; a failed check is an error
    /// diagnostic (a provider bug), never a panic, and the state still goes back.
    fn derive_identity(
        &self,
        type_name: &str,
        state: &Value,
        check: IdentityCheck<'_>,
        diags: &mut Diagnostics,
    ) -> Option<pb::ResourceIdentityData> {
        let (schema, ty) = self.identity_of(type_name)?;
        let r = self.resources.get(type_name)?;
        if state.is_null() {
            return None;
        }
        let identity = match identity_from_state(r.imp.as_ref(), state) {
            Some(v) => v,
            None => {
                diags.push(Diagnostic::error(
                    "Provider bug: panic while deriving an identity",
                    format!("The provider crashed while computing the identity of this {type_name}. Please report this issue."),
                ));
                return None;
            }
        };
        if let Err(why) = schema.validate(&identity, check.allow_unknown) {
            diags.push(Diagnostic::error(
                "Provider produced invalid identity",
                format!("The provider returned an identity for this {type_name} that Terraform rejects: {why}. This is a bug in the provider; please report it."),
            ));
            return None;
        }
        if let Some(before) = check.unchanged_from {
            if !changed_attributes(before, &identity).is_empty() {
                diags.push(Diagnostic::error(
                    "Provider produced different identity",
                    format!("The identity of this {type_name} changed from {before:?} to {identity:?}; an identity must stay the same for the life of the object. This is a bug in the provider; please report it."),
                ));
                return None;
            }
        }
        let data = encode_into(&identity, ty, "identity", diags)?;
        Some(pb::ResourceIdentityData {
            identity_data: Some(data),
        })
    }
}

/// `r.identity(state)`, with a panic in provider code as `None`.
fn identity_from_state(r: &dyn Resource, state: &Value) -> Option<Value> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.identity(state))).ok()
}

/// How a derived identity is checked.
#[derive(Clone, Copy, Default)]
struct IdentityCheck<'a> {
    /// A plan for a create or a replacement may not know the identity yet.
    allow_unknown: bool,
    /// The identity Terraform holds for the object (or the user gave to
    /// import it): its known attributes must not change.
    unchanged_from: Option<&'a Value>,
}

fn unknown_type(kind: &str, name: &str) -> Diagnostic {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type named {name:?}. Check the spelling, or upgrade the provider."),
    )
}

fn log_rpc(rpc: &'static str, type_name: &str) {
    tracing::debug!(rpc, type_name, "handling RPC");
}

/// Run provider code on its own task so that a panic becomes an error
/// diagnostic instead of a dropped connection.
async fn guarded<T: Send + 'static>(
    rpc: &'static str,
    fut: impl Future<Output = T> + Send + 'static,
) -> Result<T, Diagnostic> {
    tokio::spawn(fut).await.map_err(|e| {
        let why = if e.is_panic() {
            let payload = e.into_panic();
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned())
        } else {
            "the task was cancelled".to_owned()
        };
        tracing::error!(rpc, "provider code panicked");
        Diagnostic::error(
            format!("Provider bug: panic in {rpc}"),
            format!("The provider crashed while handling {rpc}: {why}. Please report this issue."),
        )
    })
}

/// Encode `v`, recording a failure in `diags` instead of losing the other diagnostics.
fn encode_into(
    v: &Value,
    ty: &Type,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    convert::encode(v, ty, what).map_err(|d| diags.push(d)).ok()
}

/// Responses that can carry only diagnostics (for early failures);
/// implemented by `provider_rpcs!` for every RPC it generates.
trait FromDiagnostics: Default {
    fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>);
}

fn respond<R: FromDiagnostics>(r: Result<R, Diagnostics>) -> Result<Response<R>, Status> {
    Ok(Response::new(r.unwrap_or_else(|d| {
        let mut resp = R::default();
        resp.set_diagnostics(convert::diagnostics(&d));
        resp
    })))
}

/// Decode a configuration against `ty`, run the provider's `check` of it on
/// its own task, and return the diagnostics for the reply: the shape shared
/// by the validate RPCs and ConfigureProvider.
async fn check_config<Fut>(
    rpc: &'static str,
    config: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
    check: impl FnOnce(Value) -> Fut,
) -> Result<Vec<pb::Diagnostic>, Diagnostics>
where
    Fut: Future<Output = Diagnostics> + Send + 'static,
{
    let config = convert::decode(config, ty, what)?;
    let diags = guarded(rpc, check(config)).await?;
    Ok(convert::diagnostics(&diags))
}

impl ProviderService {
    async fn validate_resource(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> Result<pb::validate_resource_config::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        self.ctx(req.client_capabilities.as_ref());
        let imp = r.imp.clone();
        let diagnostics = check_config(
            "ValidateResourceConfig",
            req.config.as_ref(),
            &r.ty,
            "configuration",
            |config| async move { imp.validate(&config).await },
        )
        .await?;
        Ok(pb::validate_resource_config::Response { diagnostics })
    }

    async fn validate_data_source(
        &self,
        req: pb::validate_data_resource_config::Request,
    ) -> Result<pb::validate_data_resource_config::Response, Diagnostics> {
        let d = self.data_source(&req.type_name)?;
        let imp = d.imp.clone();
        let diagnostics = check_config(
            "ValidateDataResourceConfig",
            req.config.as_ref(),
            &d.ty,
            "configuration",
            |config| async move { imp.validate(&config).await },
        )
        .await?;
        Ok(pb::validate_data_resource_config::Response { diagnostics })
    }

    async fn validate_provider(
        &self,
        req: pb::validate_provider_config::Request,
    ) -> Result<pb::validate_provider_config::Response, Diagnostics> {
        let imp = self.provider.imp.clone();
        let diagnostics = check_config(
            "ValidateProviderConfig",
            req.config.as_ref(),
            &self.provider.ty,
            "provider configuration",
            |config| async move { imp.validate_config(&config).await },
        )
        .await?;
        Ok(pb::validate_provider_config::Response { diagnostics })
    }

    async fn configure(
        &self,
        req: pb::configure_provider::Request,
    ) -> Result<pb::configure_provider::Response, Diagnostics> {
        self.ctx(req.client_capabilities.as_ref());
        let imp = self.provider.imp.clone();
        let terraform_version = req.terraform_version;
        let diagnostics = check_config(
            "ConfigureProvider",
            req.config.as_ref(),
            &self.provider.ty,
            "provider configuration",
            |config| async move {
                let creq = ConfigureRequest {
                    terraform_version,
                    config,
                };
                imp.configure(creq).await
            },
        )
        .await?;
        Ok(pb::configure_provider::Response { diagnostics })
    }

    async fn upgrade(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            if !raw.flatmap.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported legacy state format",
                    format!(
                        "The stored state of this {} uses the flatmap format of Terraform 0.11 and earlier, which this provider cannot read. \
                         Remove the resource from state (`terraform state rm`) and import it again.",
                        req.type_name
                    ),
                )
                .into());
            }
            let upgraded_state = Some(convert::encode(&Value::Null, &r.ty, "upgraded state")?);
            return Ok(pb::upgrade_resource_state::Response {
                upgraded_state,
                diagnostics: Vec::new(),
            });
        }
        let json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|e| {
            Diagnostic::error(
                "Invalid stored state",
                format!(
                    "The stored state of this {} is not valid JSON: {e}.",
                    req.type_name
                ),
            )
        })?;
        let imp = r.imp.clone();
        let version = req.version;
        let upgraded = guarded("UpgradeResourceState", async move {
            imp.upgrade_state(version, json)
        })
        .await??;
        let mut state = codec::from_json(&upgraded, &r.ty).map_err(|e| {
            Diagnostic::error(
                "Cannot read stored state",
                format!(
                    "The stored state of this {} does not match the provider's schema: {e}.",
                    req.type_name
                ),
            )
        })?;
        convert::strip_write_only(&r.schema.block, &mut state);
        let upgraded_state = Some(convert::encode(&state, &r.ty, "upgraded state")?);
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: Vec::new(),
        })
    }

    async fn read(
        &self,
        req: pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let current_state = convert::decode(req.current_state.as_ref(), &r.ty, "current state")?;
        let current_identity = self.decode_identity(
            &req.type_name,
            req.current_identity.as_ref(),
            "current identity",
        )?;
        let imp = r.imp.clone();
        let rreq = ReadRequest {
            current_state,
            private: req.private,
        };
        let mut resp = guarded("ReadResource", async move { imp.read(&ctx, rreq).await }).await?;
        convert::strip_write_only(&r.schema.block, &mut resp.new_state);
        let new_identity = self.derive_identity(
            &req.type_name,
            &resp.new_state,
            IdentityCheck {
                allow_unknown: false,
                unchanged_from: Some(&current_identity),
            },
            &mut resp.diagnostics,
        );
        let new_state = encode_into(&resp.new_state, &r.ty, "new state", &mut resp.diagnostics);
        Ok(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            private: resp.private,
            new_identity,
            deferred: None,
        })
    }

    async fn plan(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let preq = PlanRequest {
            prior_state: convert::decode(req.prior_state.as_ref(), &r.ty, "prior state")?,
            proposed_new_state: convert::decode(
                req.proposed_new_state.as_ref(),
                &r.ty,
                "proposed new state",
            )?,
            config: convert::decode(req.config.as_ref(), &r.ty, "configuration")?,
            prior_private: req.prior_private,
        };
        let prior_identity = self.decode_identity(
            &req.type_name,
            req.prior_identity.as_ref(),
            "prior identity",
        )?;
        let creating = preq.prior_state.is_null();
        let imp = r.imp.clone();
        let mut resp = guarded(
            "PlanResourceChange",
            async move { imp.plan(&ctx, preq).await },
        )
        .await?;
        convert::strip_write_only(&r.schema.block, &mut resp.planned_state);
        // A new object (create or replace) may get its identity only at apply.
        let new_object = creating || !resp.requires_replace.is_empty();
        let planned_identity = self.derive_identity(
            &req.type_name,
            &resp.planned_state,
            IdentityCheck {
                allow_unknown: new_object,
                unchanged_from: (!new_object).then_some(&prior_identity),
            },
            &mut resp.diagnostics,
        );
        let planned_state = encode_into(
            &resp.planned_state,
            &r.ty,
            "planned state",
            &mut resp.diagnostics,
        );
        Ok(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: resp
                .requires_replace
                .iter()
                .map(convert::attribute_path)
                .collect(),
            planned_private: resp.planned_private,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            planned_identity,
            ..Default::default()
        })
    }

    async fn apply(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let ctx = self.ctx(None);
        let areq = ApplyRequest {
            prior_state: convert::decode(req.prior_state.as_ref(), &r.ty, "prior state")?,
            planned_state: convert::decode(req.planned_state.as_ref(), &r.ty, "planned state")?,
            config: convert::decode(req.config.as_ref(), &r.ty, "configuration")?,
            planned_private: req.planned_private,
        };
        let planned_identity = self.decode_identity(
            &req.type_name,
            req.planned_identity.as_ref(),
            "planned identity",
        )?;
        let imp = r.imp.clone();
        let mut resp = guarded(
            "ApplyResourceChange",
            async move { imp.apply(&ctx, areq).await },
        )
        .await?;
        convert::strip_write_only(&r.schema.block, &mut resp.new_state);
        let new_identity = self.derive_identity(
            &req.type_name,
            &resp.new_state,
            IdentityCheck {
                allow_unknown: false,
                unchanged_from: Some(&planned_identity),
            },
            &mut resp.diagnostics,
        );
        let new_state = encode_into(&resp.new_state, &r.ty, "new state", &mut resp.diagnostics);
        Ok(pb::apply_resource_change::Response {
            new_state,
            private: resp.private,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            new_identity,
            legacy_type_system: false,
        })
    }

    async fn import(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let imp = r.imp.clone();
        let by_identity =
            self.decode_identity(&req.type_name, req.identity.as_ref(), "import identity")?;
        let id = req.id;
        let mut resp = if !id.is_empty() {
            guarded(
                "ImportResourceState",
                async move { imp.import(&ctx, &id).await },
            )
            .await?
        } else if by_identity.is_null() {
            return Err(Diagnostic::error(
                "Nothing to import",
                "Terraform sent neither an import ID nor an identity. Set `id` or `identity` in the `import` block.",
            )
            .into());
        } else {
            self.check_import_identity(&req.type_name, &by_identity)?;
            let identity = by_identity.clone();
            guarded("ImportResourceState", async move {
                imp.import_by_identity(&ctx, &identity).await
            })
            .await?
        };
        let mut imported_resources = Vec::new();
        for mut item in std::mem::take(&mut resp.imported) {
            let type_name = if item.type_name.is_empty() {
                req.type_name.clone()
            } else {
                item.type_name
            };
            let target = match self.resource(&type_name) {
                Ok(t) => t,
                Err(d) => {
                    resp.diagnostics.push(d);
                    continue;
                }
            };
            convert::strip_write_only(&target.schema.block, &mut item.state);
            // What the user gave must come back; the provider may fill in the rest.
            let identity = self.derive_identity(
                &type_name,
                &item.state,
                IdentityCheck {
                    allow_unknown: false,
                    unchanged_from: Some(&by_identity),
                },
                &mut resp.diagnostics,
            );
            if let Some(state) = encode_into(
                &item.state,
                &target.ty,
                "imported state",
                &mut resp.diagnostics,
            ) {
                imported_resources.push(pb::import_resource_state::ImportedResource {
                    type_name,
                    state: Some(state),
                    private: item.private,
                    identity,
                });
            }
        }
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            deferred: None,
        })
    }

    /// Import by identity needs every required-for-import attribute.
    fn check_import_identity(&self, type_name: &str, identity: &Value) -> Result<(), Diagnostic> {
        let Some((schema, _)) = self.identity_of(type_name) else {
            return Ok(());
        };
        let missing: Vec<&str> = schema
            .attributes
            .iter()
            .filter(|a| a.required_for_import && identity.get(&a.name).is_null())
            .map(|a| a.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let all: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
        Err(Diagnostic::error(
            "Incomplete import identity",
            format!(
                "The identity to import this {type_name} lacks {}. Set them in the `import` block's `identity` (attributes: {}).",
                missing.join(", "),
                all.join(", ")
            ),
        ))
    }

    async fn upgrade_identity(
        &self,
        req: pb::upgrade_resource_identity::Request,
    ) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let Some((schema, ty)) = self.identity_of(&req.type_name) else {
            return Err(Diagnostic::error(
                "Unexpected resource identity",
                format!("{} has no identity in this provider, so a stored identity cannot be upgraded. Upgrade the provider, or remove the resource from state and import it again.", req.type_name),
            )
            .into());
        };
        let raw = req.raw_identity.unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&raw.json).map_err(|e| {
            Diagnostic::error(
                "Invalid stored identity",
                format!(
                    "The stored identity of this {} is not valid JSON: {e}.",
                    req.type_name
                ),
            )
        })?;
        let imp = r.imp.clone();
        let version = req.version;
        let upgraded = guarded("UpgradeResourceIdentity", async move {
            imp.upgrade_identity(version, json)
        })
        .await??;
        let identity = codec::from_json(&upgraded, ty).map_err(|e| {
            Diagnostic::error(
                "Cannot read stored identity",
                format!("The stored identity of this {} does not match the provider's identity schema (version {}): {e}.", req.type_name, schema.version),
            )
        })?;
        schema.validate(&identity, false).map_err(|why| {
            Diagnostic::error(
                "Provider produced invalid identity",
                format!("The upgraded identity of this {} is invalid: {why}. This is a bug in the provider; please report it.", req.type_name),
            )
        })?;
        Ok(pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(convert::encode(&identity, ty, "upgraded identity")?),
            }),
            diagnostics: Vec::new(),
        })
    }

    async fn move_state(
        &self,
        req: pb::move_resource_state::Request,
    ) -> Result<pb::move_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.target_type_name)?;
        let sources = r.imp.move_sources();
        if !sources.contains(&req.source_type_name.as_str()) {
            let accepted = if sources.is_empty() {
                "accepts no `moved` blocks from other resource types".to_owned()
            } else {
                format!("accepts `moved` blocks only from {}", sources.join(", "))
            };
            return Err(Diagnostic::error(
                "Unsupported move",
                format!(
                    "{} cannot be moved to {}: {} {accepted}. Import the existing object instead (`import {{ to = ..., id = ... }}`), or move from a supported type.",
                    req.source_type_name, req.target_type_name, req.target_type_name
                ),
            )
            .into());
        }
        let parse = |raw: Option<pb::RawState>,
                     what: &str|
         -> Result<Option<serde_json::Value>, Diagnostic> {
            match raw.filter(|r| !r.json.is_empty()) {
                None => Ok(None),
                Some(r) => serde_json::from_slice(&r.json).map(Some).map_err(|e| {
                    Diagnostic::error(
                        format!("Invalid {what}"),
                        format!(
                            "The {what} of the {} being moved is not valid JSON: {e}.",
                            req.source_type_name
                        ),
                    )
                }),
            }
        };
        let source_state = parse(req.source_state.clone(), "source state")?.ok_or_else(|| {
            Diagnostic::error(
                "Missing source state",
                format!(
                    "Terraform sent no state for the {} being moved.",
                    req.source_type_name
                ),
            )
        })?;
        let source_identity = parse(req.source_identity.clone(), "source identity")?;
        let mreq = MoveRequest {
            source_provider_address: req.source_provider_address,
            source_type_name: req.source_type_name,
            source_schema_version: req.source_schema_version,
            source_state,
            source_private: req.source_private,
            source_identity,
            source_identity_schema_version: req.source_identity_schema_version,
        };
        let imp = r.imp.clone();
        let mut resp = guarded(
            "MoveResourceState",
            async move { imp.move_state(mreq).await },
        )
        .await?;
        if !resp.diagnostics.has_errors()
            && (resp.target_state.is_null() || resp.target_state.contains_unknown())
        {
            resp.diagnostics.push(Diagnostic::error(
                "Provider bug: invalid moved state",
                format!("The provider moved the object into a {} state that is null or not wholly known. Please report this issue.", req.target_type_name),
            ));
        }
        if resp.diagnostics.has_errors() {
            return Err(resp.diagnostics);
        }
        convert::strip_write_only(&r.schema.block, &mut resp.target_state);
        let target_identity = self.derive_identity(
            &req.target_type_name,
            &resp.target_state,
            IdentityCheck::default(),
            &mut resp.diagnostics,
        );
        let target_state = encode_into(
            &resp.target_state,
            &r.ty,
            "moved state",
            &mut resp.diagnostics,
        );
        Ok(pb::move_resource_state::Response {
            target_state,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            target_private: resp.target_private,
            target_identity,
        })
    }

    async fn validate_list(
        &self,
        req: pb::validate_list_resource_config::Request,
    ) -> Result<pb::validate_list_resource_config::Response, Diagnostics> {
        let l = self.list_resource(&req.type_name)?;
        let imp = l.imp.clone();
        let diagnostics = check_config(
            "ValidateListResourceConfig",
            req.config.as_ref(),
            &l.ty,
            "list configuration",
            |config| async move { imp.validate(&config).await },
        )
        .await?;
        Ok(pb::validate_list_resource_config::Response { diagnostics })
    }

    async fn validate_action(
        &self,
        req: pb::validate_action_config::Request,
    ) -> Result<pb::validate_action_config::Response, Diagnostics> {
        let a = self.action(&req.type_name)?;
        let imp = a.imp.clone();
        let diagnostics = check_config(
            "ValidateActionConfig",
            req.config.as_ref(),
            &a.ty,
            "action configuration",
            |config| async move { imp.validate(&config).await },
        )
        .await?;
        Ok(pb::validate_action_config::Response { diagnostics })
    }

    async fn plan_action(
        &self,
        req: pb::plan_action::Request,
    ) -> Result<pb::plan_action::Response, Diagnostics> {
        let a = self.action(&req.action_type)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let imp = a.imp.clone();
        let diagnostics = check_config(
            "PlanAction",
            req.config.as_ref(),
            &a.ty,
            "action configuration",
            |config| async move { imp.plan(&ctx, &config).await },
        )
        .await?;
        Ok(pb::plan_action::Response {
            diagnostics,
            deferred: None,
        })
    }

    /// Start a listing; its results arrive on the returned stream, the
    /// provider's closing diagnostics as a last event.
    fn list(
        &self,
        req: pb::list_resource::Request,
    ) -> Result<tonic::codegen::BoxStream<pb::list_resource::Event>, Diagnostics> {
        let l = self.list_resource(&req.type_name)?;
        let (resource, (schema, identity_ty)) = match (self.resources.get(&req.type_name), self.identity_of(&req.type_name)) {
            (Some(r), Some(i)) => (r, i),
            _ => {
                return Err(Diagnostic::error(
                    "Provider bug: list resource without identity",
                    format!("The provider lists {} but has no managed resource type with an identity of that name. Please report this issue.", req.type_name),
                )
                .into())
            }
        };
        let config = convert::decode(req.config.as_ref(), &l.ty, "list configuration")?;
        let ctx = self.ctx(None);
        let lreq = ListRequest {
            config,
            include_resource_object: req.include_resource_object,
            limit: req.limit,
        };
        let shape = ListShape {
            type_name: req.type_name,
            resource: resource.imp.clone(),
            state_ty: resource.ty.clone(),
            schema: schema.clone(),
            identity_ty: identity_ty.clone(),
            include_resource_object: req.include_resource_object,
        };
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let (events_tx, mut events) = tokio::sync::mpsc::channel::<ListEvent>(1);
        let imp = l.imp.clone();
        tokio::spawn(async move {
            let producer = guarded("ListResource", async move {
                let mut sink = ListSink::new(events_tx, lreq.limit);
                imp.list(&ctx, lreq, &mut sink).await
            });
            let forward = async {
                while let Some(event) = events.recv().await {
                    let (event, fatal) = shape.event(event);
                    if tx.send(Ok(event)).await.is_err() || fatal {
                        break;
                    }
                }
                // Dropping the receiver tells the sink to stop.
                drop(events);
            };
            let (closing, ()) = tokio::join!(producer, forward);
            let closing = closing.unwrap_or_else(Diagnostics::from);
            if !closing.is_empty() {
                let _ = tx
                    .send(Ok(pb::list_resource::Event {
                        diagnostic: convert::diagnostics(&closing),
                        ..Default::default()
                    }))
                    .await;
            }
        });
        Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx)))
    }

    /// Start an action; progress and the completion arrive on the returned stream.
    fn invoke(
        &self,
        req: pb::invoke_action::Request,
    ) -> Result<tonic::codegen::BoxStream<pb::invoke_action::Event>, Diagnostics> {
        use pb::invoke_action::event::{Completed, Progress as PbProgress, Type};
        let a = self.action(&req.action_type)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let config = convert::decode(req.config.as_ref(), &a.ty, "action configuration")?;
        if config.contains_unknown() {
            return Err(Diagnostic::error(
                "Action configuration not known",
                format!("Terraform invoked {} with a configuration that is not wholly known. This is a bug in Terraform.", req.action_type),
            )
            .into());
        }
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let (progress_tx, mut progress) = tokio::sync::mpsc::channel::<String>(1);
        let imp = a.imp.clone();
        tokio::spawn(async move {
            let action = guarded("InvokeAction", async move {
                imp.invoke(&ctx, config, &Progress::new(progress_tx)).await
            });
            let forward = async {
                while let Some(message) = progress.recv().await {
                    let event = pb::invoke_action::Event {
                        r#type: Some(Type::Progress(PbProgress { message })),
                    };
                    // Terraform stopped listening: the action still runs to its end.
                    let _ = tx.send(Ok(event)).await;
                }
            };
            let (done, ()) = tokio::join!(action, forward);
            let diagnostics = convert::diagnostics(&done.unwrap_or_else(Diagnostics::from));
            let _ = tx
                .send(Ok(pb::invoke_action::Event {
                    r#type: Some(Type::Completed(Completed { diagnostics })),
                }))
                .await;
        });
        Ok(Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx)))
    }

    async fn read_data(
        &self,
        req: pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let d = self.data_source(&req.type_name)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let config = convert::decode(req.config.as_ref(), &d.ty, "configuration")?;
        let imp = d.imp.clone();
        let mut resp = guarded("ReadDataSource", async move {
            imp.read(&ctx, ReadDataRequest { config }).await
        })
        .await?;
        let state = encode_into(
            &resp.state,
            &d.ty,
            "data source state",
            &mut resp.diagnostics,
        );
        Ok(pb::read_data_source::Response {
            state,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            deferred: None,
        })
    }
}

fn sorted_names<'a>(names: impl Iterator<Item = &'a String>) -> impl Iterator<Item = String> {
    let mut names: Vec<String> = names.cloned().collect();
    names.sort();
    names.into_iter()
}

/// A stream of one event: how a streaming RPC reports an early failure.
fn one_event<T: Send + 'static>(event: T) -> tonic::codegen::BoxStream<T> {
    Box::pin(futures::stream::once(async move { Ok(event) }))
}

/// What the server needs to check and encode list results.
struct ListShape {
    type_name: String,
    resource: Arc<dyn Resource>,
    state_ty: Type,
    schema: IdentitySchema,
    identity_ty: Type,
    include_resource_object: bool,
}

impl ListShape {
    /// The wire event for one result, and whether it ends the stream (an
    /// error, as Terraform stops at the first one).
    fn event(&self, e: ListEvent) -> (pb::list_resource::Event, bool) {
        let mut diags = e.diagnostics;
        let identity = if e.identity.is_null() && !e.object.is_null() {
            identity_from_state(self.resource.as_ref(), &e.object).unwrap_or(Value::Null)
        } else {
            e.identity
        };
        let identity = match self.schema.validate(&identity, false) {
            Ok(()) => encode_into(&identity, &self.identity_ty, "identity", &mut diags),
            Err(why) if !diags.has_errors() => {
                diags.push(Diagnostic::error(
                    "Provider produced invalid identity",
                    format!("The provider listed a {} whose identity Terraform rejects: {why}. This is a bug in the provider; please report it.", self.type_name),
                ));
                None
            }
            Err(_) => None,
        };
        let resource_object = if self.include_resource_object && !e.object.is_null() {
            encode_into(&e.object, &self.state_ty, "listed object", &mut diags)
        } else {
            None
        };
        let fatal = diags.has_errors();
        let event = pb::list_resource::Event {
            identity: identity.map(|data| pb::ResourceIdentityData {
                identity_data: Some(data),
            }),
            display_name: e.display_name,
            resource_object,
            diagnostic: convert::diagnostics(&diags),
        };
        (event, fatal)
    }
}

/// Generates the `tfplugin6.Provider` trait impl: each listed RPC unwraps its
/// request, logs it (with the request's `type_name` field when it has one)
/// and answers with [`respond`] around the named handler, so its response
/// type also gets [`FromDiagnostics`]; the RPCs written out by hand follow
/// `manual`.
macro_rules! provider_rpcs {
    (@type_name $req:ident, -) => { "" };
    (@type_name $req:ident, $field:ident) => { $req.$field.as_str() };
    (
        $( rpc $rpc:ident($name:literal, $type_name:tt) => $handler:ident; )*
        manual { $($manual:tt)* }
    ) => {
        $(
            impl FromDiagnostics for pb::$rpc::Response {
                fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>) {
                    self.diagnostics = d;
                }
            }
        )*

        #[tonic::async_trait]
        impl pb::provider_server::Provider for ProviderService {
            $(
                async fn $rpc(
                    &self,
                    req: Request<pb::$rpc::Request>,
                ) -> Result<Response<pb::$rpc::Response>, Status> {
                    let req = req.into_inner();
                    log_rpc($name, provider_rpcs!(@type_name req, $type_name));
                    respond(self.$handler(req).await)
                }
            )*
            $($manual)*
        }
    };
}

provider_rpcs! {
    rpc validate_provider_config("ValidateProviderConfig", -) => validate_provider;
    rpc validate_resource_config("ValidateResourceConfig", type_name) => validate_resource;
    rpc validate_data_resource_config("ValidateDataResourceConfig", type_name) => validate_data_source;
    rpc upgrade_resource_state("UpgradeResourceState", type_name) => upgrade;
    rpc configure_provider("ConfigureProvider", -) => configure;
    rpc read_resource("ReadResource", type_name) => read;
    rpc plan_resource_change("PlanResourceChange", type_name) => plan;
    rpc apply_resource_change("ApplyResourceChange", type_name) => apply;
    rpc import_resource_state("ImportResourceState", type_name) => import;
    rpc read_data_source("ReadDataSource", type_name) => read_data;
    rpc upgrade_resource_identity("UpgradeResourceIdentity", type_name) => upgrade_identity;
    rpc move_resource_state("MoveResourceState", target_type_name) => move_state;
    rpc validate_list_resource_config("ValidateListResourceConfig", type_name) => validate_list;
    rpc validate_action_config("ValidateActionConfig", type_name) => validate_action;
    rpc plan_action("PlanAction", action_type) => plan_action;

    manual {
        async fn get_metadata(
            &self,
            _: Request<pb::get_metadata::Request>,
        ) -> Result<Response<pb::get_metadata::Response>, Status> {
            log_rpc("GetMetadata", "");
            let resources = sorted_names(self.resources.keys())
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect();
            let data_sources = sorted_names(self.data_sources.keys())
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect();
            let list_resources = sorted_names(self.list_resources.keys())
                .map(|type_name| pb::get_metadata::ListResourceMetadata { type_name })
                .collect();
            let actions = sorted_names(self.actions.keys())
                .map(|type_name| pb::get_metadata::ActionMetadata { type_name })
                .collect();
            Ok(Response::new(pb::get_metadata::Response {
                server_capabilities: Some(self.server_capabilities()),
                diagnostics: Vec::new(),
                data_sources,
                resources,
                list_resources,
                actions,
                ..Default::default()
            }))
        }

        async fn get_provider_schema(
            &self,
            _: Request<pb::get_provider_schema::Request>,
        ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
            log_rpc("GetProviderSchema", "");
            Ok(Response::new(pb::get_provider_schema::Response {
                provider: Some(convert::schema(&self.provider.schema)),
                resource_schemas: self
                    .resources
                    .iter()
                    .map(|(n, r)| (n.clone(), convert::schema(&r.schema)))
                    .collect(),
                data_source_schemas: self
                    .data_sources
                    .iter()
                    .map(|(n, d)| (n.clone(), convert::schema(&d.schema)))
                    .collect(),
                list_resource_schemas: self
                    .list_resources
                    .iter()
                    .map(|(n, l)| (n.clone(), convert::schema(&l.schema)))
                    .collect(),
                action_schemas: self
                    .actions
                    .iter()
                    .map(|(n, a)| {
                        (
                            n.clone(),
                            pb::ActionSchema {
                                schema: Some(convert::schema(&a.schema)),
                            },
                        )
                    })
                    .collect(),
                diagnostics: Vec::new(),
                provider_meta: None,
                server_capabilities: Some(self.server_capabilities()),
                ..Default::default()
            }))
        }

        async fn get_resource_identity_schemas(
            &self,
            _: Request<pb::get_resource_identity_schemas::Request>,
        ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
            log_rpc("GetResourceIdentitySchemas", "");
            let mut diagnostics = Diagnostics::new();
            let mut identity_schemas = HashMap::new();
            for (name, info) in &self.identities {
                match info {
                    Ok((schema, _)) => {
                        identity_schemas.insert(name.clone(), convert::identity_schema(schema));
                    }
                    Err(why) => diagnostics.push(Diagnostic::error(
                        "Provider bug: invalid identity schema",
                        format!("The identity schema of {name} is invalid: {why}. Please report this issue."),
                    )),
                }
            }
            Ok(Response::new(pb::get_resource_identity_schemas::Response {
                identity_schemas,
                diagnostics: convert::diagnostics(&diagnostics),
            }))
        }

        async fn list_resource(
            &self,
            req: Request<pb::list_resource::Request>,
        ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
            let req = req.into_inner();
            log_rpc("ListResource", &req.type_name);
            let stream = self.list(req).unwrap_or_else(|d| {
                one_event(pb::list_resource::Event {
                    diagnostic: convert::diagnostics(&d),
                    ..Default::default()
                })
            });
            Ok(Response::new(stream))
        }

        async fn invoke_action(
            &self,
            req: Request<pb::invoke_action::Request>,
        ) -> Result<Response<tonic::codegen::BoxStream<pb::invoke_action::Event>>, Status> {
            use pb::invoke_action::event::{Completed, Type};
            let req = req.into_inner();
            log_rpc("InvokeAction", &req.action_type);
            let stream = self.invoke(req).unwrap_or_else(|d| {
                one_event(pb::invoke_action::Event {
                    r#type: Some(Type::Completed(Completed {
                        diagnostics: convert::diagnostics(&d),
                    })),
                })
            });
            Ok(Response::new(stream))
        }

        async fn stop_provider(
            &self,
            _: Request<pb::stop_provider::Request>,
        ) -> Result<Response<pb::stop_provider::Response>, Status> {
            log_rpc("StopProvider", "");
            // Only in-flight operations stop; the server keeps serving so they
            // can still report their (partial) state.
            self.cancel.cancel();
            Ok(Response::new(pb::stop_provider::Response {
                error: String::new(),
            }))
        }
    }
}
