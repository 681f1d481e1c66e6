//! Create / update / delete: every child in dependency order (marked
//! children adopted -> main budget -> channels -> topic, subscription, IAM ->
//! budget links, tenant budgets -> alert policies), recording each as it
//! exists so a failure returns honest partial state.

use std::collections::{BTreeMap, BTreeSet};

use gcp_client::budgets::Budget;
use gcp_client::monitoring::alerting::AlertPolicy;
use gcp_client::pubsub::Binding;
use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown;
use tfplugin::{AttributePath, Diagnostic, OpContext};

use super::children::Children;
use super::marker;
use super::model::{
    channel_path, effective_thresholds, tenant_path, Channel, CostMetricBlock, Guard, Model,
    PubsubBlock,
};
use super::remote;
use super::secret_hash;
use crate::framework::api::call;

/// The service account Budgets publishes notifications as.
pub const BUDGET_PUBLISHER: &str = "serviceAccount:billing-budget-alert@system.gserviceaccount.com";

pub struct Apply<'a> {
    pub ctx: &'a OpContext,
    pub client: &'a GcpClient,
    /// Project holding channels, topic and policies.
    pub project: String,
    pub children: Children,
}

fn at(d: Diagnostic, path: AttributePath) -> Diagnostic {
    d.at(path)
}

fn ignore_not_found(r: Result<(), gcp_client::Error>) -> Result<(), gcp_client::Error> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

