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
use crate::proto::tfplugin6 as pb;
use crate::provider::{
    ApplyRequest, ConfigureRequest, DataSource, OpContext, PlanRequest, Provider, ReadDataRequest,
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

pub struct ProviderService {
    provider: Typed<dyn Provider>,
    resources: HashMap<String, Typed<dyn Resource>>,
    data_sources: HashMap<String, Typed<dyn DataSource>>,
    /// Cancelled by StopProvider; every OpContext holds a clone.
    cancel: CancellationToken,
    /// Write-only support is a property of the Terraform process; RPCs without
    /// client capabilities (Apply) inherit what earlier RPCs announced.
    write_only_seen: AtomicBool,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>, cancel: CancellationToken) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name().to_owned(), Typed::new(r.clone(), r.schema())))
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name().to_owned(), Typed::new(d.clone(), d.schema())))
            .collect();
        let schema = provider.schema();
        ProviderService {
            provider: Typed::new(provider, schema),
            resources,
            data_sources,
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

    fn server_capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            move_resource_state: false,
        }
    }
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
        let imp = r.imp.clone();
        let rreq = ReadRequest {
            current_state,
            private: req.private,
        };
        let mut resp = guarded("ReadResource", async move { imp.read(&ctx, rreq).await }).await?;
        convert::strip_write_only(&r.schema.block, &mut resp.new_state);
        let new_state = encode_into(&resp.new_state, &r.ty, "new state", &mut resp.diagnostics);
        Ok(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            private: resp.private,
            ..Default::default()
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
        let imp = r.imp.clone();
        let mut resp = guarded(
            "PlanResourceChange",
            async move { imp.plan(&ctx, preq).await },
        )
        .await?;
        convert::strip_write_only(&r.schema.block, &mut resp.planned_state);
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
        let imp = r.imp.clone();
        let mut resp = guarded(
            "ApplyResourceChange",
            async move { imp.apply(&ctx, areq).await },
        )
        .await?;
        convert::strip_write_only(&r.schema.block, &mut resp.new_state);
        let new_state = encode_into(&resp.new_state, &r.ty, "new state", &mut resp.diagnostics);
        Ok(pb::apply_resource_change::Response {
            new_state,
            private: resp.private,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            ..Default::default()
        })
    }

    async fn import(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let ctx = self.ctx(req.client_capabilities.as_ref());
        let imp = r.imp.clone();
        let id = req.id;
        let mut resp = guarded(
            "ImportResourceState",
            async move { imp.import(&ctx, &id).await },
        )
        .await?;
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
                    identity: None,
                });
            }
        }
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(&resp.diagnostics),
            deferred: None,
        })
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

/// Generates the `tfplugin6.Provider` trait impl: each listed RPC unwraps its
/// request, logs it (with the request's `type_name` field when it has one)
/// and answers with [`respond`] around the named handler, so its response
/// type also gets [`FromDiagnostics`]; the RPCs written out by hand follow
/// `manual`.
macro_rules! provider_rpcs {
    (@type_name $req:ident, type_name) => { $req.type_name.as_str() };
    (@type_name $req:ident, -) => { "" };
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

    manual {
        async fn get_metadata(
            &self,
            _: Request<pb::get_metadata::Request>,
        ) -> Result<Response<pb::get_metadata::Response>, Status> {
            log_rpc("GetMetadata", "");
            let mut resources: Vec<_> = self
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect();
            resources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
            let mut data_sources: Vec<_> = self
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect();
            data_sources.sort_by(|a, b| a.type_name.cmp(&b.type_name));
            Ok(Response::new(pb::get_metadata::Response {
                server_capabilities: Some(Self::server_capabilities()),
                diagnostics: Vec::new(),
                data_sources,
                resources,
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
                diagnostics: Vec::new(),
                provider_meta: None,
                server_capabilities: Some(Self::server_capabilities()),
            }))
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
