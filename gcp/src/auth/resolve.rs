//! Which credential to use: explicit token, explicit credentials, or Application
//! Default Credentials — then optional impersonation on top.

use std::path::Path;
use std::sync::Arc;

use super::cache::{Cached, Static};
use super::credentials_file::{parse_credentials_json, CredentialsFile};
use super::external_account::Sts;
use super::impersonate::{generate_access_token_url, Impersonated};
use super::metadata::{Metadata, DEFAULT_HOST};
use super::service_account::ServiceAccount;
use super::user::User;
use super::{read_file, AccessToken, AuthError, EnvLookup, TokenSource};
use crate::endpoints::{Endpoints, Service};
use crate::http::Transport;

/// Where the base credential comes from.
#[derive(Clone)]
pub enum CredentialsSpec {
    /// A ready OAuth2 access token; never refreshed.
    AccessToken(String),
    /// Credentials JSON text; `origin` says where it came from, for error messages.
    Json { origin: String, json: String },
    /// `GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's ADC file, then the metadata server.
    ApplicationDefault,
}

impl std::fmt::Debug for CredentialsSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialsSpec::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
            CredentialsSpec::Json { origin, .. } => write!(f, "Json({origin})"),
            CredentialsSpec::ApplicationDefault => f.write_str("ApplicationDefault"),
        }
    }
}

impl CredentialsSpec {
    /// The google provider's `credentials` semantics: JSON content, or a path to it.
    /// The content is parsed here so that mistakes surface at configure time.
    pub fn from_path_or_json(value: &str) -> Result<Self, AuthError> {
        let (origin, json) = if looks_like_json(value) {
            ("(JSON content)".to_owned(), value.to_owned())
        } else {
            (format!("file {value}"), read_file(value)?)
        };
        parse_credentials_json(&origin, &json)?;
        Ok(CredentialsSpec::Json { origin, json })
    }
}

/// JSON content rather than a path (a path never starts with `{`).
pub fn looks_like_json(value: &str) -> bool {
    value.trim_start().starts_with('{')
}

/// Build the token source for a configuration.
pub fn token_source(
    spec: &CredentialsSpec,
    impersonate_service_account: Option<&str>,
    scopes: &[String],
    endpoints: &Endpoints,
    transport: Arc<Transport>,
    env: &EnvLookup,
) -> Result<Arc<dyn TokenSource>, AuthError> {
    let base: Arc<dyn TokenSource> = match spec {
        CredentialsSpec::AccessToken(t) => Arc::new(Static(AccessToken::new(t.clone(), None))),
        CredentialsSpec::Json { origin, json } => {
            from_json(origin, json, scopes, endpoints, transport.clone())?
        }
        CredentialsSpec::ApplicationDefault => {
            application_default(scopes, endpoints, transport.clone(), env)?
        }
    };
    Ok(match impersonate_service_account {
        Some(email) => {
            let url = generate_access_token_url(endpoints.base(Service::IamCredentials), email);
            Arc::new(Cached::new(Impersonated::new(
                base,
                url,
                scopes.to_vec(),
                transport,
            )))
        }
        None => base,
    })
}

fn from_json(
    origin: &str,
    json: &str,
    scopes: &[String],
    endpoints: &Endpoints,
    transport: Arc<Transport>,
) -> Result<Arc<dyn TokenSource>, AuthError> {
    Ok(match parse_credentials_json(origin, json)? {
        CredentialsFile::ServiceAccount(key) => Arc::new(Cached::new(ServiceAccount::new(
            origin, key, scopes, transport,
        )?)),
        CredentialsFile::AuthorizedUser(user) => Arc::new(Cached::new(User::new(user, transport))),
        CredentialsFile::ExternalAccount(account) => {
            let token_url = endpoints.rebase(&account.token_url);
            let impersonation = account
                .service_account_impersonation_url
                .as_deref()
                .map(|u| endpoints.rebase(u));
            let sts: Arc<dyn TokenSource> = Arc::new(Cached::new(Sts::new(
                account,
                token_url,
                scopes,
                transport.clone(),
            )));
            match impersonation {
                Some(url) => Arc::new(Cached::new(Impersonated::new(
                    sts,
                    url,
                    scopes.to_vec(),
                    transport,
                ))),
                None => sts,
            }
        }
    })
}

