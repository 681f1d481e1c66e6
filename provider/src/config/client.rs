//! Turn validated settings into a `gcp_client::ClientConfig`.

use std::time::Duration;

use gcp_client::{ClientConfig, CredentialsSpec, Endpoints, EnvLookup, UserProject};
use tfplugin::Diagnostics;

use super::validate::credentials_error;
use super::{parse_duration, Settings};

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Build the client configuration; reads the credentials file, so errors such as a
/// missing file are reported here at the `credentials` attribute.
pub fn client_config(
    s: &Settings,
    terraform_version: &str,
    env: EnvLookup,
) -> Result<ClientConfig, Diagnostics> {
    let credentials = match (&s.access_token, &s.credentials) {
        (Some(t), _) => CredentialsSpec::AccessToken(t.value.clone()),
        (None, Some(c)) => CredentialsSpec::from_path_or_json(&c.value)
            .map_err(|e| Diagnostics::from(credentials_error(c, &e.to_string())))?,
        (None, None) => CredentialsSpec::ApplicationDefault,
    };
    let tf = if terraform_version.is_empty() {
        "unknown"
    } else {
        terraform_version
    };
    let user_agent = format!(
        "terraform-provider-platform/{} terraform/{tf}",
        env!("CARGO_PKG_VERSION")
    );
    let mut config = ClientConfig::new(credentials, user_agent);
    config.impersonate_service_account = s
        .impersonate_service_account
        .as_ref()
        .map(|v| v.value.clone());
    config.scopes.clone_from(&s.scopes);
    // validate() has already rejected a bad duration; default if it is somehow unset.
    config.request_timeout = s
        .request_timeout
        .as_ref()
        .and_then(|t| parse_duration(&t.value).ok())
        .unwrap_or(DEFAULT_REQUEST_TIMEOUT);
    let mut endpoints = Endpoints::default();
    for (service, url) in &s.endpoints {
        endpoints.set(*service, url.value.clone());
    }
    config.endpoints = endpoints;
    if s.user_project_override {
        config.user_project = match &s.billing_project {
            Some(b) => UserProject::Fixed(b.value.clone()),
            None => UserProject::OfResource,
        };
    }
    config.env = env;
    Ok(config)
}
