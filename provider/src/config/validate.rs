//! Static checks on merged settings. Each error points at the attribute (or names the
//! environment variable) and says how to fix it.

use std::sync::LazyLock;

use gcp_client::auth::{looks_like_json, parse_credentials_json};
use gcp_client::endpoints::validate_base_url;
use regex::Regex;
use tfplugin::{Diagnostic, Diagnostics};

use super::{parse_duration, Settings, Sourced};

static REGION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z]+(-[a-z]+)+[0-9]+$").ok());
static ZONE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z]+(-[a-z]+)+[0-9]+-[a-z]$").ok());

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(s))
}

fn error_for<T>(setting: &Sourced<T>, summary: &str, detail: String) -> Diagnostic {
    let d = Diagnostic::error(summary, detail);
    match setting.source.path() {
        Some(p) => d.at(p),
        None => d,
    }
}

/// Checks that need no I/O (an unreadable credentials path is found when building the client).
pub fn validate(s: &Settings) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if let (Some(c), Some(_)) = (&s.credentials, &s.access_token) {
        diags.push(error_for(
            c,
            "Conflicting credentials",
            "`credentials` and `access_token` are both set; they are alternative ways to authenticate. Remove one of them.".into(),
        ));
    }
    if let Some(r) = &s.region {
        if !matches(&REGION, &r.value) {
            diags.push(error_for(
                r,
                "Invalid region",
                format!(
                    "{}: {:?} is not a region name. Use a name like \"us-central1\".",
                    r.source, r.value
                ),
            ));
        }
    }
    if let Some(z) = &s.zone {
        if !matches(&ZONE, &z.value) {
            diags.push(error_for(
                z,
                "Invalid zone",
                format!(
                    "{}: {:?} is not a zone name. Use a name like \"us-central1-a\".",
                    z.source, z.value
                ),
            ));
        } else if let Some(r) = s.region.as_ref().filter(|r| matches(&REGION, &r.value)) {
            if !z.value.starts_with(&format!("{}-", r.value)) {
                diags.push(error_for(
                    z,
                    "Zone outside region",
                    format!("Zone {:?} is not in region {:?}. Pick a zone of {} (e.g. \"{}-a\") or change the region.", z.value, r.value, r.value, r.value),
                ));
            }
        }
    }
    for (service, url) in &s.endpoints {
        if let Err(why) = validate_base_url(&url.value) {
            diags.push(error_for(
                url,
                "Invalid custom endpoint",
                format!("{}: {why}. It must be an absolute http(s) URL ending in '/'; the default is \"{}\".", url.source, service.default_base()),
            ));
        }
    }
    if let Some(t) = &s.request_timeout {
        if let Err(why) = parse_duration(&t.value) {
            diags.push(error_for(
                t,
                "Invalid request_timeout",
                format!("{why}. The default is \"120s\"."),
            ));
        }
    }
    if let Some(c) = &s.credentials {
        // Content is checked here; an unreadable path is reported at configure time.
        if looks_like_json(&c.value) {
            if let Err(e) = parse_credentials_json(&format!("({})", c.source), &c.value) {
                diags.push(credentials_error(c, &e.to_string()));
            }
        }
    }
    diags
}

/// What to do about bad `credentials`.
pub(crate) const CREDENTIALS_HINT: &str = "Set credentials to the path of a service account key JSON or its contents, or unset it to use Application Default Credentials.";

