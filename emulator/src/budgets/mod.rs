//! Cloud Billing Budgets v1: `billingAccounts/{a}/budgets` with the API's own
//! validation rules, etags, update masks and spend caps.

mod rules;

use serde_json::{json, Value};

use crate::aip;
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

fn account(call: &ApiCall) -> Result<String, ApiError> {
    let id = call.path("billingAccountsId");
    rules::check_billing_account(id)?;
    Ok(format!("billingAccounts/{id}"))
}

fn budget_name(call: &ApiCall) -> Result<String, ApiError> {
    Ok(format!(
        "{}/budgets/{}",
        account(call)?,
        call.path("budgetsId")
    ))
}

async fn create(call: ApiCall) -> Result<Value, ApiError> {
    let parent = account(&call)?;
    let mut budget = rules::normalize(&call, call.body_or_empty())?;
    let name = format!("{parent}/budgets/{}", uuid::Uuid::new_v4());
    budget["name"] = json!(name);
    budget["etag"] = json!(aip::new_etag());
    aip::insert_new(&call, &name, budget, aip::already_exists(name.clone()))
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    aip::get(&call, &budget_name(&call)?)
}

/// `scope=projects/{p}` keeps budgets whose filter names that project.
async fn list(call: ApiCall) -> Result<Value, ApiError> {
    let parent = account(&call)?;
    let scope = match call.query_one("scope") {
        Some(s) => Some(rules::canonical_project(&call, s, "scope")?),
        None => None,
    };
    let budgets: Vec<Value> = aip::children(&call, &format!("{parent}/budgets"))
        .into_iter()
        .filter(|b| {
            scope.as_ref().is_none_or(|s| {
                b.pointer("/budgetFilter/projects")
                    .and_then(Value::as_array)
                    .is_some_and(|ps| ps.iter().any(|p| p.as_str() == Some(s)))
            })
        })
        .collect();
    Ok(json!({ "budgets": budgets }))
}

/// With a mask, exactly the masked fields change; without one, every field the
/// body sets (non-default) is written.
async fn patch(call: ApiCall) -> Result<Value, ApiError> {
    let name = budget_name(&call)?;
    let stored = aip::get(&call, &name)?;
    let body = call.body_or_empty();
    if let Some(etag) = body
        .get("etag")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
    {
        if Some(etag) != stored.get("etag").and_then(Value::as_str) {
            return Err(aip::aborted(format!(
                "The etag \"{etag}\" does not match the budget's current etag: the budget was changed concurrently. Read it again and retry."
            )));
        }
    }
    let mask = aip::mask_or_body_fields(&call, &body, |k, v| {
        !matches!(k, "name" | "etag") && !is_default(v)
    });
    for path in &mask {
        if matches!(
            path.as_str(),
            "name" | "etag" | "spendCap.outputState" | "spendCap.reconciling"
        ) {
            return Err(ApiError::bad_field(
                "update_mask",
                format!("Field \"{path}\" is read-only."),
            ));
        }
    }
    rules::check_enforced_cap(&stored, &body, &mask)?;
    let mut budget = stored;
    aip::apply_mask(&mut budget, &body, &mask);
    let mut budget = rules::normalize(&call, budget)?;
    budget["name"] = json!(name);
    budget["etag"] = json!(aip::new_etag());
    aip::replace(&call, &name, budget)
}

fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
    }
}

/// Deleting an already-deleted budget succeeds, as Google's does.
async fn delete(call: ApiCall) -> Result<Value, ApiError> {
    let name = budget_name(&call)?;
    call.app.store.mutate(|d| {
        d.resources.remove(&name);
        Ok(json!({}))
    })
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("billingbudgets.billingAccounts.budgets.create", create)?;
    routes.add("billingbudgets.billingAccounts.budgets.get", get)?;
    routes.add("billingbudgets.billingAccounts.budgets.list", list)?;
    routes.add("billingbudgets.billingAccounts.budgets.patch", patch)?;
    routes.add("billingbudgets.billingAccounts.budgets.delete", delete)
}
