//! The Google API client `rollout watch` polls with. It goes through the
//! provider's own configuration resolution (environment fallbacks, validation,
//! custom endpoints) so the CLI authenticates and routes exactly like the
//! provider. Only the environment feeds it: the CLI cannot evaluate the
//! provider block's HCL. The APIs only `platform adopt` calls (no provider
//! attribute) take hashicorp/google's `GOOGLE_<API>_CUSTOM_ENDPOINT`.

use gcp_client::endpoints::validate_base_url;
use gcp_client::{EnvLookup, GcpClient, Service};
use platform_provider::config::{client_config, endpoint_env_var, resolve, validate};
use tfplugin::{Diagnostics, Severity, Value};

use crate::error::CliError;

/// Builds the client from the process environment.
pub fn client_from_env() -> Result<GcpClient, CliError> {
    client_from(gcp_client::auth::process_env())
}

/// Builds the client from `env` (GOOGLE_CREDENTIALS, GOOGLE_<API>_CUSTOM_ENDPOINT, ...).
pub fn client_from(env: EnvLookup) -> Result<GcpClient, CliError> {
    // An empty provider block: every setting comes from its environment fallback.
    let settings = resolve(&Value::Null, &env);
    let problems = validate(&settings);
    if problems.has_errors() {
        return Err(CliError::GoogleConfig(describe(&problems)));
    }
    let mut config = client_config(&settings, "", env.clone())
        .map_err(|d| CliError::GoogleConfig(describe(&d)))?;
    for service in Service::CLI_ONLY {
        let var = endpoint_env_var(service);
        if let Some(url) = env(&var) {
            validate_base_url(&url)
                .map_err(|why| CliError::GoogleConfig(format!("{var} (environment): {why}")))?;
            config.endpoints.set(service, url);
        }
    }
    config.user_agent = format!("platform-cli/{}", env!("CARGO_PKG_VERSION"));
    GcpClient::new(config).map_err(|e| CliError::GoogleConfig(e.to_string()))
}

fn describe(diags: &Diagnostics) -> String {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> EnvLookup {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Arc::new(move |k| map.get(k).cloned())
    }

    #[test]
    fn invalid_environment_is_explained_with_the_variable() {
        let err = client_from(env(&[
            ("GOOGLE_OAUTH_ACCESS_TOKEN", "t"),
            (
                "GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT",
                "http://127.0.0.1:9/v2",
            ),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT (environment)"),
            "{err}"
        );
        assert!(err.contains("ending in '/'"), "{err}");
    }

    #[test]
    fn unreadable_credentials_file_names_the_variable() {
        let err = client_from(env(&[("GOOGLE_CREDENTIALS", "/nope/key.json")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("GOOGLE_CREDENTIALS (environment)"), "{err}");
    }

    #[test]
    fn access_token_and_endpoints_build_a_client() {
        let client = client_from(env(&[
            ("GOOGLE_OAUTH_ACCESS_TOKEN", "t"),
            (
                "GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT",
                "http://127.0.0.1:9/v2/",
            ),
            (
                "GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT",
                "http://127.0.0.1:9/v1/",
            ),
        ]))
        .unwrap();
        assert_eq!(
            client.api().url(Service::CloudRunV2, "x"),
            "http://127.0.0.1:9/v2/x"
        );
        assert_eq!(
            client.api().url(Service::SecretManager, "x"),
            "http://127.0.0.1:9/v1/x"
        );
        assert_eq!(
            client.api().url(Service::Sql, "x"),
            "https://sqladmin.googleapis.com/sql/v1beta4/x"
        );
    }

    #[test]
    fn a_bad_adopt_only_endpoint_names_its_variable() {
        let err = client_from(env(&[
            ("GOOGLE_OAUTH_ACCESS_TOKEN", "t"),
            ("GOOGLE_SQL_CUSTOM_ENDPOINT", "http://127.0.0.1:9/sql"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("GOOGLE_SQL_CUSTOM_ENDPOINT (environment)"),
            "{err}"
        );
    }
}
