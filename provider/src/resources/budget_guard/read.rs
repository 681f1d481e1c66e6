//! Refresh: the remote truth of every child, so console edits show up as a
//! diff. Secrets are never read back (the API obfuscates them); state keeps
//! the hash of what was last sent.

use std::collections::BTreeMap;

use gcp_client::budgets::Budget;
use gcp_client::monitoring::metrics::MetricDescriptor;
use gcp_client::GcpClient;
use tfplugin::{Diagnostic, OpContext, Value};

use super::children::{thresholds_value, Children};
use super::model::{format_date, from_units_nanos, service_name, Threshold};
use super::remote;
use crate::framework::api::call;
use crate::framework::values::{api_float, number, string_list, string_map_value, strings};

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
        async {
            match fut.await {
                Ok(v) => Ok(Some(v)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        },
    )
    .await?;
    Ok(result)
}

/// Budget fields -> state attributes. `prior` keeps the user's spelling
/// (project IDs, bare service IDs) where the API answers an equivalent form.
pub fn apply_budget(state: &mut Value, budget: &Budget, prior_numbers: &BTreeMap<String, String>) {
    state.set("display_name", Value::from(budget.display_name.clone()));
    if let Some(money) = budget
        .amount
        .as_ref()
        .and_then(|a| a.specified_amount.as_ref())
    {
        state.set(
            "amount",
            number(&from_units_nanos(&money.units, money.nanos)),
        );
        state.set("currency_code", Value::from(money.currency_code.clone()));
    }
    let filter = budget.budget_filter.clone().unwrap_or_default();
    let projects: Vec<String> = filter
        .projects
        .iter()
        .map(|p| {
            prior_numbers
                .iter()
                .find(|(_, n)| *n == p)
                .map_or_else(|| p.clone(), |(id, _)| id.clone())
        })
        .collect();
    if !(projects.is_empty() && state.get("projects").is_null()) {
        state.set("projects", string_list(&projects));
    }
    let prior_services = strings(state, "services");
    let services: Vec<String> = filter
        .services
        .iter()
        .map(|s| {
            prior_services
                .iter()
                .find(|p| service_name(p) == *s)
                .cloned()
                .unwrap_or_else(|| s.clone())
        })
        .collect();
    if !(services.is_empty() && state.get("services").is_null()) {
        state.set("services", string_list(&services));
    }
    let labels: BTreeMap<String, String> = filter
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.join(",")))
        .collect();
    if !(labels.is_empty() && state.get("labels").is_null()) {
        state.set("labels", string_map_value(&labels));
    }
    if let Some(c) = filter.credit_types_treatment {
        state.set("credit_types_treatment", Value::from(c));
    }
    state.set("calendar_period", Value::from(filter.calendar_period));
    let custom: Vec<Value> = filter
        .custom_period
        .iter()
        .map(|p| {
            Value::object([
                ("start_date", Value::from(format_date(&p.start_date))),
                (
                    "end_date",
                    p.end_date
                        .as_ref()
                        .map_or(Value::Null, |d| Value::from(format_date(d))),
                ),
            ])
        })
        .collect();
    state.set("custom_period", Value::List(custom));
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
    state.set("effective_thresholds", thresholds_value(&thresholds));
    // Blocks are only rewritten when the user manages them; the defaults live in effective_thresholds.
    if state
        .get("threshold")
        .as_seq()
        .is_some_and(|s| !s.is_empty())
    {
        let mut blocks = thresholds_value(&thresholds);
        // The configuration's own decimals where the API holds the same float64.
        if let (Some(prior), Value::List(items)) = (state.get("threshold").as_seq(), &mut blocks) {
            for (block, (before, t)) in items.iter_mut().zip(prior.iter().zip(&thresholds)) {
                block.set("percent", api_float(before.get("percent"), t.percent));
            }
        }
        state.set("threshold", blocks);
    }
    let rule = budget.notifications_rule.clone().unwrap_or_default();
    state.set(
        "disable_default_iam_recipients",
        Value::Bool(rule.disable_default_iam_recipients),
    );
    state.set(
        "enable_project_level_recipients",
        Value::Bool(rule.enable_project_level_recipients),
    );
    state.set("etag", Value::from(budget.etag.clone()));
}

/// Reads every recorded child; `Ok(Value::Null)` when the main budget is gone.
pub async fn refresh(
    ctx: &OpContext,
    client: &GcpClient,
    state: &Value,
) -> Result<Value, Diagnostic> {
    let mut children = Children::from_state(state);
    let mut next = state.clone();
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
    let numbers = project_numbers(ctx, client, state).await?;
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
    if let Some(Value::List(blocks)) = next.get_mut("notification_channel") {
        for block in blocks {
            let key = block.get("name").as_str().unwrap_or_default().to_owned();
            if let Some(labels) = remote_labels.get(&key) {
                for attr in ["email_address", "channel_name"] {
                    if let Some(v) = labels.get(attr) {
                        block.set(attr, Value::from(v.clone()));
                    }
                }
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
                if let (Some(money), Some(Value::List(tenants))) = (
                    b.amount.and_then(|a| a.specified_amount),
                    next.get_mut("tenant"),
                ) {
                    for t in tenants
                        .iter_mut()
                        .filter(|t| t.get("name").as_str() == Some(tenant.as_str()))
                    {
                        t.set(
                            "limit",
                            number(&from_units_nanos(&money.units, money.nanos)),
                        );
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
    Ok(next)
}

/// Project IDs in state -> `projects/<number>`, so API numbers map back to IDs.
async fn project_numbers(
    ctx: &OpContext,
    client: &GcpClient,
    state: &Value,
) -> Result<BTreeMap<String, String>, Diagnostic> {
    let mut out = BTreeMap::new();
    for id in strings(state, "projects") {
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