fn application_default(
    scopes: &[String],
    endpoints: &Endpoints,
    transport: Arc<Transport>,
    env: &EnvLookup,
) -> Result<Arc<dyn TokenSource>, AuthError> {
    if let Some(path) = env("GOOGLE_APPLICATION_CREDENTIALS") {
        let origin = format!("file {path} (from GOOGLE_APPLICATION_CREDENTIALS)");
        return from_json(&origin, &read_file(&path)?, scopes, endpoints, transport);
    }
    if let Some(path) = gcloud_adc_path(env, cfg!(windows)).filter(|p| Path::new(p).is_file()) {
        let origin = format!("file {path} (gcloud application default credentials)");
        return from_json(&origin, &read_file(&path)?, scopes, endpoints, transport);
    }
    let host = env("GCE_METADATA_HOST").unwrap_or_else(|| DEFAULT_HOST.to_owned());
    tracing::debug!(%host, "no credentials configured; using the metadata server");
    Ok(Arc::new(Cached::new(Metadata::new(host, transport))))
}

/// `$CLOUDSDK_CONFIG/application_default_credentials.json`, else where gcloud keeps it:
/// `%APPDATA%\gcloud` on Windows, `~/.config/gcloud` elsewhere. `windows` is a parameter
/// rather than a cfg so both branches are unit-tested on every platform.
fn gcloud_adc_path(env: &EnvLookup, windows: bool) -> Option<String> {
    const FILE: &str = "application_default_credentials.json";
    let dir = match env("CLOUDSDK_CONFIG") {
        Some(dir) => Path::new(&dir).to_path_buf(),
        None if windows => Path::new(&env("APPDATA")?).join("gcloud"),
        None => Path::new(&env("HOME")?).join(".config").join("gcloud"),
    };
    Some(dir.join(FILE).display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcloud_adc_path_per_platform() {
        let lookup = |vars: &'static [(&'static str, &'static str)]| -> EnvLookup {
            Arc::new(move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            })
        };
        let file = "application_default_credentials.json";
        let unix = lookup(&[("HOME", "/home/u"), ("APPDATA", "/appdata")]);
        assert_eq!(
            gcloud_adc_path(&unix, false),
            Some(
                Path::new("/home/u/.config/gcloud")
                    .join(file)
                    .display()
                    .to_string()
            )
        );
        assert_eq!(
            gcloud_adc_path(&unix, true),
            Some(
                Path::new("/appdata/gcloud")
                    .join(file)
                    .display()
                    .to_string()
            )
        );
        let configured = lookup(&[("CLOUDSDK_CONFIG", "/cfg"), ("HOME", "/home/u")]);
        assert_eq!(
            gcloud_adc_path(&configured, true),
            Some(Path::new("/cfg").join(file).display().to_string())
        );
        assert_eq!(gcloud_adc_path(&lookup(&[]), false), None);
    }

    #[test]
    fn path_or_json() {
        assert!(looks_like_json("  {\"type\":1}"));
        assert!(!looks_like_json("/home/me/key.json"));
        let e = CredentialsSpec::from_path_or_json("/nope/key.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot read file /nope/key.json: No such file or directory"
        );
        let e = CredentialsSpec::from_path_or_json("{not json").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("credentials (JSON content): invalid JSON"),
            "{e}"
        );
    }

    #[test]
    fn debug_hides_token() {
        assert!(
            !format!("{:?}", CredentialsSpec::AccessToken("secret-tok".into()))
                .contains("secret-tok")
        );
    }
}
