//! `instanceGroups`: unmanaged, zonal groups of instances.

use serde::{Deserialize, Serialize};

use super::paging::{list_all, with_request_id};
use super::ComputeClient;
use crate::operations::ComputeOperation;
use crate::Error;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstanceGroup {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub named_ports: Vec<NamedPort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NamedPort {
    pub name: String,
    pub port: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupMember {
    /// The instance's URL.
    pub instance: String,
    pub status: String,
}

impl ComputeClient {
    fn groups_url(&self, project: &str, zone: &str) -> String {
        self.url(&format!("projects/{project}/zones/{zone}/instanceGroups"))
    }

    pub async fn insert_instance_group(
        &self,
        project: &str,
        zone: &str,
        group: &InstanceGroup,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = with_request_id(&self.groups_url(project, zone), request_id);
        self.api.post(&url, group).await
    }

    pub async fn get_instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
    ) -> Result<InstanceGroup, Error> {
        self.api
            .get(&format!("{}/{name}", self.groups_url(project, zone)))
            .await
    }

    pub async fn list_instance_groups(
        &self,
        project: &str,
        zone: &str,
        filter: Option<&str>,
    ) -> Result<Vec<InstanceGroup>, Error> {
        list_all(&self.api, &self.groups_url(project, zone), filter).await
    }

    pub async fn delete_instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = format!("{}/{name}", self.groups_url(project, zone));
        self.api.delete(&with_request_id(&url, request_id)).await
    }

    async fn change_members(
        &self,
        verb: &str,
        project: &str,
        zone: &str,
        group: &str,
        instance_urls: &[String],
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = format!("{}/{group}/{verb}", self.groups_url(project, zone));
        let items: Vec<serde_json::Value> = instance_urls
            .iter()
            .map(|u| serde_json::json!({ "instance": u }))
            .collect();
        self.api
            .post(
                &with_request_id(&url, request_id),
                &serde_json::json!({ "instances": items }),
            )
            .await
    }

    pub async fn add_instances(
        &self,
        project: &str,
        zone: &str,
        group: &str,
        instance_urls: &[String],
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.change_members(
            "addInstances",
            project,
            zone,
            group,
            instance_urls,
            request_id,
        )
        .await
    }

    pub async fn remove_instances(
        &self,
        project: &str,
        zone: &str,
        group: &str,
        instance_urls: &[String],
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.change_members(
            "removeInstances",
            project,
            zone,
            group,
            instance_urls,
            request_id,
        )
        .await
    }

    /// Every member of a group, whatever its state.
    pub async fn list_group_instances(
        &self,
        project: &str,
        zone: &str,
        group: &str,
    ) -> Result<Vec<GroupMember>, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Page {
            #[serde(default)]
            items: Vec<GroupMember>,
            #[serde(default)]
            next_page_token: Option<String>,
        }
        let base = format!("{}/{group}/listInstances", self.groups_url(project, zone));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = match &token {
                Some(t) => format!("{base}?pageToken={t}"),
                None => base.clone(),
            };
            let page: Page = self
                .api
                .post(&url, &serde_json::json!({"instanceState": "ALL"}))
                .await?;
            out.extend(page.items);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    pub async fn set_named_ports(
        &self,
        project: &str,
        zone: &str,
        group: &str,
        ports: &[NamedPort],
        fingerprint: Option<&str>,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let url = format!("{}/{group}/setNamedPorts", self.groups_url(project, zone));
        let mut body = serde_json::json!({ "namedPorts": ports });
        if let Some(f) = fingerprint {
            body["fingerprint"] = serde_json::json!(f);
        }
        self.api
            .post(&with_request_id(&url, request_id), &body)
            .await
    }
}
