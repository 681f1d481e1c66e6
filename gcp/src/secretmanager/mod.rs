//! Secret Manager v1: secrets, read (what `platform adopt` looks up).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::api::ApiClient;
use crate::endpoints::Service;
use crate::{Error, Optional};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Secret {
    /// `projects/<number>/secrets/S`, whichever form the request used.
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub create_time: String,
}

#[derive(Debug, Clone)]
pub struct SecretManagerClient {
    api: ApiClient,
}

impl SecretManagerClient {
    pub fn new(api: ApiClient) -> Self {
        SecretManagerClient { api }
    }

    /// `name` is `projects/P/secrets/S` (P an ID or number); None when it does not exist.
    pub async fn get_secret(&self, name: &str) -> Result<Option<Secret>, Error> {
        self.api
            .get(&self.api.url(Service::SecretManager, name))
            .await
            .optional()
    }
}
