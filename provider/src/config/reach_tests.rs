//! The provider block's reach test: every attribute, at a value that is not
//! its default, reaches what it drives (the request path, a header, the token
//! request, the API host). Attribute → `Settings` is `resolve.rs`'s tests;
//! this is `Settings` → the requests the emulator saw.

use gcp_client::{Endpoints, Service};
use gcp_emulator::{start, EmulatorConfig};
use serde_json::{json, Value as Json};
use tfplugin::Value;

use super::schema::attr;
use super::{endpoint_attribute, provider_schema};
use crate::framework::test_support::Harness;

/// The attributes whose reach the tests below check, besides each
/// `<api>_custom_endpoint` (`each_custom_endpoint_receives_its_apis_requests`).
/// `default_labels` reaches the resources' requests: checked in the blue-green
/// and LiveKit `every_optional_attribute_reaches_the_api`.
const CHECKED: &[&str] = &[
    attr::PROJECT,
    attr::REGION,
    attr::ZONE,
    attr::CREDENTIALS,
    attr::ACCESS_TOKEN,
    attr::IMPERSONATE_SERVICE_ACCOUNT,
    attr::REQUEST_TIMEOUT,
    attr::DEFAULT_LABELS,
    attr::BILLING_PROJECT,
    attr::USER_PROJECT_OVERRIDE,
    attr::SCOPES,
];

#[test]
fn every_provider_attribute_has_a_reach_check() {
    let endpoints: Vec<String> = Service::CONFIGURABLE
        .into_iter()
        .map(endpoint_attribute)
        .collect();
    for a in provider_schema().block.attributes {
        assert!(
            CHECKED.contains(&a.name.as_str()) || endpoints.contains(&a.name),
            "provider attribute {} has no reach check here",
            a.name
        );
    }
}

/// `platform_zones` with nothing set, so the provider's defaults decide.
async fn read_zones(h: &Harness) -> Value {
    let config = Value::object([
        ("project", Value::Null),
        ("region", Value::Null),
        ("status", Value::Null),
    ]);
    let resp = h.read("platform_zones", config).await;
    assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
    resp.state
}

/// The emulator's log entries of `zones.list` calls.
async fn zone_lists(h: &Harness) -> Vec<Json> {
    let log = h.admin_get("/_emulator/requests").await;
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.ends_with("/zones")))
        .cloned()
        .collect()
}

/// `project` and `region` reach the list's path and filter; without a region,
/// the zone's region is the default (the google provider's rule).
#[tokio::test]
async fn project_region_and_zone_reach_the_request() {
    for (setting, value, region) in [
        (attr::REGION, "europe-west1", "europe-west1"),
        (attr::ZONE, "asia-east1-b", "asia-east1"),
    ] {
        let h = Harness::configured(&[
            (attr::PROJECT, Value::from("platform-local")),
            (setting, Value::from(value)),
        ])
        .await;
        let state = read_zones(&h).await;
        assert_eq!(state.get("region").as_str(), Some(region));
        let calls = zone_lists(&h).await;
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert_eq!(
            calls[0]["path"],
            "/compute/v1/projects/platform-local/zones"
        );
        assert!(
            calls[0]["query"]["filter"]
                .as_str()
                .is_some_and(|f| f.contains(&format!("/regions/{region})"))),
            "{setting}: {calls:?}"
        );
        h.emulator.shutdown().await;
    }
}

/// The service account key signs the token request, which asks for the configured scopes.
#[tokio::test]
async fn credentials_and_scopes_reach_the_token_request() {
    let scopes = [
        "https://www.googleapis.com/auth/cloud-platform",
        "https://www.googleapis.com/auth/compute.readonly",
    ];
    let h = Harness::configured(&[
        (attr::PROJECT, Value::from("platform-local")),
        (attr::SCOPES, Value::from(scopes.to_vec())),
    ])
    .await;
    read_zones(&h).await;
    let key: Json = serde_json::from_str(&h.emulator.service_account_key_json()).unwrap();
    let log = h.admin_get("/_emulator/requests").await;
    let token = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/token")
        .unwrap_or_else(|| panic!("no token request in {log}"));
    let claims = &token["body"]["assertion_claims"];
    assert_eq!(claims["iss"], key["client_email"], "{token}");
    assert_eq!(claims["scope"], scopes.join(" "), "{token}");
    h.emulator.shutdown().await;
}

