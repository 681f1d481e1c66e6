//! Plan-time checks only Compute can answer, one cheap read each, made when
//! the values are known and differ from the prior state: the region exists,
//! the machine type exists in the cluster's first zone, the nodes' vCPUs fit
//! the region's CPU quotas, and the boot disk holds the image. A read that
//! fails for another reason defers the check to the apply, which meets the
//! same API before it creates anything.

use gcp_client::compute::{ComputeClient, Region};
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

use super::model::Model;
use super::spec::Spec;

fn err(attr: &str, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).at(AttributePath::root(attr))
}

/// What changed since `prior` decides which reads are made (none when nothing did).
pub async fn check(compute: &ComputeClient, spec: &Spec, prior: Option<&Spec>) -> Diagnostics {
    let mut d = Diagnostics::new();
    let same = |f: &dyn Fn(&Spec) -> String| prior.is_some_and(|p| f(p) == f(spec));
    let sizing_same = same(&|s| format!("{} {} {}", s.region, s.machine_type, s.node_count));
    let image_same = same(&|s| format!("{} {}", s.image, s.disk_size_gb));
    if sizing_same && image_same {
        return d;
    }
    let Some(zone) = spec.zones.first() else {
        return d;
    };
    let (region, machine, image) = tokio::join!(
        compute.get_region(&spec.project, &spec.region),
        compute.get_machine_type(&spec.project, zone, &spec.machine_type),
        compute.get_image(&spec.image),
    );
    let region = match region {
        Err(e) if e.is_not_found() => {
            d.push(err(Model::REGION, "Region not found", format!("Compute Engine has no region {:?} in project {} (or the project may not use it). Use a region such as \"us-central1\"; `gcloud compute regions list` shows them.", spec.region, spec.project)));
            None
        }
        other => other.ok(),
    };
    match machine {
        Err(e) if e.is_not_found() => d.push(err(Model::MACHINE_TYPE, "Machine type not found", format!("Zone {zone} offers no machine type {:?}. Use one such as \"n2-standard-4\"; `gcloud compute machine-types list --zones {zone}` shows them.", spec.machine_type))),
        Ok(m) if !sizing_same => {
            if let Some(r) = region {
                let prior_cpus = prior
                    .filter(|p| p.region == spec.region && p.machine_type == spec.machine_type)
                    .map_or(0, |p| p.node_count as i64 * m.guest_cpus);
                let extra = spec.node_count as i64 * m.guest_cpus - prior_cpus;
                if let Some(diag) = quota(&r, &spec.machine_type, m.guest_cpus, spec.node_count, extra) {
                    d.push(diag);
                }
            }
        }
        _ => {}
    }
    match image {
        Err(e) if e.is_not_found() => d.push(err(Model::IMAGE, "Image not found", format!("No image or image family {:?}. Give `projects/P/global/images/NAME` or `projects/P/global/images/family/F`, e.g. the default projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts.", spec.image))),
        Ok(i) => {
            if let Some(size) = i.disk_size_gb().filter(|s| *s > spec.disk_size_gb) {
                d.push(err(Model::DISK_SIZE_GB, "Boot disk smaller than its image", format!("disk_size_gb is {}, but image {} needs at least {size} GB. Set disk_size_gb = {size} or more.", spec.disk_size_gb, i.name)));
            }
        }
        Err(_) => {}
    }
    d
}

/// The region's CPU quota, and the machine family's (`N2_CPUS` for `n2-…`)
/// when the region has one, against the vCPUs this plan adds.
fn quota(
    r: &Region,
    machine_type: &str,
    cpus: i64,
    nodes: usize,
    extra: i64,
) -> Option<Diagnostic> {
    if extra <= 0 {
        return None;
    }
    let family = machine_type
        .split('-')
        .next()
        .map(|f| format!("{}_CPUS", f.to_ascii_uppercase()));
    r.quotas
        .iter()
        .filter(|q| q.metric == "CPUS" || Some(&q.metric) == family.as_ref())
        .find(|q| (extra as f64) > q.limit - q.usage)
        .map(|q| {
            let free = (q.limit - q.usage).max(0.0);
            err(Model::NODE_COUNT, "Not enough CPU quota", format!("{nodes} nodes of {machine_type} ({cpus} vCPUs each) need {extra} more vCPUs in {}, but its {} quota has {free} of {} free. Lower node_count or use a smaller machine_type, or request more quota (Google Cloud console → IAM & Admin → Quotas, metric compute.googleapis.com/{}).", r.name, q.metric, q.limit, q.metric.to_ascii_lowercase()))
        })
}
