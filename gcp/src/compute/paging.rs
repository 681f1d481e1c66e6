//! Shared plumbing for Compute collections: paged lists and `requestId` URLs.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api::ApiClient;
use crate::Error;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// Every item of a `*.list` call (GET) matching `filter`, across all pages.
pub(crate) async fn list_all<T: DeserializeOwned>(
    api: &ApiClient,
    url: &str,
    filter: Option<&str>,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(f) = filter {
            query.push(("filter", f));
        }
        if let Some(t) = token.as_deref() {
            query.push(("pageToken", t));
        }
        let page: Page<T> = api.get_query(url, &query).await?;
        out.extend(page.items);
        match page.next_page_token.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// `url?requestId=ID`: Compute de-duplicates a retried mutation by this id.
pub(crate) fn with_request_id(url: &str, request_id: &str) -> String {
    format!("{url}?requestId={request_id}")
}
