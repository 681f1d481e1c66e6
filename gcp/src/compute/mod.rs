//! Compute Engine v1. One file per resource family; field names follow the discovery
//! document exactly (int64 fields are JSON strings).

mod projects;
mod regions;
mod zones;

pub use projects::Project;
pub use regions::{Quota, Region};
pub use zones::Zone;

use crate::api::ApiClient;
use crate::endpoints::Service;

#[derive(Debug, Clone)]
pub struct ComputeClient {
    api: ApiClient,
}

impl ComputeClient {
    pub fn new(api: ApiClient) -> Self {
        ComputeClient { api }
    }

    fn url(&self, path: &str) -> String {
        self.api.url(Service::Compute, path)
    }
}
