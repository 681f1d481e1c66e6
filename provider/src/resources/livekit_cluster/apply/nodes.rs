//! Nodes: create (started in parallel, finished later), adopt what exists
//! under a node's name, relabel, and drain surplus nodes.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use gcp_client::compute::Instance;
use gcp_client::new_request_id;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

use super::super::api::{call, not_found_as_none, start_create};
use super::super::children;
use super::super::model::Model;
use super::super::read::{hardware_matches, Observed};
use super::super::spec::{CLUSTER_LABEL, CONFIG_LABEL};
use super::{all_ok, Converge, Started};

impl Converge<'_> {
    /// Creates (or adopts) one node and waits for it to run.
    pub(super) async fn create_node(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
        let started = self.start_node(name, zone).await?;
        self.finish_node(&started).await
    }

    /// Sends a node's insert; `op` is `None` when a VM of that name exists.
    pub(super) async fn start_node(&self, name: &str, zone: &str) -> Result<Started, Diagnostic> {
        let compute = self.w.client.compute();
        let body = children::instance(self.spec, name, zone, &self.hash, &self.script);
        let op = start_create(
            &self.w.ctx,
            &format!("creating VM {name} in {zone}"),
            compute.insert_instance(self.project(), zone, &body, &new_request_id()),
        )
        .await?;
        Ok(Started {
            name: name.to_owned(),
            zone: zone.to_owned(),
            op,
        })
    }

    /// Waits for a started insert (or adopts the VM that was already there).
    /// A failed insert leaves no VM, and Compute drops a VM that stops
    /// existing from its groups, so an early group join leaves nothing behind.
    pub(super) async fn finish_node(&self, started: &Started) -> Result<(), Diagnostic> {
        let Started { name, zone, op } = started;
        match op {
            Some(op) => self
                .w
                .run(&format!("creating VM {name} in {zone}"), async {
                    Ok(op.clone())
                })
                .await
                .map_err(|d| d.at(AttributePath::root(Model::ZONES))),
            None => self.adopt(name, zone).await,
        }
    }

    /// A VM with a node's name already exists: adopt it if it is ours.
    pub(super) async fn adopt(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
        let what = format!("reading existing VM {name}");
        let existing = call(
            &self.w.ctx,
            &what,
            self.w
                .client
                .compute()
                .get_instance(self.project(), zone, name),
        )
        .await?;
        match existing.labels.get(CLUSTER_LABEL) {
            Some(owner) if *owner == self.spec.name => self.wait_running(name, zone).await,
            owner => Err(Diagnostic::error(
                format!("VM {name} belongs to someone else"),
                format!(
                    "A VM named {name} already exists in {zone} but is not part of cluster {:?} (its `{CLUSTER_LABEL}` label is {}). Delete or rename that VM, or choose another cluster `name`.",
                    self.spec.name,
                    owner.map_or("missing".to_owned(), |o| format!("{o:?}")),
                ),
            )
            .at(AttributePath::root(Model::NAME))),
        }
    }

    /// Waits until an adopted VM runs: one whose insert an interrupted apply
    /// started is still PROVISIONING/STAGING, and only a RUNNING VM can
    /// become healthy.
    pub(super) async fn wait_running(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let what = format!("waiting for VM {name} to run");
        let what = what.as_str();
        self.w
            .poll_until(
                what,
                self.w.remaining(),
                || async {
                    let vm = call(
                        &self.w.ctx,
                        what,
                        not_found_as_none(compute.get_instance(self.project(), zone, name)),
                    )
                    .await?;
                    let Some(vm) = vm else {
                        return Err(Diagnostic::error(
                            format!("Error {what}"),
                            format!("VM {name} was being created by an earlier, interrupted apply and its creation failed (it no longer exists). Run apply again to create it anew."),
                        )
                        .at(AttributePath::root(Model::ZONES)));
                    };
                    let status = vm.status.unwrap_or_default();
                    Ok(if matches!(status.as_str(), "PROVISIONING" | "STAGING") {
                        ControlFlow::Continue(status)
                    } else {
                        ControlFlow::Break(())
                    })
                },
                |status| Diagnostic::error(
                    format!("Error {what}"),
                    format!("VM {name} is still {status} when the apply timed out; raise `timeouts` if VMs take this long to start."),
                ),
            )
            .await
    }

    /// An existing node: one still PROVISIONING (its insert was started by
    /// an interrupted apply) is waited for rather than replaced; then labelled.
    pub(super) async fn adopt_existing(&self, vm: &Instance) -> Result<(), Diagnostic> {
        if matches!(vm.status.as_deref(), Some("PROVISIONING" | "STAGING")) {
            self.wait_running(&vm.name, vm.zone_name()).await?;
        }
        self.relabel(vm).await
    }

    /// Puts the spec's labels on an existing VM: changed `labels`, and VMs an
    /// import adopted (they get the cluster label, and the configuration
    /// label only when they match; otherwise the roll replaces them).
    pub(super) async fn relabel(&self, vm: &Instance) -> Result<(), Diagnostic> {
        let hash = match vm.labels.get(CONFIG_LABEL) {
            Some(h) => Some(h.as_str()),
            None if hardware_matches(self.spec, vm) => Some(self.hash.as_str()),
            None => None,
        };
        let mut want = self.spec.node_labels(hash.unwrap_or_default());
        if hash.is_none() {
            want.remove(CONFIG_LABEL);
        }
        if want == vm.labels {
            return Ok(());
        }
        let compute = self.w.client.compute();
        self.w
            .run(
                &format!("labelling VM {}", vm.name),
                compute.set_instance_labels(
                    self.project(),
                    vm.zone_name(),
                    &vm.name,
                    &want,
                    vm.label_fingerprint.as_deref().unwrap_or_default(),
                    &new_request_id(),
                ),
            )
            .await
            .map_err(|d| d.at(AttributePath::root(Model::LABELS)))
    }

    /// Surplus nodes (already out of their groups): graceful stop bounded by
    /// `drain_timeout`, then delete.
    pub(super) async fn scale_down(
        &self,
        obs: &Observed,
        layout: &[(String, String)],
    ) -> Result<(), Diagnostics> {
        let desired: BTreeSet<&String> = layout.iter().map(|(n, _)| n).collect();
        let surplus: Vec<&Instance> = obs
            .nodes
            .iter()
            .filter(|n| !desired.contains(&n.name))
            .collect();
        let futs: Vec<_> = surplus
            .into_iter()
            .map(|n| self.drain_and_delete(n))
            .collect();
        all_ok(futs).await
    }

    pub(super) async fn drain_and_delete(&self, node: &Instance) -> Result<(), Diagnostic> {
        let compute = self.w.client.compute();
        let (p, zone, name) = (self.project(), node.zone_name(), node.name.as_str());
        if node.status.as_deref() == Some("RUNNING") {
            let drained = self
                .w
                .run_bounded(
                    &format!("stopping VM {name}"),
                    self.spec.rollout.drain_timeout,
                    compute.stop_instance(p, zone, name, &new_request_id()),
                )
                .await?;
            if !drained {
                tracing::warn!(
                    node = name,
                    "drain timeout passed; deleting the node anyway"
                );
            }
        }
        self.w
            .delete(
                &format!("deleting VM {name}"),
                compute.delete_instance(p, zone, name, &new_request_id()),
            )
            .await
    }
}
