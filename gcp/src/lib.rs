//! Google Cloud client for the platform provider: auth, one retrying HTTP path,
//! operation waiting and thin typed API clients. Knows nothing about Terraform.
//!
//! Hand-written rather than the google-cloud-* crates: those are heavy to build on a
//! 2-core CI, lack Billing Budgets, and do not let every endpoint (token, STS, IAM,
//! APIs) point at a local emulator.

// Tests unwrap freely: a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod api_error;
pub mod auth;
pub mod budgets;
pub mod compute;
pub mod endpoints;
pub mod http;
pub mod monitoring;
pub mod operations;
pub mod pubsub;
pub mod redis;
pub mod resourcemanager;
pub mod run;
pub mod secretmanager;
pub mod sql;

use std::sync::Arc;
use std::time::Duration;

pub use api::{ApiClient, UserProject};
pub use api_error::ApiError;
pub use auth::{AccessToken, AuthError, CredentialsSpec, EnvLookup, TokenSource};
pub use endpoints::{Endpoints, Service};
pub use http::{HttpError, RetryPolicy};
pub use operations::OperationError;

/// Any failure of an API call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Operation(#[from] OperationError),
    #[error("cannot encode request body: {0}")]
    Encode(String),
}

/// One way to say "not found": a 404 becomes `Ok(None)` (kube's `get_opt`),
/// so callers never match on the error to read absence.
pub trait Optional<T> {
    fn optional(self) -> Result<Option<T>, Error>;
}

impl<T> Optional<T> for Result<T, Error> {
    fn optional(self) -> Result<Option<T>, Error> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Error {
    /// True when the server answered 404 (for deletes: already gone).
    pub fn is_not_found(&self) -> bool {
        self.api().is_some_and(ApiError::is_not_found)
    }

    /// The Google API error, when the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Http(h) => h.api(),
            Error::Auth(AuthError::Http { source, .. }) => source.api(),
            _ => None,
        }
    }
}

/// How to build a [`GcpClient`].
#[derive(Clone)]
pub struct ClientConfig {
    pub credentials: CredentialsSpec,
    pub impersonate_service_account: Option<String>,
    /// Empty means [`auth::DEFAULT_SCOPES`].
    pub scopes: Vec<String>,
    /// Bound on each HTTP request including its retries.
    pub request_timeout: Duration,
    /// Full `User-Agent` header value.
    pub user_agent: String,
    pub endpoints: Endpoints,
    /// Quota/billing project sent as `X-Goog-User-Project`.
    pub user_project: UserProject,
    pub retry: RetryPolicy,
    /// Environment for Application Default Credentials lookups.
    pub env: EnvLookup,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("credentials", &self.credentials)
            .field(
                "impersonate_service_account",
                &self.impersonate_service_account,
            )
            .field("scopes", &self.scopes)
            .field("request_timeout", &self.request_timeout)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// Defaults for everything but the credentials.
    pub fn new(credentials: CredentialsSpec, user_agent: impl Into<String>) -> Self {
        ClientConfig {
            credentials,
            impersonate_service_account: None,
            scopes: Vec::new(),
            request_timeout: Duration::from_secs(120),
            user_agent: user_agent.into(),
            endpoints: Endpoints::default(),
            user_project: UserProject::None,
            retry: RetryPolicy::default(),
            env: auth::process_env(),
        }
    }
}

/// Entry point to every API client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GcpClient {
    api: ApiClient,
}

impl GcpClient {
    /// Resolve credentials and build the transport. No network calls happen here:
    /// the first token is fetched on the first API call.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        let transport = Arc::new(http::Transport::new(
            config.user_agent,
            config.request_timeout,
            config.retry,
        )?);
        let scopes: Vec<String> = if config.scopes.is_empty() {
            auth::DEFAULT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        } else {
            config.scopes
        };
        let tokens = auth::token_source(
            &config.credentials,
            config.impersonate_service_account.as_deref(),
            &scopes,
            &config.endpoints,
            transport.clone(),
            &config.env,
        )?;
        Ok(GcpClient {
            api: ApiClient {
                transport,
                tokens,
                endpoints: Arc::new(config.endpoints),
                user_project: config.user_project,
            },
        })
    }

    /// The raw authenticated client, for APIs without a typed wrapper yet.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    pub fn compute(&self) -> compute::ComputeClient {
        compute::ComputeClient::new(self.api.clone())
    }

    pub fn budgets(&self) -> budgets::BudgetsClient {
        budgets::BudgetsClient::new(self.api.clone())
    }

    pub fn run(&self) -> run::RunClient {
        run::RunClient::new(self.api.clone())
    }

    pub fn metrics(&self) -> monitoring::metrics::MetricsClient {
        monitoring::metrics::MetricsClient::new(self.api.clone())
    }

    pub fn alerting(&self) -> monitoring::alerting::AlertingClient {
        monitoring::alerting::AlertingClient::new(self.api.clone())
    }

    pub fn pubsub(&self) -> pubsub::PubsubClient {
        pubsub::PubsubClient::new(self.api.clone())
    }

    pub fn resource_manager(&self) -> resourcemanager::ResourceManagerClient {
        resourcemanager::ResourceManagerClient::new(self.api.clone())
    }

    pub fn sql(&self) -> sql::SqlClient {
        sql::SqlClient::new(self.api.clone())
    }

    pub fn redis(&self) -> redis::RedisClient {
        redis::RedisClient::new(self.api.clone())
    }

    pub fn secret_manager(&self) -> secretmanager::SecretManagerClient {
        secretmanager::SecretManagerClient::new(self.api.clone())
    }

    /// A token as the configured credentials see it (useful to check credentials early).
    pub async fn access_token(&self) -> Result<AccessToken, AuthError> {
        self.api.tokens.token().await
    }
}

/// A fresh `requestId` for Compute inserts, so a retried POST is not applied twice.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
