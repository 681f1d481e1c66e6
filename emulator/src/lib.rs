//! `gcp-emulator`: a local, faithful stand-in for the Google Cloud APIs the
//! platform provider calls. See README.md for flags and the admin API.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod admin;
pub mod aip;
pub mod auth;
pub mod budgets;
pub mod cli;
pub mod clock;
pub mod compute;
pub mod discovery;
pub mod error;
pub mod faults;
pub mod latency;
pub mod monitoring;
pub mod ops;
pub mod pubsub;
pub mod redis;
pub mod regex_cache;
pub mod requestlog;
pub mod resourcemanager;
pub mod router;
pub mod run;
pub mod secretmanager;
pub mod server;
pub mod sql;
pub mod state;
pub mod store;
#[cfg(test)]
mod testing;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use auth::keys::{IssuedKey, TrustedKey};
pub use error::{ApiError, EmulatorError};
use state::AppState;
use store::Store;

/// The project that exists when none is configured.
pub const DEFAULT_PROJECT: &str = "platform-local";

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    pub state_file: Option<PathBuf>,
    pub projects: Vec<String>,
    /// How long operations take from insert to DONE.
    pub op_latency: Duration,
    /// Simulated time for the metrics (see [`clock::TimeScale`]).
    pub time: clock::TimeScale,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            projects: vec![DEFAULT_PROJECT.to_string()],
            op_latency: Duration::from_millis(200),
            time: clock::TimeScale::default(),
        }
    }
}

/// A serving emulator; dropping it without [`RunningEmulator::shutdown`] leaves
/// the server task running until the runtime ends.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    key_json: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The service-account key file (what `--write-credentials` writes).
    pub fn service_account_key_json(&self) -> String {
        self.key_json.clone()
    }

    pub async fn shutdown(self) {
        // The receiver is gone only if the server already stopped.
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::warn!(%err, "emulator task ended abnormally");
        }
    }
}

/// Loads state, binds `config.listen` and starts serving in the background.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let discovery = discovery::Discovery::shared()?;
    let store = Store::open(config.state_file.clone())?;
    let projects = if config.projects.is_empty() {
        vec![DEFAULT_PROJECT.to_string()]
    } else {
        config.projects.clone()
    };
    let issued = ensure_key(&store, &projects).await?;
    let trusted = store.read(|d| {
        d.keys
            .iter()
            .map(TrustedKey::from_issued)
            .collect::<Result<Vec<_>, _>>()
    })?;

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let base_url = format!("http://{addr}");

    let mut routes = router::Registry::new(discovery.clone());
    server::register_apis(&mut routes)?;
    let app = Arc::new(
        AppState::new(
            store,
            discovery,
            routes,
            trusted,
            base_url.clone(),
            config.op_latency,
        )
        .with_time(config.time),
    );
    let router = server::http_router(app);

    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(err) = serve.await {
            tracing::error!(%err, "emulator server failed");
        }
    });
    tracing::info!(%base_url, "gcp-emulator ready");
    Ok(RunningEmulator {
        key_json: issued.credentials_json(&base_url).to_string(),
        base_url,
        stop,
        task,
    })
}

/// Registers the configured projects and makes sure a trusted key exists,
/// generating one (slow: RSA-2048) only for a fresh state.
async fn ensure_key(store: &Store, projects: &[String]) -> Result<IssuedKey, EmulatorError> {
    let existing = store.read(|d| d.keys.first().cloned());
    let key = match existing {
        Some(key) => key,
        None => {
            let project = projects[0].clone();
            tokio::task::spawn_blocking(move || IssuedKey::generate(&project))
                .await
                .map_err(|e| EmulatorError::KeyGeneration(e.to_string()))??
        }
    };
    let persisted = key.clone();
    store
        .mutate(|d| {
            d.projects.extend(projects.iter().cloned());
            if d.keys.is_empty() {
                d.keys.push(persisted);
            }
            Ok(())
        })
        .map_err(|e| EmulatorError::KeyGeneration(e.message))?;
    Ok(key)
}
