//! API base URLs. Defaults match the google provider; any of them can be replaced
//! wholesale (same path suffix), so pointing every API at an emulator is a host change.

use std::collections::BTreeMap;
use std::fmt;

/// A Google API this crate talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Compute,
    CloudRunV2,
    Monitoring,
    BillingBudgets,
    Pubsub,
    ResourceManagerV3,
    IamCredentials,
    /// Security Token Service, used by `external_account` credentials.
    Sts,
    /// Cloud SQL Admin v1beta4, Memorystore Redis and Secret Manager: only
    /// `platform adopt` calls them.
    Sql,
    Redis,
    SecretManager,
}

impl Service {
    /// Services whose base URL the provider exposes as `<name>_custom_endpoint`.
    pub const CONFIGURABLE: [Service; 7] = [
        Service::Compute,
        Service::CloudRunV2,
        Service::Monitoring,
        Service::BillingBudgets,
        Service::Pubsub,
        Service::ResourceManagerV3,
        Service::IamCredentials,
    ];

    /// Services the provider never calls (so it has no attribute for them):
    /// the CLI takes their base URL from hashicorp/google's
    /// `GOOGLE_<NAME>_CUSTOM_ENDPOINT`.
    pub const CLI_ONLY: [Service; 3] = [Service::Sql, Service::Redis, Service::SecretManager];

    /// The configurable services, the CLI's, then STS; derived so a new API is listed once.
    pub const ALL: [Service; 11] = {
        let mut all = [Service::Sts; 11];
        let mut i = 0;
        while i < Self::CONFIGURABLE.len() {
            all[i] = Self::CONFIGURABLE[i];
            i += 1;
        }
        let mut j = 0;
        while j < Self::CLI_ONLY.len() {
            all[i + j] = Self::CLI_ONLY[j];
            j += 1;
        }
        all
    };

    /// The google provider's name for the API (`compute`, `cloud_run_v2`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Service::Compute => "compute",
            Service::CloudRunV2 => "cloud_run_v2",
            Service::Monitoring => "monitoring",
            Service::BillingBudgets => "billing_budgets",
            Service::Pubsub => "pubsub",
            Service::ResourceManagerV3 => "resource_manager_v3",
            Service::IamCredentials => "iam_credentials",
            Service::Sts => "sts",
            Service::Sql => "sql",
            Service::Redis => "redis",
            Service::SecretManager => "secret_manager",
        }
    }

    pub fn default_base(self) -> &'static str {
        match self {
            Service::Compute => "https://compute.googleapis.com/compute/v1/",
            Service::CloudRunV2 => "https://run.googleapis.com/v2/",
            Service::Monitoring => "https://monitoring.googleapis.com/",
            Service::BillingBudgets => "https://billingbudgets.googleapis.com/v1/",
            Service::Pubsub => "https://pubsub.googleapis.com/v1/",
            Service::ResourceManagerV3 => "https://cloudresourcemanager.googleapis.com/v3/",
            Service::IamCredentials => "https://iamcredentials.googleapis.com/v1/",
            Service::Sts => "https://sts.googleapis.com/v1/",
            Service::Sql => "https://sqladmin.googleapis.com/sql/v1beta4/",
            Service::Redis => "https://redis.googleapis.com/v1/",
            Service::SecretManager => "https://secretmanager.googleapis.com/v1/",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Base URL per service; unset services use [`Service::default_base`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    overrides: BTreeMap<Service, String>,
}

impl Endpoints {
    /// Replace a service's base URL. Validate it first with [`validate_base_url`].
    pub fn set(&mut self, service: Service, base: impl Into<String>) {
        self.overrides.insert(service, base.into());
    }

    #[must_use]
    pub fn with(mut self, service: Service, base: impl Into<String>) -> Self {
        self.set(service, base);
        self
    }

    /// Every service pointed at `host_base` (e.g. `http://127.0.0.1:8080`), keeping each
    /// default's path suffix.
    pub fn all_at(host_base: &str) -> Self {
        let host = host_base.trim_end_matches('/');
        let mut e = Endpoints::default();
        for s in Service::ALL {
            e.set(s, format!("{host}{}", default_path(s)));
        }
        e
    }

    pub fn base(&self, service: Service) -> &str {
        self.overrides
            .get(&service)
            .map_or(service.default_base(), String::as_str)
    }

    /// `base(service)` + a relative path such as `projects/p/zones`.
    pub fn url(&self, service: Service, path: &str) -> String {
        format!("{}{}", self.base(service), path.trim_start_matches('/'))
    }

    /// If `url` lies under a service's *default* base, move it under the configured base.
    /// Credential files name Google's hosts (STS `token_url`, impersonation URL); this is
    /// what lets an emulator serve those flows too.
    pub fn rebase(&self, url: &str) -> String {
        for s in Service::ALL {
            if let Some(rest) = url.strip_prefix(s.default_base()) {
                return format!("{}{rest}", self.base(s));
            }
        }
        url.to_owned()
    }
}

fn default_path(service: Service) -> &'static str {
    let d = service.default_base();
    // Defaults are "https://host/path/": the path starts at the first '/' after the scheme.
    let after_scheme = d.find("://").map_or(0, |i| i + 3);
    d[after_scheme..]
        .find('/')
        .map_or("/", |i| &d[after_scheme + i..])
}

