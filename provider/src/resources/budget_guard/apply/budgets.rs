//! The main budget (etag-guarded) and the per-tenant budgets.

use std::collections::BTreeMap;

use gcp_client::budgets::Budget;
use tfplugin::{AttributePath, Diagnostic};

use super::super::model::{tenant_path, Guard, Model};
use super::super::remote;
use super::{at, stale, Apply};
use crate::framework::api::call;

pub const BUDGET_HINT: &str =
    "Check that the credentials hold roles/billing.costsManager on the billing account.";

pub(super) fn is_conflict(e: &gcp_client::Error) -> bool {
    e.api().is_some_and(|a| {
        a.status == "ABORTED" || a.status == "FAILED_PRECONDITION" && a.message.contains("etag")
    })
}

/// The error for a budget edited outside this guard: which fields moved.
pub(super) fn conflict(name: &str, last_seen: Option<&Budget>, now: &Budget) -> Diagnostic {
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

impl Apply<'_> {
    /// Brings the (existing) main budget to `guard`, linked to channels and topic.
    pub(super) async fn link_main_budget(
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

    pub(super) async fn create_budget(
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
    pub(super) async fn patch_budget(
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

    pub(super) async fn upsert_tenant_budgets(
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

    pub(super) async fn remove_stale_tenants(&mut self, guard: &Guard) -> Result<(), Diagnostic> {
        let gone = stale(&self.children.tenant_budgets, |k| {
            guard.tenants.iter().any(|t| t.name == k)
        });
        for (tenant, name) in gone {
            self.delete_budget(&name).await?;
            self.children.tenant_budgets.remove(&tenant);
            self.children.spend_cap_states.remove(&tenant);
        }
        Ok(())
    }

    pub(in super::super) async fn delete_budget(&self, name: &str) -> Result<(), Diagnostic> {
        let budgets = self.client.budgets();
        self.delete(
            format!("deleting budget {name}"),
            "Check roles/billing.costsManager on the billing account.",
            budgets.delete(name),
        )
        .await
    }
}
