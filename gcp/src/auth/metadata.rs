//! The GCE metadata server (the last step of Application Default Credentials).

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;

use super::cache::Fetch;
use super::oauth::exchange;
use super::{AccessToken, AuthError};
use crate::http::{Request, Transport};

pub(crate) const DEFAULT_HOST: &str = "169.254.169.254";

#[derive(Debug)]
pub(crate) struct Metadata {
    /// `host[:port]`, from `GCE_METADATA_HOST` when set.
    host: String,
    transport: Arc<Transport>,
}

impl Metadata {
    pub(crate) fn new(host: String, transport: Arc<Transport>) -> Self {
        Metadata { host, transport }
    }
}

#[async_trait]
impl Fetch for Metadata {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let url = format!(
            "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
            self.host
        );
        let req = Request::new(Method::GET, url).header("Metadata-Flavor", "Google");
        exchange(&self.transport, "metadata server token (no credentials configured; Application Default Credentials fell back to the GCE metadata server)", req).await
    }
}
