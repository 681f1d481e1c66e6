//! Find-before-create. An apply that was killed, or whose create timed out
//! client-side after the write landed, leaves children that no state records.
//! They carry the guard ID (see `marker`), so before creating anything the
//! apply lists the marked children state is missing: those the configuration
//! still wants are adopted, the rest are deleted. Budgets have no request ID,
//! so this is their only defence against duplicates.

use std::collections::BTreeSet;

use tfplugin::{AttributePath, Diagnostic};

use super::apply::{Apply, BUDGET_HINT, CHANNEL_HINT, POLICY_HINT};
use super::marker;
use super::model::Guard;
use super::remote;
use crate::framework::api::call;

impl Apply<'_> {
    /// Records every marked child state is missing; returns the keys of the
    /// adopted channels (their labels and secret are sent again).
    pub async fn adopt(&mut self, guard: &Guard, id: &str) -> Result<BTreeSet<String>, Diagnostic> {
        let channels = self.adopt_channels(guard, id).await?;
        self.adopt_budgets(guard, id).await?;
        self.adopt_policies(guard, id).await?;
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
                .at(AttributePath::root("display_name")));
            }
        }
        Ok(())
    }

    async fn adopt_policies(&mut self, guard: &Guard, id: &str) -> Result<(), Diagnostic> {
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
        Ok(())
    }
}
