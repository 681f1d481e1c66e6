//! Import by `billingAccounts/A/budgets/B`: the budget, then every child the
//! guard marked with the budget's ID (see `marker`): channels and alert
//! policies through Monitoring's user-label filter, tenant budgets by display
//! name. Thresholds, tenants, channels and the cost metric are restored so a
//! matching config plans no change. Secrets can't be read back (see the
//! `auth_token*` descriptions).

use std::collections::BTreeMap;

use gcp_client::budgets::Budget;
use gcp_client::monitoring::alerting::{AlertPolicy, NotificationChannel};
use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown::{self, Known};
use tfplugin::{Diagnostic, Number, OpContext, Value};

use super::children::Children;
use super::marker;
use super::model::{
    self, default_cost_metric, float_number, known_blocks, money_amount, ChannelBlock,
    CostMetricBlock, LabelBlock, Model, PubsubBlock, TenantBlock, ThresholdBlock,
};
use super::read::{apply_budget, find_descriptor};
use super::remote::{self, Watched};
use crate::framework::api::call;
use crate::framework::model::encode;

const READ_HINT: &str = "Check the ID and that the credentials hold roles/billing.costsManager on the billing account and roles/monitoring.viewer on the project.";

fn parse_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix("billingAccounts/")?;
    let (account, budget) = rest.split_once("/budgets/")?;
    (!account.is_empty() && !budget.is_empty() && !budget.contains('/'))
        .then_some((account, budget))
}

/// The `projects/<name>` segment of a child's resource name.
fn project_of(name: &str) -> Option<String> {
    name.strip_prefix("projects/")
        .and_then(|r| r.split('/').next())
        .map(str::to_owned)
}

