//! Environment variable names the google provider reads, in precedence order.

use gcp_client::Service;

pub(crate) const CREDENTIALS: &[&str] = &[
    "GOOGLE_CREDENTIALS",
    "GOOGLE_CLOUD_KEYFILE_JSON",
    "GCLOUD_KEYFILE_JSON",
];
pub(crate) const ACCESS_TOKEN: &[&str] = &["GOOGLE_OAUTH_ACCESS_TOKEN"];
pub(crate) const PROJECT: &[&str] = &[
    "GOOGLE_PROJECT",
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
    "CLOUDSDK_CORE_PROJECT",
];
pub(crate) const REGION: &[&str] = &["GOOGLE_REGION", "GCLOUD_REGION", "CLOUDSDK_COMPUTE_REGION"];
pub(crate) const ZONE: &[&str] = &["GOOGLE_ZONE", "GCLOUD_ZONE", "CLOUDSDK_COMPUTE_ZONE"];
pub(crate) const IMPERSONATE: &[&str] = &["GOOGLE_IMPERSONATE_SERVICE_ACCOUNT"];
pub(crate) const BILLING_PROJECT: &[&str] = &["GOOGLE_BILLING_PROJECT"];
pub(crate) const USER_PROJECT_OVERRIDE: &[&str] = &["USER_PROJECT_OVERRIDE"];

/// `compute_custom_endpoint`, `cloud_run_v2_custom_endpoint`, ...
pub fn endpoint_attribute(service: Service) -> String {
    format!("{}_custom_endpoint", service.name())
}

/// `GOOGLE_COMPUTE_CUSTOM_ENDPOINT`, `GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT`, ...
pub fn endpoint_env_var(service: Service) -> String {
    format!(
        "GOOGLE_{}_CUSTOM_ENDPOINT",
        service.name().to_ascii_uppercase()
    )
}
