//! Merge configuration with environment fallbacks (config always wins).

use std::collections::BTreeMap;
use std::fmt;

use gcp_client::{EnvLookup, Service};
use tfplugin::{AttributePath, Value};

use super::env;
use super::schema::attr;

/// Where a setting came from, so diagnostics can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The provider block attribute of this name.
    Config(String),
    /// This environment variable.
    Env(String),
}

impl Source {
    /// The attribute path for a config value; env values have none.
    pub fn path(&self) -> Option<AttributePath> {
        match self {
            Source::Config(attr) => Some(AttributePath::root(attr)),
            Source::Env(_) => None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Config(a) => write!(f, "{a}"),
            Source::Env(v) => write!(f, "{v} (environment)"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

impl<T> fmt::Debug for Sourced<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets (credentials, tokens): show only the origin.
        write!(f, "Sourced({})", self.source)
    }
}

/// One config attribute as Terraform sent it.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    Unset,
    /// Depends on something not yet known (e.g. another resource's output).
    Unknown,
    Set(&'a Value),
}

impl<'a> Field<'a> {
    fn of(config: &'a Value, name: &str) -> Self {
        match config.get(name) {
            Value::Null => Field::Unset,
            v if v.contains_unknown() => Field::Unknown,
            v => Field::Set(v),
        }
    }
}

/// The merged provider settings.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub project: Option<Sourced<String>>,
    pub region: Option<Sourced<String>>,
    pub zone: Option<Sourced<String>>,
    /// Path or JSON content.
    pub credentials: Option<Sourced<String>>,
    pub access_token: Option<Sourced<String>>,
    pub impersonate_service_account: Option<Sourced<String>>,
    /// As written; `None` means the default.
    pub request_timeout: Option<Sourced<String>>,
    pub default_labels: BTreeMap<String, String>,
    pub billing_project: Option<Sourced<String>>,
    pub user_project_override: bool,
    pub scopes: Vec<String>,
    pub endpoints: Vec<(Service, Sourced<String>)>,
    /// Config attributes whose values are unknown at this point.
    pub unknown: Vec<String>,
}

/// Reads config attributes, noting unknowns, and falls back to env.
struct Reader<'a> {
    config: &'a Value,
    env: &'a EnvLookup,
    unknown: Vec<String>,
}

impl<'a> Reader<'a> {
    fn field(&mut self, name: &str) -> Field<'a> {
        let f = Field::of(self.config, name);
        if f == Field::Unknown {
            self.unknown.push(name.to_owned());
        }
        f
    }

    /// Non-empty config string; `Ok(None)` when unset, `Err(())` when unknown.
    fn config_string(&mut self, name: &str) -> Result<Option<Sourced<String>>, ()> {
        match self.field(name) {
            Field::Unset => Ok(None),
            Field::Unknown => Err(()),
            Field::Set(v) => Ok(v.as_str().filter(|s| !s.is_empty()).map(|s| Sourced {
                value: s.to_owned(),
                source: Source::Config(name.to_owned()),
            })),
        }
    }

    fn env_value(&self, vars: &[&str]) -> Option<Sourced<String>> {
        vars.iter().find_map(|var| {
            (self.env)(var).map(|value| Sourced {
                value,
                source: Source::Env((*var).to_owned()),
            })
        })
    }

    /// Config, else the first env var that is set. Unknown config suppresses env.
    fn string(&mut self, name: &str, vars: &[&str]) -> Option<Sourced<String>> {
        match self.config_string(name) {
            Ok(Some(v)) => Some(v),
            Ok(None) => self.env_value(vars),
            Err(()) => None,
        }
    }

    fn strings(&mut self, name: &str) -> Vec<String> {
        match self.field(name) {
            Field::Set(v) => v
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            Field::Unset | Field::Unknown => Vec::new(),
        }
    }
}

