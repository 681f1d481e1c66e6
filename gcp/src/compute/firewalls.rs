//! `firewalls` (global VPC firewall rules).

use serde::{Deserialize, Serialize};

use super::collection::Collection;
use super::ComputeClient;
use crate::operations::ComputeOperation;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Firewall {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<FirewallRule>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_ranges: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FirewallRule {
    #[serde(rename = "IPProtocol")]
    pub ip_protocol: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
}

impl ComputeClient {
    fn firewalls(&self, project: &str) -> Collection<'_> {
        self.global(project, "firewalls")
    }

    pub async fn insert_firewall(
        &self,
        project: &str,
        firewall: &Firewall,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.firewalls(project).insert(firewall, request_id).await
    }

    pub async fn get_firewall(&self, project: &str, name: &str) -> Result<Firewall, Error> {
        self.firewalls(project).get(name).await
    }

    pub async fn list_firewalls(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Firewall>, Error> {
        self.firewalls(project).list(filter).await
    }

    pub async fn delete_firewall(
        &self,
        project: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.firewalls(project).delete(name, request_id).await
    }
}
