//! The credentials JSON formats gcloud and the IAM console produce.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::AuthError;

const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

fn default_token_uri() -> String {
    DEFAULT_TOKEN_URI.to_owned()
}

/// A parsed credentials file, by its `type`.
#[derive(Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CredentialsFile {
    ServiceAccount(ServiceAccountKey),
    AuthorizedUser(AuthorizedUser),
    ExternalAccount(ExternalAccount),
}

impl std::fmt::Debug for CredentialsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets live in every variant; name the kind only.
        f.write_str(match self {
            CredentialsFile::ServiceAccount(_) => "CredentialsFile::ServiceAccount",
            CredentialsFile::AuthorizedUser(_) => "CredentialsFile::AuthorizedUser",
            CredentialsFile::ExternalAccount(_) => "CredentialsFile::ExternalAccount",
        })
    }
}

#[derive(Clone, Deserialize)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub private_key_id: Option<String>,
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default = "default_token_uri")]
    pub token_uri: String,
}

#[derive(Clone, Deserialize)]
pub struct AuthorizedUser {
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    #[serde(default = "default_token_uri")]
    pub token_uri: String,
    #[serde(default)]
    pub quota_project_id: Option<String>,
}

#[derive(Clone, Deserialize)]
pub struct ExternalAccount {
    pub audience: String,
    pub subject_token_type: String,
    pub token_url: String,
    #[serde(default)]
    pub service_account_impersonation_url: Option<String>,
    pub credential_source: CredentialSource,
}

#[derive(Clone, Deserialize)]
pub struct CredentialSource {
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub format: Option<SourceFormat>,
}

#[derive(Clone, Deserialize)]
pub struct SourceFormat {
    /// `text` (default) or `json`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub subject_token_field_name: Option<String>,
}

/// Parse credentials JSON; `origin` ("file /x", "from GOOGLE_CREDENTIALS") prefixes errors.
pub fn parse_credentials_json(origin: &str, text: &str) -> Result<CredentialsFile, AuthError> {
    let invalid = |message: String| AuthError::InvalidCredentials {
        origin: origin.to_owned(),
        message,
    };
    let raw: serde_json::Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("invalid JSON ({e})")))?;
    let kind = raw
        .get("type")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !matches!(
        kind.as_str(),
        "service_account" | "authorized_user" | "external_account"
    ) {
        return Err(invalid(format!(
            "not a service_account/authorized_user/external_account JSON (type is {kind:?})"
        )));
    }
    let parsed: CredentialsFile =
        serde_json::from_value(raw).map_err(|e| invalid(format!("{kind} JSON: {e}")))?;
    if let CredentialsFile::ExternalAccount(ea) = &parsed {
        let s = &ea.credential_source;
        if s.file.is_none() && s.url.is_none() {
            return Err(invalid("external_account credential_source needs `file` or `url` (executable and AWS sources are not supported)".into()));
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_type() {
        let e =
            parse_credentials_json("file /x", r#"{"type":"gdch_service_account"}"#).unwrap_err();
        assert!(
            e.to_string().contains(
                "credentials file /x: not a service_account/authorized_user/external_account JSON"
            ),
            "{e}"
        );
    }

    #[test]
    fn reports_missing_fields() {
        let e = parse_credentials_json(
            "file /x",
            r#"{"type":"service_account","client_email":"a@b"}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("private_key"), "{e}");
    }

    #[test]
    fn authorized_user_defaults_token_uri() {
        let c = parse_credentials_json(
            "t",
            r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}"#,
        )
        .unwrap();
        let CredentialsFile::AuthorizedUser(u) = c else {
            panic!("wrong kind")
        };
        assert_eq!(u.token_uri, DEFAULT_TOKEN_URI);
    }

    #[test]
    fn external_account_needs_a_source() {
        let e = parse_credentials_json(
            "t",
            r#"{"type":"external_account","audience":"a","subject_token_type":"t","token_url":"u","credential_source":{}}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("credential_source"), "{e}");
    }
}
