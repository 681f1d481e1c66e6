//! PlanResourceChange: validation, defaults, and which computed values are
//! unknown. Config values are kept exactly; anything that may end differently
//! after apply is unknown.

use gcp_client::GcpClient;
use tfplugin::typed::MaybeUnknown;
use tfplugin::{AttributePath, Block, Diagnostic, Diagnostics, OpContext, PlanResponse, Value};

use super::children::Children;
use super::model::{self, Guard, Model};
use super::remote;
use super::schema::schema;
use super::secret_hash;
use super::validate::validate;
use crate::framework::model::encode;
use crate::framework::values::string_map_value;

/// Attributes whose change replaces the guard.
fn replace_on(m: &Model) -> [(&'static str, &MaybeUnknown<String>); 2] {
    [
        (Model::BILLING_ACCOUNT, &m.billing_account),
        (Model::PROJECT, &m.project),
    ]
}

/// Computed attributes that change whenever children are (re)created or patched.
const CHILD_ATTRS: [&str; 10] = [
    Model::COST_METRIC_DESCRIPTOR,
    Model::COST_METRIC_DESCRIPTOR_OWNED,
    Model::ETAG,
    Model::CHANNELS,
    Model::TOPIC,
    Model::SUBSCRIPTION,
    Model::TENANT_BUDGETS,
    Model::SPEND_CAP_STATES,
    Model::ALERT_POLICIES,
    Model::BUDGET_NAME,
];

/// The secret hashes and their key, known only while nothing about the secrets changes.
const SECRET_ATTRS: [&str; 2] = [Model::SECRET_HASHES, Model::SECRET_HASH_KEY];

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
pub fn period_left_unset(proposed: &Model) -> bool {
    proposed.custom_period.is_some() && proposed.calendar_period.is_null()
}

/// `proposed` (whose model is `model`) with the schema's defaults at top
/// level and in nested blocks, and the provider's project.
fn fill_defaults(proposed: &Value, model: &Model, project: Option<&str>) -> Value {
    let mut planned = proposed.clone();
    apply_defaults(&schema().block, &mut planned);
    if period_left_unset(model) {
        planned.set(Model::CALENDAR_PERIOD, Value::Null);
    }
    if model.project.is_null() {
        planned.set(Model::PROJECT, project.map_or(Value::Unknown, Value::from));
    }
    planned
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

/// Reads config, prior and planned state through the model; the planned
/// state stays a `Value`, set by attribute name, because it may hold
/// unknowns the model cannot keep (a `dynamic` single block over an unknown
/// value decodes as absent).
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
    // Secrets come from config (write-only values are never in the proposal).
    let decoded = Guard::decode(config).and_then(|wanted| {
        let prior_model = Model::of_nullable(prior)?;
        let mut planned = fill_defaults(proposed, &Model::of(proposed)?, provider_project);
        let planned_model = Model::of(&planned)?;
        planned.set(
            Model::EFFECTIVE_THRESHOLDS,
            planned_thresholds(&planned_model)?,
        );
        Ok((wanted, prior_model, planned, planned_model))
    });
    let (wanted, prior_model, mut planned, planned_model) = match decoded {
        Ok(d) => d,
        Err(d) => {
            resp.diagnostics.push(d);
            resp.planned_state = proposed.clone();
            return resp;
        }
    };
    let prior_guard = prior_model.as_ref().map(Guard::of);
    let prior_model = prior_model.unwrap_or_default();
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

    if prior.is_null() {
        all_new(&mut planned);
        resp.planned_state = planned;
        return resp;
    }
    for ((attr, before), (_, after)) in replace_on(&prior_model)
        .into_iter()
        .zip(replace_on(&planned_model))
    {
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
                planned.set(Model::SECRET_HASHES, string_map_value(&hashes));
            }
            _ => {
                planned.set(Model::SECRET_HASHES, Value::Unknown);
                if key.is_none() {
                    planned.set(Model::SECRET_HASH_KEY, Value::Unknown);
                }
            }
        }
        for attr in CHILD_ATTRS {
            // The budget keeps its name unless it has to be created.
            if attr == Model::BUDGET_NAME && prior_children.budget.is_some() {
                continue;
            }
            planned.set(attr, Value::Unknown);
        }
        if prior_children.budget.is_none() {
            planned.set(Model::ID, Value::Unknown);
        }
    }
    resp.planned_state = planned;
    resp
}

/// A guard about to be created: every computed child value is unknown.
fn all_new(planned: &mut Value) {
    planned.set(Model::ID, Value::Unknown);
    for attr in CHILD_ATTRS.iter().chain(&SECRET_ATTRS) {
        planned.set(attr, Value::Unknown);
    }
}

/// The planned `effective_thresholds`: unknown while the blocks are.
fn planned_thresholds(planned: &Model) -> Result<Value, Diagnostic> {
    if thresholds_unknown(planned) {
        return Ok(Value::Unknown);
    }
    encode(&model::effective_thresholds(&model::thresholds(planned)))
}

/// The `threshold` blocks, or a setting in them, are unknown until apply.
fn thresholds_unknown(m: &Model) -> bool {
    match &m.threshold {
        MaybeUnknown::Unknown => true,
        MaybeUnknown::Known(blocks) => blocks
            .iter()
            .any(|b| b.percent.is_unknown() || b.basis.is_unknown()),
        MaybeUnknown::Null => false,
    }
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
    // Both decoded at plan already (which reports a failure).
    let planned = Model::of(planned).ok()?;
    let prior = Model::of_nullable(prior).ok()?.unwrap_or_default();
    let code = planned.currency_code.known()?.as_str();
    let account = planned.billing_account.known()?.as_str();
    if prior.currency_code.known().map(String::as_str) == Some(code) {
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
        .at(AttributePath::root(Model::CURRENCY_CODE))
    })
}
