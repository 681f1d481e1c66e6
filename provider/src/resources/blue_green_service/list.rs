//! `list "platform_blue_green_service"`: every Cloud Run service of a location
//! (`terraform query`), each a candidate for `import { identity = ... }`.

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::{Attribute, Block, Diagnostics, Fields, OpContext, Type, Value};

use super::{identity::IDENTITY, BlueGreenService};
use crate::framework::api::api_error;
use crate::framework::model::decode;
use crate::resources::adoption::{Discover, Found, Identity};

/// The list block's `config`.
#[derive(Debug, Default, Deserialize, Fields)]
struct ListConfig {
    project: Option<String>,
    location: Option<String>,
}

#[async_trait]
impl Discover for BlueGreenService {
    fn identity_of() -> &'static Identity {
        &IDENTITY
    }

    fn list_config() -> Block {
        Block {
            description: "Lists the Cloud Run services of one location.".into(),
            attributes: vec![
                Attribute::optional(
                    ListConfig::PROJECT,
                    Type::String,
                    "Project ID. Defaults to the provider's `project`.",
                ),
                Attribute::optional(
                    ListConfig::LOCATION,
                    Type::String,
                    "Region whose services to list. Defaults to the provider's `region`.",
                ),
            ],
            ..Block::default()
        }
    }

    async fn discover(&self, _ctx: &OpContext, config: &Value) -> Result<Vec<Found>, Diagnostics> {
        let data = self.state.get()?;
        let config: ListConfig = decode(config)?;
        let project = data.project_or(config.project.as_deref(), ListConfig::PROJECT)?;
        let location = config
            .location
            .or_else(|| data.region.clone())
            .ok_or_else(|| {
                tfplugin::Diagnostic::error(
                    "No location",
                    "Set `location` in the list block's `config` or `region` in the provider block.",
                )
            })?;
        let parent = format!("projects/{project}/locations/{location}");
        let services = data
            .client
            .run()
            .list_services(&parent)
            .await
            .map_err(|e| {
                api_error(
                    &format!("listing the services of {parent}"),
                    &e,
                    "Check that the credentials may list Cloud Run services (roles/run.viewer).",
                )
            })?;
        let mut found: Vec<Found> = services
            .into_iter()
            .map(|s| {
                let short = s.name.rsplit('/').next().unwrap_or_default().to_owned();
                Found {
                    display_name: format!("{short} ({location})"),
                    import_id: s.name,
                }
            })
            .collect();
        found.sort_by(|a, b| a.import_id.cmp(&b.import_id));
        Ok(found)
    }
}
