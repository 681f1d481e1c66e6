//! Service account keys: a self-made RS256 JWT exchanged at the key's `token_uri`
//! (the JWT-bearer grant), which works against any token endpoint.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::cache::Fetch;
use super::credentials_file::ServiceAccountKey;
use super::oauth::{exchange, form_post};
use super::{AccessToken, AuthError};
use crate::http::Transport;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const LIFETIME_SECS: u64 = 3600;

pub(crate) struct ServiceAccount {
    client_email: String,
    key_id: Option<String>,
    key: EncodingKey,
    token_uri: String,
    scope: String,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl ServiceAccount {
    pub(crate) fn new(
        origin: &str,
        key: ServiceAccountKey,
        scopes: &[String],
        transport: Arc<Transport>,
    ) -> Result<Self, AuthError> {
        let encoding = EncodingKey::from_rsa_pem(key.private_key.as_bytes()).map_err(|e| {
            AuthError::InvalidCredentials {
                origin: origin.to_owned(),
                message: format!("private_key is not an RSA PEM key ({e})"),
            }
        })?;
        Ok(ServiceAccount {
            client_email: key.client_email,
            key_id: key.private_key_id,
            key: encoding,
            token_uri: key.token_uri,
            scope: scopes.join(" "),
            transport,
        })
    }

    fn assertion(&self) -> Result<String, AuthError> {
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| AuthError::Sign(e.to_string()))?
            .as_secs();
        let claims = Claims {
            iss: &self.client_email,
            scope: &self.scope,
            aud: &self.token_uri,
            iat,
            exp: iat + LIFETIME_SECS,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.key_id);
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }
}

#[async_trait]
impl Fetch for ServiceAccount {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let assertion = self.assertion()?;
        let req = form_post(
            &self.token_uri,
            &[("grant_type", JWT_BEARER), ("assertion", &assertion)],
        );
        exchange(&self.transport, "service account token", req).await
    }
}