/// A ready token is sent as it is: no token request, and the call succeeds
/// although there are no credentials (the environment is empty).
#[tokio::test]
async fn an_access_token_is_used_as_given() {
    let h = Harness::configured(&[(attr::PROJECT, Value::from("platform-local"))]).await;
    let base = h.emulator.base_url();
    let http = reqwest::Client::new();
    let answer = |req: reqwest::RequestBuilder| async move {
        req.send().await.unwrap().json::<Json>().await.unwrap()
    };
    let user = answer(http.post(format!("{base}/_emulator/authorized-user"))).await;
    let minted = answer(http.post(format!("{base}/token")).form(&[
        ("grant_type", "refresh_token"),
        ("client_id", user["client_id"].as_str().unwrap()),
        ("client_secret", user["client_secret"].as_str().unwrap()),
        ("refresh_token", user["refresh_token"].as_str().unwrap()),
    ]))
    .await;
    let token = minted["access_token"].as_str().unwrap();
    h.configure(&[
        (attr::PROJECT, Value::from("platform-local")),
        (attr::CREDENTIALS, Value::Null),
        (attr::ACCESS_TOKEN, Value::from(token)),
    ])
    .await;
    h.admin("DELETE", "/_emulator/requests", json!({})).await;
    read_zones(&h).await;
    assert_eq!(
        h.request_paths().await,
        ["/compute/v1/projects/platform-local/zones"]
    );
    h.emulator.shutdown().await;
}

/// The base credentials obtain the impersonated account's token from IAM Credentials.
#[tokio::test]
async fn impersonation_asks_iam_credentials_for_the_account() {
    let account = "deployer@platform-local.iam.gserviceaccount.com";
    let h = Harness::configured(&[
        (attr::PROJECT, Value::from("platform-local")),
        (attr::IMPERSONATE_SERVICE_ACCOUNT, Value::from(account)),
    ])
    .await;
    read_zones(&h).await;
    let log = h.admin_get("/_emulator/requests").await;
    let wanted = format!("/v1/projects/-/serviceAccounts/{account}:generateAccessToken");
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["method"] == "POST" && e["path"] == wanted.as_str() && e["status"] == 200),
        "no {wanted} in {log}"
    );
    h.emulator.shutdown().await;
}

/// One request's whole budget, retries included: a list held longer fails
/// with the timeout named; at the default it would have waited.
#[tokio::test]
async fn request_timeout_bounds_one_request() {
    let h = Harness::configured(&[
        (attr::PROJECT, Value::from("platform-local")),
        (attr::REQUEST_TIMEOUT, Value::from("1s")),
    ])
    .await;
    h.admin(
        "POST",
        "/_emulator/latency",
        json!({"kind": "compute.zones.list", "request": "3s"}),
    )
    .await;
    let config = Value::object([
        ("project", Value::Null),
        ("region", Value::Null),
        ("status", Value::Null),
    ]);
    let resp = h.read("platform_zones", config).await;
    let text = format!("{:?}", resp.diagnostics);
    assert!(text.contains("no successful response within 1s"), "{text}");
    h.emulator.shutdown().await;
}

/// `X-Goog-User-Project` on every API request: `billing_project` with
/// `user_project_override`, else the request's own project; none without the override.
#[tokio::test]
async fn billing_project_and_user_project_override_set_the_quota_project() {
    let cases = [
        (Some("quota-project"), true, Json::from("quota-project")),
        (None, true, Json::from("platform-local")),
        (Some("quota-project"), false, Json::Null),
    ];
    let h = Harness::configured(&[]).await;
    for (billing, over, expected) in cases {
        h.configure(&[
            (attr::PROJECT, Value::from("platform-local")),
            (
                attr::BILLING_PROJECT,
                billing.map_or(Value::Null, Value::from),
            ),
            (attr::USER_PROJECT_OVERRIDE, Value::from(over)),
        ])
        .await;
        h.admin("DELETE", "/_emulator/requests", json!({})).await;
        read_zones(&h).await;
        let calls = zone_lists(&h).await;
        assert_eq!(calls[0]["user_project"], expected, "{billing:?} {over}");
    }
    h.emulator.shutdown().await;
}

/// Each `<api>_custom_endpoint` sends that API's requests to its URL: one API
/// at a time points at a second emulator, and only that API's call lands there.
#[tokio::test]
async fn each_custom_endpoint_receives_its_apis_requests() {
    let other = start(EmulatorConfig::default()).await.unwrap();
    let others = Endpoints::all_at(&other.base_url());
    let h = Harness::configured(&[]).await;
    for service in Service::CONFIGURABLE {
        h.configure(&[(
            endpoint_attribute(service).as_str(),
            Value::from(others.base(service)),
        )])
        .await;
        let client = h.provider.state().get().unwrap().client.clone();
        for s in Service::CONFIGURABLE {
            // Answers (404, 401 from the other emulator) do not matter, only where they went.
            let _ = client
                .api()
                .get::<Json>(&client.api().url(s, "reach-probe"))
                .await;
        }
        let url = reqwest::Url::parse(others.base(service)).unwrap();
        let wanted = format!("{}reach-probe", url.path());
        let log: Json = reqwest::get(format!("{}/_emulator/requests", other.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let paths: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["path"].as_str())
            .filter(|p| p.ends_with("reach-probe"))
            .collect();
        assert_eq!(paths, [wanted.as_str()], "{service}");
        reqwest::Client::new()
            .delete(format!("{}/_emulator/requests", other.base_url()))
            .send()
            .await
            .unwrap();
    }
    other.shutdown().await;
    h.emulator.shutdown().await;
}
