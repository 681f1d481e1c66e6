//! `instanceGroups`: unmanaged, zonal groups of instances.

use serde::{Deserialize, Serialize};

use super::collection::Collection;
use super::paging::{collect_pages, Page, Paged};
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
    fn groups(&self, project: &str, zone: &str) -> Collection<'_> {
        self.zonal(project, zone, "instanceGroups")
    }

    pub async fn insert_instance_group(
        &self,
        project: &str,
        zone: &str,
        group: &InstanceGroup,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.groups(project, zone).insert(group, request_id).await
    }

    pub async fn get_instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
    ) -> Result<InstanceGroup, Error> {
        self.groups(project, zone).get(name).await
    }

    pub async fn list_instance_groups(
        &self,
        project: &str,
        zone: &str,
        filter: Option<&str>,
    ) -> Result<Vec<InstanceGroup>, Error> {
        self.groups(project, zone).list(filter).await
    }

    pub async fn delete_instance_group(
        &self,
        project: &str,
        zone: &str,
        name: &str,
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        self.groups(project, zone).delete(name, request_id).await
    }

    /// `addInstances` / `removeInstances`: both take the same member list.
    async fn change_members(
        &self,
        verb: &str,
        project: &str,
        zone: &str,
        group: &str,
        instance_urls: &[String],
        request_id: &str,
    ) -> Result<ComputeOperation, Error> {
        let items: Vec<serde_json::Value> = instance_urls
            .iter()
            .map(|u| serde_json::json!({ "instance": u }))
            .collect();
        self.groups(project, zone)
            .act(
                group,
                verb,
                &serde_json::json!({ "instances": items }),
                request_id,
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
        // A POST list: the page token travels in the URL, the state filter in the body.
        let base = self
            .groups(project, zone)
            .member_url(group, Some("listInstances"));
        let base = base.as_str();
        collect_pages(|token| async move {
            let url = match token {
                Some(t) => format!("{base}?pageToken={t}"),
                None => base.to_owned(),
            };
            let page: Page<GroupMember> = self
                .api
                .post(&url, &serde_json::json!({"instanceState": "ALL"}))
                .await?;
            Ok(page.into_parts())
        })
        .await
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
        let mut body = serde_json::json!({ "namedPorts": ports });
        if let Some(f) = fingerprint {
            body["fingerprint"] = serde_json::json!(f);
        }
        self.groups(project, zone)
            .act(group, "setNamedPorts", &body, request_id)
            .await
    }
}
