//! Shared plumbing for Compute collections: paged lists and `requestId` URLs.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::api::ApiClient;
use crate::Error;

/// One page of a list response: its items and where the next page starts.
pub(crate) trait Paged: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// The common page shape: `{"items": [...], "nextPageToken": "..."}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
    #[serde(default)]
    next_page_token: Option<String>,
}

impl<T: DeserializeOwned> Paged for Page<T> {
    type Item = T;
    fn into_parts(self) -> (Vec<T>, Option<String>) {
        (self.items, self.next_page_token)
    }
}

/// Calls `fetch` with the previous page's token until a page comes back
/// without one (Compute sends an empty token on the last page, too).
pub(crate) async fn collect_pages<T, Fut>(
    mut fetch: impl FnMut(Option<String>) -> Fut,
) -> Result<Vec<T>, Error>
where
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>>,
{
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let (items, next) = fetch(token.take()).await?;
        out.extend(items);
        match next.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// Every item of a `*.list` call (GET) matching `filter`, across all pages.
pub(crate) async fn list_all<T: DeserializeOwned>(
    api: &ApiClient,
    url: &str,
    filter: Option<&str>,
) -> Result<Vec<T>, Error> {
    list_paged::<Page<T>>(api, url, filter).await
}

/// Like [`list_all`], for lists whose pages have another shape (aggregated lists).
pub(crate) async fn list_paged<P: Paged>(
    api: &ApiClient,
    url: &str,
    filter: Option<&str>,
) -> Result<Vec<P::Item>, Error> {
    collect_pages(|token| async move {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(f) = filter {
            query.push(("filter", f));
        }
        if let Some(t) = token.as_deref() {
            query.push(("pageToken", t));
        }
        let page: P = api.get_query(url, &query).await?;
        Ok(page.into_parts())
    })
    .await
}

/// `url?requestId=ID`: Compute de-duplicates a retried mutation by this id.
pub(crate) fn with_request_id(url: &str, request_id: &str) -> String {
    format!("{url}?requestId={request_id}")
}
