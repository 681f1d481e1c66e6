//! Monitoring v3 notification channels and alert policies.
//!
//! Secret channel labels (`auth_token`, `service_key`, `password`) come back
//! obfuscated: callers must never compare them with what they sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{with_query, ApiClient};
use crate::endpoints::Service;
use crate::Error;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationChannel {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `email`, `slack`, `pagerduty`, ...
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub user_labels: BTreeMap<String, String>,
    pub enabled: bool,
    #[serde(skip_serializing)]
    pub verification_status: Option<String>,
}

/// Labels may hold secrets, so only their keys are printed.
impl std::fmt::Debug for NotificationChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationChannel")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("display_name", &self.display_name)
            .field("label_keys", &self.labels.keys().collect::<Vec<_>>())
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertPolicy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub user_labels: BTreeMap<String, String>,
    pub conditions: Vec<Condition>,
    /// `AND`, `OR`, `AND_WITH_MATCHING_RESOURCE`.
    pub combiner: String,
    pub enabled: bool,
    pub notification_channels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Documentation {
    pub content: String,
    pub mime_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition_threshold: Option<MetricThreshold>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricThreshold {
    pub filter: String,
    /// `COMPARISON_GT`, ...
    pub comparison: String,
    pub threshold_value: f64,
    /// Whole minutes, e.g. `0s`, `300s`.
    pub duration: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aggregations: Vec<Aggregation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Aggregation {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub alignment_period: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub per_series_aligner: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cross_series_reducer: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_by_fields: Vec<String>,
}

/// One page of a list response: its items and the next page token.
trait ListPage: serde::de::DeserializeOwned {
    type Item;
    fn split(self) -> (Vec<Self::Item>, String);
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ChannelPage {
    notification_channels: Vec<NotificationChannel>,
    next_page_token: String,
}

impl ListPage for ChannelPage {
    type Item = NotificationChannel;
    fn split(self) -> (Vec<NotificationChannel>, String) {
        (self.notification_channels, self.next_page_token)
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PolicyPage {
    alert_policies: Vec<AlertPolicy>,
    next_page_token: String,
}

impl ListPage for PolicyPage {
    type Item = AlertPolicy;
    fn split(self) -> (Vec<AlertPolicy>, String) {
        (self.alert_policies, self.next_page_token)
    }
}

#[derive(Debug, Clone)]
pub struct AlertingClient {
    api: ApiClient,
}

impl AlertingClient {
    pub fn new(api: ApiClient) -> Self {
        AlertingClient { api }
    }

    fn url(&self, path: &str) -> String {
        self.api.url(Service::Monitoring, &format!("v3/{path}"))
    }

    async fn patch_masked<B: Serialize + Sync, T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        body: &B,
        mask: &[&str],
    ) -> Result<T, Error> {
        let mask = mask.join(",");
        let url = with_query(&self.url(name), &[("updateMask", mask.as_str())])?;
        self.api.patch(&url, body).await
    }

    /// Every item of a `projects/{p}/<collection>` list matching `filter`
    /// (Monitoring's filter language, e.g. `user_labels.team="ops"`), all pages.
    async fn list_all<P: ListPage>(
        &self,
        project: &str,
        collection: &str,
        filter: &str,
    ) -> Result<Vec<P::Item>, Error> {
        let url = self.url(&format!("projects/{project}/{collection}"));
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = vec![("filter", filter)];
            if !token.is_empty() {
                query.push(("pageToken", token.as_str()));
            }
            let page: P = self.api.get_query(&url, &query).await?;
            let (items, next) = page.split();
            out.extend(items);
            if next.is_empty() {
                return Ok(out);
            }
            token = next;
        }
    }

    pub async fn list_channels(
        &self,
        project: &str,
        filter: &str,
    ) -> Result<Vec<NotificationChannel>, Error> {
        self.list_all::<ChannelPage>(project, "notificationChannels", filter)
            .await
    }

    pub async fn list_policies(
        &self,
        project: &str,
        filter: &str,
    ) -> Result<Vec<AlertPolicy>, Error> {
        self.list_all::<PolicyPage>(project, "alertPolicies", filter)
            .await
    }

    pub async fn create_channel(
        &self,
        project: &str,
        channel: &NotificationChannel,
    ) -> Result<NotificationChannel, Error> {
        self.api
            .post(
                &self.url(&format!("projects/{project}/notificationChannels")),
                channel,
            )
            .await
    }

    pub async fn get_channel(&self, name: &str) -> Result<NotificationChannel, Error> {
        self.api.get(&self.url(name)).await
    }

    /// `mask` uses API paths such as `labels.auth_token` or `displayName`.
    pub async fn patch_channel(
        &self,
        name: &str,
        channel: &NotificationChannel,
        mask: &[&str],
    ) -> Result<NotificationChannel, Error> {
        self.patch_masked(name, channel, mask).await
    }

    /// `force` also detaches the channel from alert policies that use it.
    pub async fn delete_channel(&self, name: &str, force: bool) -> Result<(), Error> {
        let url = with_query(
            &self.url(name),
            &[("force", if force { "true" } else { "false" })],
        )?;
        self.api.delete::<serde_json::Value>(&url).await.map(drop)
    }

    pub async fn create_policy(
        &self,
        project: &str,
        policy: &AlertPolicy,
    ) -> Result<AlertPolicy, Error> {
        self.api
            .post(
                &self.url(&format!("projects/{project}/alertPolicies")),
                policy,
            )
            .await
    }

    pub async fn get_policy(&self, name: &str) -> Result<AlertPolicy, Error> {
        self.api.get(&self.url(name)).await
    }

    pub async fn patch_policy(
        &self,
        name: &str,
        policy: &AlertPolicy,
        mask: &[&str],
    ) -> Result<AlertPolicy, Error> {
        self.patch_masked(name, policy, mask).await
    }

    pub async fn delete_policy(&self, name: &str) -> Result<(), Error> {
        self.api
            .delete::<serde_json::Value>(&self.url(name))
            .await
            .map(drop)
    }
}
