//! `list "platform_livekit_cluster"`: the backend services of a project that
//! front LiveKit nodes, found by the named port every LiveKit deployment here
//! and in the guide gives its groups (`livekit-http`), or by the cluster label
//! of the VMs a cluster of this provider runs (whatever the port is called).

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::Deserialize;
use tfplugin::{Attribute, Block, Diagnostics, Fields, OpContext, Type, Value};

use super::children::PORT_NAME;
use super::spec::CLUSTER_LABEL;
use super::{identity::IDENTITY, plan::id_of, LivekitCluster};
use crate::framework::api::api_error;
use crate::framework::model::decode;
use crate::resources::adoption::{Discover, Found, Identity};

/// The list block's `config`.
#[derive(Debug, Default, Deserialize, Fields)]
struct ListConfig {
    project: Option<String>,
}

#[async_trait]
impl Discover for LivekitCluster {
    fn identity_of() -> &'static Identity {
        &IDENTITY
    }

    fn list_config() -> Block {
        Block {
            description: format!("Lists the LiveKit clusters of a project: global backend services whose port name is `{PORT_NAME}`, or that VMs name in their `{CLUSTER_LABEL}` label."),
            attributes: vec![Attribute::optional(ListConfig::PROJECT, Type::String, "Project ID. Defaults to the provider's `project`.")],
            ..Block::default()
        }
    }

    async fn discover(&self, _ctx: &OpContext, config: &Value) -> Result<Vec<Found>, Diagnostics> {
        let data = self.state.get()?;
        let config: ListConfig = decode(config)?;
        let project = data.project_or(config.project.as_deref(), ListConfig::PROJECT)?;
        let compute = data.client.compute();
        let hint = "Check that the credentials may list backend services and instances (roles/compute.viewer).";
        let (services, vms) = futures::future::join(
            compute.list_backend_services(&project, None),
            compute.aggregated_instances(&project, None),
        )
        .await;
        let services = services.map_err(|e| {
            api_error(
                &format!("listing the backend services of {project}"),
                &e,
                hint,
            )
        })?;
        let vms = vms.map_err(|e| api_error(&format!("listing the VMs of {project}"), &e, hint))?;
        let labelled: BTreeSet<&str> = vms
            .iter()
            .filter_map(|vm| vm.labels.get(CLUSTER_LABEL).map(String::as_str))
            .collect();
        let mut found: Vec<Found> = services
            .iter()
            .filter(|b| {
                b.port_name.as_deref() == Some(PORT_NAME) || labelled.contains(b.name.as_str())
            })
            .map(|b| Found {
                import_id: id_of(&project, &b.name),
                display_name: format!("{} ({} group(s))", b.name, b.backends.len()),
            })
            .collect();
        found.sort_by(|a, b| a.import_id.cmp(&b.import_id));
        Ok(found)
    }
}
