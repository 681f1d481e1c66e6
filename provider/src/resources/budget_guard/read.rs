//! Refresh: the remote truth of every child, so console edits show up as a
//! diff. Secrets are never read back (the API obfuscates them); state keeps
//! the hash of what was last sent.

use std::collections::BTreeMap;

use gcp_client::budgets::Budget;
use gcp_client::monitoring::metrics::MetricDescriptor;
use gcp_client::GcpClient;
use gcp_client::Optional;
use tfplugin::typed::MaybeUnknown::{self, Known};
use tfplugin::{Diagnostic, OpContext, Value};

use super::children::Children;
use super::model::{
    api_number, effective_thresholds, format_date, known_strings, money_amount, service_name,
    CustomPeriodBlock, Model, Threshold, ThresholdBlock,
};
use super::remote;
use crate::framework::api::call;
use crate::framework::model::encode;

/// `Ok(None)` when the resource is gone (404).
/// The descriptor of `metric_type`, or `None` when the metric does not exist.
pub(super) async fn find_descriptor(
    ctx: &OpContext,
    client: &GcpClient,
    project: &str,
    metric_type: &str,
) -> Result<Option<MetricDescriptor>, Diagnostic> {
    get_opt(
        ctx,
        &format!("reading metric descriptor {metric_type}"),
        client.metrics().get_descriptor(project, metric_type),
    )
    .await
}

async fn get_opt<T>(
    ctx: &OpContext,
    what: &str,
    fut: impl std::future::Future<Output = Result<T, gcp_client::Error>>,
) -> Result<Option<T>, Diagnostic> {
    let result = call(
        ctx,
        what,
        "Check that the credentials may read the guard's resources.",
        async { fut.await.optional() },
    )
    .await?;
    Ok(result)
}

/// Budget fields -> state attributes. `prior` keeps the user's spelling
/// (project IDs, bare service IDs) where the API answers an equivalent form.
pub fn apply_budget(state: &mut Model, budget: &Budget, prior_numbers: &BTreeMap<String, String>) {
    // A list the API leaves empty stays null when the user left it unset.
    let set_list = |slot: &mut MaybeUnknown<Vec<MaybeUnknown<String>>>, items: Vec<_>| {
        if !(items.is_empty() && slot.is_null()) {
            *slot = Known(items);
        }
    };
    state.display_name = Known(budget.display_name.clone());
    if let Some(money) = budget
        .amount
        .as_ref()
        .and_then(|a| a.specified_amount.as_ref())
    {
        state.amount = money_amount(money);
        state.currency_code = Known(money.currency_code.clone());
    }
    let filter = budget.budget_filter.clone().unwrap_or_default();
    let projects: Vec<MaybeUnknown<String>> = filter
        .projects
        .iter()
        .map(|p| {
            prior_numbers
                .iter()
                .find(|(_, n)| *n == p)
                .map_or_else(|| p.clone(), |(id, _)| id.clone())
        })
        .map(Known)
        .collect();
    set_list(&mut state.projects, projects);
    let prior_services = known_strings(&state.services);
    let services: Vec<MaybeUnknown<String>> = filter
        .services
        .iter()
        .map(|s| {
            prior_services
                .iter()
                .find(|p| service_name(p) == *s)
                .cloned()
                .unwrap_or_else(|| s.clone())
        })
        .map(Known)
        .collect();
    set_list(&mut state.services, services);
    let labels: BTreeMap<String, MaybeUnknown<String>> = filter
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Known(v.join(","))))
        .collect();
    if !(labels.is_empty() && state.labels.is_null()) {
        state.labels = Known(labels);
    }
    if let Some(c) = filter.credit_types_treatment {
        state.credit_types_treatment = Known(c);
    }
    state.calendar_period = filter.calendar_period.into();
    state.custom_period = filter.custom_period.as_ref().map(|p| CustomPeriodBlock {
        start_date: Known(format_date(&p.start_date)),
        end_date: p.end_date.as_ref().map(format_date).into(),
    });
    let thresholds: Vec<Threshold> = budget
        .threshold_rules
        .iter()
        .map(|r| Threshold {
            percent: r.threshold_percent,
            basis: r
                .spend_basis
                .clone()
                .unwrap_or_else(|| "CURRENT_SPEND".into()),
        })
        .collect();
    state.effective_thresholds = Known(effective_thresholds(&thresholds));
    // Blocks are only rewritten when the user manages them; the defaults live in effective_thresholds.
    if let Some(prior) = state.threshold.known().filter(|s| !s.is_empty()) {
        let blocks = thresholds
            .iter()
            .enumerate()
            .map(|(i, t)| ThresholdBlock {
                // The configuration's own decimals where the API holds the same float64.
                percent: api_number(
                    prior.get(i).map_or(&MaybeUnknown::Null, |b| &b.percent),
                    t.percent,
                ),
                basis: Known(t.basis.clone()),
            })
            .collect();
        state.threshold = Known(blocks);
    }
    let rule = budget.notifications_rule.clone().unwrap_or_default();
    state.disable_default_iam_recipients = Known(rule.disable_default_iam_recipients);
    state.enable_project_level_recipients = Known(rule.enable_project_level_recipients);
    state.etag = Known(budget.etag.clone());
}

