//! Compute Engine v1. One file per resource family; field names follow the discovery
//! document exactly (int64 fields are JSON strings).

mod backend_services;
mod catalog;
mod collection;
mod firewalls;
mod health_checks;
mod instance_groups;
mod instances;
mod paging;
mod projects;
mod regions;
mod zones;

pub use backend_services::{Backend, BackendService, HealthStatus};
pub use catalog::{Image, MachineType};
pub use firewalls::{Firewall, FirewallRule};
pub use health_checks::{HealthCheck, HttpHealthCheck};
pub use instance_groups::{GroupMember, InstanceGroup, NamedPort};
pub use instances::{
    AccessConfig, AttachedDisk, DiskInitializeParams, Instance, Metadata, MetadataItem,
    NetworkInterface, ServiceAccount, Tags,
};
pub use projects::Project;
pub use regions::{Quota, Region};
pub use zones::Zone;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::Error;
use crate::Optional;
use collection::Collection;

#[derive(Debug, Clone)]
pub struct ComputeClient {
    api: ApiClient,
}

impl ComputeClient {
    pub fn new(api: ApiClient) -> Self {
        ComputeClient { api }
    }

    fn url(&self, path: &str) -> String {
        self.api.url(Service::Compute, path)
    }

    /// A global collection such as `firewalls`.
    fn global(&self, project: &str, collection: &str) -> Collection<'_> {
        let url = self.url(&format!("projects/{project}/global/{collection}"));
        Collection::new(&self.api, url)
    }

    /// A zonal collection such as `instances`.
    fn zonal(&self, project: &str, zone: &str, collection: &str) -> Collection<'_> {
        let url = self.url(&format!("projects/{project}/zones/{zone}/{collection}"));
        Collection::new(&self.api, url)
    }

    /// Resource `name` of a global (`region` None) or regional collection,
    /// whatever its kind, as far as [`Named`] reads it (None: it does not
    /// exist): for callers that only need to know, such as adopting what a
    /// configuration would create.
    pub async fn get_named(
        &self,
        project: &str,
        region: Option<&str>,
        collection: &str,
        name: &str,
    ) -> Result<Option<Named>, Error> {
        let path = match region {
            Some(r) => format!("projects/{project}/regions/{r}/{collection}"),
            None => format!("projects/{project}/global/{collection}"),
        };
        Collection::new(&self.api, self.url(&path))
            .get(name)
            .await
            .optional()
    }

    /// Every resource of a global (`region` None) or regional collection, as
    /// much as finding one under another name needs.
    pub async fn list_named(
        &self,
        project: &str,
        region: Option<&str>,
        collection: &str,
    ) -> Result<Vec<Named>, Error> {
        let path = match region {
            Some(r) => format!("projects/{project}/regions/{r}/{collection}"),
            None => format!("projects/{project}/global/{collection}"),
        };
        Collection::new(&self.api, self.url(&path)).list(None).await
    }
}

/// Any Compute resource by name; `network` is set for those that live in one
/// (subnetworks, firewalls, routers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Named {
    pub name: String,
    #[serde(default)]
    pub network: Option<String>,
    /// A router's Cloud NAT gateways (they have no collection of their own).
    #[serde(default)]
    pub nats: Vec<NatName>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NatName {
    pub name: String,
}
