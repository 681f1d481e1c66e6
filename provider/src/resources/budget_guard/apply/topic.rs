//! The Pub/Sub topic budgets publish to, its `-budget` subscription and the
//! publisher binding for Budgets' service account.

use gcp_client::pubsub::Binding;
use tfplugin::{AttributePath, Diagnostic};

use super::super::marker;
use super::super::model::{Guard, Model, PubsubBlock};
use super::{at, Apply};
use crate::framework::api::call;

/// The service account Budgets publishes notifications as.
pub const BUDGET_PUBLISHER: &str = "serviceAccount:billing-budget-alert@system.gserviceaccount.com";

pub(super) const PUBSUB_HINT: &str =
    "Check that the Pub/Sub API is enabled and the credentials hold roles/pubsub.admin.";

impl Apply<'_> {
    /// `take_over`: the guard's budget already existed, so a topic (and its
    /// `-budget` subscription) that no guard owns is taken over, as channels are.
    pub(super) async fn ensure_topic(
        &mut self,
        guard: &Guard,
        id: &str,
        take_over: bool,
    ) -> Result<Option<String>, Diagnostic> {
        let Some(topic_id) = &guard.pubsub_topic else {
            return Ok(None);
        };
        let topic = format!("projects/{}/topics/{topic_id}", self.project);
        let path = AttributePath::root(Model::PUBSUB)
            .index(0)
            .attr(PubsubBlock::TOPIC);
        let pubsub = self.client.pubsub();
        let labels = marker::policy_labels(id);
        if self.children.topic.as_deref() != Some(topic.as_str()) {
            if self.children.topic.is_some() {
                self.remove_topic().await?;
            }
            let created = pubsub.create_topic(&topic, &labels).await.map(drop);
            let existing = || async { pubsub.get_topic(&topic).await.map(|t| t.labels) };
            self.created_or_ours(&topic, id, take_over, created, existing)
                .await
                .map_err(|d| at(d, path.clone()))?;
            self.children.topic = Some(topic.clone());
        }
        if self.children.subscription.is_none() {
            let sub = format!("projects/{}/subscriptions/{topic_id}-budget", self.project);
            let created = pubsub
                .create_subscription(&sub, &topic, &labels)
                .await
                .map(drop);
            let existing = || async { pubsub.get_subscription(&sub).await.map(|s| s.labels) };
            self.created_or_ours(&sub, id, take_over, created, existing)
                .await
                .map_err(|d| at(d, path.clone()))?;
            self.children.subscription = Some(sub);
        }
        let mut policy = call(
            self.ctx,
            "reading the topic's IAM policy",
            PUBSUB_HINT,
            pubsub.get_topic_iam_policy(&topic),
        )
        .await?;
        let granted = policy.bindings.iter().any(|b| {
            b.role == "roles/pubsub.publisher" && b.members.iter().any(|m| m == BUDGET_PUBLISHER)
        });
        if !granted {
            policy.bindings.push(Binding {
                role: "roles/pubsub.publisher".into(),
                members: vec![BUDGET_PUBLISHER.into()],
            });
            call(
                self.ctx,
                "granting Budgets publish access to the topic",
                "The credentials need pubsub.topics.setIamPolicy on the topic.",
                pubsub.set_topic_iam_policy(&topic, &policy),
            )
            .await
            .map_err(|d| at(d, path))?;
        }
        Ok(Some(topic))
    }

    pub(super) async fn remove_topic(&mut self) -> Result<(), Diagnostic> {
        let pubsub = self.client.pubsub();
        let hint = "Check that the credentials hold roles/pubsub.admin.";
        if let Some(sub) = self.children.subscription.clone() {
            self.delete(
                format!("deleting subscription {sub}"),
                hint,
                pubsub.delete_subscription(&sub),
            )
            .await?;
            self.children.subscription = None;
        }
        if let Some(topic) = self.children.topic.clone() {
            self.delete(
                format!("deleting topic {topic}"),
                hint,
                pubsub.delete_topic(&topic),
            )
            .await?;
            self.children.topic = None;
        }
        Ok(())
    }
}
