//! Destroy: every child the cluster has, whatever the state recorded.

use gcp_client::new_request_id;
use tfplugin::{Diagnostic, Diagnostics};

use super::super::api::Waiter;
use super::super::read::observe;
use super::super::spec::Spec;
use super::all_ok;

/// A child to delete.
pub(super) enum Child<'a> {
    BackendService(&'a str),
    Group(&'a str, &'a str),
    HealthCheck(&'a str),
    Firewall(&'a str),
    Vm(&'a str, &'a str),
}

/// Deletes one child and waits; already gone is success.
pub(super) async fn delete_child(
    w: &Waiter,
    spec: &Spec,
    child: Child<'_>,
) -> Result<(), Diagnostic> {
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
