//! Monitoring v3 alerting: `notificationChannels` and `alertPolicies`.

mod aligners;
mod channels;
mod filter;
mod policies;

use serde_json::{json, Value};

use crate::aip;
use crate::clock::{now_ms, rfc3339};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

fn project_of(call: &ApiCall) -> Result<String, ApiError> {
    let project = call.path("projectsId").to_string();
    if call.app.project_exists(&project) {
        Ok(project)
    } else {
        Err(aip::not_found(&format!("projects/{project}")))
    }
}

fn mutation_record(call: &ApiCall) -> Value {
    json!({"mutateTime": rfc3339(now_ms()), "mutatedBy": call.principal})
}

/// `GET projects/{p}/<collection>` with an optional `filter`; one page holds
/// everything (the guard's collections are small).
fn list_filtered(
    call: &ApiCall,
    collection: &str,
    field: &str,
    shown: fn(Value) -> Value,
) -> Result<Value, ApiError> {
    let project = project_of(call)?;
    let filter = filter::parse(call.query_one("filter").unwrap_or(""))?;
    let items: Vec<Value> = aip::children(call, &format!("projects/{project}/{collection}"))
        .into_iter()
        .map(shown)
        // Matched as shown, so a filter cannot probe an obfuscated secret.
        .filter(|r| filter.matches(r))
        .collect();
    let total = items.len();
    Ok(json!({ field: items, "totalSize": total }))
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add(
        "monitoring.projects.notificationChannels.create",
        channels::create_channel,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.get",
        channels::get_channel,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.list",
        channels::list_channels,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.patch",
        channels::patch_channel,
    )?;
    routes.add(
        "monitoring.projects.notificationChannels.delete",
        channels::delete_channel,
    )?;
    routes.add(
        "monitoring.projects.alertPolicies.create",
        policies::create_policy,
    )?;
    routes.add(
        "monitoring.projects.alertPolicies.get",
        policies::get_policy,
    )?;
    routes.add(
        "monitoring.projects.alertPolicies.list",
        policies::list_policies,
    )?;
    routes.add(
        "monitoring.projects.alertPolicies.patch",
        policies::patch_policy,
    )?;
    routes.add(
        "monitoring.projects.alertPolicies.delete",
        policies::delete_policy,
    )
}
