//! IAM Credentials `generateAccessToken`: a short-lived token for another service
//! account, authorised by a base credential.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::Method;
use serde::Deserialize;

use super::cache::Fetch;
use super::{AccessToken, AuthError, TokenSource};
use crate::http::{Request, Transport};

#[derive(Debug)]
pub(crate) struct Impersonated {
    base: Arc<dyn TokenSource>,
    /// Full `...:generateAccessToken` URL.
    url: String,
    scopes: Vec<String>,
    transport: Arc<Transport>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateAccessTokenResponse {
    access_token: String,
    expire_time: String,
}

impl Impersonated {
    pub(crate) fn new(
        base: Arc<dyn TokenSource>,
        url: String,
        scopes: Vec<String>,
        transport: Arc<Transport>,
    ) -> Self {
        Impersonated {
            base,
            url,
            scopes,
            transport,
        }
    }
}

/// `{iam_credentials}projects/-/serviceAccounts/{email}:generateAccessToken`.
pub(crate) fn generate_access_token_url(iam_base: &str, email: &str) -> String {
    format!("{iam_base}projects/-/serviceAccounts/{email}:generateAccessToken")
}

#[async_trait]
impl Fetch for Impersonated {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        const FLOW: &str = "service account impersonation (generateAccessToken)";
        let base = self.base.token().await?;
        let req = Request::new(Method::POST, &self.url)
            .bearer(base.secret())
            .json(serde_json::json!({ "scope": self.scopes, "lifetime": "3600s" }));
        let resp: GenerateAccessTokenResponse = self
            .transport
            .send_json(req)
            .await
            .map_err(|source| AuthError::Http { flow: FLOW, source })?;
        let expire = time::OffsetDateTime::parse(
            &resp.expire_time,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| AuthError::BadResponse {
            flow: FLOW,
            message: format!("expireTime {:?}: {e}", resp.expire_time),
        })?;
        let left = expire - time::OffsetDateTime::now_utc();
        let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
        Ok(AccessToken::new(
            resp.access_token,
            Some(Instant::now() + left),
        ))
    }
}
