//! Find-before-create. An apply that was killed, or whose create timed out
//! client-side after the write landed, leaves children that no state records.
//! They carry the guard ID (see `marker`), so before creating anything the
//! apply lists the marked children state is missing: those the configuration
//! still wants are adopted, the rest are deleted. Budgets have no request ID,
//! so this is their only defence against duplicates.
//!
//! A guard that already has its budget (an update, also the first apply after
//! an import, a `moved` or `platform adopt`) also takes over the channels that
//! already notify a configured target (see [`Apply::take_over_channels`]).

use std::collections::{BTreeMap, BTreeSet};

use gcp_client::monitoring::alerting::{AlertPolicy, NotificationChannel};
use tfplugin::{AttributePath, Diagnostic};

use super::apply::{Apply, BUDGET_HINT, CHANNEL_HINT, POLICY_HINT};
use super::marker;
use super::model::{
    channel_path, Channel, ChannelKind, Guard, Model, EMAIL_LABEL, SLACK_CHANNEL_LABEL,
};
use super::remote;
use crate::framework::api::call;

impl Apply<'_> {
    /// Records every marked child state is missing; returns the keys of the
    /// adopted channels (their labels and secret are sent again).
    pub async fn adopt(
        &mut self,
        guard: &Guard,
        id: &str,
        existing_budget: bool,
    ) -> Result<BTreeSet<String>, Diagnostic> {
        let mut channels = self.adopt_channels(guard, id).await?;
        if existing_budget {
            self.take_over_channels(guard, &mut channels).await?;
        }
        self.adopt_budgets(guard, id).await?;
        self.adopt_policies(guard, id, existing_budget).await?;
        Ok(channels)
    }

    async fn adopt_channels(
        &mut self,
        guard: &Guard,
        id: &str,
    ) -> Result<BTreeSet<String>, Diagnostic> {
        let mut adopted = BTreeSet::new();
        if guard
            .channels
            .iter()
            .all(|c| self.children.channels.contains_key(&c.name))
        {
            return Ok(adopted);
        }
        let found = call(
            self.ctx,
            "looking for the guard's notification channels",
            CHANNEL_HINT,
            self.client
                .alerting()
                .list_channels(&self.project, &marker::filter(id)),
        )
        .await?;
        for remote in found {
            if self.children.channels.values().any(|n| *n == remote.name) {
                continue;
            }
            let wanted = guard.channels.iter().find(|c| {
                c.name == remote.display_name
                    && c.kind.map(|k| k.api_type()) == Some(remote.kind.as_str())
                    && !self.children.channels.contains_key(&c.name)
            });
            match wanted {
                Some(c) => {
                    tracing::info!(channel = %remote.name, key = %c.name, "adopting a notification channel an interrupted apply created");
                    self.children
                        .channels
                        .insert(c.name.clone(), remote.name.clone());
                    adopted.insert(c.name.clone());
                }
                None => {
                    tracing::info!(channel = %remote.name, "deleting an unrecorded notification channel of this guard");
                    self.delete_channel(&remote.name).await?;
                }
            }
        }
        Ok(adopted)
    }

    /// Configured channels no child is recorded for take over a channel that
    /// already notifies the same target: one of this guard's channels whose
    /// block was renamed or that import recorded under its display name, or a
    /// channel no guard owns (the guide's hand-made Slack and PagerDuty
    /// channels: budgets link e-mail channels only, so import cannot find
    /// them). The target is the e-mail address, the Slack channel, or, as
    /// Monitoring never shows a PagerDuty service key, the display name or the
    /// only unowned PagerDuty channel. Two equally good candidates are an
    /// error: guessing would hand one team's alerts to another.
    async fn take_over_channels(
        &mut self,
        guard: &Guard,
        adopted: &mut BTreeSet<String>,
    ) -> Result<(), Diagnostic> {
        let missing: Vec<(usize, &Channel)> = guard
            .channels
            .iter()
            .enumerate()
            .filter(|(_, c)| !self.children.channels.contains_key(&c.name))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let configured: BTreeSet<&String> = guard.channels.iter().map(|c| &c.name).collect();
        // Recorded under a key the configuration no longer has: free to re-key.
        let loose: BTreeMap<String, String> = self
            .children
            .channels
            .iter()
            .filter(|(k, _)| !configured.contains(k))
            .map(|(k, n)| (n.clone(), k.clone()))
            .collect();
        let all = call(
            self.ctx,
            "looking for existing notification channels to take over",
            CHANNEL_HINT,
            self.client.alerting().list_channels(&self.project, ""),
        )
        .await?;
        let mut free: Vec<NotificationChannel> = all
            .into_iter()
            .filter(|r| {
                loose.contains_key(&r.name)
                    || (!r.user_labels.contains_key(marker::GUARD_LABEL)
                        && !self.children.channels.values().any(|n| *n == r.name))
            })
            .collect();
        for (i, c) in missing {
            let Some(kind) = c.kind else { continue };
            let same_kind = |r: &&NotificationChannel| r.kind == kind.api_type();
            let label = |r: &NotificationChannel, key: &str| r.labels.get(key).cloned();
            let mut matches: Vec<&NotificationChannel> = free
                .iter()
                .filter(same_kind)
                .filter(|r| match kind {
                    ChannelKind::Email => label(r, EMAIL_LABEL) == c.email_address,
                    ChannelKind::Slack => label(r, SLACK_CHANNEL_LABEL) == c.channel_name,
                    ChannelKind::PagerDuty => r.display_name == c.name,
                })
                .collect();
            if matches.is_empty() && kind == ChannelKind::PagerDuty {
                matches = free.iter().filter(same_kind).collect();
                if matches.len() > 1 {
                    continue; // No target to tell them apart: the guard creates its own.
                }
            }
            if matches.len() > 1 {
                matches.retain(|r| r.display_name == c.name);
            }
            let name = match matches.as_slice() {
                [] => continue,
                [one] => one.name.clone(),
                several => {
                    return Err(Diagnostic::error(
                        "Several notification channels notify this target",
                        format!(
                            "Project {} has {} {} channels that notify what notification channel {:?} does ({}), and no Terraform state owns them. The guard takes over an existing channel instead of creating a twin, but cannot tell which one is meant. Set this block's `name` to the display name of the one to keep, or delete the others.",
                            self.project,
                            several.len(),
                            kind.api_type(),
                            c.name,
                            several.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    )
                    .at(channel_path(i)));
                }
            };
            free.retain(|r| r.name != name);
            if let Some(old) = loose.get(&name) {
                self.children.channels.remove(old);
                self.children.secret_hashes.remove(old);
            }
            tracing::info!(channel = %name, key = %c.name, "taking over an existing notification channel with the same target");
            self.children.channels.insert(c.name.clone(), name);
            adopted.insert(c.name.clone());
        }
        Ok(())
    }

    /// The main budget is found by its display name (Budgets have no labels),
    /// tenant budgets by the guard ID in theirs.
    async fn adopt_budgets(&mut self, guard: &Guard, id: &str) -> Result<(), Diagnostic> {
        let main_missing = self.children.budget.is_none();
        if !main_missing
            && guard
                .tenants
                .iter()
                .all(|t| self.children.tenant_budgets.contains_key(&t.name))
        {
            return Ok(());
        }
        let all = call(
            self.ctx,
            &format!(
                "listing the budgets of billing account {}",
                guard.billing_account
            ),
            BUDGET_HINT,
            self.client.budgets().list(&guard.billing_account, None),
        )
        .await?;
        let recorded: BTreeSet<&String> = self
            .children
            .budget
            .iter()
            .chain(self.children.tenant_budgets.values())
            .collect();
        let unrecorded: Vec<_> = all
            .into_iter()
            .filter(|b| !recorded.contains(&b.name))
            .collect();
        let mut mains = Vec::new();
        for b in unrecorded {
            let Some(shown) = marker::tenant_of(&b.display_name, id) else {
                if main_missing && b.display_name == guard.display_name {
                    mains.push(b.name);
                }
                continue;
            };
            let tenant = guard.tenants.iter().find(|t| {
                (t.name == shown || marker::is_shortened(&shown, &t.name, id))
                    && !self.children.tenant_budgets.contains_key(&t.name)
            });
            match tenant {
                Some(t) => {
                    tracing::info!(budget = %b.name, tenant = %t.name, "adopting a tenant budget an interrupted apply created");
                    self.children.tenant_budgets.insert(t.name.clone(), b.name);
                }
                None => {
                    tracing::info!(budget = %b.name, "deleting an unrecorded tenant budget of this guard");
                    self.delete_budget(&b.name).await?;
                }
            }
        }
        match mains.as_slice() {
            [] => {}
            [one] => {
                tracing::info!(budget = %one, "adopting the budget an interrupted apply created");
                self.children.budget = Some(one.clone());
                // Not seen by this guard yet: the patch is not etag-guarded.
                self.children.etag = None;
            }
            several => {
                return Err(Diagnostic::error(
                    "Several budgets with this display name",
                    format!(
                        "Billing account {} already has {} budgets named {:?} that no Terraform state records ({}). The guard adopts a budget with its display name (as after an interrupted apply), so it cannot tell which one is its own. Delete the extra budgets, or import the right one with `terraform import` (ID `billingAccounts/<A>/budgets/<B>`), or choose another `display_name`.",
                        guard.billing_account,
                        several.len(),
                        guard.display_name,
                        several.join(", ")
                    ),
                )
                .at(AttributePath::root(Model::DISPLAY_NAME)));
            }
        }
        Ok(())
    }

    /// `take_over`: also an unmarked policy with a wanted policy's display name
    /// (the budget already existed, so its policies may have been made by hand).
    async fn adopt_policies(
        &mut self,
        guard: &Guard,
        id: &str,
        take_over: bool,
    ) -> Result<(), Diagnostic> {
        let wanted = remote::alert_policies(guard, &self.children.channels);
        if wanted
            .keys()
            .all(|k| self.children.alert_policies.contains_key(k))
        {
            return Ok(());
        }
        let found = call(
            self.ctx,
            "looking for the guard's alert policies",
            POLICY_HINT,
            self.client
                .alerting()
                .list_policies(&self.project, &marker::filter(id)),
        )
        .await?;
        for p in found {
            if self.children.alert_policies.values().any(|n| *n == p.name) {
                continue;
            }
            match remote::policy_key(&p) {
                Some(key)
                    if wanted.contains_key(&key)
                        && !self.children.alert_policies.contains_key(&key) =>
                {
                    tracing::info!(policy = %p.name, %key, "adopting an alert policy an interrupted apply created");
                    self.children.alert_policies.insert(key, p.name);
                }
                _ => {
                    tracing::info!(policy = %p.name, "deleting an unrecorded alert policy of this guard");
                    self.delete_policy(&p.name).await?;
                }
            }
        }
        if !take_over {
            return Ok(());
        }
        let missing: Vec<(&String, &String)> = wanted
            .iter()
            .filter(|(k, _)| !self.children.alert_policies.contains_key(*k))
            .map(|(k, p)| (k, &p.display_name))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let all = call(
            self.ctx,
            "looking for existing alert policies to take over",
            POLICY_HINT,
            self.client.alerting().list_policies(&self.project, ""),
        )
        .await?;
        for (key, display_name) in missing {
            let unowned: Vec<&AlertPolicy> = all
                .iter()
                .filter(|p| {
                    p.display_name == *display_name
                        && !p.user_labels.contains_key(marker::GUARD_LABEL)
                        && !self.children.alert_policies.values().any(|n| *n == p.name)
                })
                .collect();
            // Two hand-made policies of one name: neither is taken, the guard makes its own.
            if let [one] = unowned.as_slice() {
                tracing::info!(policy = %one.name, %key, "taking over an existing alert policy of the same name");
                self.children
                    .alert_policies
                    .insert(key.clone(), one.name.clone());
            }
        }
        Ok(())
    }
}
