use serde::Deserialize;

use super::paging::list_all;
use super::ComputeClient;
use crate::Error;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Zone {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub description: String,
    pub creation_timestamp: String,
    /// `UP` or `DOWN`.
    pub status: String,
    /// The region's URL.
    pub region: String,
    pub self_link: String,
    pub available_cpu_platforms: Vec<String>,
    pub supports_pzs: Option<bool>,
}

impl Zone {
    /// Last segment of the `region` URL (`us-central1`).
    pub fn region_name(&self) -> &str {
        self.region.rsplit('/').next().unwrap_or_default()
    }
}

impl ComputeClient {
    pub async fn get_zone(&self, project: &str, zone: &str) -> Result<Zone, Error> {
        self.api
            .get(&self.url(&format!("projects/{project}/zones/{zone}")))
            .await
    }

    /// Every zone matching `filter` (Compute filter syntax), across all pages.
    pub async fn list_zones(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Zone>, Error> {
        let url = self.url(&format!("projects/{project}/zones"));
        list_all(&self.api, &url, filter).await
    }
}
