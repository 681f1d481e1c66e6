//! `platform_project`: a project's number and identity, from Compute `projects.get`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::typed::MaybeUnknown;
use tfplugin::{
    Attribute, Block, DataSource, Fields, OpContext, ReadDataRequest, ReadDataResponse, Schema,
    Type, Value,
};

use super::project_attribute;
use crate::framework::api::{call, read_response};
use crate::framework::model::{decode, encode, non_empty};
use crate::state::SharedState;

/// Configuration and state of `platform_project`. Configuration may hold
/// unknowns at validation and is otherwise known; missing keys (older
/// states) read as null.
#[derive(Debug, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectModel {
    pub project: MaybeUnknown<String>,
    pub id: Option<String>,
    pub number: Option<String>,
    pub name: Option<String>,
    pub self_link: Option<String>,
    pub default_service_account: Option<String>,
}

pub struct ProjectDataSource {
    state: SharedState,
}

impl ProjectDataSource {
    pub fn new(state: SharedState) -> Self {
        ProjectDataSource { state }
    }
}

#[async_trait]
impl DataSource for ProjectDataSource {
    fn type_name(&self) -> &'static str {
        "platform_project"
    }

    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                description: "Looks up a Google Cloud project: its number, self link and Compute default service account.".into(),
                attributes: vec![
                    project_attribute(),
                    Attribute::computed(ProjectModel::ID, Type::String, "`projects/{project}`."),
                    Attribute::computed(ProjectModel::NUMBER, Type::String, "The project number (a decimal string)."),
                    Attribute::computed(ProjectModel::NAME, Type::String, "The project ID as Compute reports it."),
                    Attribute::computed(ProjectModel::SELF_LINK, Type::String, "The Compute API URL of the project."),
                    Attribute::computed(
                        ProjectModel::DEFAULT_SERVICE_ACCOUNT,
                        Type::String,
                        "Email of the Compute Engine default service account (`PROJECT_NUMBER-compute@developer.gserviceaccount.com`).",
                    ),
                ],
                ..Block::default()
            },
        }
    }

    async fn read(&self, ctx: &OpContext, req: ReadDataRequest) -> ReadDataResponse {
        read_response(self.read_state(ctx, &req.config).await)
    }
}

impl ProjectDataSource {
    async fn read_state(
        &self,
        ctx: &OpContext,
        config: &Value,
    ) -> Result<Value, tfplugin::Diagnostic> {
        let data = self.state.get()?;
        let config: ProjectModel = decode(config)?;
        let project = data.project_or(non_empty(&config.project), ProjectModel::PROJECT)?;
        let hint = format!("Check that the project ID {project:?} is correct and that the credentials can see it (they need e.g. roles/viewer or compute.projects.get), and that the Compute Engine API is enabled.");
        let p = call(
            ctx,
            &format!("reading project {project:?}"),
            &hint,
            data.client.compute().get_project(&project),
        )
        .await?;
        encode(&ProjectModel {
            id: Some(format!("projects/{project}")),
            project: MaybeUnknown::Known(project),
            number: Some(p.id),
            name: Some(p.name),
            self_link: Some(p.self_link),
            default_service_account: Some(p.default_service_account),
        })
    }
}

#[cfg(test)]
mod tests;