impl Apply<'_> {
    /// Brings every child to `guard`. `prior` is the guard as last applied.
    pub async fn converge(
        &mut self,
        guard: &Guard,
        prior: Option<&Guard>,
    ) -> Result<(), Diagnostic> {
        let numbers = self.project_numbers(guard, prior).await?;
        // The budget as this guard last saw it, to report concurrent edits.
        let last_seen = prior.map(|p| {
            remote::main_budget(
                p,
                &numbers,
                &self.children.channels,
                self.children.topic.as_deref(),
            )
        });
        let id = guard.id();
        let existing_budget = self.children.budget.is_some();
        let adopted = self.adopt(guard, &id, existing_budget).await?;
        if self.children.budget.is_none() {
            // The main budget first, unlinked: the Budgets API checks amount,
            // currency, filter and thresholds before any other child exists.
            // The links to channels and topic follow once those exist.
            let unlinked = remote::main_budget(guard, &numbers, &BTreeMap::new(), None);
            let created = self
                .create_budget(guard, &unlinked, AttributePath::root(Model::DISPLAY_NAME))
                .await
                .map_err(|d| {
                    // The account's currency is known to the API only (plan checks it
                    // when the account already has a budget): point at the input to fix.
                    if d.detail.contains("currency") {
                        at(d, AttributePath::root(Model::CURRENCY_CODE))
                    } else {
                        d
                    }
                })?;
            self.children.budget = Some(created.name);
            self.children.etag = Some(created.etag);
        }
        self.upsert_channels(guard, prior, &id, &adopted).await?;
        let topic = self.ensure_topic(guard, &id, existing_budget).await?;
        self.link_main_budget(guard, &numbers, topic.as_deref(), last_seen)
            .await?;
        self.upsert_tenant_budgets(guard, &numbers, topic.as_deref(), &id)
            .await?;
        // Monitoring rejects a policy on a metric that has no descriptor yet.
        let replaced = self.ensure_metric_descriptor(guard, &id).await?;
        self.upsert_policies(guard, &id).await?;
        // Removals last: nothing still references what goes.
        self.remove_stale_policies(guard).await?;
        if let Some((name, owned)) = replaced {
            self.drop_descriptor(&name, owned).await?;
        }
        if remote::alert_policies(guard, &self.children.channels).is_empty() {
            self.release_descriptor().await?;
        }
        self.remove_stale_tenants(guard).await?;
        if topic.is_none() {
            self.remove_topic().await?;
        }
        self.remove_stale_channels(guard).await
    }

    /// `projects/<number>` of every project ID the guard (and its prior shape) names.
    async fn project_numbers(
        &self,
        guard: &Guard,
        prior: Option<&Guard>,
    ) -> Result<BTreeMap<String, String>, Diagnostic> {
        let mut ids: Vec<&String> = guard.projects.iter().collect();
        ids.extend(guard.tenants.iter().filter_map(|t| t.project.as_ref()));
        ids.extend(prior.iter().flat_map(|p| p.projects.iter()));
        let mut out = BTreeMap::new();
        for id in ids {
            if out.contains_key(id) {
                continue;
            }
            let hint = format!("Check that project {id:?} exists and the credentials may read it (resourcemanager.projects.get).");
            let p = call(
                self.ctx,
                &format!("resolving project {id:?}"),
                &hint,
                self.client.resource_manager().get_project(id),
            )
            .await?;
            out.insert(id.clone(), p.name);
        }
        Ok(out)
    }

    /// Creates or patches every channel, labelled with the guard ID.
    /// `adopted` channels were never seen by this guard: everything is sent.
    async fn upsert_channels(
        &mut self,
        guard: &Guard,
        prior: Option<&Guard>,
        id: &str,
        adopted: &BTreeSet<String>,
    ) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        let secrets: BTreeMap<String, String> = guard
            .hashed_secrets(prior, &self.children.secret_hashes, &self.children.channels)
            .into_iter()
            .map(|(name, secret)| (name.to_owned(), secret.to_owned()))
            .collect();
        let key = self.children.secret_hash_key.clone();
        // A renamed guard has a new ID: its channels are labelled again.
        let relabel = prior.is_some_and(|p| p.id() != id);
        for (i, c) in guard.channels.iter().enumerate() {
            let path = channel_path(i);
            let hint = CHANNEL_HINT;
            let secret = secrets.get(&c.name);
            let is_adopted = adopted.contains(&c.name);
            let secret_changed = match (secret, self.children.secret_hashes.get(&c.name)) {
                (Some(s), Some(h)) => !secret_hash::matches(h, key.as_deref(), &c.name, s),
                (None, None) => false,
                _ => true,
            } || is_adopted;
            let hash = secret
                .zip(key.as_deref())
                .and_then(|(s, k)| secret_hash::hash(k, s));
            let before = prior
                .and_then(|p| p.channels.iter().find(|x| x.name == c.name))
                .filter(|_| !is_adopted);
            let existing = self.children.channels.get(&c.name).cloned();
            // The API cannot change a channel's type: replace it.
            if let (Some(name), Some(b)) = (&existing, before) {
                if b.kind_text != c.kind_text {
                    self.delete_channel(name).await?;
                    self.children.channels.remove(&c.name);
                }
            }
            match self.children.channels.get(&c.name).cloned() {
                None => {
                    let created = call(
                        self.ctx,
                        &format!("creating notification channel {:?}", c.name),
                        hint,
                        alerting.create_channel(&self.project, &remote::channel(c, true, id)),
                    )
                    .await
                    .map_err(|d| at(d, path.clone()))?;
                    self.children.channels.insert(c.name.clone(), created.name);
                }
                Some(name) => {
                    let mask = channel_mask(c, before, secret_changed, relabel);
                    if !mask.is_empty() {
                        let with_secret = mask
                            .iter()
                            .any(|m| *m == "labels.auth_token" || *m == "labels.service_key");
                        call(
                            self.ctx,
                            &format!("updating notification channel {:?}", c.name),
                            hint,
                            alerting.patch_channel(
                                &name,
                                &remote::channel(c, with_secret, id),
                                &mask,
                            ),
                        )
                        .await
                        .map_err(|d| at(d, path.clone()))?;
                    }
                }
            }
            match hash {
                Some(h) => self.children.secret_hashes.insert(c.name.clone(), h),
                None => self.children.secret_hashes.remove(&c.name),
            };
        }
        Ok(())
    }

    /// `take_over`: the guard's budget already existed, so a topic (and its
    /// `-budget` subscription) that no guard owns is taken over, as channels are.
    async fn ensure_topic(
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

    /// The outcome of a Pub/Sub create: done, or already there (409) and
    /// labelled with this guard's ID (an interrupted apply created it), or
    /// with no guard's label when `take_over`, which is adopted. Anything else
    /// that exists is someone else's.
    async fn created_or_ours<F, Fut>(
        &self,
        name: &str,
        id: &str,
        take_over: bool,
        created: Result<(), gcp_client::Error>,
        existing: F,
    ) -> Result<(), Diagnostic>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<BTreeMap<String, String>, gcp_client::Error>>,
    {
        let what = format!("creating {name}");
        let exists = match created {
            Ok(()) => return Ok(()),
            Err(e) if e.api().is_some_and(|a| a.http_status == 409) => e,
            Err(e) => return Err(crate::framework::api::api_error(&what, &e, PUBSUB_HINT)),
        };
        let labels = call(
            self.ctx,
            &format!("reading {name}"),
            PUBSUB_HINT,
            existing(),
        )
        .await?;
        match labels.get(marker::GUARD_LABEL) {
            Some(owner) if owner == id => {
                tracing::info!(%name, "adopting a Pub/Sub resource an interrupted apply created");
                return Ok(());
            }
            None if take_over => {
                tracing::info!(%name, "taking over an existing Pub/Sub resource of the same name");
                return Ok(());
            }
            _ => {}
        }
        Err(Diagnostic::error(
            format!("Error {what}"),
            format!("{exists}\n\n{name} already exists and does not belong to this guard (it has no `{}` label with this guard's ID). Choose another `pubsub.topic`, or delete the existing topic and its `-budget` subscription if nothing else uses them.", marker::GUARD_LABEL),
        ))
    }

    /// Brings the (existing) main budget to `guard`, linked to channels and topic.
    async fn link_main_budget(
        &mut self,
        guard: &Guard,
        numbers: &BTreeMap<String, String>,
        topic: Option<&str>,
        last_seen: Option<Budget>,
    ) -> Result<(), Diagnostic> {
        let want = remote::main_budget(guard, numbers, &self.children.channels, topic);
        let etag = self.children.etag.clone().filter(|e| !e.is_empty());
        if let Some(name) = self.children.budget.clone() {
            let patched = self.patch_budget(&name, want, etag, last_seen).await?;
            self.children.etag = Some(patched.etag);
        }
        Ok(())
    }

    async fn create_budget(
        &self,
        guard: &Guard,
        budget: &Budget,
        path: AttributePath,
    ) -> Result<Budget, Diagnostic> {
        let hint = "Check the billing account ID and that the credentials hold roles/billing.costsManager on it (with user credentials also set `billing_project`).";
        call(
            self.ctx,
            &format!("creating budget {:?}", budget.display_name),
            hint,
            self.client.budgets().create(&guard.billing_account, budget),
        )
        .await
        .map_err(|d| at(d, path))
    }

    /// PATCH only what differs, guarded by `etag` (the etag this guard last
    /// saw). A budget changed since then is reported with the fields that
    /// differ from `last_seen`, and nothing is overwritten.
    async fn patch_budget(
        &self,
        name: &str,
        mut want: Budget,
        etag: Option<String>,
        last_seen: Option<Budget>,
    ) -> Result<Budget, Diagnostic> {
        let budgets = self.client.budgets();
        let have = call(
            self.ctx,
            &format!("reading budget {name}"),
            BUDGET_HINT,
            budgets.get(name),
        )
        .await?;
        if etag.as_ref().is_some_and(|e| *e != have.etag) {
            return Err(conflict(name, last_seen.as_ref(), &have));
        }
        let mask = remote::budget_mask(&want, &have);
        if mask.is_empty() {
            return Ok(have);
        }
        want.etag = have.etag.clone();
        match budgets.patch(name, &want, &mask).await {
            Ok(b) => Ok(b),
            // Changed between our read and our write.
            Err(e) if is_conflict(&e) => {
                let fresh = call(
                    self.ctx,
                    &format!("re-reading budget {name}"),
                    BUDGET_HINT,
                    budgets.get(name),
                )
                .await?;
                Err(conflict(name, Some(&have), &fresh))
            }
            Err(e) => Err(crate::framework::api::api_error(
                &format!("updating budget {name}"),
                &e,
                BUDGET_HINT,
            )),
        }
    }

    async fn upsert_tenant_budgets(
        &mut self,
        guard: &Guard,
        numbers: &BTreeMap<String, String>,
        topic: Option<&str>,
        id: &str,
    ) -> Result<(), Diagnostic> {
        for (i, t) in guard.tenants.iter().enumerate() {
            let want = remote::tenant_budget(guard, t, numbers, &self.children.channels, topic, id);
            let result = match self.children.tenant_budgets.get(&t.name).cloned() {
                None => {
                    let created = self.create_budget(guard, &want, tenant_path(i)).await?;
                    self.children
                        .tenant_budgets
                        .insert(t.name.clone(), created.name.clone());
                    created
                }
                Some(name) => self
                    .patch_budget(&name, want, None, None)
                    .await
                    .map_err(|d| at(d, tenant_path(i)))?,
            };
            match result.spend_cap.and_then(|c| c.output_state) {
                Some(state) => self.children.spend_cap_states.insert(t.name.clone(), state),
                None => self.children.spend_cap_states.remove(&t.name),
            };
        }
        Ok(())
    }

    async fn upsert_policies(&mut self, guard: &Guard, id: &str) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        let hint = POLICY_HINT;
        let labels = marker::policy_labels(id);
        for (key, mut want) in remote::alert_policies(guard, &self.children.channels) {
            want.user_labels = labels.clone();
            let path = match key.strip_prefix("tenant:") {
                Some(name) => tenant_path(
                    guard
                        .tenants
                        .iter()
                        .position(|t| t.name == name)
                        .unwrap_or(0),
                ),
                None => AttributePath::root(Model::COST_METRIC)
                    .index(0)
                    .attr(CostMetricBlock::SPIKE_USD_PER_HOUR),
            };
            match self.children.alert_policies.get(&key).cloned() {
                None => {
                    let created = call(
                        self.ctx,
                        &format!("creating alert policy {:?}", want.display_name),
                        hint,
                        alerting.create_policy(&self.project, &want),
                    )
                    .await
                    .map_err(|d| at(d, path))?;
                    self.children.alert_policies.insert(key, created.name);
                }
                Some(name) => {
                    let have = call(
                        self.ctx,
                        &format!("reading alert policy {name}"),
                        hint,
                        alerting.get_policy(&name),
                    )
                    .await?;
                    if !same_policy(&want, &have) {
                        let mask = [
                            "displayName",
                            "documentation",
                            "conditions",
                            "combiner",
                            "enabled",
                            "notificationChannels",
                            "severity",
                            "userLabels",
                        ];
                        call(
                            self.ctx,
                            &format!("updating alert policy {name}"),
                            hint,
                            alerting.patch_policy(&name, &want, &mask),
                        )
                        .await
                        .map_err(|d| at(d, path))?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn remove_stale_policies(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let wanted = remote::alert_policies(guard, &self.children.channels);
        let stale: Vec<(String, String)> = self
            .children
            .alert_policies
            .iter()
            .filter(|(k, _)| !wanted.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, name) in stale {
            self.delete_policy(&name).await?;
            self.children.alert_policies.remove(&key);
        }
        Ok(())
    }

    async fn remove_stale_tenants(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let stale: Vec<(String, String)> = self
            .children
            .tenant_budgets
            .iter()
            .filter(|(k, _)| !guard.tenants.iter().any(|t| &t.name == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (tenant, name) in stale {
            self.delete_budget(&name).await?;
            self.children.tenant_budgets.remove(&tenant);
            self.children.spend_cap_states.remove(&tenant);
        }
        Ok(())
    }

    async fn remove_stale_channels(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let stale: Vec<(String, String)> = self
            .children
            .channels
            .iter()
            .filter(|(k, _)| !guard.channels.iter().any(|c| &c.name == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (key, name) in stale {
            self.delete_channel(&name).await?;
            self.children.channels.remove(&key);
            self.children.secret_hashes.remove(&key);
        }
        Ok(())
    }

    async fn remove_topic(&mut self) -> Result<(), Diagnostic> {
        let pubsub = self.client.pubsub();
        let hint = "Check that the credentials hold roles/pubsub.admin.";
        if let Some(sub) = self.children.subscription.clone() {
            call(
                self.ctx,
                &format!("deleting subscription {sub}"),
                hint,
                async { ignore_not_found(pubsub.delete_subscription(&sub).await) },
            )
            .await?;
            self.children.subscription = None;
        }
        if let Some(topic) = self.children.topic.clone() {
            call(self.ctx, &format!("deleting topic {topic}"), hint, async {
                ignore_not_found(pubsub.delete_topic(&topic).await)
            })
            .await?;
            self.children.topic = None;
        }
        Ok(())
    }

    /// Creates the cost metric's descriptor, or adopts the one the application
    /// already defined when its kind and value type fit the policies. Returns
    /// the descriptor it replaces (name, owned), to drop once no policy uses it.
    async fn ensure_metric_descriptor(
        &mut self,
        guard: &Guard,
        id: &str,
    ) -> Result<Option<(String, bool)>, Diagnostic> {
        let metric_type = &guard.cost_metric.metric_type;
        if remote::alert_policies(guard, &self.children.channels).is_empty()
            || self
                .children
                .metric_descriptor
                .as_deref()
                .is_some_and(|d| remote::is_descriptor_of(d, metric_type))
        {
            return Ok(None);
        }
        let path = AttributePath::root(Model::COST_METRIC);
        let metrics = self.client.metrics();
        let what = format!("reading metric descriptor {metric_type}");
        let existing = call(self.ctx, &what, DESCRIPTOR_HINT, async {
            match metrics.get_descriptor(&self.project, metric_type).await {
                Ok(d) => Ok(Some(d)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(|d| at(d, path.clone()))?;
        let (descriptor, owned) = match existing {
            Some(d) => {
                check_cost_metric(&d).map_err(|d| at(d, path.clone()))?;
                // One this guard created in an apply that was interrupted stays its own.
                let owned = d.description.contains(&marker::descriptor_note(id));
                (d, owned)
            }
            None => {
                let want = remote::cost_metric_descriptor(guard, id);
                let created = call(
                    self.ctx,
                    &format!("creating metric descriptor {metric_type}"),
                    DESCRIPTOR_HINT,
                    metrics.create_descriptor(&self.project, &want),
                )
                .await
                .map_err(|d| at(d, path.clone()))?;
                (created, true)
            }
        };
        let replaced = self
            .children
            .metric_descriptor
            .replace(descriptor.name)
            .map(|old| (old, self.children.metric_descriptor_owned));
        self.children.metric_descriptor_owned = owned;
        Ok(replaced)
    }

    /// Drops the recorded descriptor, deleting it only when the guard created it.
    async fn release_descriptor(&mut self) -> Result<(), Diagnostic> {
        if let Some(name) = self.children.metric_descriptor.clone() {
            self.drop_descriptor(&name, self.children.metric_descriptor_owned)
                .await?;
        }
        self.children.metric_descriptor = None;
        self.children.metric_descriptor_owned = false;
        Ok(())
    }

    /// Deletes a descriptor the guard created (and its data); adopted ones stay.
    async fn drop_descriptor(&self, name: &str, owned: bool) -> Result<(), Diagnostic> {
        if owned {
            let metric_type = remote::split_descriptor(name).map_or(name, |(_, t)| t);
            let metrics = self.client.metrics();
            call(
                self.ctx,
                &format!("deleting metric descriptor {name}"),
                DESCRIPTOR_HINT,
                async {
                    ignore_not_found(metrics.delete_descriptor(&self.project, metric_type).await)
                },
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn delete_policy(&self, name: &str) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        call(
            self.ctx,
            &format!("deleting alert policy {name}"),
            "Check roles/monitoring.alertPolicyEditor.",
            async { ignore_not_found(alerting.delete_policy(name).await) },
        )
        .await
    }

    pub(super) async fn delete_budget(&self, name: &str) -> Result<(), Diagnostic> {
        let budgets = self.client.budgets();
        call(
            self.ctx,
            &format!("deleting budget {name}"),
            "Check roles/billing.costsManager on the billing account.",
            async { ignore_not_found(budgets.delete(name).await) },
        )
        .await
    }

    pub(super) async fn delete_channel(&self, name: &str) -> Result<(), Diagnostic> {
        let alerting = self.client.alerting();
        call(
            self.ctx,
            &format!("deleting notification channel {name}"),
            "Check roles/monitoring.notificationChannelEditor.",
            async { ignore_not_found(alerting.delete_channel(name, true).await) },
        )
        .await
    }

    /// Everything, in reverse dependency order; what is left stays recorded.
    pub async fn destroy(&mut self) -> Result<(), Diagnostic> {
        for (key, name) in self.children.alert_policies.clone() {
            self.delete_policy(&name).await?;
            self.children.alert_policies.remove(&key);
        }
        self.release_descriptor().await?;
        for (tenant, name) in self.children.tenant_budgets.clone() {
            self.delete_budget(&name).await?;
            self.children.tenant_budgets.remove(&tenant);
            self.children.spend_cap_states.remove(&tenant);
        }
        if let Some(name) = self.children.budget.clone() {
            self.delete_budget(&name).await?;
            self.children.budget = None;
            self.children.etag = None;
        }
        self.remove_topic().await?;
        for (key, name) in self.children.channels.clone() {
            self.delete_channel(&name).await?;
            self.children.channels.remove(&key);
            self.children.secret_hashes.remove(&key);
        }
        Ok(())
    }
}

const PUBSUB_HINT: &str =
    "Check that the Pub/Sub API is enabled and the credentials hold roles/pubsub.admin.";
pub const POLICY_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.alertPolicyEditor.";
pub const BUDGET_HINT: &str =
    "Check that the credentials hold roles/billing.costsManager on the billing account.";
pub const CHANNEL_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.notificationChannelEditor.";

const DESCRIPTOR_HINT: &str = "Check that the Cloud Monitoring API is enabled and the credentials hold roles/monitoring.metricWriter or roles/monitoring.editor.";

/// An existing descriptor the guard's policies cannot evaluate: Monitoring
/// would reject them, and changing a descriptor means deleting its data, so
/// the user decides.
pub fn check_cost_metric(
    d: &gcp_client::monitoring::metrics::MetricDescriptor,
) -> Result<(), Diagnostic> {
    if d.metric_kind == remote::COST_METRIC_KIND && d.value_type == remote::COST_METRIC_VALUE_TYPE {
        return Ok(());
    }
    Err(Diagnostic::error(
        "Incompatible cost metric",
        format!(
            "The metric {} already exists with kind {} and value type {}, but the guard's alert policies need kind {} and value type {} (ALIGN_DELTA for the spike policy only applies to CUMULATIVE or DELTA metrics). Either set `cost_metric.type` to a new metric the application writes as {} {}, or delete the existing descriptor (this deletes its data) and let the application or the guard recreate it.",
            d.metric_type,
            d.metric_kind,
            d.value_type,
            remote::COST_METRIC_KIND,
            remote::COST_METRIC_VALUE_TYPE,
            remote::COST_METRIC_KIND,
            remote::COST_METRIC_VALUE_TYPE,
        ),
    ))
}

fn is_conflict(e: &gcp_client::Error) -> bool {
    e.api().is_some_and(|a| {
        a.status == "ABORTED" || a.status == "FAILED_PRECONDITION" && a.message.contains("etag")
    })
}

/// The error for a budget edited outside this guard: which fields moved.
fn conflict(name: &str, last_seen: Option<&Budget>, now: &Budget) -> Diagnostic {
    let changed = last_seen
        .map(|seen| remote::budget_mask(seen, now))
        .filter(|m| !m.is_empty())
        .map_or_else(|| "unknown fields (etag only)".to_owned(), |m| m.join(", "));
    Diagnostic::error(
        format!("Budget {name} was changed concurrently"),
        format!("Someone else updated the budget since Terraform last read it (changed: {changed}). Nothing was overwritten. Run `terraform plan` again to see the difference, then apply."),
    )
    .at(AttributePath::root(Model::ETAG))
}

/// Mask paths for a channel PATCH; the secret only when it changed, the
/// user labels when the version or the guard ID changed (or `before` is
/// unknown, as for an adopted channel).
fn channel_mask(
    c: &Channel,
    before: Option<&Channel>,
    secret_changed: bool,
    relabel: bool,
) -> Vec<&'static str> {
    let mut mask = Vec::new();
    if before.is_none() {
        // An adopted channel may carry another display name.
        mask.push("displayName");
    }
    if before.is_none_or(|b| b.email_address != c.email_address) && c.email_address.is_some() {
        mask.push("labels.email_address");
    }
    if before.is_none_or(|b| b.channel_name != c.channel_name) && c.channel_name.is_some() {
        mask.push("labels.channel_name");
    }
    let version_changed = before.is_some_and(|b| b.secret_version != c.secret_version);
    if version_changed || relabel || before.is_none() {
        mask.push("userLabels");
    }
    if secret_changed || version_changed {
        if let Some((label, _)) = c.kind.and_then(super::model::ChannelKind::secret) {
            mask.push(match label {
                "auth_token" => "labels.auth_token",
                _ => "labels.service_key",
            });
        }
    }
    mask
}

/// Compares what the guard manages, ignoring server-assigned condition names.
fn same_policy(want: &AlertPolicy, have: &AlertPolicy) -> bool {
    let mut have = have.clone();
    for c in &mut have.conditions {
        c.name.clear();
    }
    want.display_name == have.display_name
        && want.conditions == have.conditions
        && want.notification_channels == have.notification_channels
        && want.documentation == have.documentation
        && want.combiner == have.combiner
        && want.enabled == have.enabled
        && want.severity == have.severity
        && want.user_labels == have.user_labels
}

/// The state after an apply attempt: `planned` with every computed value filled.
pub fn state_after(mut planned: Model, guard: &Guard, children: &Children) -> Model {
    children.write(&mut planned);
    planned.effective_thresholds = MaybeUnknown::Known(effective_thresholds(&guard.thresholds));
    planned
}
