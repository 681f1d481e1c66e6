//! Shared helpers for the emulator's integration tests.
#![allow(dead_code)]

use std::time::Duration;

use gcp_emulator::{start, EmulatorConfig, RunningEmulator};
use serde_json::{json, Value};

pub const PROJECT: &str = "platform-local";
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

pub struct Env {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub base: String,
    pub key: Value,
}

pub async fn start_env(config: EmulatorConfig) -> Env {
    let emu = start(config).await.unwrap();
    let base = emu.base_url();
    let key: Value = serde_json::from_str(&emu.service_account_key_json()).unwrap();
    Env {
        emu,
        http: reqwest::Client::new(),
        base,
        key,
    }
}

pub async fn default_env() -> Env {
    start_env(EmulatorConfig {
        op_latency: Duration::ZERO,
        ..EmulatorConfig::default()
    })
    .await
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs claims with the emulator-issued service-account key.
pub fn sign(key: &Value, claims: Value) -> String {
    gcp_emulator::auth::jwt::sign_with_pem(
        key["private_key"].as_str().unwrap(),
        key["private_key_id"].as_str().unwrap(),
        &claims,
    )
    .unwrap()
}

pub fn assertion(key: &Value) -> String {
    let email = key["client_email"].as_str().unwrap();
    sign(
        key,
        json!({"iss": email, "scope": SCOPE, "aud": key["token_uri"], "iat": now(), "exp": now() + 3600}),
    )
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token_response(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/token"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Runs the service-account JWT-bearer flow and returns the access token.
    pub async fn access_token(&self) -> String {
        let jwt = assertion(&self.key);
        let resp = self
            .token_response(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &jwt),
            ])
            .await;
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    /// Any authenticated call: the status and the JSON reply (null when the
    /// body is not JSON).
    pub async fn send(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(token, reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(token, reqwest::Method::POST, path, Some(body))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(token, reqwest::Method::PUT, path, Some(body))
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(token, reqwest::Method::PATCH, path, Some(body))
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (u16, Value) {
        self.send(token, reqwest::Method::DELETE, path, None).await
    }

    /// JSON of an admin GET (`/_emulator/resources`, `/_emulator/requests`).
    pub async fn admin_get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// An admin DELETE (clears faults or the request log).
    pub async fn admin_delete(&self, path: &str) {
        self.http.delete(self.url(path)).send().await.unwrap();
    }

    pub async fn admin(&self, path: &str, body: Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}