pub async fn import(
    ctx: &OpContext,
    client: &GcpClient,
    default_project: Option<&str>,
    id: &str,
) -> Result<Value, Diagnostic> {
    let (account, _) = parse_id(id).ok_or_else(|| {
        Diagnostic::error(
            "Invalid import ID",
            format!(
                "{id:?} is not a budget name; use billingAccounts/<ACCOUNT>/budgets/<BUDGET_ID>."
            ),
        )
    })?;
    let budgets = client.budgets();
    let budget = call(
        ctx,
        &format!("reading budget {id}"),
        READ_HINT,
        budgets.get(id),
    )
    .await?;
    // Guards from before configuration-derived IDs are marked with the budget's ID.
    let ids = [
        marker::guard_id(account, &budget.display_name),
        marker::legacy_guard_id(&budget.name),
    ];
    let all_budgets = call(
        ctx,
        &format!("listing the budgets of billing account {account}"),
        READ_HINT,
        budgets.list(account, None),
    )
    .await?;
    let tenant_budgets: Vec<(String, String, Budget)> = all_budgets
        .into_iter()
        .filter(|b| b.name != budget.name)
        .filter_map(|b| {
            ids.iter().find_map(|id| {
                marker::tenant_of(&b.display_name, id).map(|t| (t, id.clone(), b.clone()))
            })
        })
        .collect();
    let numbers = project_ids(
        ctx,
        client,
        std::iter::once(&budget).chain(tenant_budgets.iter().map(|(_, _, b)| b)),
    )
    .await?;

    let mut state = Model::empty()?;
    state.billing_account = Known(account.to_owned());
    apply_budget(&mut state, &budget, &numbers);
    let thresholds = model::thresholds(&Model::default());
    let remote_thresholds: Vec<(f64, Option<&str>)> = budget
        .threshold_rules
        .iter()
        .map(|r| (r.threshold_percent, r.spend_basis.as_deref()))
        .collect();
    let defaults: Vec<(f64, Option<&str>)> = thresholds
        .iter()
        .map(|t| (t.percent, Some(t.basis.as_str())))
        .collect();
    // The default rules come from a config without `threshold` blocks.
    if remote_thresholds != defaults {
        let blocks = known_blocks(&state.effective_thresholds)
            .iter()
            .map(|t| ThresholdBlock {
                percent: t.percent.clone().into(),
                basis: Known(t.basis.clone()),
            })
            .collect();
        state.threshold = Known(blocks);
    }

    let rule = budget.notifications_rule.clone().unwrap_or_default();
    let project = rule
        .monitoring_notification_channels
        .iter()
        .chain(rule.pubsub_topic.iter())
        .find_map(|n| project_of(n))
        .or_else(|| default_project.map(str::to_owned))
        .ok_or_else(|| {
            Diagnostic::error(
                "Cannot tell the guard's project",
                "The budget links no channel or topic; set `project` in the provider configuration to the project holding the guard's channels and alert policies, then import again.",
            )
        })?;
    let alerting = client.alerting();
    let mut channels = Vec::new();
    let mut policies = Vec::new();
    for id in &ids {
        let filter = marker::filter(id);
        channels.extend(
            call(
                ctx,
                "listing the guard's notification channels",
                READ_HINT,
                alerting.list_channels(&project, &filter),
            )
            .await?,
        );
        policies.extend(
            call(
                ctx,
                "listing the guard's alert policies",
                READ_HINT,
                alerting.list_policies(&project, &filter),
            )
            .await?,
        );
    }
    // Channels linked to the budget belong to it even without the label.
    for name in &rule.monitoring_notification_channels {
        if !channels.iter().any(|c| &c.name == name) {
            let c = call(
                ctx,
                &format!("reading notification channel {name}"),
                READ_HINT,
                alerting.get_channel(name),
            )
            .await?;
            channels.push(c);
        }
    }
    let mut children = Children {
        budget: Some(budget.name.clone()),
        etag: Some(budget.etag.clone()),
        ..Children::default()
    };
    let ordered = order_channels(channels, &policies, &rule.monitoring_notification_channels);
    state.notification_channel = Known(ordered.iter().map(channel_block).collect());
    for c in &ordered {
        children
            .channels
            .insert(c.display_name.clone(), c.name.clone());
    }

    let watched: Vec<(Watched, &AlertPolicy)> = policies
        .iter()
        .filter_map(|p| {
            let filter = &p.conditions.first()?.condition_threshold.as_ref()?.filter;
            remote::watched(filter).map(|w| (w, p))
        })
        .collect();
    let policy_tenants: Vec<String> = watched
        .iter()
        .filter_map(|(w, _)| w.tenant.as_ref().map(|(_, t)| t.clone()))
        .collect();
    let mut tenants = Vec::new();
    for (shown, guard_id, b) in &tenant_budgets {
        // A long tenant name was shortened in the display name; its policy has it whole.
        let name = policy_tenants
            .iter()
            .find(|t| marker::is_shortened(shown, t, guard_id))
            .cloned()
            .unwrap_or_else(|| shown.clone());
        tenants.push((name.clone(), tenant_block(&name, b, &numbers)));
        children.tenant_budgets.insert(name.clone(), b.name.clone());
        if let Some(s) = b.spend_cap.as_ref().and_then(|c| c.output_state.clone()) {
            children.spend_cap_states.insert(name, s);
        }
    }
    tenants.sort_by(|a, b| a.0.cmp(&b.0));
    state.tenant = Known(tenants.into_iter().map(|(_, t)| t).collect());
    for (_, p) in &watched {
        if let Some(key) = remote::policy_key(p) {
            children.alert_policies.insert(key, p.name.clone());
        }
    }
    state.cost_metric = cost_metric(&watched);
    if let Some((w, _)) = watched.first() {
        // Adopted, never owned: import cannot tell who created it, and deleting
        // a descriptor deletes the metric's data.
        children.metric_descriptor = find_descriptor(ctx, client, &project, &w.metric_type)
            .await?
            .map(|d| d.name);
    }

    if let Some(topic) = rule.pubsub_topic.filter(|t| !t.is_empty()) {
        let id = topic.rsplit('/').next().unwrap_or_default().to_owned();
        children.subscription = Some(format!(
            "projects/{}/subscriptions/{id}-budget",
            project_of(&topic).unwrap_or_default()
        ));
        children.topic = Some(topic);
        state.pubsub = Some(PubsubBlock { topic: Known(id) });
    }
    state.project = Known(project);
    children.write(&mut state);
    encode(&state)
}

