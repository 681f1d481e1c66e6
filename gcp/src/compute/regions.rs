use serde::Deserialize;

use super::ComputeClient;
use crate::Error;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Region {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub description: String,
    pub creation_timestamp: String,
    /// `UP` or `DOWN`.
    pub status: String,
    /// Zone URLs.
    pub zones: Vec<String>,
    pub quotas: Vec<Quota>,
    pub self_link: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Quota {
    pub metric: String,
    pub limit: f64,
    pub usage: f64,
    pub owner: Option<String>,
}

impl ComputeClient {
    pub async fn get_region(&self, project: &str, region: &str) -> Result<Region, Error> {
        self.api
            .get(&self.url(&format!("projects/{project}/regions/{region}")))
            .await
    }
}
