//! `healthChecks` (global).

use serde::{Deserialize, Serialize};

use super::paging::{list_all, with_request_id};
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
    fn health_checks_url(&self, project: &str) -> String {
        self.url(&format!("projects/{project}/global/healthChecks"))
    }

    pub async fn insert_health_check(
        &self,
        project: &str,
        hc: &HealthCheck,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = with_request_id(&self.health_checks_url(project), request_id);
        self.api.post(&url, hc).await
    }

    pub async fn get_health_check(&self, project: &str, name: &str) -> Result<HealthCheck, Error> {
        self.api
            .get(&format!("{}/{name}", self.health_checks_url(project)))
            .await
    }

    pub async fn list_health_checks(
        &self,
        project: &str,
        filter: Option<&str>,
    ) -> Result<Vec<HealthCheck>, Error> {
        list_all(&self.api, &self.health_checks_url(project), filter).await
    }

    pub async fn delete_health_check(
        &self,
        project: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = format!("{}/{name}", self.health_checks_url(project));
        self.api.delete(&with_request_id(&url, request_id)).await
    }
}
