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
    pub(crate) user_project: UserProject,
}

/// Which project a request's API quota is billed to (`X-Goog-User-Project`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum UserProject {
    /// No header: the credentials' own project pays.
    #[default]
    None,
    Fixed(String),
    /// The project the request is about (`projects/{p}/` in its URL), as the
    /// google provider does with `user_project_override` and no `billing_project`;
    /// requests outside a project (billing accounts) send none.
    OfResource,
}

impl UserProject {
    fn for_url(&self, url: &str) -> Option<String> {
        match self {
            UserProject::None => None,
            UserProject::Fixed(p) => Some(p.clone()),
            UserProject::OfResource => url
                .split_once("/projects/")
                .and_then(|(_, rest)| rest.split(['/', '?', ':']).next())
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        }
    }
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
        if let Some(p) = self.user_project.for_url(url) {
            req = req.header("X-Goog-User-Project", p);
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

#[cfg(test)]
mod tests {
    use super::UserProject;

    #[test]
    fn user_project_of_the_resource_comes_from_the_url() {
        let of = |url: &str| UserProject::OfResource.for_url(url);
        assert_eq!(
            of("https://run.googleapis.com/v2/projects/p-1/locations/l/services/s").as_deref(),
            Some("p-1")
        );
        assert_eq!(
            of("https://pubsub.googleapis.com/v1/projects/p-2:topics").as_deref(),
            Some("p-2")
        );
        assert_eq!(
            of("https://billingbudgets.googleapis.com/v1/billingAccounts/A/budgets"),
            None
        );
        assert_eq!(
            UserProject::Fixed("q".into())
                .for_url("https://x/v1/projects/p/y")
                .as_deref(),
            Some("q")
        );
        assert_eq!(UserProject::None.for_url("https://x/v1/projects/p/y"), None);
    }
}
