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
    let op = emu.google_send(
        method,
        &format!("/compute/v1/{GUIDE_PROJECT}/{path}"),
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

/// The guide's LiveKit deployment, built by hand: `livekit-server-<zone>` VMs with a
/// startup script and no labels, groups `livekit-<zone>` with the named port,
/// health check `livekit-hc`, backend service `backend`.
pub fn build_livekit_by_hand(
    emu: &Emulator,
    backend: &str,
    zones: &[&str],
) -> Result<(), HarnessError> {
    let p = GUIDE_PROJECT;
    let hc = json!({"name": "livekit-hc", "type": "HTTP",
        "httpHealthCheck": {"port": 7880, "requestPath": "/"}});
    gcloud_compute(emu, Method::POST, "global/healthChecks", hc)?;
    let mut backends = Vec::new();
    for zone in zones {
        let vm = format!("livekit-server-{zone}");
        gcloud_compute(
            emu,
            Method::POST,
            &format!("zones/{zone}/instances"),
            json!({
                "name": vm,
                "machineType": format!("zones/{zone}/machineTypes/n2-standard-4"),
                "tags": {"items": ["livekit-server"]},
                "disks": [{"boot": true, "autoDelete": true, "initializeParams": {
                    "sourceImage": "projects/ubuntu-os-cloud/global/images/family/ubuntu-2204-lts",
                    "diskSizeGb": "50", "diskType": format!("zones/{zone}/diskTypes/pd-ssd")}}],
                "networkInterfaces": [{"network": "global/networks/default",
                    "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
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
            "name": backend, "protocol": "TCP", "portName": "livekit-http", "timeoutSec": 36000,
            "loadBalancingScheme": "EXTERNAL", "backends": backends,
            "healthChecks": [format!("{p}/global/healthChecks/livekit-hc")],
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
    let budget = emu.google_send(
        Method::POST,
        &format!("/v1/billingAccounts/{GUIDE_ACCOUNT}/budgets"),
        Some(&json!({
            "displayName": display_name,
            "budgetFilter": {"projects": [format!("projects/{DEFAULT_PROJECT}")]},
            "amount": {"specifiedAmount": {"currencyCode": "USD", "units": units}},
            "thresholdRules": [
                {"thresholdPercent": 0.5}, {"thresholdPercent": 0.9}, {"thresholdPercent": 1.0}
            ],
        })),
    )?;
    Ok(budget["name"].as_str().unwrap_or_default().to_owned())
}
