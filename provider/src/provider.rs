//! `PlatformProvider`: the tfplugin `Provider` implementation.

use std::sync::Arc;

use async_trait::async_trait;
use gcp_client::{EnvLookup, GcpClient};
use tfplugin::{
    Action, ConfigureRequest, DataSource, Diagnostic, Diagnostics, ListResource, Resource, Schema,
    Value,
};

use crate::config;
use crate::state::{ProviderData, SharedState};

pub struct PlatformProvider {
    state: SharedState,
    env: EnvLookup,
}

impl Default for PlatformProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl PlatformProvider {
    /// Reads fallbacks from the process environment.
    pub fn new() -> Self {
        Self::with_env(gcp_client::auth::process_env())
    }

    /// With an injected environment (tests).
    pub fn with_env(env: EnvLookup) -> Self {
        PlatformProvider {
            state: SharedState::default(),
            env,
        }
    }

    /// The state resources and data sources share.
    pub fn state(&self) -> &SharedState {
        &self.state
    }
}

#[async_trait]
impl tfplugin::Provider for PlatformProvider {
    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        crate::resources::all(&self.state)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        crate::data_sources::all(&self.state)
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        crate::resources::lists(&self.state)
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        crate::resources::actions(&self.state)
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        // Only what is written in config: the environment may differ when configuring.
        let no_env: EnvLookup = Arc::new(|_| None);
        config::validate(&config::resolve(config, &no_env))
    }

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let settings = config::resolve(&req.config, &self.env);
        let mut diags = config::validate(&settings);
        if diags.has_errors() {
            return diags;
        }
        if !settings.unknown.is_empty() {
            // Terraform sends unknowns when provider config depends on resources not yet
            // created; data sources then wait, so only report if something is used.
            tracing::debug!(unknown = ?settings.unknown, "provider configuration has unknown values; deferring");
            self.state.set_deferred(settings.unknown);
            return diags;
        }
        let client_config =
            match config::client_config(&settings, &req.terraform_version, self.env.clone()) {
                Ok(c) => c,
                Err(d) => {
                    diags.extend(d);
                    return diags;
                }
            };
        let client = match GcpClient::new(client_config) {
            Ok(c) => c,
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Cannot set up Google Cloud credentials",
                    format!("{e}."),
                ));
                return diags;
            }
        };
        self.state.set_ready(ProviderData {
            client,
            project: settings.project.map(|p| p.value),
            // As the google provider: without a region, the zone's region (no
            // resource here is single-zone, so that is all a zone defaults).
            region: settings.region.map(|r| r.value).or_else(|| {
                let zone = settings.zone?;
                zone.value.rsplit_once('-').map(|(r, _)| r.to_owned())
            }),
            default_labels: settings.default_labels,
        });
        diags
    }
}
