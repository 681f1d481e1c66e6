//! Credentials and access tokens, implemented here rather than with google-cloud-auth
//! because every flow (token URI, STS, IAM Credentials, metadata server) must be
//! redirectable to a local emulator.

mod cache;
mod credentials_file;
mod external_account;
mod impersonate;
mod metadata;
mod oauth;
mod resolve;
mod service_account;
mod user;

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

pub use credentials_file::{parse_credentials_json, CredentialsFile};
pub use resolve::{looks_like_json, token_source, CredentialsSpec};

use crate::http::HttpError;

/// Scopes used when the configuration names none.
pub const DEFAULT_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/userinfo.email",
];

/// An OAuth2 bearer token. `Debug` never shows the secret.
#[derive(Clone)]
pub struct AccessToken {
    secret: String,
    /// `None` for tokens whose lifetime we do not know (a static `access_token`).
    pub expires_at: Option<Instant>,
}

impl AccessToken {
    pub fn new(secret: impl Into<String>, expires_at: Option<Instant>) -> Self {
        AccessToken {
            secret: secret.into(),
            expires_at,
        }
    }

    /// The bearer value; hand it only to an `Authorization` header.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Something that yields a valid access token, refreshing as needed.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    async fn token(&self) -> Result<AccessToken, AuthError>;
}

/// Looks up an environment variable; injectable so tests never touch process env.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The real process environment (empty values count as unset).
pub fn process_env() -> EnvLookup {
    Arc::new(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("credentials {origin}: {message}")]
    InvalidCredentials { origin: String, message: String },
    #[error("cannot read file {path}: {message}")]
    ReadFile { path: String, message: String },
    #[error("cannot sign the service account JWT: {0}")]
    Sign(String),
    #[error("{flow}: {source}")]
    Http {
        flow: &'static str,
        #[source]
        source: HttpError,
    },
    #[error("{flow}: unexpected token response: {message}")]
    BadResponse { flow: &'static str, message: String },
    #[error("external_account subject token: {0}")]
    SubjectToken(String),
}

/// Read a file, describing failures the way users see them ("No such file or directory").
pub(crate) fn read_file(path: &str) -> Result<String, AuthError> {
    std::fs::read_to_string(path).map_err(|e| AuthError::ReadFile {
        path: path.to_owned(),
        message: io_message(&e),
    })
}

fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    // std appends " (os error N)"; users need only the OS text.
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secret() {
        let t = AccessToken::new("ya29.very-secret", None);
        assert!(!format!("{t:?}").contains("very-secret"));
    }

    #[test]
    fn read_missing_file_message() {
        let e = read_file("/definitely/not/here.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read file /definitely/not/here.json: No such file or directory"
        );
    }
}
