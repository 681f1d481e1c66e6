//! Health check, backend service and firewall rules.

use std::collections::BTreeSet;

use gcp_client::compute::Firewall;
use gcp_client::new_request_id;
use tfplugin::Diagnostics;

use super::super::children;
use super::super::read::Observed;
use super::{all_ok, Converge};

impl Converge<'_> {
    /// Creates the health check when the load balancer is enabled and it is missing.
    pub(super) async fn ensure_health_check(&self, obs: &Observed) -> Result<(), Diagnostics> {
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
    pub(super) async fn ensure_load_balancer(&self, obs: &Observed) -> Result<(), Diagnostics> {
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
    pub(super) async fn ensure_firewalls(&self, obs: &Observed) -> Result<(), Diagnostics> {
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
}
