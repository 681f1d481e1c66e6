//! Apply: move the remote cluster to the spec, step by step, so any failure
//! leaves a state that the next apply continues from. Create and update are
//! the same walk: create missing nodes (in parallel), groups, health check,
//! backend service, firewall rules, drain surplus nodes, then roll outdated
//! nodes `max_unavailable` at a time.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use futures::stream::{self, StreamExt};
use gcp_client::compute::{Firewall, Instance};
use gcp_client::new_request_id;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

use super::api::{call, not_found_as_none, read_created, start_create, Waiter};
use super::children;
use super::model::Model;
use super::observe::{hardware_matches, observe, short_name, Observed};
use super::spec::{Spec, CLUSTER_LABEL, CONFIG_LABEL};

/// How many VM creations/deletions run at once. Each holds one operation
/// long-poll while it waits, and Compute's mutation quotas are far above
/// this, so a 30-node cluster is created in one wave (one VM latency); 16
/// made it two.
const PARALLELISM: usize = 64;

/// Everything one apply needs.
pub struct Converge<'a> {
    pub w: &'a Waiter,
    pub spec: &'a Spec,
    /// Zones of the groups the prior state recorded (see [`observe`]).
    pub recorded_zones: &'a [String],
    pub hash: String,
    pub script: String,
}

/// A node whose insert was sent: `op` runs server-side until awaited; `None`
/// means a VM of that name already existed.
struct Started {
    name: String,
    zone: String,
    op: Option<gcp_client::operations::ComputeOperation>,
}

/// Runs `futs` with at most [`PARALLELISM`] in flight. Taking a ready-made Vec
/// (not a lazy map) keeps the future `Send` for every lifetime, as async_trait needs.
async fn bounded<T, F: std::future::Future<Output = T>>(futs: Vec<F>) -> Vec<T> {
    stream::iter(futs)
        .buffer_unordered(PARALLELISM)
        .collect()
        .await
}

fn collect(results: Vec<Result<(), Diagnostic>>) -> Diagnostics {
    let mut d = Diagnostics::new();
    for r in results {
        if let Err(e) = r {
            d.push(e);
        }
    }
    d
}

/// Runs `futs` like [`bounded`] and fails with every error among them.
async fn all_ok<F: std::future::Future<Output = Result<(), Diagnostic>>>(
    futs: Vec<F>,
) -> Result<(), Diagnostics> {
    let d = collect(bounded(futs).await);
    if d.has_errors() {
        Err(d)
    } else {
        Ok(())
    }
}