/// Merge `config` (conforming to the provider schema) with the environment.
pub fn resolve(config: &Value, env: &EnvLookup) -> Settings {
    let mut r = Reader {
        config,
        env,
        unknown: Vec::new(),
    };

    // The google provider reads credential env vars only when neither credential
    // attribute is set (or pending) in config; an env access token beats env credentials.
    let cfg_token = r.config_string(attr::ACCESS_TOKEN);
    let cfg_creds = r.config_string(attr::CREDENTIALS);
    let (access_token, credentials) = match (cfg_token, cfg_creds) {
        (Ok(None), Ok(None)) => {
            let token = r.env_value(env::ACCESS_TOKEN);
            let creds = if token.is_some() {
                None
            } else {
                r.env_value(env::CREDENTIALS)
            };
            (token, creds)
        }
        (t, c) => (t.ok().flatten(), c.ok().flatten()),
    };

    let endpoints = Service::CONFIGURABLE
        .iter()
        .filter_map(|&s| {
            let attr = super::endpoint_attribute(s);
            let var = super::endpoint_env_var(s);
            r.string(&attr, &[var.as_str()]).map(|v| (s, v))
        })
        .collect();

    let default_labels = match r.field(attr::DEFAULT_LABELS) {
        Field::Set(v) => v
            .as_map()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default(),
        Field::Unset | Field::Unknown => BTreeMap::new(),
    };

    let user_project_override = match r.field(attr::USER_PROJECT_OVERRIDE) {
        Field::Set(v) => v.as_bool().unwrap_or(false),
        Field::Unknown => false,
        Field::Unset => r
            .env_value(env::USER_PROJECT_OVERRIDE)
            .is_some_and(|v| matches!(v.value.as_str(), "true" | "1" | "TRUE" | "True")),
    };

    Settings {
        project: r.string(attr::PROJECT, env::PROJECT),
        region: r.string(attr::REGION, env::REGION),
        zone: r.string(attr::ZONE, env::ZONE),
        credentials,
        access_token,
        impersonate_service_account: r.string(attr::IMPERSONATE_SERVICE_ACCOUNT, env::IMPERSONATE),
        request_timeout: r.string(attr::REQUEST_TIMEOUT, &[]),
        billing_project: r.string(attr::BILLING_PROJECT, env::BILLING_PROJECT),
        user_project_override,
        scopes: r.strings(attr::SCOPES),
        default_labels,
        endpoints,
        unknown: r.unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    fn env_of(pairs: &[(&str, &str)]) -> EnvLookup {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Arc::new(move |k| m.get(k).cloned())
    }

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().cloned())
    }

    #[test]
    fn config_beats_env_and_env_order_is_respected() {
        let env = env_of(&[
            ("GOOGLE_CLOUD_PROJECT", "second"),
            ("GCLOUD_PROJECT", "third"),
            ("GOOGLE_REGION", "europe-west1"),
        ]);
        let s = resolve(&cfg(&[]), &env);
        assert_eq!(s.project.as_ref().unwrap().value, "second");
        assert_eq!(
            s.project.unwrap().source,
            Source::Env("GOOGLE_CLOUD_PROJECT".into())
        );
        assert_eq!(s.region.unwrap().value, "europe-west1");

        let s = resolve(
            &cfg(&[("project", "mine".into()), ("region", "us-east1".into())]),
            &env,
        );
        assert_eq!(s.project.unwrap().source, Source::Config("project".into()));
        assert_eq!(s.region.unwrap().value, "us-east1");
    }

    #[test]
    fn credential_env_vars_only_when_config_has_none() {
        let env = env_of(&[
            ("GOOGLE_CREDENTIALS", "/env/key.json"),
            ("GOOGLE_OAUTH_ACCESS_TOKEN", "env-token"),
        ]);
        // Neither in config: env access token wins over env credentials.
        let s = resolve(&cfg(&[]), &env);
        assert_eq!(s.access_token.unwrap().value, "env-token");
        assert!(s.credentials.is_none());
        // Credentials in config: no env credential is read at all.
        let s = resolve(&cfg(&[("credentials", "/cfg/key.json".into())]), &env);
        assert_eq!(s.credentials.unwrap().value, "/cfg/key.json");
        assert!(s.access_token.is_none());
        // Unknown credentials in config also suppress env.
        let s = resolve(&cfg(&[("credentials", Value::Unknown)]), &env);
        assert!(s.credentials.is_none() && s.access_token.is_none());
        assert_eq!(s.unknown, vec!["credentials".to_owned()]);
    }

    #[test]
    fn credentials_env_precedence() {
        let env = env_of(&[
            ("GCLOUD_KEYFILE_JSON", "third"),
            ("GOOGLE_CLOUD_KEYFILE_JSON", "second"),
        ]);
        assert_eq!(
            resolve(&cfg(&[]), &env).credentials.unwrap().value,
            "second"
        );
    }

    #[test]
    fn endpoints_from_config_and_env() {
        let env = env_of(&[
            ("GOOGLE_PUBSUB_CUSTOM_ENDPOINT", "http://e/v1/"),
            ("GOOGLE_COMPUTE_CUSTOM_ENDPOINT", "http://env/compute/v1/"),
        ]);
        let s = resolve(
            &cfg(&[("compute_custom_endpoint", "http://cfg/compute/v1/".into())]),
            &env,
        );
        let get = |svc| {
            s.endpoints
                .iter()
                .find(|(x, _)| *x == svc)
                .map(|(_, v)| v.value.clone())
        };
        assert_eq!(
            get(Service::Compute).as_deref(),
            Some("http://cfg/compute/v1/")
        );
        assert_eq!(get(Service::Pubsub).as_deref(), Some("http://e/v1/"));
        assert_eq!(get(Service::Monitoring), None);
    }

    #[test]
    fn user_project_override_and_labels() {
        let env = env_of(&[
            ("USER_PROJECT_OVERRIDE", "true"),
            ("GOOGLE_BILLING_PROJECT", "bill"),
        ]);
        let s = resolve(
            &cfg(&[(
                "default_labels",
                Value::Map([("team".to_owned(), Value::from("core"))].into()),
            )]),
            &env,
        );
        assert!(s.user_project_override);
        assert_eq!(s.billing_project.unwrap().value, "bill");
        assert_eq!(
            s.default_labels.get("team").map(String::as_str),
            Some("core")
        );
        let s = resolve(&cfg(&[("user_project_override", false.into())]), &env);
        assert!(!s.user_project_override);
    }
}
