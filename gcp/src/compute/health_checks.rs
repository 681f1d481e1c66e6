//! `healthChecks` (global).

use serde::{Deserialize, Serialize};

use super::collection::Collection;
use super::ComputeClient;
use crate::operations::ComputeOperation;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthCheck {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `HTTP`, `TCP`, ...
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_health_check: Option<HttpHealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_interval_sec: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_sec: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpHealthCheck {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_path: Option<String>,
    /// Expected start of the response body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

impl ComputeClient {
    fn health_checks(&self, project: &str) -> Collection<'_> {
        self.global(project, "healthChecks")
    }

    pub async fn insert_health_check(
        &self,
        project: &str,
        hc: &HealthCheck,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.health_checks(project).insert(hc, request_id).await
    }

    pub async fn get_health_check(&self, project: &str, name: &str) -> Result<HealthCheck, Error> {
        self.health_checks(project).get(name).await
    }

    pub async fn list_health_checks(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<HealthCheck>, Error> {
        self.health_checks(project).list(filter).await
    }

    pub async fn delete_health_check(
        &self,
        project: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.health_checks(project).delete(name, request_id).await
    }
}
