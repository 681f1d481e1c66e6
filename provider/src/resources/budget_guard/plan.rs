//! PlanResourceChange: validation, defaults, and which computed values are
//! unknown. Config values are kept exactly; anything that may end differently
//! after apply is unknown.

use gcp_client::GcpClient;
use tfplugin::{AttributePath, Block, Diagnostic, Diagnostics, OpContext, PlanResponse, Value};

use super::children::{thresholds_value, Children};
use super::model::{self, Guard, Model};
use super::remote;
use super::schema::schema;
use super::secret_hash;
use super::validate::validate;
use crate::framework::values::{blocks, string_map_value};

/// Attributes whose change replaces the guard.
const REPLACE_ON: [&str; 2] = ["billing_account", "project"];

/// Computed attributes that change whenever children are (re)created or patched.
const CHILD_ATTRS: [&str; 10] = [
    "cost_metric_descriptor",
    "cost_metric_descriptor_owned",
    "etag",
    "channels",
    "topic",
    "subscription",
    "tenant_budgets",
    "spend_cap_states",
    "alert_policies",
    "budget_name",
];

/// The secret hashes and their key, known only while nothing about the secrets changes.
const SECRET_ATTRS: [&str; 2] = ["secret_hashes", "secret_hash_key"];

/// Sets every attribute of `block` that declares a default and is null (or
/// absent) in `v`, here and in the nested blocks present.
fn apply_defaults(block: &Block, v: &mut Value) {
    for a in &block.attributes {
        if let Some(d) = &a.default {
            if v.get(&a.name).is_null() {
                v.set(&a.name, d.clone());
            }
        }
    }
    for b in &block.blocks {
        if let Some(Value::List(items) | Value::Set(items)) = v.get_mut(&b.type_name) {
            items.iter_mut().for_each(|i| apply_defaults(&b.block, i));
        }
    }
}

/// A custom period replaces the calendar period (the API takes one of
/// them): its schema default does not apply.
pub fn period_left_unset(proposed: &Value) -> bool {
    !blocks(proposed, "custom_period").is_empty() && proposed.get("calendar_period").is_null()
}

/// Fills the schema's defaults at top level and in nested blocks, and the
/// provider's project.
fn fill_defaults(planned: &mut Value, project: Option<&str>) {
    let keep_period_unset = period_left_unset(planned);
    apply_defaults(&schema().block, planned);
    if keep_period_unset {
        planned.set("calendar_period", Value::Null);
    }
    if let Some(p) = project {
        if planned.get("project").is_null() {
            planned.set("project", Value::from(p));
        }
    } else if planned.get("project").is_null() {
        planned.set("project", Value::Unknown);
    }
}

/// True when the recorded children do not cover what `guard` needs (e.g. a
/// partial create, or a child deleted outside Terraform and dropped by Read).
fn incomplete(guard: &Guard, children: &Children) -> bool {
    let policies = remote::alert_policies(guard, &children.channels);
    children.budget.is_none()
        || guard
            .channels
            .iter()
            .any(|c| !children.channels.contains_key(&c.name))
        || children.channels.len() != guard.channels.len()
        || guard.pubsub_topic.is_some() != children.topic.is_some()
        || guard.pubsub_topic.is_some() != children.subscription.is_some()
        || guard
            .tenants
            .iter()
            .any(|t| !children.tenant_budgets.contains_key(&t.name))
        || children.tenant_budgets.len() != guard.tenants.len()
        || policies.keys().ne(children.alert_policies.keys())
        || (!policies.is_empty()
            && !children
                .metric_descriptor
                .as_deref()
                .is_some_and(|d| remote::is_descriptor_of(d, &guard.cost_metric.metric_type)))
}

/// Non-secret parts of two guards differ.
fn desired_changed(planned: &Guard, prior: &Guard) -> bool {
    let strip = |g: &Guard| {
        let mut g = g.clone();
        g.channels.iter_mut().for_each(|c| {
            c.secret = None;
            c.secret_write_only = false;
        });
        g
    };
    strip(planned) != strip(prior)
}

