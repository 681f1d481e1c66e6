//! Cloud Run Admin v2: services, revisions and their long-running operations.

mod types;

pub use types::*;

use crate::Optional;
use std::time::Duration;

use serde_json::Value;

use crate::api::ApiClient;
use crate::endpoints::Service as Api;
use crate::operations::{LongRunningOperation, WaitOptions};
use crate::Error;

/// Longest single `operations.wait` call.
const WAIT_SLICE: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct RunClient {
    api: ApiClient,
}

/// One page of a Cloud Run `list`: the items sit under the collection's own
/// name (`revisions`, `services`), so both are read and one of them is empty.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new", alias = "revisions", alias = "services")]
    items: Vec<T>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// `projects/{p}/locations/{l}/services/{s}`.
pub fn service_name(project: &str, location: &str, service: &str) -> String {
    format!("projects/{project}/locations/{location}/services/{service}")
}

impl RunClient {
    pub fn new(api: ApiClient) -> Self {
        RunClient { api }
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<String, Error> {
        let base = self.api.url(Api::CloudRunV2, path);
        let mut u = url::Url::parse(&base).map_err(|e| {
            Error::Http(crate::http::HttpError::InvalidUrl {
                url: base.clone(),
                message: e.to_string(),
            })
        })?;
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        Ok(u.into())
    }

    pub async fn get_service(&self, name: &str) -> Result<Service, Error> {
        self.api.get(&self.url(name, &[])?).await
    }

    /// `None` when the service does not exist.
    pub async fn find_service(&self, name: &str) -> Result<Option<Service>, Error> {
        self.get_service(name).await.optional()
    }

    /// Starts creating `service` under `projects/{p}/locations/{l}`.
    pub async fn create_service(
        &self,
        parent: &str,
        service_id: &str,
        service: &Service,
    ) -> Result<LongRunningOperation, Error> {
        let url = self.url(&format!("{parent}/services"), &[("serviceId", service_id)])?;
        self.api.post(&url, service).await
    }

    /// Starts a PATCH of the fields in `update_mask` (e.g. `["traffic"]`);
    /// `service.etag` guards against concurrent writers when set.
    pub async fn patch_service(
        &self,
        service: &Service,
        update_mask: &[&str],
    ) -> Result<LongRunningOperation, Error> {
        let mask = update_mask.join(",");
        let url = self.url(&service.name, &[("updateMask", mask.as_str())])?;
        self.api.patch(&url, service).await
    }

    pub async fn delete_service(
        &self,
        name: &str,
        etag: Option<&str>,
    ) -> Result<LongRunningOperation, Error> {
        let query: Vec<(&str, &str)> = etag.map(|e| ("etag", e)).into_iter().collect();
        self.api.delete(&self.url(name, &query)?).await
    }

    pub async fn get_revision(&self, name: &str) -> Result<Revision, Error> {
        self.api.get(&self.url(name, &[])?).await
    }

    /// Every revision of a service, newest first.
    pub async fn list_revisions(&self, service: &str) -> Result<Vec<Revision>, Error> {
        self.list_all(&format!("{service}/revisions")).await
    }

    /// Every service in `projects/P/locations/L`.
    pub async fn list_services(&self, parent: &str) -> Result<Vec<Service>, Error> {
        self.list_all(&format!("{parent}/services")).await
    }

    async fn list_all<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut token = String::new();
        loop {
            let mut query = Vec::new();
            if !token.is_empty() {
                query.push(("pageToken", token.as_str()));
            }
            let page: Page<T> = self.api.get(&self.url(path, &query)?).await?;
            out.extend(page.items);
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => token = t,
                None => return Ok(out),
            }
        }
    }

    /// Waits for a Run operation with `operations.wait`, which returns as soon as the
    /// operation is done: no poll interval is added to every traffic shift. Its error
    /// (e.g. an unready revision) is an error.
    pub async fn wait(
        &self,
        mut op: LongRunningOperation,
        opts: &WaitOptions,
    ) -> Result<LongRunningOperation, Error> {
        let deadline = tokio::time::Instant::now() + opts.timeout;
        while !op.done && !op.name.is_empty() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(Error::Operation(crate::OperationError::Timeout {
                    operation: op.name,
                    after: opts.timeout,
                }));
            }
            // Google caps one wait call (and proxies cut idle requests), so wait in slices.
            let slice = left.min(WAIT_SLICE);
            let url = self.url(&format!("{}:wait", op.name), &[])?;
            let body = serde_json::json!({ "timeout": format!("{:.3}s", slice.as_secs_f64()) });
            let name = op.name.clone();
            op = tokio::select! {
                () = opts.cancel.cancelled() => return Err(Error::Operation(crate::OperationError::Cancelled { operation: name })),
                r = self.api.post(&url, &body) => r?,
            };
        }
        op.check()?;
        Ok(op)
    }

    /// The service once `op` (a finished create/patch) has converged: the operation's
    /// response when it already shows the converged service, else [`Self::wait_converged`].
    pub async fn converged_after(
        &self,
        name: &str,
        op: &LongRunningOperation,
        opts: &WaitOptions,
    ) -> Result<Service, Error> {
        match operation_service(op) {
            Some(s) if s.converged() && !s.etag.is_empty() => Ok(s),
            _ => self.wait_converged(name, opts).await,
        }
    }

    /// Polls the service until it converged on its spec (see [`Service::converged`])
    /// or reports a failed terminal condition.
    pub async fn wait_converged(&self, name: &str, opts: &WaitOptions) -> Result<Service, Error> {
        let deadline = tokio::time::Instant::now() + opts.timeout;
        loop {
            let service = self.get_service(name).await?;
            let failed = !service.reconciling
                && service.generation == service.observed_generation
                && service
                    .terminal_condition
                    .as_ref()
                    .is_some_and(|c| c.state == CONDITION_FAILED);
            if service.converged() || failed {
                return Ok(service);
            }
            let pause = opts.poll_interval.min(Duration::from_millis(500));
            tokio::select! {
                () = opts.cancel.cancelled() => return Err(Error::Operation(crate::OperationError::Cancelled { operation: format!("{name} reconciliation") })),
                () = tokio::time::sleep_until(deadline) => return Err(Error::Operation(crate::OperationError::Timeout { operation: format!("{name} reconciliation"), after: opts.timeout })),
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}

/// The `Service` in a finished operation's response.
pub fn operation_service(op: &LongRunningOperation) -> Option<Service> {
    op.response
        .clone()
        .and_then(|v: Value| serde_json::from_value(v).ok())
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[test]
    fn pages_of_either_collection_decode() {
        let services: Page<Service> = serde_json::from_str(
            r#"{"services":[{"name":"projects/p/locations/l/services/a"}],"nextPageToken":"t"}"#,
        )
        .unwrap();
        assert_eq!(services.items.len(), 1);
        assert_eq!(services.next_page_token.as_deref(), Some("t"));
        let revisions: Page<Revision> =
            serde_json::from_str(r#"{"revisions":[{"name":"r"}]}"#).unwrap();
        assert_eq!(revisions.items.len(), 1);
        let empty: Page<Service> = serde_json::from_str("{}").unwrap();
        assert!(empty.items.is_empty());
    }
}