/// Why a custom base URL is unusable, or `Ok` when it is an absolute http(s) URL ending in
/// `/` with a non-empty last path segment (`.*/[^/]+/$`).
pub fn validate_base_url(value: &str) -> Result<(), String> {
    let parsed =
        url::Url::parse(value).map_err(|e| format!("{value:?} is not an absolute URL ({e})"))?;
    if parsed.scheme() != "http" && parsed.scheme() != "https" {
        return Err(format!(
            "{value:?} must use http or https, not {}",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("{value:?} has no host"));
    }
    let Some(without_slash) = value.strip_suffix('/') else {
        return Err(format!("{value:?} must end with '/'"));
    };
    match without_slash.rsplit_once('/') {
        Some((_, last)) if !last.is_empty() => Ok(()),
        _ => Err(format!(
            "{value:?} must end with a path segment followed by '/' (e.g. .../v1/)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let e = Endpoints::default().with(Service::Compute, "http://127.0.0.1:9/compute/v1/");
        assert_eq!(e.base(Service::Compute), "http://127.0.0.1:9/compute/v1/");
        assert_eq!(e.base(Service::Pubsub), "https://pubsub.googleapis.com/v1/");
        assert_eq!(
            e.url(Service::Compute, "/projects/p"),
            "http://127.0.0.1:9/compute/v1/projects/p"
        );
    }

    #[test]
    fn all_at_keeps_path_suffixes() {
        let e = Endpoints::all_at("http://127.0.0.1:8080/");
        assert_eq!(
            e.base(Service::Compute),
            "http://127.0.0.1:8080/compute/v1/"
        );
        assert_eq!(e.base(Service::Monitoring), "http://127.0.0.1:8080/");
        assert_eq!(e.base(Service::Sts), "http://127.0.0.1:8080/v1/");
        assert_eq!(e.base(Service::Sql), "http://127.0.0.1:8080/sql/v1beta4/");
    }

    #[test]
    fn rebase_moves_default_hosts_only() {
        let e = Endpoints::default().with(Service::Sts, "http://localhost:1/v1/");
        assert_eq!(
            e.rebase("https://sts.googleapis.com/v1/token"),
            "http://localhost:1/v1/token"
        );
        assert_eq!(
            e.rebase("https://example.com/token"),
            "https://example.com/token"
        );
    }

    #[test]
    fn base_url_validation() {
        assert!(validate_base_url("https://compute.googleapis.com/compute/v1/").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080/v1/").is_ok());
        assert!(validate_base_url("http://127.0.0.1:8080/v1").is_err());
        // Host-only bases are what Monitoring uses by default.
        assert!(validate_base_url("http://127.0.0.1:8080/").is_ok());
        assert!(validate_base_url("ftp://h/v1/").is_err());
        assert!(validate_base_url("compute/v1/").is_err());
    }
}
