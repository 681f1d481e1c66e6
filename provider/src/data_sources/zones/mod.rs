//! `platform_zones`: the zones of a region, from Compute `zones.list`.

use async_trait::async_trait;
use gcp_client::compute::Zone;
use serde::{Deserialize, Serialize};
use tfplugin::typed::MaybeUnknown;
use tfplugin::{
    Attribute, Block, DataSource, Diagnostic, Diagnostics, Fields, OpContext, ReadDataRequest,
    ReadDataResponse, Schema, Type, Value,
};

use super::project_attribute;
use crate::framework::api::{call, read_response};
use crate::framework::model::{decode, encode, non_empty};
use crate::state::SharedState;

/// Configuration and state of `platform_zones` (configuration may hold
/// unknowns at validation; missing keys read as null).
#[derive(Debug, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields, default)]
pub struct ZonesModel {
    pub project: MaybeUnknown<String>,
    pub region: MaybeUnknown<String>,
    pub status: MaybeUnknown<String>,
    pub id: Option<String>,
    pub names: Option<Vec<String>>,
    pub self_links: Option<Vec<String>>,
}

pub struct ZonesDataSource {
    state: SharedState,
}

impl ZonesDataSource {
    pub fn new(state: SharedState) -> Self {
        ZonesDataSource { state }
    }
}

fn string_list() -> Type {
    Type::List(Box::new(Type::String))
}

/// Compute filter for the API (regex `eq` form, host-independent); results are
/// filtered again locally so correctness does not hinge on server-side filtering.
fn api_filter(region: Option<&str>, status: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(r) = region {
        parts.push(format!("(region eq .*/regions/{r})"));
    }
    if let Some(s) = status {
        parts.push(format!("(status eq {s})"));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn select(zones: Vec<Zone>, region: Option<&str>, status: Option<&str>) -> Vec<Zone> {
    let mut out: Vec<Zone> = zones
        .into_iter()
        .filter(|z| region.is_none_or(|r| z.region_name() == r))
        .filter(|z| status.is_none_or(|s| z.status == s))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[async_trait]
impl DataSource for ZonesDataSource {
    fn type_name(&self) -> &'static str {
        "platform_zones"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Lists the Compute Engine zones of a region, sorted by name.".into(),
                attributes: vec![
                    project_attribute(),
                    Attribute::optional_computed(
                        ZonesModel::REGION,
                        Type::String,
                        "Region whose zones to list, e.g. `us-central1`. Defaults to the provider's `region`; when neither is set, zones of all regions are listed.",
                    ),
                    Attribute::optional(ZonesModel::STATUS, Type::String, "Only zones with this status: `UP` or `DOWN`."),
                    Attribute::computed(ZonesModel::ID, Type::String, "`projects/{project}/regions/{region}`, or `projects/{project}` for all regions."),
                    Attribute::computed(ZonesModel::NAMES, string_list(), "Zone names, sorted."),
                    Attribute::computed(ZonesModel::SELF_LINKS, string_list(), "Zone self links, in the same order as `names`."),
                ],
                ..Block::default()
            },
        }
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        let config: ZonesModel = match decode(config) {
            Ok(c) => c,
            Err(e) => {
                d.push(e);
                return d;
            }
        };
        if let Some(s) = non_empty(&config.status) {
            if s != "UP" && s != "DOWN" {
                d.push(
                    Diagnostic::error(
                        "Invalid status",
                        format!("status is {s:?}; use \"UP\" or \"DOWN\"."),
                    )
                    .at(tfplugin::AttributePath::root(ZonesModel::STATUS)),
                );
            }
        }
        d
    }

    async fn read(&self, ctx: &OpContext, req: ReadDataRequest) -> ReadDataResponse {
        read_response(self.read_state(ctx, &req.config).await)
    }
}

impl ZonesDataSource {
    async fn read_state(&self, ctx: &OpContext, config: &Value) -> Result<Value, Diagnostic> {
        let data = self.state.get()?;
        let config: ZonesModel = decode(config)?;
        let project = data.project_or(non_empty(&config.project), ZonesModel::PROJECT)?;
        let region = non_empty(&config.region)
            .map(str::to_owned)
            .or_else(|| data.region.clone());
        let status = non_empty(&config.status);
        let filter = api_filter(region.as_deref(), status);
        let hint = format!("Check that the project ID {project:?} is correct, that the credentials can list its zones (compute.zones.list), and that the Compute Engine API is enabled.");
        let zones = call(
            ctx,
            &format!("listing zones of project {project:?}"),
            &hint,
            data.client
                .compute()
                .list_zones(&project, filter.as_deref()),
        )
        .await?;
        let zones = select(zones, region.as_deref(), status);
        let id = match &region {
            Some(r) => format!("projects/{project}/regions/{r}"),
            None => format!("projects/{project}"),
        };
        encode(&ZonesModel {
            project: MaybeUnknown::Known(project),
            region: region.into(),
            status: status.map(str::to_owned).into(),
            id: Some(id),
            names: Some(zones.iter().map(|z| z.name.clone()).collect()),
            self_links: Some(zones.into_iter().map(|z| z.self_link).collect()),
        })
    }
}

#[cfg(test)]
mod tests;
