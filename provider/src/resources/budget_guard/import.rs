//! Import by `billingAccounts/A/budgets/B`: the budget plus the e-mail
//! channels and Pub/Sub topic it links. Tenants and alert policies are not
//! linked from the budget, so a config with them plans to add them.

use gcp_client::GcpClient;
use tfplugin::{Diagnostic, OpContext, Value};

use super::children::Children;
use super::read::apply_budget;
use super::schema::schema;
use crate::data_sources::call;

fn parse_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix("billingAccounts/")?;
    let (account, budget) = rest.split_once("/budgets/")?;
    (!account.is_empty() && !budget.is_empty() && !budget.contains('/'))
        .then_some((account, budget))
}

/// A null value of the schema's shape, so every attribute is present.
fn empty_state() -> Value {
    let block = schema().block;
    let mut v = Value::object(
        block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null)),
    );
    for b in &block.blocks {
        v.set(&b.type_name, Value::List(Vec::new()));
    }
    v
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
    let budget = call(
        ctx,
        &format!("reading budget {id}"),
        "Check the ID and that the credentials hold roles/billing.costsManager.",
        client.budgets().get(id),
    )
    .await?;
    let mut state = empty_state();
    state.set("billing_account", Value::from(account));
    apply_budget(&mut state, &budget, &Default::default());
    let mut children = Children {
        budget: Some(budget.name.clone()),
        etag: Some(budget.etag.clone()),
        ..Children::default()
    };
    let rule = budget.notifications_rule.clone().unwrap_or_default();
    let mut blocks = Vec::new();
    let mut project = None;
    for name in &rule.monitoring_notification_channels {
        let c = call(
            ctx,
            &format!("reading notification channel {name}"),
            "Check roles/monitoring.viewer.",
            client.alerting().get_channel(name),
        )
        .await?;
        project = project.or_else(|| name.split('/').nth(1).map(str::to_owned));
        children
            .channels
            .insert(c.display_name.clone(), c.name.clone());
        let mut block = Value::object(
            schema()
                .block
                .nested("notification_channel")
                .map(|b| {
                    b.block
                        .attributes
                        .iter()
                        .map(|a| (a.name.clone(), Value::Null))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
        block.set("name", Value::from(c.display_name.clone()));
        block.set("type", Value::from(c.kind.clone()));
        if let Some(e) = c.labels.get("email_address") {
            block.set("email_address", Value::from(e.clone()));
        }
        blocks.push(block);
    }
    state.set("notification_channel", Value::List(blocks));
    if let Some(topic) = rule.pubsub_topic.filter(|t| !t.is_empty()) {
        let id = topic.rsplit('/').next().unwrap_or_default().to_owned();
        project = project.or_else(|| topic.split('/').nth(1).map(str::to_owned));
        children.subscription = Some(format!(
            "projects/{}/subscriptions/{id}-budget",
            topic.split('/').nth(1).unwrap_or_default()
        ));
        children.topic = Some(topic);
        state.set(
            "pubsub",
            Value::List(vec![Value::object([("topic", Value::from(id))])]),
        );
    }
    if let Some(p) = project.or_else(|| default_project.map(str::to_owned)) {
        state.set("project", Value::from(p));
    }
    children.write(&mut state);
    Ok(state)
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
