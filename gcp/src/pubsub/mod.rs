//! Pub/Sub v1: topics, subscriptions and topic IAM policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::Error;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Topic {
    /// `projects/p/topics/t`.
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subscription {
    pub name: String,
    /// The topic, or `_deleted-topic_` once it is gone.
    pub topic: String,
    pub ack_deadline_seconds: i64,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Binding {
    pub role: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policy {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<Binding>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etag: String,
}

#[derive(Debug, Clone)]
pub struct PubsubClient {
    api: ApiClient,
}

impl PubsubClient {
    pub fn new(api: ApiClient) -> Self {
        PubsubClient { api }
    }

    fn url(&self, path: &str) -> String {
        self.api.url(Service::Pubsub, path)
    }

    /// `name` is `projects/p/topics/t`.
    pub async fn create_topic(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Topic, Error> {
        self.api
            .call(
                reqwest::Method::PUT,
                &self.url(name),
                Some(&json!({ "labels": labels })),
            )
            .await
    }

    pub async fn get_topic(&self, name: &str) -> Result<Topic, Error> {
        self.api.get(&self.url(name)).await
    }

    pub async fn delete_topic(&self, name: &str) -> Result<(), Error> {
        self.api
            .delete::<serde_json::Value>(&self.url(name))
            .await
            .map(drop)
    }

    pub async fn get_topic_iam_policy(&self, topic: &str) -> Result<Policy, Error> {
        self.api
            .get(&self.url(&format!("{topic}:getIamPolicy")))
            .await
    }

    /// Replaces the policy; `policy.etag` guards against concurrent edits.
    pub async fn set_topic_iam_policy(
        &self,
        topic: &str,
        policy: &Policy,
    ) -> Result<Policy, Error> {
        self.api
            .post(
                &self.url(&format!("{topic}:setIamPolicy")),
                &json!({ "policy": policy }),
            )
            .await
    }

    /// `name` is `projects/p/subscriptions/s`.
    pub async fn create_subscription(
        &self,
        name: &str,
        topic: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<Subscription, Error> {
        self.api
            .call(
                reqwest::Method::PUT,
                &self.url(name),
                Some(&json!({ "topic": topic, "labels": labels })),
            )
            .await
    }

    pub async fn get_subscription(&self, name: &str) -> Result<Subscription, Error> {
        self.api.get(&self.url(name)).await
    }

    pub async fn delete_subscription(&self, name: &str) -> Result<(), Error> {
        self.api
            .delete::<serde_json::Value>(&self.url(name))
            .await
            .map(drop)
    }
}
