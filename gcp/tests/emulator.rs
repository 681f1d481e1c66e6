//! Every auth flow and the Compute client against the real in-process emulator.
#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::sa_spec;
use gcp_client::{ClientConfig, CredentialsSpec, EnvLookup, GcpClient};
use gcp_emulator::{start, EmulatorConfig, RunningEmulator};
use serde_json::{json, Value};

const PROJECT: &str = "platform-local";

fn env_of(pairs: Vec<(&'static str, String)>) -> EnvLookup {
    Arc::new(move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
}

fn config(emu: &RunningEmulator, credentials: CredentialsSpec) -> ClientConfig {
    let mut c = common::config(emu, credentials);
    c.user_agent = "terraform-provider-platform/test terraform/1.9.0".into();
    c.retry = common::quick_retry(5);
    c.request_timeout = Duration::from_secs(20);
    c
}

fn json_spec(origin: &str, json: String) -> CredentialsSpec {
    CredentialsSpec::Json {
        origin: origin.into(),
        json,
    }
}

/// A client authenticating with the credentials file `json`.
fn json_client(emu: &RunningEmulator, json: String) -> GcpClient {
    GcpClient::new(config(emu, json_spec("t", json))).unwrap()
}

/// Every request the emulator has served, as its log renders them.
async fn request_log(emu: &RunningEmulator) -> String {
    reqwest::get(format!("{}/_emulator/requests", emu.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn admin(emu: &RunningEmulator, path: &str, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", emu.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        resp.status().is_success(),
        "admin {path}: {}",
        resp.status()
    );
    let text = resp.text().await.unwrap();
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

async fn assert_project_readable(client: &GcpClient) {
    let p = client.compute().get_project(PROJECT).await.unwrap();
    assert_eq!(p.name, PROJECT);
    assert!(
        !p.id.is_empty() && p.id.chars().all(|c| c.is_ascii_digit()),
        "project number {:?}",
        p.id
    );
    assert!(p
        .default_service_account
        .ends_with("-compute@developer.gserviceaccount.com"));
}

#[tokio::test]
async fn service_account_key_reads_project_and_zones() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let client = GcpClient::new(config(&emu, sa_spec(&emu))).unwrap();
    assert_project_readable(&client).await;

    let zones = client.compute().list_zones(PROJECT, None).await.unwrap();
    assert!(
        zones.iter().any(|z| z.name == "us-central1-a"),
        "{:?}",
        zones.iter().map(|z| &z.name).collect::<Vec<_>>()
    );
    let zone = client
        .compute()
        .get_zone(PROJECT, "us-central1-a")
        .await
        .unwrap();
    assert_eq!(zone.region_name(), "us-central1");
    let region = client
        .compute()
        .get_region(PROJECT, "us-central1")
        .await
        .unwrap();
    assert!(region.zones.iter().any(|z| z.ends_with("/us-central1-a")));
    emu.shutdown().await;
}

#[tokio::test]
async fn missing_project_is_a_typed_404() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let client = GcpClient::new(config(&emu, sa_spec(&emu))).unwrap();
    let err = client
        .compute()
        .get_project("no-such-project")
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.http_status, 404, "{err}");
    assert!(err.to_string().contains(&api.message));
    emu.shutdown().await;
}

#[tokio::test]
async fn transient_faults_are_retried() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    admin(&emu, "/_emulator/faults", json!({"method": "GET", "path_regex": "/compute/v1/projects/platform-local$", "status": 503, "times": 2})).await;
    let client = GcpClient::new(config(&emu, sa_spec(&emu))).unwrap();
    assert_project_readable(&client).await;
    let log = reqwest::get(format!("{}/_emulator/requests", emu.base_url()))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let hits = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r.to_string()
                .contains("/compute/v1/projects/platform-local\"")
        })
        .count();
    assert_eq!(hits, 3, "two 503s then success: {log}");
    emu.shutdown().await;
}

