use serde::Deserialize;

use super::ComputeClient;
use crate::Error;

/// Compute's view of a project (`projects.get`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    pub kind: String,
    /// The project number (uint64 as a string).
    pub id: String,
    pub name: String,
    pub description: String,
    pub creation_timestamp: String,
    pub self_link: String,
    pub default_service_account: String,
    pub default_network_tier: Option<String>,
    pub xpn_project_status: Option<String>,
}

impl ComputeClient {
    pub async fn get_project(&self, project: &str) -> Result<Project, Error> {
        self.api
            .get(&self.url(&format!("projects/{project}")))
            .await
    }
}
