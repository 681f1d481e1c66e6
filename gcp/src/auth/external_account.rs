//! `external_account` credentials (workload identity federation, e.g. Terraform Cloud
//! dynamic credentials): subject token -> STS exchange -> optional impersonation.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::Method;

use super::cache::Fetch;
use super::credentials_file::{CredentialSource, ExternalAccount};
use super::oauth::{exchange, form_post};
use super::{read_file, AccessToken, AuthError};
use crate::http::{Request, Transport};

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// Produces the federated (STS) token; impersonation, if any, is layered on by the resolver.
pub(crate) struct Sts {
    account: ExternalAccount,
    /// `token_url` after rebasing onto the configured STS endpoint.
    token_url: String,
    scope: String,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for Sts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExternalAccountSts")
            .field("audience", &self.account.audience)
            .finish_non_exhaustive()
    }
}

impl Sts {
    pub(crate) fn new(
        account: ExternalAccount,
        token_url: String,
        scopes: &[String],
        transport: Arc<Transport>,
    ) -> Self {
        Sts {
            account,
            token_url,
            scope: scopes.join(" "),
            transport,
        }
    }

    async fn subject_token(&self) -> Result<String, AuthError> {
        let src = &self.account.credential_source;
        let raw = match (&src.file, &src.url) {
            (Some(path), _) => read_file(path)?,
            (None, Some(url)) => self.fetch_url(url, src).await?,
            (None, None) => {
                return Err(AuthError::SubjectToken(
                    "credential_source has neither file nor url".into(),
                ))
            }
        };
        extract_subject_token(&raw, src)
    }

    async fn fetch_url(&self, url: &str, src: &CredentialSource) -> Result<String, AuthError> {
        let mut req = Request::new(Method::GET, url);
        for (name, value) in &src.headers {
            req = req.header(name.clone(), value.clone());
        }
        let bytes = self
            .transport
            .send(req)
            .await
            .map_err(|source| AuthError::Http {
                flow: "external_account credential_source.url",
                source,
            })?;
        String::from_utf8(bytes).map_err(|_| {
            AuthError::SubjectToken("credential_source.url returned non-UTF-8 data".into())
        })
    }
}

/// Apply `format`: `text` uses the whole content, `json` reads `subject_token_field_name`.
fn extract_subject_token(raw: &str, src: &CredentialSource) -> Result<String, AuthError> {
    let format = src.format.as_ref();
    let kind = format.and_then(|f| f.kind.as_deref()).unwrap_or("text");
    let token = match kind {
        "text" => raw.trim().to_owned(),
        "json" => {
            let field = format
                .and_then(|f| f.subject_token_field_name.as_deref())
                .ok_or_else(|| {
                    AuthError::SubjectToken(
                        "format.type is json but subject_token_field_name is not set".into(),
                    )
                })?;
            let v: serde_json::Value = serde_json::from_str(raw)
                .map_err(|e| AuthError::SubjectToken(format!("source is not JSON ({e})")))?;
            v.get(field)
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| {
                    AuthError::SubjectToken(format!("JSON source has no string field {field:?}"))
                })?
                .to_owned()
        }
        other => {
            return Err(AuthError::SubjectToken(format!(
                "unsupported format.type {other:?} (use text or json)"
            )))
        }
    };
    if token.is_empty() {
        return Err(AuthError::SubjectToken("the subject token is empty".into()));
    }
    Ok(token)
}

#[async_trait]
impl Fetch for Sts {
    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let subject = self.subject_token().await?;
        let a = &self.account;
        let req = form_post(
            &self.token_url,
            &[
                ("grant_type", TOKEN_EXCHANGE),
                ("audience", &a.audience),
                ("scope", &self.scope),
                ("requested_token_type", ACCESS_TOKEN_TYPE),
                ("subject_token", &subject),
                ("subject_token_type", &a.subject_token_type),
            ],
        );
        exchange(&self.transport, "external_account STS token exchange", req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::credentials_file::SourceFormat;

    fn source(kind: Option<&str>, field: Option<&str>) -> CredentialSource {
        CredentialSource {
            file: Some("/x".into()),
            url: None,
            headers: Default::default(),
            format: Some(SourceFormat {
                kind: kind.map(Into::into),
                subject_token_field_name: field.map(Into::into),
            }),
        }
    }

    #[test]
    fn text_and_json_formats() {
        assert_eq!(
            extract_subject_token(" tok\n", &source(None, None)).unwrap(),
            "tok"
        );
        assert_eq!(
            extract_subject_token(
                r#"{"id_token":"abc"}"#,
                &source(Some("json"), Some("id_token"))
            )
            .unwrap(),
            "abc"
        );
        assert!(
            extract_subject_token(r#"{"x":"abc"}"#, &source(Some("json"), Some("id_token")))
                .is_err()
        );
        assert!(extract_subject_token("", &source(Some("text"), None)).is_err());
    }
}