#[tokio::test]
async fn authorized_user_refresh_token() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let creds = admin(&emu, "/_emulator/authorized-user", json!({})).await;
    let client = json_client(&emu, creds.to_string());
    assert_project_readable(&client).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_refresh_token_is_reported() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let mut creds = admin(&emu, "/_emulator/authorized-user", json!({})).await;
    creds["refresh_token"] = json!("1//revoked");
    let client = json_client(&emu, creds.to_string());
    let err = client.compute().get_project(PROJECT).await.unwrap_err();
    assert!(matches!(err, gcp_client::Error::Auth(_)), "{err}");
    assert!(
        !err.to_string().contains("1//revoked"),
        "secrets must not appear in errors: {err}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn impersonation_on_top_of_a_key() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let mut cfg = config(&emu, sa_spec(&emu));
    cfg.impersonate_service_account = Some(format!("deployer@{PROJECT}.iam.gserviceaccount.com"));
    let client = GcpClient::new(cfg).unwrap();
    assert_project_readable(&client).await;
    let log = request_log(&emu).await;
    assert!(log.contains(":generateAccessToken"), "{log}");
    emu.shutdown().await;
}

#[tokio::test]
async fn metadata_server_via_adc() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let host = emu.base_url().trim_start_matches("http://").to_owned();
    let mut cfg = config(&emu, CredentialsSpec::ApplicationDefault);
    cfg.env = env_of(vec![("GCE_METADATA_HOST", host)]);
    let client = GcpClient::new(cfg).unwrap();
    assert_project_readable(&client).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn adc_reads_google_application_credentials() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.json");
    std::fs::write(&path, emu.service_account_key_json()).unwrap();
    let mut cfg = config(&emu, CredentialsSpec::ApplicationDefault);
    cfg.env = env_of(vec![(
        "GOOGLE_APPLICATION_CREDENTIALS",
        path.display().to_string(),
    )]);
    assert_project_readable(&GcpClient::new(cfg).unwrap()).await;
    emu.shutdown().await;
}

fn external_account(source: Value, impersonate: bool) -> String {
    let mut j = json!({
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/tfc/providers/tfc",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        // Google's host: the client must rebase it onto the configured STS endpoint.
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": source,
    });
    if impersonate {
        j["service_account_impersonation_url"] = json!(format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/tfc@{PROJECT}.iam.gserviceaccount.com:generateAccessToken"
        ));
    }
    j.to_string()
}

#[tokio::test]
async fn external_account_file_source_with_impersonation() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    admin(
        &emu,
        "/_emulator/oidc-tokens",
        json!({"token": "tfc-workload-token"}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token.json");
    std::fs::write(&token_file, r#"{"id_token":"tfc-workload-token"}"#).unwrap();
    let source = json!({"file": token_file.display().to_string(), "format": {"type": "json", "subject_token_field_name": "id_token"}});
    let json = external_account(source, true);
    let client = json_client(&emu, json);
    assert_project_readable(&client).await;
    let log = request_log(&emu).await;
    assert!(
        log.contains("/v1/token") && log.contains(":generateAccessToken"),
        "{log}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn external_account_untrusted_token_fails() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "not-registered").unwrap();
    let json = external_account(json!({"file": token_file.display().to_string()}), false);
    let client = json_client(&emu, json);
    let err = client.compute().get_project(PROJECT).await.unwrap_err();
    assert!(err.to_string().contains("STS"), "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn static_access_token_rejected_when_bogus() {
    let emu = start(EmulatorConfig::default()).await.unwrap();
    let client =
        GcpClient::new(config(&emu, CredentialsSpec::AccessToken("bogus".into()))).unwrap();
    let err = client.compute().get_project(PROJECT).await.unwrap_err();
    assert_eq!(err.api().map(|a| a.http_status), Some(401), "{err}");

    // A token minted by a real flow works as a static token.
    let good = GcpClient::new(config(&emu, sa_spec(&emu)))
        .unwrap()
        .access_token()
        .await
        .unwrap();
    let client = GcpClient::new(config(
        &emu,
        CredentialsSpec::AccessToken(good.secret().to_owned()),
    ))
    .unwrap();
    assert_project_readable(&client).await;
    emu.shutdown().await;
}
