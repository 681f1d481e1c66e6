//! Memorystore for Redis v1: instances, read (what `platform adopt` looks up).

use serde::Deserialize;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::{Error, Optional};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Instance {
    /// `projects/P/locations/L/instances/I`.
    pub name: String,
    pub tier: String,
    pub memory_size_gb: i64,
    /// `CREATING`, `READY`, ...
    pub state: String,
    pub host: String,
    pub port: i64,
}

#[derive(Debug, Clone)]
pub struct RedisClient {
    api: ApiClient,
}

impl RedisClient {
    pub fn new(api: ApiClient) -> Self {
        RedisClient { api }
    }

    /// `name` is `projects/P/locations/L/instances/I`; None when it does not exist.
    pub async fn get_instance(&self, name: &str) -> Result<Option<Instance>, Error> {
        self.api
            .get(&self.api.url(Service::Redis, name))
            .await
            .optional()
    }
}
