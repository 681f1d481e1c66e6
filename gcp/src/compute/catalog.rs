//! Read-only catalogue entries a plan checks a cluster against: machine
//! types (vCPUs) and boot images (minimum disk size).

use serde::Deserialize;

use super::ComputeClient;
use crate::Error;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MachineType {
    pub name: String,
    pub guest_cpus: i64,
    pub memory_mb: i64,
    pub self_link: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Image {
    pub name: String,
    pub family: String,
    /// int64 as a JSON string: the smallest boot disk the image fits.
    pub disk_size_gb: String,
    pub self_link: String,
}

impl Image {
    pub fn disk_size_gb(&self) -> Option<i64> {
        self.disk_size_gb.parse().ok()
    }
}

impl ComputeClient {
    pub async fn get_machine_type(
        &self,
        project: &str,
        zone: &str,
        machine_type: &str,
    ) -> Result<MachineType, Error> {
        self.api
            .get(&self.url(&format!(
                "projects/{project}/zones/{zone}/machineTypes/{machine_type}"
            )))
            .await
    }

    /// An image or, for `projects/P/global/images/family/F`, its family's
    /// current image (both are GETs of the reference's path).
    pub async fn get_image(&self, reference: &str) -> Result<Image, Error> {
        let path = reference
            .split_once("projects/")
            .map_or(reference, |(_, rest)| rest);
        self.api.get(&self.url(&format!("projects/{path}"))).await
    }
}
