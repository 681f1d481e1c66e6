//! Rolling replacement: outdated nodes `max_unavailable` at a time, each
//! drained, recreated and healthy before the next.

use std::ops::ControlFlow;

use gcp_client::new_request_id;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

use super::super::api::call;
use super::super::model::Model;
use super::super::read::{short_name, Observed};
use super::super::spec::CONFIG_LABEL;
use super::{all_ok, Converge};

impl Converge<'_> {
    /// Rolling replacement of nodes whose configuration label is outdated.
    pub(super) async fn roll(
        &self,
        obs: &Observed,
        layout: &[(String, String)],
    ) -> Result<(), Diagnostics> {
        let outdated: Vec<&(String, String)> = layout
            .iter()
            .filter(|(n, _)| {
                obs.node(n).is_some_and(|i| {
                    i.labels.get(CONFIG_LABEL) != Some(&self.hash)
                        || i.status.as_deref() != Some("RUNNING")
                })
            })
            .collect();
        for batch in outdated.chunks(self.spec.rollout.max_unavailable) {
            let futs: Vec<_> = batch
                .iter()
                .map(|(n, z)| self.replace_node(obs, n, z))
                .collect();
            all_ok(futs).await?;
        }
        Ok(())
    }

    pub(super) async fn replace_node(
        &self,
        obs: &Observed,
        name: &str,
        zone: &str,
    ) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let p = self.project();
        let observed_group = obs.group(zone);
        let group =
            observed_group.map_or_else(|| self.spec.group_name(zone), |g| g.group.name.clone());
        let link = format!("projects/{p}/zones/{zone}/instances/{name}");
        tracing::info!(node = name, "replacing node");
        self.w
            .run(
                &format!("taking {name} out of {group}"),
                compute.remove_instances(
                    p,
                    zone,
                    &group,
                    std::slice::from_ref(&link),
                    &new_request_id(),
                ),
            )
            .await?;
        if let Some(node) = obs.node(name) {
            self.drain_and_delete(node).await?;
        }
        self.create_node(name, zone).await?;
        let created = call(
            &self.w.ctx,
            &format!("reading VM {name}"),
            compute.get_instance(p, zone, name),
        )
        .await?;
        let created_link = created.self_link.clone().unwrap_or(link);
        self.w
            .run(
                &format!("adding {name} to {group}"),
                compute.add_instances(
                    p,
                    zone,
                    &group,
                    std::slice::from_ref(&created_link),
                    &new_request_id(),
                ),
            )
            .await?;
        if self.spec.lb.enabled {
            let group_link = observed_group
                .and_then(|g| g.group.self_link.clone())
                .unwrap_or_default();
            self.wait_healthy(name, &created_link, &group_link).await?;
        }
        Ok(())
    }

    /// Polls `backendServices.getHealth` until the node is HEALTHY.
    pub(super) async fn wait_healthy(
        &self,
        name: &str,
        instance_link: &str,
        group_link: &str,
    ) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let timeout = self.spec.rollout.health_timeout;
        self.w
            .poll_until(
                &format!("waiting for {name} to become healthy"),
                timeout,
                || async {
                    let statuses = call(
                        &self.w.ctx,
                        &format!("checking the health of {name}"),
                        compute.backend_health(self.project(), &self.spec.name, group_link),
                    )
                    .await?;
                    let healthy = statuses.iter().any(|s| {
                        short_name(&s.instance) == short_name(instance_link)
                            && s.health_state == "HEALTHY"
                    });
                    Ok(if healthy {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    })
                },
                |()| Diagnostic::error(
                    format!("Node {name} did not become healthy"),
                    format!(
                        "The replaced node {name} was not reported HEALTHY by the backend service within {}s, so the rolling replacement stopped; the remaining nodes are untouched. Check the node's serial console (startup script, Secret Manager access to livekit.keys_secret, Redis reachability), then run apply again, or raise rollout.health_timeout.",
                        timeout.as_secs()
                    ),
                )
                .at(AttributePath::root(Model::ROLLOUT)),
            )
            .await
    }
}
