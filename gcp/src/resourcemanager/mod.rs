//! Resource Manager v3 `projects.get`: a project ID to its number.

use serde::Deserialize;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::Error;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    /// `projects/<number>`.
    pub name: String,
    pub project_id: String,
    pub display_name: String,
    pub state: String,
}

impl Project {
    /// The project number, from `name`.
    pub fn number(&self) -> Option<&str> {
        self.name
            .strip_prefix("projects/")
            .filter(|n| !n.is_empty())
    }
}

#[derive(Debug, Clone)]
pub struct ResourceManagerClient {
    api: ApiClient,
}

impl ResourceManagerClient {
    pub fn new(api: ApiClient) -> Self {
        ResourceManagerClient { api }
    }

    /// `project` is an ID or a number.
    pub async fn get_project(&self, project: &str) -> Result<Project, Error> {
        self.api
            .get(
                &self
                    .api
                    .url(Service::ResourceManagerV3, &format!("projects/{project}")),
            )
            .await
    }
}