/// A diagnostic at `credentials` (or without a path when it came from the environment).
pub(crate) fn credentials_error(c: &Sourced<String>, message: &str) -> Diagnostic {
    error_for(
        c,
        "Invalid credentials",
        format!("{}: {message}. {CREDENTIALS_HINT}", c.source),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use gcp_client::EnvLookup;
    use tfplugin::{AttributePath, Provider, Value};

    use super::super::resolve;
    use super::*;

    fn check(pairs: &[(&str, Value)]) -> Diagnostics {
        let no_env: EnvLookup = Arc::new(|_| None);
        validate(&resolve(&Value::object(pairs.iter().cloned()), &no_env))
    }

    fn only_error_at(d: &Diagnostics, attr: &str) -> String {
        assert_eq!(d.0.len(), 1, "{d:?}");
        assert_eq!(d.0[0].attribute, Some(AttributePath::root(attr)), "{d:?}");
        d.0[0].detail.clone()
    }

    #[test]
    fn valid_config_passes() {
        let d = check(&[
            ("region", "us-central1".into()),
            ("zone", "us-central1-b".into()),
            ("request_timeout", "2m".into()),
            (
                "compute_custom_endpoint",
                "http://127.0.0.1:9/compute/v1/".into(),
            ),
        ]);
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn credentials_and_access_token_conflict() {
        let d = check(&[
            ("credentials", "/k.json".into()),
            ("access_token", "t".into()),
        ]);
        assert!(only_error_at(&d, "credentials").contains("Remove one"));
    }

    #[test]
    fn region_and_zone_shapes() {
        assert!(
            only_error_at(&check(&[("region", "US-central1".into())]), "region")
                .contains("us-central1")
        );
        assert!(
            only_error_at(&check(&[("zone", "us-central1".into())]), "zone")
                .contains("us-central1-a")
        );
        let detail = only_error_at(
            &check(&[
                ("region", "europe-west1".into()),
                ("zone", "us-central1-a".into()),
            ]),
            "zone",
        );
        assert!(
            detail.contains("not in region \"europe-west1\""),
            "{detail}"
        );
    }

    #[test]
    fn endpoint_errors_name_the_default() {
        let detail = only_error_at(
            &check(&[("pubsub_custom_endpoint", "http://127.0.0.1:9/v1".into())]),
            "pubsub_custom_endpoint",
        );
        assert!(
            detail.contains("https://pubsub.googleapis.com/v1/"),
            "{detail}"
        );
    }

    #[test]
    fn request_timeout_must_be_positive_duration() {
        only_error_at(
            &check(&[("request_timeout", "0s".into())]),
            "request_timeout",
        );
        only_error_at(
            &check(&[("request_timeout", "soon".into())]),
            "request_timeout",
        );
    }

    #[test]
    fn credentials_json_content_is_parsed() {
        let detail = only_error_at(
            &check(&[("credentials", "{\"type\": \"nope\"}".into())]),
            "credentials",
        );
        assert!(
            detail.contains("not a service_account/authorized_user/external_account JSON"),
            "{detail}"
        );
        // A path is only read at configure time.
        assert!(check(&[("credentials", "/nope.json".into())]).is_empty());
    }

    #[test]
    fn unknown_values_are_not_validated() {
        assert!(check(&[("region", Value::Unknown), ("zone", "us-central1-a".into())]).is_empty());
    }

    #[tokio::test]
    async fn unreadable_credentials_file_fails_configure_at_attribute() {
        let p = crate::PlatformProvider::with_env(Arc::new(|_| None));
        let config = Value::object([("credentials", Value::from("/x"))]);
        let d = p
            .configure(tfplugin::ConfigureRequest {
                terraform_version: "1.9.0".into(),
                config,
            })
            .await;
        let detail = only_error_at(&d, "credentials");
        assert_eq!(
            detail,
            "credentials: cannot read file /x: No such file or directory. Set credentials to the path of a service account key JSON or its contents, or unset it to use Application Default Credentials."
        );
    }

    #[tokio::test]
    async fn env_credentials_errors_name_the_variable() {
        let p = crate::PlatformProvider::with_env(Arc::new(|k| {
            (k == "GOOGLE_CREDENTIALS").then(|| "/from-env.json".to_owned())
        }));
        let d = p
            .configure(tfplugin::ConfigureRequest {
                terraform_version: String::new(),
                config: Value::object([("project", Value::Null)]),
            })
            .await;
        assert!(d.0[0].attribute.is_none());
        assert!(
            d.0[0]
                .detail
                .starts_with("GOOGLE_CREDENTIALS (environment): cannot read file /from-env.json"),
            "{d:?}"
        );
    }
}
