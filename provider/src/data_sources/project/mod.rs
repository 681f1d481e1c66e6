//! `platform_project`: a project's number and identity, from Compute `projects.get`.

use async_trait::async_trait;
use tfplugin::{
    Attribute, Block, DataSource, OpContext, ReadDataRequest, ReadDataResponse, Schema, Type, Value,
};

use super::{call, opt_str, project_attribute, read_response};
use crate::state::SharedState;

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
                    Attribute::computed("id", Type::String, "`projects/{project}`."),
                    Attribute::computed("number", Type::String, "The project number (a decimal string)."),
                    Attribute::computed("name", Type::String, "The project ID as Compute reports it."),
                    Attribute::computed("self_link", Type::String, "The Compute API URL of the project."),
                    Attribute::computed(
                        "default_service_account",
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
        let project = data.project_or(opt_str(config, "project"), "project")?;
        let hint = format!("Check that the project ID {project:?} is correct and that the credentials can see it (they need e.g. roles/viewer or compute.projects.get), and that the Compute Engine API is enabled.");
        let p = call(
            ctx,
            &format!("reading project {project:?}"),
            &hint,
            data.client.compute().get_project(&project),
        )
        .await?;
        Ok(Value::object([
            ("project", Value::from(project.clone())),
            ("id", Value::from(format!("projects/{project}"))),
            ("number", Value::from(p.id)),
            ("name", Value::from(p.name)),
            ("self_link", Value::from(p.self_link)),
            (
                "default_service_account",
                Value::from(p.default_service_account),
            ),
        ]))
    }
}

#[cfg(test)]
mod tests;