impl Converge<'_> {
    fn project(&self) -> &str {
        &self.spec.project
    }

    pub async fn run(&self) -> Diagnostics {
        match self.steps().await {
            Ok(()) => Diagnostics::new(),
            Err(d) => d,
        }
    }

    /// The walk. Create time is bounded by two operations whatever the node
    /// count. First everything that depends on nothing else starts at once:
    /// VM inserts are only *started* (their operations run server-side
    /// meanwhile), group shells, health check and firewall rules are
    /// finished. Then, while the VM inserts finish, the accepted (still
    /// PROVISIONING) VMs join their groups, existing VMs are relabelled and
    /// the backend service is created.
    async fn steps(&self) -> Result<(), Diagnostics> {
        let obs = observe(&self.w.ctx, &self.w.client, self.spec, self.recorded_zones).await?;
        let layout = self.spec.layout(&obs.existing());
        let starts: Vec<_> = layout
            .iter()
            .filter(|(n, _)| obs.node(n).is_none())
            .map(|(n, z)| self.start_node(n, z))
            .collect();
        let (started, groups, hc, firewalls) = tokio::join!(
            bounded(starts),
            self.ensure_group_shells(&obs),
            self.ensure_health_check(&obs),
            self.ensure_firewalls(&obs),
        );
        let mut d = Diagnostics::new();
        let mut inserting = Vec::new();
        for s in started {
            match s {
                Ok(s) => inserting.push(s),
                Err(e) => d.push(e),
            }
        }
        for r in [groups, hc, firewalls] {
            if let Err(e) = r {
                d.extend(e);
            }
        }
        if d.has_errors() {
            // Accepted inserts still run: wait so their outcome is reported too.
            let finishes: Vec<_> = inserting.iter().map(|s| self.finish_node(s)).collect();
            d.extend(collect(bounded(finishes).await));
            return Err(d);
        }
        let obs = observe(&self.w.ctx, &self.w.client, self.spec, self.recorded_zones).await?;
        let layout = self.spec.layout(&obs.existing());
        let fresh: BTreeSet<&str> = inserting.iter().map(|s| s.name.as_str()).collect();
        let finishes: Vec<_> = inserting.iter().map(|s| self.finish_node(s)).collect();
        let relabels: Vec<_> = layout
            .iter()
            .filter(|(n, _)| !fresh.contains(n.as_str()))
            .filter_map(|(n, _)| obs.node(n))
            .map(|vm| self.adopt_existing(vm))
            .collect();
        let (finished, relabelled, members, lb) = tokio::join!(
            bounded(finishes),
            bounded(relabels),
            self.ensure_members(&obs, &layout),
            self.ensure_load_balancer(&obs)
        );
        let mut d = collect(finished);
        d.extend(collect(relabelled));
        for r in [members, lb] {
            if let Err(e) = r {
                d.extend(e);
            }
        }
        if d.has_errors() {
            return Err(d);
        }
        let obs = observe(&self.w.ctx, &self.w.client, self.spec, self.recorded_zones).await?;
        let layout = self.spec.layout(&obs.existing());
        self.scale_down(&obs, &layout).await?;
        self.retire_groups(&obs).await?;
        self.roll(&obs, &layout).await
    }

    /// Deletes the groups of zones removed from `zones`. By now the backend
    /// service no longer points at them and their nodes were drained and
    /// deleted by [`Self::scale_down`] (they are outside the layout).
    async fn retire_groups(&self, obs: &Observed) -> Result<(), Diagnostics> {
        let futs: Vec<_> = obs
            .retired_groups(self.spec)
            .map(|g| delete_child(self.w, self.spec, Child::Group(&g.zone, &g.group.name)))
            .collect();
        all_ok(futs).await
    }

    /// Creates (or adopts) one node and waits for it to run.
    async fn create_node(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
        let started = self.start_node(name, zone).await?;
        self.finish_node(&started).await
    }

    /// Sends a node's insert; `op` is `None` when a VM of that name exists.
    async fn start_node(&self, name: &str, zone: &str) -> Result<Started, Diagnostic> {
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
    async fn finish_node(&self, started: &Started) -> Result<(), Diagnostic> {
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
    async fn adopt(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
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
    async fn wait_running(&self, name: &str, zone: &str) -> Result<(), Diagnostic> {
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
    async fn adopt_existing(&self, vm: &Instance) -> Result<(), Diagnostic> {
        if matches!(vm.status.as_deref(), Some("PROVISIONING" | "STAGING")) {
            self.wait_running(&vm.name, vm.zone_name()).await?;
        }
        self.relabel(vm).await
    }

    /// Puts the spec's labels on an existing VM: changed `labels`, and VMs an
    /// import adopted (they get the cluster label, and the configuration
    /// label only when they match; otherwise the roll replaces them).
    async fn relabel(&self, vm: &Instance) -> Result<(), Diagnostic> {
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

    /// Ensures each zone's group exists with the named port.
    async fn ensure_group_shells(&self, obs: &Observed) -> Result<(), Diagnostics> {
        let futs: Vec<_> = self
            .spec
            .zones
            .iter()
            .map(|z| self.ensure_group(obs, z))
            .collect();
        all_ok(futs).await
    }

    async fn ensure_group(&self, obs: &Observed, zone: &str) -> Result<(), Diagnostic> {
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
    async fn ensure_members(
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

    async fn ensure_zone_members(
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

    /// Creates the health check when the load balancer is enabled and it is missing.
    async fn ensure_health_check(&self, obs: &Observed) -> Result<(), Diagnostics> {
        if !self.spec.lb.enabled || obs.health_check.is_some() {
            return Ok(());
        }
        let compute = self.w.client.compute();
        let body = children::health_check(self.spec);
        Ok(self
            .w
            .create(
                "creating the health check",
                compute.insert_health_check(self.project(), &body, &new_request_id()),
            )
            .await?)
    }

    /// The backend service over the groups (or, when the load balancer is
    /// disabled, its removal together with the health check).
    async fn ensure_load_balancer(&self, obs: &Observed) -> Result<(), Diagnostics> {
        let compute = self.w.client.compute();
        let p = self.project();
        if !self.spec.lb.enabled {
            if let Some(bs) = &obs.backend_service {
                self.w
                    .run(
                        "deleting the backend service",
                        compute.delete_backend_service(p, &bs.name, &new_request_id()),
                    )
                    .await?;
            }
            if let Some(hc) = &obs.health_check {
                self.w
                    .run(
                        "deleting the health check",
                        compute.delete_health_check(p, &hc.name, &new_request_id()),
                    )
                    .await?;
            }
            return Ok(());
        }
        let hc_link = obs
            .health_check
            .as_ref()
            .and_then(|h| h.self_link.clone())
            .unwrap_or_default();
        // Groups of zones removed from `zones` leave the backend service now,
        // so no new session lands on nodes about to be drained.
        let group_links: Vec<String> = self
            .spec
            .zones
            .iter()
            .filter_map(|z| obs.group(z))
            .filter_map(|g| g.group.self_link.clone())
            .collect();
        let want = children::backend_service(self.spec, &hc_link, &group_links);
        match &obs.backend_service {
            None => {
                // Already there: an interrupted apply's insert is still running; the next apply compares it.
                self.w
                    .create(
                        "creating the backend service",
                        compute.insert_backend_service(p, &want, &new_request_id()),
                    )
                    .await?;
            }
            Some(have) => {
                let groups = |b: &gcp_client::compute::BackendService| -> BTreeSet<String> {
                    b.backends.iter().map(|x| x.group.clone()).collect()
                };
                if groups(have) != groups(&want)
                    || have.timeout_sec != want.timeout_sec
                    || have.port_name != want.port_name
                {
                    let patch = serde_json::json!({
                        "backends": want.backends,
                        "timeoutSec": want.timeout_sec,
                        "portName": want.port_name,
                        "fingerprint": have.fingerprint,
                    });
                    self.w
                        .run(
                            "updating the backend service",
                            compute.patch_backend_service(p, &have.name, &patch, &new_request_id()),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes rules that are no longer wanted or differ, then creates what
    /// is missing; each phase runs in parallel.
    async fn ensure_firewalls(&self, obs: &Observed) -> Result<(), Diagnostics> {
        let compute = &self.w.client.compute();
        let p = self.project();
        let want = children::firewalls(self.spec);
        let same =
            |h: &Firewall, w: &Firewall| h.name == w.name && children::firewall_matches(h, w);
        let stale: Vec<_> = obs
            .firewalls
            .iter()
            .filter(|h| !want.iter().any(|w| same(h, w)))
            .map(|h| async move {
                let rid = new_request_id();
                self.w
                    .run(
                        &format!("deleting firewall rule {}", h.name),
                        compute.delete_firewall(p, &h.name, &rid),
                    )
                    .await
            })
            .collect();
        all_ok(stale).await?;
        let missing: Vec<_> = want
            .iter()
            .filter(|w| !obs.firewalls.iter().any(|h| same(h, w)))
            .map(|w| async move {
                self.w
                    .create(
                        &format!("creating firewall rule {}", w.name),
                        compute.insert_firewall(p, w, &new_request_id()),
                    )
                    .await
            })
            .collect();
        all_ok(missing).await
    }

    /// Surplus nodes (already out of their groups): graceful stop bounded by
    /// `drain_timeout`, then delete.
    async fn scale_down(
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

    async fn drain_and_delete(&self, node: &Instance) -> Result<(), Diagnostic> {
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

    /// Rolling replacement of nodes whose configuration label is outdated.
    async fn roll(&self, obs: &Observed, layout: &[(String, String)]) -> Result<(), Diagnostics> {
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

    async fn replace_node(&self, obs: &Observed, name: &str, zone: &str) -> Result<(), Diagnostic> {
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
    async fn wait_healthy(
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

/// A child to delete.
enum Child<'a> {
    BackendService(&'a str),
    Group(&'a str, &'a str),
    HealthCheck(&'a str),
    Firewall(&'a str),
    Vm(&'a str, &'a str),
}

/// Deletes one child and waits; already gone is success.
async fn delete_child(w: &Waiter, spec: &Spec, child: Child<'_>) -> Result<(), Diagnostic> {
    let compute = w.client.compute();
    let rid = new_request_id();
    let p = spec.project.as_str();
    let (what, fut): (String, BoxOp<'_>) = match child {
        Child::BackendService(name) => (
            "deleting the backend service".into(),
            Box::pin(compute.delete_backend_service(p, name, &rid)),
        ),
        Child::Group(zone, name) => (
            format!("deleting instance group {name}"),
            Box::pin(compute.delete_instance_group(p, zone, name, &rid)),
        ),
        Child::HealthCheck(name) => (
            "deleting the health check".into(),
            Box::pin(compute.delete_health_check(p, name, &rid)),
        ),
        Child::Firewall(name) => (
            format!("deleting firewall rule {name}"),
            Box::pin(compute.delete_firewall(p, name, &rid)),
        ),
        Child::Vm(zone, name) => (
            format!("deleting VM {name}"),
            Box::pin(compute.delete_instance(p, zone, name, &rid)),
        ),
    };
    w.delete(&what, fut).await
}

/// Destroy: children in dependency order (backend service, then groups,
/// health check and firewall rules, then VMs).
pub async fn destroy(w: &Waiter, spec: &Spec, recorded_zones: &[String]) -> Diagnostics {
    let obs = match observe(&w.ctx, &w.client, spec, recorded_zones).await {
        Ok(o) => o,
        Err(e) => return e.into(),
    };
    let mut phases: Vec<Vec<Child<'_>>> = vec![Vec::new(), Vec::new(), Vec::new()];
    if let Some(bs) = &obs.backend_service {
        phases[0].push(Child::BackendService(&bs.name));
    }
    phases[1].extend(
        obs.groups
            .iter()
            .map(|g| Child::Group(&g.zone, &g.group.name)),
    );
    if let Some(hc) = &obs.health_check {
        phases[1].push(Child::HealthCheck(&hc.name));
    }
    phases[1].extend(obs.firewalls.iter().map(|f| Child::Firewall(&f.name)));
    phases[2].extend(obs.nodes.iter().map(|n| Child::Vm(n.zone_name(), &n.name)));
    for phase in phases {
        let futs: Vec<_> = phase
            .into_iter()
            .map(|c| delete_child(w, spec, c))
            .collect();
        if let Err(d) = all_ok(futs).await {
            return d;
        }
    }
    Diagnostics::new()
}

type BoxOp<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<gcp_client::operations::ComputeOperation, gcp_client::Error>,
            > + Send
            + 'a,
    >,
>;