/// Reads every recorded child; `Ok(Value::Null)` when the main budget is gone.
pub async fn refresh(
    ctx: &OpContext,
    client: &GcpClient,
    state: &Value,
) -> Result<Value, Diagnostic> {
    let mut next = Model::of(state)?;
    let mut children = Children::of(&next);
    let Some(name) = children.budget.clone() else {
        return Ok(state.clone());
    };
    let Some(budget) = get_opt(
        ctx,
        &format!("reading budget {name}"),
        client.budgets().get(&name),
    )
    .await?
    else {
        tracing::info!(budget = %name, "budget deleted outside Terraform");
        return Ok(Value::Null);
    };
    let numbers = project_numbers(ctx, client, &next).await?;
    apply_budget(&mut next, &budget, &numbers);

    let alerting = client.alerting();
    let mut remote_labels = BTreeMap::new();
    for (key, channel) in children.channels.clone() {
        match get_opt(
            ctx,
            &format!("reading notification channel {channel}"),
            alerting.get_channel(&channel),
        )
        .await?
        {
            Some(c) => {
                remote_labels.insert(key, c.labels);
            }
            None => {
                children.channels.remove(&key);
            }
        }
    }
    if let Known(blocks) = &mut next.notification_channel {
        for block in blocks {
            let key = block.name.known().cloned().unwrap_or_default();
            if let Some(labels) = remote_labels.get(&key) {
                block.set_public_labels(labels);
            }
        }
    }
    if let Some(name) = children.metric_descriptor.clone() {
        let found = match remote::split_descriptor(&name) {
            Some((project, metric_type)) => {
                find_descriptor(ctx, client, project, metric_type).await?
            }
            None => None,
        };
        if found.is_none() {
            // Gone (e.g. deleted with its data): the next apply recreates it.
            children.metric_descriptor = None;
            children.metric_descriptor_owned = false;
        }
    }
    for (key, policy) in children.alert_policies.clone() {
        if get_opt(
            ctx,
            &format!("reading alert policy {policy}"),
            alerting.get_policy(&policy),
        )
        .await?
        .is_none()
        {
            children.alert_policies.remove(&key);
        }
    }
    for (tenant, budget_name) in children.tenant_budgets.clone() {
        match get_opt(
            ctx,
            &format!("reading budget {budget_name}"),
            client.budgets().get(&budget_name),
        )
        .await?
        {
            Some(b) => {
                match b.spend_cap.and_then(|c| c.output_state) {
                    Some(s) => children.spend_cap_states.insert(tenant.clone(), s),
                    None => children.spend_cap_states.remove(&tenant),
                };
                if let (Some(money), Known(tenants)) =
                    (b.amount.and_then(|a| a.specified_amount), &mut next.tenant)
                {
                    for t in tenants
                        .iter_mut()
                        .filter(|t| t.name.known() == Some(&tenant))
                    {
                        t.limit = money_amount(&money);
                    }
                }
            }
            None => {
                children.tenant_budgets.remove(&tenant);
                children.spend_cap_states.remove(&tenant);
            }
        }
    }
    if let Some(topic) = children.topic.clone() {
        if get_opt(
            ctx,
            &format!("reading topic {topic}"),
            client.pubsub().get_topic(&topic),
        )
        .await?
        .is_none()
        {
            children.topic = None;
            children.subscription = None;
        }
    }
    children.etag = Some(budget.etag);
    children.write(&mut next);
    encode(&next)
}

/// Project IDs in state -> `projects/<number>`, so API numbers map back to IDs.
async fn project_numbers(
    ctx: &OpContext,
    client: &GcpClient,
    state: &Model,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut out = BTreeMap::new();
    for id in known_strings(&state.projects) {
        if id.chars().all(|c| c.is_ascii_digit()) || id.starts_with("projects/") {
            continue;
        }
        if let Some(p) = get_opt(
            ctx,
            &format!("resolving project {id:?}"),
            client.resource_manager().get_project(&id),
        )
        .await?
        {
            out.insert(id, p.name);
        }
    }
    Ok(out)
}
