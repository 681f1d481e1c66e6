//! Apply: move the remote cluster to the spec, step by step, so any failure
//! leaves a state that the next apply continues from. Create and update are
//! the same walk: create missing nodes (in parallel), groups, health check,
//! backend service, firewall rules, drain surplus nodes, then roll outdated
//! nodes `max_unavailable` at a time.

mod destroy;
mod groups;
mod load_balancer;
mod nodes;
mod rolling;

pub use destroy::destroy;
use destroy::{delete_child, Child};

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt};
use tfplugin::{Diagnostic, Diagnostics};

use super::api::Waiter;
use super::read::{observe, Observed};
use super::spec::Spec;

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
pub(super) struct Started {
    name: String,
    zone: String,
    op: Option<gcp_client::operations::ComputeOperation>,
}

/// Runs `futs` with at most [`PARALLELISM`] in flight. Taking a ready-made Vec
/// (not a lazy map) keeps the future `Send` for every lifetime, as async_trait needs.
pub(super) async fn bounded<T, F: std::future::Future<Output = T>>(futs: Vec<F>) -> Vec<T> {
    stream::iter(futs)
        .buffer_unordered(PARALLELISM)
        .collect()
        .await
}

pub(super) fn collect(results: Vec<Result<(), Diagnostic>>) -> Diagnostics {
    let mut d = Diagnostics::new();
    for r in results {
        if let Err(e) = r {
            d.push(e);
        }
    }
    d
}

/// Runs `futs` like [`bounded`] and fails with every error among them.
pub(super) async fn all_ok<F: std::future::Future<Output = Result<(), Diagnostic>>>(
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
}