/// `projects/<number>` -> project ID for every project the budgets name,
/// returned as ID -> number (the shape `apply_budget` maps back with).
async fn project_ids<'a>(
    ctx: &OpContext,
    client: &GcpClient,
    budgets: impl Iterator<Item = &'a Budget>,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut out = BTreeMap::new();
    for b in budgets {
        for number in b.budget_filter.iter().flat_map(|f| f.projects.iter()) {
            if out.values().any(|n| n == number) {
                continue;
            }
            let p = call(
                ctx,
                &format!("resolving {number}"),
                "Check that the credentials may read the project (resourcemanager.projects.get).",
                client
                    .resource_manager()
                    .get_project(number.trim_start_matches("projects/")),
            )
            .await?;
            out.insert(p.project_id, number.clone());
        }
    }
    Ok(out)
}

/// Channels in config order as far as the API remembers it: the alert
/// policies route to every channel in block order; then budget-linked e-mail
/// channels in link order; then the rest by name.
fn order_channels(
    mut channels: Vec<NotificationChannel>,
    policies: &[AlertPolicy],
    linked: &[String],
) -> Vec<NotificationChannel> {
    let routed = policies
        .iter()
        .map(|p| &p.notification_channels)
        .max_by_key(|c| c.len())
        .cloned()
        .unwrap_or_default();
    let rank = |c: &NotificationChannel| {
        let position = |list: &[String]| list.iter().position(|n| *n == c.name);
        match (position(&routed), position(linked)) {
            (Some(i), _) => (0, i, String::new()),
            (None, Some(i)) => (1, i, String::new()),
            (None, None) => (2, 0, c.display_name.clone()),
        }
    };
    channels.sort_by_key(rank);
    channels
}

fn channel_block(c: &NotificationChannel) -> ChannelBlock {
    let mut block = ChannelBlock {
        name: Known(c.display_name.clone()),
        kind: Known(c.kind.clone()),
        secret_version: marker::secret_version(&c.user_labels)
            .and_then(|v| Number::parse(&v).ok())
            .into(),
        ..ChannelBlock::default()
    };
    block.set_public_labels(&c.labels);
    block
}

fn tenant_block(name: &str, b: &Budget, numbers: &BTreeMap<String, String>) -> TenantBlock {
    let filter = b.budget_filter.clone().unwrap_or_default();
    TenantBlock {
        name: Known(name.to_owned()),
        limit: b
            .amount
            .as_ref()
            .and_then(|a| a.specified_amount.as_ref())
            .map_or(MaybeUnknown::Null, money_amount),
        project: filter
            .projects
            .first()
            .map(|p| {
                numbers
                    .iter()
                    .find(|(_, n)| *n == p)
                    .map_or_else(|| p.clone(), |(id, _)| id.clone())
            })
            .into(),
        service: filter.services.first().cloned().into(),
        spend_cap: Known(b.spend_cap.is_some()),
        label: filter.labels.iter().next().map(|(k, v)| LabelBlock {
            key: Known(k.clone()),
            value: Known(v.join(",")),
        }),
    }
}

/// The `cost_metric` block, or none when a config without it would produce these policies.
fn cost_metric(watched: &[(Watched, &AlertPolicy)]) -> Option<CostMetricBlock> {
    let (first, _) = watched.first()?;
    let tenant_label = watched
        .iter()
        .find_map(|(w, _)| w.tenant.as_ref().map(|(l, _)| l.clone()))
        .unwrap_or_else(|| default_cost_metric().tenant_label);
    let spike = watched
        .iter()
        .find(|(w, _)| w.tenant.is_none())
        .and_then(|(_, p)| p.conditions.first()?.condition_threshold.as_ref())
        .map(|t| t.threshold_value);
    if spike.is_none()
        && first.metric_type == default_cost_metric().metric_type
        && tenant_label == default_cost_metric().tenant_label
    {
        return None;
    }
    Some(CostMetricBlock {
        metric_type: Known(first.metric_type.clone()),
        tenant_label: Known(tenant_label),
        spike_usd_per_hour: spike.and_then(float_number).into(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_id;

    #[test]
    fn import_ids() {
        assert_eq!(
            parse_id("billingAccounts/A-B-C/budgets/x"),
            Some(("A-B-C", "x"))
        );
        assert_eq!(parse_id("budgets/x"), None);
        assert_eq!(parse_id("billingAccounts/A/budgets/"), None);
    }
}
