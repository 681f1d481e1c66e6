//! The OAuth2 token endpoint exchange shared by several flows.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;

use super::{AccessToken, AuthError};
use crate::http::{Request, Transport};

/// RFC 6749 token response (also STS and the metadata server).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// POST a form to a token endpoint (or GET the metadata server) and read the token.
pub(crate) async fn exchange(
    transport: &Transport,
    flow: &'static str,
    req: Request,
) -> Result<AccessToken, AuthError> {
    let resp: TokenResponse = transport
        .send_json(req)
        .await
        .map_err(|source| AuthError::Http { flow, source })?;
    if resp.access_token.is_empty() {
        return Err(AuthError::BadResponse {
            flow,
            message: "empty access_token".into(),
        });
    }
    let expires_at = resp
        .expires_in
        .map(|s| Instant::now() + Duration::from_secs(s));
    Ok(AccessToken::new(resp.access_token, expires_at))
}

pub(crate) fn form_post(url: &str, fields: &[(&str, &str)]) -> Request {
    Request::new(Method::POST, url).form(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}
