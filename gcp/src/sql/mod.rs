//! Cloud SQL Admin v1beta4: instances and databases, read (what `platform
//! adopt` looks up).

use serde::Deserialize;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::{Error, Optional};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Instance {
    /// The instance ID (Cloud SQL names are not relative resource names).
    pub name: String,
    pub project: String,
    pub region: String,
    pub database_version: String,
    /// `RUNNABLE`, `PENDING_CREATE`, ...
    pub state: String,
    /// Set on a read replica.
    pub master_instance_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Database {
    pub name: String,
    pub instance: String,
    pub project: String,
}

#[derive(Debug, Clone)]
pub struct SqlClient {
    api: ApiClient,
}

impl SqlClient {
    pub fn new(api: ApiClient) -> Self {
        SqlClient { api }
    }

    /// `name` is `projects/P/instances/I`; None when there is no such instance.
    pub async fn get_instance(&self, name: &str) -> Result<Option<Instance>, Error> {
        self.api
            .get(&self.api.url(Service::Sql, name))
            .await
            .optional()
    }

    /// `name` is `projects/P/instances/I/databases/D`; None when the
    /// database or its instance does not exist.
    pub async fn get_database(&self, name: &str) -> Result<Option<Database>, Error> {
        self.api
            .get(&self.api.url(Service::Sql, name))
            .await
            .optional()
    }
}
