//! The guide's production as `deploy.sh` and its gcloud commands build it:
//! REST calls with the guide's names and settings, no labels or markers of
//! this provider. Import, `moved` and adoption tests start from these.

use reqwest::Method;
use serde_json::{json, Value};

use crate::emulator::DEFAULT_PROJECT;
use crate::{Emulator, HarnessError};

/// The emulator's default project as a resource-name prefix.
pub const GUIDE_PROJECT: &str = "projects/platform-local";
/// The billing account the emulator serves.
pub const GUIDE_ACCOUNT: &str = "012345-6789AB-CDEF01";

/// Calls Compute (under the project) like gcloud does and waits for the operation it returns.
pub fn gcloud_compute(
    emu: &Emulator,
    method: Method,
    path: &str,
    body: Value,
) -> Result<(), HarnessError> {
    gcloud_compute_in(emu, GUIDE_PROJECT, method, path, body)
}

/// [`gcloud_compute`] in another project (`projects/P`).
pub fn gcloud_compute_in(
    emu: &Emulator,
    project: &str,
    method: Method,
    path: &str,
    body: Value,
) -> Result<(), HarnessError> {
    let op = emu.google_send(
        method,
        &format!("/compute/v1/{project}/{path}"),
        Some(&body),
    )?;
    if let Some(link) = op["selfLink"].as_str() {
        let rel = link.split_once("/compute/v1/").map_or(link, |(_, r)| r);
        emu.google_send(
            Method::POST,
            &format!("/compute/v1/{rel}/wait"),
            Some(&json!({})),
        )?;
    }
    Ok(())
}

/// How a LiveKit deployment is built by hand: the guide's names, and the node
/// settings (the modules' defaults are the guide's).
#[derive(Debug, Clone)]
pub struct HandBuiltLivekit<'a> {
    pub backend: &'a str,
    pub health_check: &'a str,
    pub zones: &'a [&'a str],
    /// The guide names its nodes `livekit-server-a`, `-b`, ... by zone letter.
    pub by_zone_letter: bool,
    pub image: &'a str,
    pub tags: &'a [&'a str],
    pub service_account: Option<&'a str>,
}

