//! Create / update / delete: every child in dependency order (marked
//! children adopted -> main budget -> channels -> topic, subscription, IAM ->
//! budget links, tenant budgets -> alert policies), recording each as it
//! exists so a failure returns honest partial state.

mod budgets;
mod channels;
mod policies;
mod topic;

pub use budgets::BUDGET_HINT;
pub use channels::CHANNEL_HINT;
pub use policies::POLICY_HINT;
use topic::PUBSUB_HINT;

use std::collections::BTreeMap;

use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown;
use tfplugin::{AttributePath, Diagnostic, OpContext};

use super::children::Children;
use super::marker;
use super::model::{effective_thresholds, Guard, Model};
use super::remote;
use crate::framework::api::call;

pub struct Apply<'a> {
    pub ctx: &'a OpContext,
    pub client: &'a GcpClient,
    /// Project holding channels, topic and policies.
    pub project: String,
    pub children: Children,
}

pub(super) fn at(d: Diagnostic, path: AttributePath) -> Diagnostic {
    d.at(path)
}

fn ignore_not_found(r: Result<(), gcp_client::Error>) -> Result<(), gcp_client::Error> {
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}

/// The recorded children (key → name) the configuration no longer has.
pub(super) fn stale(
    recorded: &BTreeMap<String, String>,
    wanted: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    recorded
        .iter()
        .filter(|(k, _)| !wanted(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

impl Apply<'_> {
    /// Deletes one child and waits; already gone is success.
    pub(super) async fn delete(
        &self,
        what: String,
        hint: &str,
        deleted: impl std::future::Future<Output = Result<(), gcp_client::Error>> + Send,
    ) -> Result<(), Diagnostic> {
        call(self.ctx, &what, hint, async {
            ignore_not_found(deleted.await)
        })
        .await
    }

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
    pub(super) async fn project_numbers(
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

    /// The outcome of a Pub/Sub create: done, or already there (409) and
    /// labelled with this guard's ID (an interrupted apply created it), or
    /// with no guard's label when `take_over`, which is adopted. Anything else
    /// that exists is someone else's.
    pub(super) async fn created_or_ours<F, Fut>(
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

/// The state after an apply attempt: `planned` with every computed value filled.
pub fn state_after(mut planned: Model, guard: &Guard, children: &Children) -> Model {
    children.write(&mut planned);
    planned.effective_thresholds = MaybeUnknown::Known(effective_thresholds(&guard.thresholds));
    planned
}
