//! `backendServices` (global), including `getHealth`.

use serde::{Deserialize, Serialize};

use super::collection::Collection;
use super::ComputeClient;
use crate::operations::ComputeOperation;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BackendService {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Named port of the backend groups (preferred over the deprecated `port`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_sec: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancing_scheme: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_checks: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<Backend>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Backend {
    /// Fully qualified instance group URL.
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balancing_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_scaler: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthStatus {
    pub instance: String,
    pub ip_address: Option<String>,
    pub port: Option<i64>,
    /// `HEALTHY` or `UNHEALTHY`.
    pub health_state: String,
}

impl ComputeClient {
    fn backend_services(&self, project: &str) -> Collection<'_> {
        self.global(project, "backendServices")
    }

    pub async fn insert_backend_service(
        &self,
        project: &str,
        service: &BackendService,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.backend_services(project)
            .insert(service, request_id)
            .await
    }

    pub async fn get_backend_service(
        &self,
        project: &str,
        name: &str,
    ) -> Result<BackendService, Error> {
        self.backend_services(project).get(name).await
    }

    pub async fn list_backend_services(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<BackendService>, Error> {
        self.backend_services(project).list(filter).await
    }

    /// Merge-patch: only the fields set in `patch` change.
    pub async fn patch_backend_service(
        &self,
        project: &str,
        name: &str,
        patch: &serde_json::Value,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.backend_services(project)
            .patch(name, patch, request_id)
            .await
    }

    pub async fn delete_backend_service(
        &self,
        project: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.backend_services(project)
            .delete(name, request_id)
            .await
    }

    /// Health of each member of backend `group_url` as the load balancer sees it.
    pub async fn backend_health(
        &self,
        project: &str,
        name: &str,
        group_url: &str,
    ) -> Result<Vec<HealthStatus>, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct GroupHealth {
            #[serde(default)]
            health_status: Vec<HealthStatus>,
        }
        // A read, so no requestId.
        let url = self
            .backend_services(project)
            .member_url(name, Some("getHealth"));
        let out: GroupHealth = self
            .api
            .post(&url, &serde_json::json!({ "group": group_url }))
            .await?;
        Ok(out.health_status)
    }
}