impl<'a> HandBuiltLivekit<'a> {
    /// Nodes `livekit-server-<zone>`, health check `livekit-hc`, an Ubuntu image.
    pub fn new(backend: &'a str, zones: &'a [&'a str]) -> Self {
        Self {
            backend,
            health_check: "livekit-hc",
            zones,
            by_zone_letter: false,
            image: "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
            tags: &["livekit-server"],
            service_account: None,
        }
    }
}

/// The guide's LiveKit deployment, built by hand: `livekit-server-<zone>` VMs with a
/// startup script and no labels, groups `livekit-<zone>` with the named port,
/// health check `livekit-hc`, backend service `backend`.
pub fn build_livekit_by_hand(
    emu: &Emulator,
    backend: &str,
    zones: &[&str],
) -> Result<(), HarnessError> {
    build_livekit(emu, &HandBuiltLivekit::new(backend, zones))
}

/// A LiveKit deployment as gcloud builds it: VMs with a startup script and no
/// labels, one unmanaged group per zone with the named port, a health check and
/// the backend service.
pub fn build_livekit(emu: &Emulator, lk: &HandBuiltLivekit<'_>) -> Result<(), HarnessError> {
    let p = GUIDE_PROJECT;
    let hc = json!({"name": lk.health_check, "type": "HTTP",
        "httpHealthCheck": {"port": 7880, "requestPath": "/"}});
    gcloud_compute(emu, Method::POST, "global/healthChecks", hc)?;
    let mut backends = Vec::new();
    for zone in lk.zones {
        let suffix = if lk.by_zone_letter {
            zone.rsplit('-').next().unwrap_or(zone)
        } else {
            zone
        };
        let vm = format!("livekit-server-{suffix}");
        let accounts: Vec<Value> = lk
            .service_account
            .iter()
            .map(|e| json!({"email": e, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}))
            .collect();
        gcloud_compute(
            emu,
            Method::POST,
            &format!("zones/{zone}/instances"),
            json!({
                "name": vm,
                "machineType": format!("zones/{zone}/machineTypes/n2-standard-4"),
                "tags": {"items": lk.tags},
                "disks": [{"boot": true, "autoDelete": true, "initializeParams": {
                    "sourceImage": lk.image,
                    "diskSizeGb": "50", "diskType": format!("zones/{zone}/diskTypes/pd-ssd")}}],
                "networkInterfaces": [{"network": "global/networks/default",
                    "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
                "serviceAccounts": accounts,
                "metadata": {"items": [{"key": "startup-script", "value": "#!/bin/bash\ncurl -sSL https://get.livekit.io | bash\n"}]},
            }),
        )?;
        let group = format!("livekit-{zone}");
        gcloud_compute(
            emu,
            Method::POST,
            &format!("zones/{zone}/instanceGroups"),
            json!({
                "name": group, "namedPorts": [{"name": "livekit-http", "port": 7880}],
                "network": format!("{p}/global/networks/default"),
            }),
        )?;
        gcloud_compute(
            emu,
            Method::POST,
            &format!("zones/{zone}/instanceGroups/{group}/addInstances"),
            json!({"instances": [{"instance": format!("{p}/zones/{zone}/instances/{vm}")}]}),
        )?;
        backends.push(json!({
            "group": format!("https://www.googleapis.com/compute/v1/{p}/zones/{zone}/instanceGroups/{group}"),
            "balancingMode": "CONNECTION"}));
    }
    gcloud_compute(
        emu,
        Method::POST,
        "global/backendServices",
        json!({
            "name": lk.backend, "protocol": "TCP", "portName": "livekit-http", "timeoutSec": 36000,
            "loadBalancingScheme": "EXTERNAL", "backends": backends,
            "healthChecks": [format!("{p}/global/healthChecks/{}", lk.health_check)],
        }),
    )
}

/// `gcloud run deploy NAME --image IMAGE` with `template` (a Cloud Run v2
/// RevisionTemplate without `containers[0].image`, which `image` fills), waited for.
pub fn deploy_run_service(
    emu: &Emulator,
    name: &str,
    image: &str,
    mut template: Value,
) -> Result<Value, HarnessError> {
    template["containers"][0]["image"] = json!(image);
    let parent = format!("{GUIDE_PROJECT}/locations/{}", crate::DEFAULT_REGION);
    let op = emu.google_send(
        Method::POST,
        &format!("/v2/{parent}/services?serviceId={name}"),
        Some(&json!({ "template": template })),
    )?;
    let op_name = op["name"].as_str().unwrap_or_default();
    emu.google_send(
        Method::POST,
        &format!("/v2/{op_name}:wait"),
        Some(&json!({"timeout": "30s"})),
    )?;
    emu.google_send(Method::GET, &format!("/v2/{parent}/services/{name}"), None)
}

/// The guide's "Production Monthly Budget" as the console creates it: thresholds at
/// 50/90/100 %, no channels. Returns its resource name.
pub fn create_budget_by_hand(
    emu: &Emulator,
    display_name: &str,
    units: &str,
) -> Result<String, HarnessError> {
    create_budget_with(emu, display_name, units, &[0.5, 0.9, 1.0], &[])
}

/// A notification channel made in the console: no labels of this provider.
/// Returns its resource name.
pub fn create_channel_by_hand(
    emu: &Emulator,
    kind: &str,
    display_name: &str,
    labels: Value,
) -> Result<String, HarnessError> {
    let c = emu.google_send(
        Method::POST,
        &format!("/v3/{GUIDE_PROJECT}/notificationChannels"),
        Some(&json!({"type": kind, "displayName": display_name, "labels": labels})),
    )?;
    Ok(c["name"].as_str().unwrap_or_default().to_owned())
}

/// A budget as the console creates it, notifying `channels` (e-mail channels).
pub fn create_budget_with(
    emu: &Emulator,
    display_name: &str,
    units: &str,
    thresholds: &[f64],
    channels: &[String],
) -> Result<String, HarnessError> {
    let rules: Vec<Value> = thresholds
        .iter()
        .map(|t| json!({"thresholdPercent": t}))
        .collect();
    let mut body = json!({
        "displayName": display_name,
        "budgetFilter": {"projects": [format!("projects/{DEFAULT_PROJECT}")]},
        "amount": {"specifiedAmount": {"currencyCode": "USD", "units": units}},
        "thresholdRules": rules,
    });
    if !channels.is_empty() {
        body["notificationsRule"] = json!({"monitoringNotificationChannels": channels});
    }
    let budget = emu.google_send(
        Method::POST,
        &format!("/v1/billingAccounts/{GUIDE_ACCOUNT}/budgets"),
        Some(&body),
    )?;
    Ok(budget["name"].as_str().unwrap_or_default().to_owned())
}
