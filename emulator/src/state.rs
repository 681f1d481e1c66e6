//! Everything a request handler can reach: the store, discovery, registered
//! routes, credentials and the admin-controlled knobs.

use std::sync::Arc;
use std::time::Duration;

use crate::auth::keys::TrustedKey;
use crate::discovery::Discovery;
use crate::faults::Faults;
use crate::latency::Latencies;
use crate::requestlog::RequestLog;
use crate::router::Registry;
use crate::store::Store;

#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub discovery: Arc<Discovery>,
    pub routes: Registry,
    pub keys: Vec<TrustedKey>,
    pub faults: Faults,
    pub latency: Latencies,
    pub requests: RequestLog,
    /// `http://127.0.0.1:PORT`, for token URIs and audiences.
    pub base_url: String,
    /// Simulated time of the synthetic metrics.
    pub time: crate::clock::TimeScale,
}

pub type App = Arc<AppState>;

impl AppState {
    pub fn new(
        store: Store,
        discovery: Arc<Discovery>,
        routes: Registry,
        keys: Vec<TrustedKey>,
        base_url: String,
        op_latency: Duration,
    ) -> Self {
        Self {
            store,
            discovery,
            routes,
            keys,
            faults: Faults::default(),
            latency: Latencies::new(op_latency),
            requests: RequestLog::default(),
            base_url,
            time: crate::clock::TimeScale::default(),
        }
    }

    pub fn with_time(self, time: crate::clock::TimeScale) -> Self {
        Self { time, ..self }
    }

    pub fn project_exists(&self, project: &str) -> bool {
        self.store.read(|d| d.projects.contains(project))
    }
}
