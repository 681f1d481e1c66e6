//! The provider block schema. Descriptions are markdown: they become the registry docs.

use gcp_client::Service;
use tfplugin::{Attribute, Block, Schema, Type};

use super::env;

/// The provider block's attribute names, declared once for the schema below
/// and the reader (`resolve.rs`); the `<api>_custom_endpoint` ones are
/// generated per API by `endpoint_attribute`.
pub mod attr {
    pub const PROJECT: &str = "project";
    pub const REGION: &str = "region";
    pub const ZONE: &str = "zone";
    pub const CREDENTIALS: &str = "credentials";
    pub const ACCESS_TOKEN: &str = "access_token";
    pub const IMPERSONATE_SERVICE_ACCOUNT: &str = "impersonate_service_account";
    pub const REQUEST_TIMEOUT: &str = "request_timeout";
    pub const DEFAULT_LABELS: &str = "default_labels";
    pub const BILLING_PROJECT: &str = "billing_project";
    pub const USER_PROJECT_OVERRIDE: &str = "user_project_override";
    pub const SCOPES: &str = "scopes";
}

fn env_note(vars: &[&str]) -> String {
    let names: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
    format!(
        " Falls back to the environment: {} (first set wins).",
        names.join(", ")
    )
}

fn string_opt(name: &str, description: &str, vars: &[&str]) -> Attribute {
    let mut d = description.to_owned();
    if !vars.is_empty() {
        d.push_str(&env_note(vars));
    }
    Attribute::optional(name, Type::String, &d)
}

pub fn provider_schema() -> Schema {
    let mut attributes = vec![
        string_opt(attr::PROJECT, "Default project ID for resources and data sources that take a `project`.", env::PROJECT),
        string_opt(attr::REGION, "Default region, e.g. `us-central1`.", env::REGION),
        string_opt(attr::ZONE, "Default zone, e.g. `us-central1-a`, as in the google provider. The resources here span zones (LiveKit takes `zones`), so its one effect is a default region when `region` is unset. Must lie in `region` when both are set.", env::ZONE),
        string_opt(
            attr::CREDENTIALS,
            "Path to, or contents of, a Google credentials JSON file: a service account key, `gcloud auth application-default login` user credentials, or an `external_account` (workload identity federation) configuration. Conflicts with `access_token`. When neither is set, Application Default Credentials are used (`GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's ADC file, then the GCE metadata server).",
            env::CREDENTIALS,
        )
        .sensitive(),
        string_opt(
            attr::ACCESS_TOKEN,
            "A ready OAuth2 access token. It is never refreshed, so runs longer than its lifetime (about an hour) fail. Conflicts with `credentials`.",
            env::ACCESS_TOKEN,
        )
        .sensitive(),
        string_opt(
            attr::IMPERSONATE_SERVICE_ACCOUNT,
            "Service account email to impersonate: the base credentials obtain short-lived tokens for it via the IAM Credentials API (they need `roles/iam.serviceAccountTokenCreator` on it).",
            env::IMPERSONATE,
        ),
        string_opt(
            attr::REQUEST_TIMEOUT,
            "Upper bound for one API request including retries, as a duration such as `\"120s\"` or `\"2m\"`. Defaults to `\"120s\"`. Does not bound waits for long-running operations (those use resource `timeouts`).",
            &[],
        ),
        Attribute::optional(
            attr::DEFAULT_LABELS,
            Type::Map(Box::new(Type::String)),
            "Labels added to the Cloud Run service of `platform_blue_green_service` and to the VMs of `platform_livekit_cluster` (the resources with a `labels` attribute); a resource's own labels win on conflicting keys. `platform_budget_guard`'s children carry only the guard's own labels.",
        ),
        string_opt(
            attr::BILLING_PROJECT,
            "Project billed for API quota when `user_project_override` is true (sent as `X-Goog-User-Project`).",
            env::BILLING_PROJECT,
        ),
        Attribute::optional(
            attr::USER_PROJECT_OVERRIDE,
            Type::Bool,
            "Bill API quota to `billing_project` (without it, to the project each request is about) instead of the credentials' project. Needed e.g. for Billing Budgets with user credentials. Falls back to `USER_PROJECT_OVERRIDE`.",
        ),
        Attribute::optional(
            attr::SCOPES,
            Type::List(Box::new(Type::String)),
            "OAuth2 scopes to request. Defaults to `cloud-platform` and `userinfo.email`.",
        ),
    ];
    for s in Service::CONFIGURABLE {
        let description = format!(
            "Base URL for the {} API, replacing `{}` (an absolute http(s) URL ending in `/`). Useful for emulators and private endpoints.",
            s.name(),
            s.default_base()
        );
        attributes.push(string_opt(
            &super::endpoint_attribute(s),
            &description,
            &[&super::endpoint_env_var(s)],
        ));
    }
    Schema {
        version: 0,
        block: Block {
            attributes,
            description: "Manages the platform's Google Cloud topology. Authentication and defaults follow the `hashicorp/google` provider's conventions.".into(),
            ..Block::default()
        },
    }
}
