//! Per-zone unmanaged instance groups and their members.

use std::collections::BTreeSet;

use gcp_client::new_request_id;
use tfplugin::{Diagnostic, Diagnostics};

use super::super::api::read_created;
use super::super::children;
use super::super::read::Observed;
use super::{all_ok, Converge};

impl Converge<'_> {
    /// Ensures each zone's group exists with the named port.
    pub(super) async fn ensure_group_shells(&self, obs: &Observed) -> Result<(), Diagnostics> {
        let futs: Vec<_> = self
            .spec
            .zones
            .iter()
            .map(|z| self.ensure_group(obs, z))
            .collect();
        all_ok(futs).await
    }

    pub(super) async fn ensure_group(&self, obs: &Observed, zone: &str) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let p = self.project();
        let group = match obs.group(zone) {
            Some(g) => g.group.clone(),
            None => {
                let name = self.spec.group_name(zone);
                let what = format!("creating instance group {name}");
                let body = children::group(self.spec, zone);
                self.w
                    .create(
                        &what,
                        compute.insert_instance_group(p, zone, &body, &new_request_id()),
                    )
                    .await?;
                read_created(self.w, &format!("reading instance group {name}"), || {
                    compute.get_instance_group(p, zone, &name)
                })
                .await?
            }
        };
        let port = children::named_port(self.spec);
        if !group.named_ports.contains(&port) {
            let mut ports: Vec<_> = group
                .named_ports
                .iter()
                .filter(|np| np.name != port.name)
                .cloned()
                .collect();
            ports.push(port);
            let what = format!("setting the named port of {}", group.name);
            self.w
                .run(
                    &what,
                    compute.set_named_ports(
                        p,
                        zone,
                        &group.name,
                        &ports,
                        group.fingerprint.as_deref(),
                        &new_request_id(),
                    ),
                )
                .await?;
        }
        Ok(())
    }

    /// Makes every group hold exactly its zone's nodes (repairs membership
    /// drift too); surplus nodes leave first so the load balancer stops
    /// sending them sessions before they are drained.
    pub(super) async fn ensure_members(
        &self,
        obs: &Observed,
        layout: &[(String, String)],
    ) -> Result<(), Diagnostics> {
        let futs: Vec<_> = self
            .spec
            .zones
            .iter()
            .map(|z| self.ensure_zone_members(obs, layout, z))
            .collect();
        all_ok(futs).await
    }

    pub(super) async fn ensure_zone_members(
        &self,
        obs: &Observed,
        layout: &[(String, String)],
        zone: &str,
    ) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let p = self.project();
        let Some(group) = obs.group(zone) else {
            return Err(Diagnostic::error(
                format!("Error reading the instance group of {zone}"),
                "The group was created but cannot be found; run apply again.",
            ));
        };
        let name = &group.group.name;
        let wanted: BTreeSet<String> = layout
            .iter()
            .filter(|(_, z)| z == zone)
            .map(|(n, _)| n.clone())
            .collect();
        let add: Vec<String> = wanted
            .difference(&group.members)
            .filter_map(|n| obs.node(n).and_then(|i| i.self_link.clone()))
            .collect();
        let remove: Vec<String> = group
            .members
            .difference(&wanted)
            .map(|n| format!("projects/{p}/zones/{zone}/instances/{n}"))
            .collect();
        if !add.is_empty() {
            self.w
                .run(
                    &format!("adding nodes to {name}"),
                    compute.add_instances(p, zone, name, &add, &new_request_id()),
                )
                .await?;
        }
        if !remove.is_empty() {
            self.w
                .run(
                    &format!("removing surplus nodes from {name}"),
                    compute.remove_instances(p, zone, name, &remove, &new_request_id()),
                )
                .await?;
        }
        Ok(())
    }
}
