//! OAuth, STS, IAM Credentials, metadata-server and bearer checks.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn jwt_bearer_token_then_compute_call() {
    let env = default_env().await;
    let token = env.access_token().await;
    assert!(token.starts_with("ya29."));
    let (status, body) = env
        .get(&token, &format!("/compute/v1/projects/{PROJECT}/zones"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["kind"], "compute#zoneList");
    assert_eq!(body["items"].as_array().unwrap().len(), 19);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn missing_or_unknown_bearer_is_401() {
    let env = default_env().await;
    let resp = env
        .http
        .get(env.url("/compute/v1/projects/platform-local"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Request had invalid authentication credentials."));
    let (status, _) = env
        .get("ya29.forged", "/compute/v1/projects/platform-local")
        .await;
    assert_eq!(status, 401);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn self_signed_jwt_is_a_valid_bearer() {
    let env = default_env().await;
    let email = env.key["client_email"].as_str().unwrap();
    let good = sign(
        &env.key,
        json!({"iss": email, "sub": email, "scope": SCOPE, "iat": now(), "exp": now() + 600}),
    );
    assert_eq!(
        env.get(&good, "/compute/v1/projects/platform-local")
            .await
            .0,
        200
    );
    let wrong_sub = sign(
        &env.key,
        json!({"iss": email, "sub": "x@y", "scope": SCOPE, "iat": now(), "exp": now() + 600}),
    );
    assert_eq!(
        env.get(&wrong_sub, "/compute/v1/projects/platform-local")
            .await
            .0,
        401
    );
    let expired = sign(
        &env.key,
        json!({"iss": email, "sub": email, "scope": SCOPE, "iat": now() - 7200, "exp": now() - 3600}),
    );
    assert_eq!(
        env.get(&expired, "/compute/v1/projects/platform-local")
            .await
            .0,
        401
    );
    // A well-formed token signed by a key the emulator never issued.
    let mut tampered = good.clone();
    tampered.replace_range(tampered.len() - 6.., "AAAAAA");
    assert_eq!(
        env.get(&tampered, "/compute/v1/projects/platform-local")
            .await
            .0,
        401
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn bad_assertions_are_invalid_grant() {
    let env = default_env().await;
    let email = env.key["client_email"].as_str().unwrap();
    let cases = [
        json!({"iss": email, "scope": SCOPE, "aud": "https://elsewhere/token", "iat": now(), "exp": now() + 600}),
        json!({"iss": "other@x.iam.gserviceaccount.com", "scope": SCOPE, "aud": env.key["token_uri"], "iat": now(), "exp": now() + 600}),
        json!({"iss": email, "scope": SCOPE, "aud": env.key["token_uri"], "iat": now(), "exp": now() + 7200}),
    ];
    for claims in cases {
        let jwt = sign(&env.key, claims);
        let resp = env
            .token_response(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &jwt),
            ])
            .await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
    env.emu.shutdown().await;
}

#[tokio::test]
async fn refresh_token_flow() {
    let env = default_env().await;
    let user: Value = env
        .admin("/_emulator/authorized-user", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(user["type"], "authorized_user");
    let form = |secret: &str| {
        vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            (
                "client_id".to_string(),
                user["client_id"].as_str().unwrap().to_string(),
            ),
            ("client_secret".to_string(), secret.to_string()),
            (
                "refresh_token".to_string(),
                user["refresh_token"].as_str().unwrap().to_string(),
            ),
        ]
    };
    let ok = env
        .http
        .post(env.url("/token"))
        .form(&form(user["client_secret"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let token: Value = ok.json().await.unwrap();
    assert_eq!(
        env.get(
            token["access_token"].as_str().unwrap(),
            "/compute/v1/projects/platform-local"
        )
        .await
        .0,
        200
    );
    let bad = env
        .http
        .post(env.url("/token"))
        .form(&form("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn sts_exchange_then_impersonation() {
    let env = default_env().await;
    let exchange = |subject: String| {
        let http = env.http.clone();
        let url = env.url("/v1/token");
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                    ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
                    ("subject_token", subject.as_str()),
                    ("audience", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh"),
                    ("scope", SCOPE),
                    ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let rejected = exchange("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into()).await;
    assert_eq!(rejected.status(), 400);
    assert_eq!(
        rejected.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );

    env.admin(
        "/_emulator/oidc-tokens",
        json!({"token": "external-oidc-token"}),
    )
    .await;
    let resp = exchange("external-oidc-token".into()).await;
    assert_eq!(resp.status(), 200);
    let sts: Value = resp.json().await.unwrap();
    assert_eq!(
        sts["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    let federated = sts["access_token"].as_str().unwrap();

    let sa = "deployer@platform-local.iam.gserviceaccount.com";
    let (status, body) = env
        .post(
            federated,
            &format!("/v1/projects/-/serviceAccounts/{sa}:generateAccessToken"),
            json!({"scope": [SCOPE], "lifetime": "600s"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let impersonated = body["accessToken"].as_str().unwrap();
    assert!(body["expireTime"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        env.get(impersonated, "/compute/v1/projects/platform-local")
            .await
            .0,
        200
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn metadata_server_requires_flavor_header() {
    let env = default_env().await;
    let path = "/computeMetadata/v1/instance/service-accounts/default/token";
    assert_eq!(
        env.http.get(env.url(path)).send().await.unwrap().status(),
        403
    );
    let resp = env
        .http
        .get(env.url(path))
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        env.get(
            body["access_token"].as_str().unwrap(),
            "/compute/v1/projects/platform-local"
        )
        .await
        .0,
        200
    );
    env.emu.shutdown().await;
}
