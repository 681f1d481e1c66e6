//! Authenticated JSON calls: a bearer from the token source on top of [`Transport`].

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::auth::TokenSource;
use crate::endpoints::{Endpoints, Service};
use crate::http::{Request, Transport};
use crate::Error;

/// Everything an API client needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub(crate) transport: Arc<Transport>,
    pub(crate) tokens: Arc<dyn TokenSource>,
    pub(crate) endpoints: Arc<Endpoints>,
    /// Sent as `X-Goog-User-Project` (quota/billing project) when set.
    pub(crate) user_project: Option<String>,
}

impl ApiClient {
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// `base(service)` + `path`.
    pub fn url(&self, service: Service, path: &str) -> String {
        self.endpoints.url(service, path)
    }

    pub async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<T, Error> {
        self.call(Method::GET, url, None::<&()>).await
    }

    /// GET with query parameters (values are URL-encoded here).
    pub async fn get_query<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, Error> {
        self.get(&with_query(url, query)?).await
    }

    pub async fn post<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.call(Method::POST, url, Some(body)).await
    }

    pub async fn patch<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.call(Method::PATCH, url, Some(body)).await
    }

    pub async fn delete<T: DeserializeOwned>(&self, url: &str) -> Result<T, Error> {
        self.call(Method::DELETE, url, None::<&()>).await
    }

    /// Any method; `body` is serialized as JSON when present.
    pub async fn call<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: Option<&B>,
    ) -> Result<T, Error> {
        let token = self.tokens.token().await?;
        let mut req = Request::new(method, url).bearer(token.secret());
        if let Some(b) = body {
            req = req.json(serde_json::to_value(b).map_err(|e| Error::Encode(e.to_string()))?);
        }
        if let Some(p) = &self.user_project {
            req = req.header("X-Goog-User-Project", p.clone());
        }
        Ok(self.transport.send_json(req).await?)
    }
}

/// `url` with `query` appended (values URL-encoded).
pub fn with_query(url: &str, query: &[(&str, &str)]) -> Result<String, Error> {
    let mut u = url::Url::parse(url).map_err(|e| {
        Error::Http(crate::http::HttpError::InvalidUrl {
            url: url.to_owned(),
            message: e.to_string(),
        })
    })?;
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query);
    }
    Ok(u.into())
}
