//! `instances`: zonal VMs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::collection::Collection;
use super::paging::{list_paged, Paged};
use super::ComputeClient;
use crate::operations::ComputeOperation;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Instance {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Partial or full URL (`zones/Z/machineTypes/T`).
    pub machine_type: String,
    /// `PROVISIONING`, `STAGING`, `RUNNING`, `STOPPING`, `TERMINATED`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disks: Vec<AttachedDisk>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<ServiceAccount>,
}

impl Instance {
    /// The zone's short name (from the `zone` URL).
    pub fn zone_name(&self) -> &str {
        self.zone
            .as_deref()
            .and_then(|z| z.rsplit('/').next())
            .unwrap_or_default()
    }

    /// The machine type's short name (from the `machineType` URL).
    pub fn machine_type_name(&self) -> &str {
        self.machine_type.rsplit('/').next().unwrap_or_default()
    }

    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata
            .as_ref()?
            .items
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.value.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AttachedDisk {
    pub boot: bool,
    pub auto_delete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initialize_params: Option<DiskInitializeParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiskInitializeParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_image: Option<String>,
    /// int64 as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size_gb: Option<String>,
    /// `zones/Z/diskTypes/pd-ssd`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkInterface {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnetwork: Option<String>,
    #[serde(rename = "networkIP", skip_serializing_if = "Option::is_none")]
    pub network_ip: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_configs: Vec<AccessConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessConfig {
    /// `ONE_TO_ONE_NAT`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "natIP", skip_serializing_if = "Option::is_none")]
    pub nat_ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tags {
    pub items: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    pub items: Vec<MetadataItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetadataItem {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceAccount {
    pub email: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct AggregatedList {
    #[serde(default)]
    items: BTreeMap<String, ScopedInstances>,
    #[serde(default, rename = "nextPageToken")]
    next_page_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScopedInstances {
    instances: Vec<Instance>,
}

impl Paged for AggregatedList {
    type Item = Instance;
    fn into_parts(self) -> (Vec<Instance>, Option<String>) {
        let items = self.items.into_values().flat_map(|s| s.instances);
        (items.collect(), self.next_page_token)
    }
}

impl ComputeClient {
    fn instances(&self, project: &str, zone: &str) -> Collection<'_> {
        self.zonal(project, zone, "instances")
    }

    pub async fn insert_instance(
        &self,
        project: &str,
        zone: &str,
        instance: &Instance,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.instances(project, zone)
            .insert(instance, request_id)
            .await
    }

    pub async fn get_instance(
        &self,
        project: &str,
        zone: &str,
        name: &str,
    ) -> Result<Instance, Error> {
        self.instances(project, zone).get(name).await
    }

    /// Instances of one zone matching `filter` (e.g. `labels.cluster = "x"`).
    pub async fn list_instances(
        &self,
        project: &str,
        zone: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Instance>, Error> {
        self.instances(project, zone).list(filter).await
    }

    /// Instances of every zone matching `filter`, in one paged call.
    pub async fn aggregated_instances(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Instance>, Error> {
        let url = self.url(&format!("projects/{project}/aggregated/instances"));
        list_paged::<AggregatedList>(&self.api, &url, filter).await
    }

    pub async fn delete_instance(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.instances(project, zone).delete(name, request_id).await
    }

    /// Graceful stop: the guest receives ACPI shutdown (LiveKit drains on SIGTERM).
    pub async fn stop_instance(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.instances(project, zone)
            .act(name, "stop", &serde_json::json!({}), request_id)
            .await
    }

    /// Starts a stopped instance.
    pub async fn start_instance(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.instances(project, zone)
            .act(name, "start", &serde_json::json!({}), request_id)
            .await
    }

    /// Changes the machine type of a stopped instance; `machine_type` is a
    /// partial URL such as `zones/Z/machineTypes/n2-standard-8`.
    pub async fn set_machine_type(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        machine_type: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let body = serde_json::json!({ "machineType": machine_type });
        self.instances(project, zone)
            .act(name, "setMachineType", &body, request_id)
            .await
    }

    /// Replaces all labels; `fingerprint` guards against concurrent changes.
    pub async fn set_instance_labels(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
        fingerprint: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let body = serde_json::json!({"labels": labels, "labelFingerprint": fingerprint});
        self.instances(project, zone)
            .act(name, "setLabels", &body, request_id)
            .await
    }
}
