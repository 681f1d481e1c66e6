//! What ConfigureProvider produces, shared by every resource and data source.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use gcp_client::GcpClient;
use tfplugin::{AttributePath, Diagnostic};

/// The configured provider: an API client and the defaults resources fall back to.
#[derive(Debug)]
pub struct ProviderData {
    pub client: GcpClient,
    pub project: Option<String>,
    pub region: Option<String>,
    pub default_labels: BTreeMap<String, String>,
}

impl ProviderData {
    /// `explicit` if set, else the provider's project, else an error at `attr`.
    pub fn project_or(&self, explicit: Option<&str>, attr: &str) -> Result<String, Diagnostic> {
        explicit.or(self.project.as_deref()).map(str::to_owned).ok_or_else(|| {
            Diagnostic::error(
                "No project",
                format!("Set `{attr}` here, or `project` in the provider block (or GOOGLE_PROJECT in the environment)."),
            )
            .at(AttributePath::root(attr))
        })
    }
}

#[derive(Debug, Default)]
enum Phase {
    #[default]
    NotConfigured,
    /// Configuration contained values unknown at configure time.
    Deferred {
        unknown: Vec<String>,
    },
    Ready(Arc<ProviderData>),
}

/// Shared handle; resources hold a clone from construction time.
#[derive(Debug, Clone, Default)]
pub struct SharedState(Arc<RwLock<Phase>>);

impl SharedState {
    pub fn set_ready(&self, data: ProviderData) {
        self.replace(Phase::Ready(Arc::new(data)));
    }

    pub fn set_deferred(&self, unknown: Vec<String>) {
        self.replace(Phase::Deferred { unknown });
    }

    fn replace(&self, phase: Phase) {
        // A poisoned lock only means a panic elsewhere mid-write; the value is replaced wholesale.
        let mut guard = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = phase;
    }

    /// Whether the configuration held values unknown until apply.
    pub fn is_deferred(&self) -> bool {
        let guard = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        matches!(&*guard, Phase::Deferred { .. })
    }

    /// The configured data, or a diagnostic explaining why there is none.
    pub fn get(&self) -> Result<Arc<ProviderData>, Diagnostic> {
        let guard = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*guard {
            Phase::Ready(d) => Ok(d.clone()),
            Phase::NotConfigured => Err(Diagnostic::error(
                "Provider not configured",
                "The platform provider was used before Terraform configured it. This is a bug in the provider or Terraform; please report it.",
            )),
            Phase::Deferred { unknown } => Err(Diagnostic::error(
                "Provider configuration not yet known",
                format!(
                    "The provider configuration depends on values known only after apply ({}). Apply the resources those values come from first (e.g. with -target), or set them to known values.",
                    unknown.join(", ")
                ),
            )),
        }
    }
}