pub fn plan(
    prior: &Value,
    proposed: &Value,
    config: &Value,
    provider_project: Option<&str>,
    write_only_allowed: bool,
) -> PlanResponse {
    let mut resp = PlanResponse::default();
    if proposed.is_null() {
        resp.planned_state = Value::Null;
        return resp;
    }
    let diags: Diagnostics = validate(config, write_only_allowed);
    if diags.has_errors() {
        resp.diagnostics = diags;
        resp.planned_state = proposed.clone();
        return resp;
    }
    resp.diagnostics = diags;
    let mut planned = proposed.clone();
    fill_defaults(&mut planned, provider_project);
    // Secrets come from config (write-only values are never in the proposal).
    let decoded = Guard::decode(config).and_then(|wanted| {
        let prior_model = match prior.is_null() {
            true => Model::default(),
            false => Model::of(prior)?,
        };
        let prior_guard = (!prior.is_null()).then(|| Guard::of(&prior_model));
        Ok((wanted, prior_guard, prior_model, Model::of(&planned)?))
    });
    let (wanted, prior_guard, prior_model, planned_model) = match decoded {
        Ok(d) => d,
        Err(d) => {
            resp.diagnostics.push(d);
            resp.planned_state = proposed.clone();
            return resp;
        }
    };
    let prior_children = Children::of(&prior_model);
    let secrets = wanted.hashed_secrets(
        prior_guard.as_ref(),
        &prior_children.secret_hashes,
        &prior_children.channels,
    );
    let key = prior_children
        .secret_hash_key
        .as_deref()
        .filter(|k| secret_hash::usable(k));
    let secrets_unchanged = !config.contains_unknown()
        && secret_hash::all_match(&secrets, &prior_children.secret_hashes, key);
    let thresholds = model::thresholds(&planned_model);
    planned.set(
        "effective_thresholds",
        if blocks_unknown(&planned) {
            Value::Unknown
        } else {
            thresholds_value(&thresholds)
        },
    );

    if prior.is_null() {
        all_new(&mut planned);
        resp.planned_state = planned;
        return resp;
    }
    for attr in REPLACE_ON {
        let (before, after) = (prior.get(attr), planned.get(attr));
        // A null prior value (after import) is filled in, not changed.
        if !after.is_unknown() && !before.is_null() && before != after {
            resp.requires_replace.push(AttributePath::root(attr));
        }
    }
    if !resp.requires_replace.is_empty() {
        all_new(&mut planned);
        resp.planned_state = planned;
        return resp;
    }
    let planned_guard = Guard::of(&planned_model);
    let changed = planned.contains_unknown()
        || prior_guard
            .as_ref()
            .is_none_or(|p| desired_changed(&planned_guard, p))
        || !secrets_unchanged
        || incomplete(&planned_guard, &prior_children);
    if changed {
        // The apply re-hashes every secret with the guard's key (which also
        // upgrades unkeyed hashes); without a key yet, it makes one.
        match key.and_then(|k| secret_hash::hash_all(&secrets, k)) {
            Some(hashes) if !config.contains_unknown() => {
                planned.set("secret_hashes", string_map_value(&hashes));
            }
            _ => {
                planned.set("secret_hashes", Value::Unknown);
                if key.is_none() {
                    planned.set("secret_hash_key", Value::Unknown);
                }
            }
        }
        for attr in CHILD_ATTRS {
            // The budget keeps its name unless it has to be created.
            if attr == "budget_name" && prior_children.budget.is_some() {
                continue;
            }
            planned.set(attr, Value::Unknown);
        }
        if prior_children.budget.is_none() {
            planned.set("id", Value::Unknown);
        }
    }
    resp.planned_state = planned;
    resp
}

/// A guard about to be created: every computed child value is unknown.
fn all_new(planned: &mut Value) {
    planned.set("id", Value::Unknown);
    for attr in CHILD_ATTRS.iter().chain(&SECRET_ATTRS) {
        planned.set(attr, Value::Unknown);
    }
}

fn blocks_unknown(v: &Value) -> bool {
    v.get("threshold").contains_unknown()
}

/// The billing account's currency against `currency_code`, with one cheap
/// read when a new guard or a new currency is planned: any budget of the
/// account shows the account's currency (Budgets accept no other). Deferred
/// (to the create, which makes the main budget before any other child) when
/// the values are unknown, the account has no budget yet, or the read fails.
pub async fn account_currency(
    ctx: &OpContext,
    client: &GcpClient,
    prior: &Value,
    planned: &Value,
) -> Option<Diagnostic> {
    let code = planned.get("currency_code").as_str()?;
    let account = planned.get("billing_account").as_str()?;
    if prior.get("currency_code").as_str() == Some(code) {
        return None;
    }
    let api = client.budgets();
    let budgets = tokio::select! {
        () = ctx.cancel.cancelled() => return None,
        r = api.list(account, None) => r,
    };
    let account_code = budgets
        .map_err(|e| tracing::debug!(error = %e, "billing account currency not checked at plan"))
        .ok()?
        .into_iter()
        .find_map(|b| b.amount?.specified_amount.map(|m| m.currency_code))
        .filter(|c| !c.is_empty())?;
    (account_code != code).then(|| {
        Diagnostic::error(
            "Currency differs from the billing account's",
            format!("Billing account {account} bills in {account_code}, and the Budgets API accepts only the account's currency; this guard asks for {code}. Set `currency_code = \"{account_code}\"` (and state `amount` and the tenant limits in {account_code})."),
        )
        .at(AttributePath::root("currency_code"))
    })
}
