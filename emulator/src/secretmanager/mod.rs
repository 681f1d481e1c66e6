//! Secret Manager v1: secrets (create, get, list), named by project number
//! in responses as Google does; the project may be given by ID or number.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Value};

use crate::aip;
use crate::clock::{now_ms, rfc3339};
use crate::compute::catalog::project_number;
use crate::error::{ApiError, EmulatorError};
use crate::resourcemanager::resolve_project;
use crate::router::{ApiCall, Registry};

/// Secret Manager's rule for secret IDs.
static SECRET_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,255}$").ok());

/// (store key by project ID, name as Google shows it) of the project's
/// collection of secrets.
fn collection(call: &ApiCall) -> Result<(String, String), ApiError> {
    let requested = call.path("projectsId");
    let project = resolve_project(&call.app, requested)
        .ok_or_else(|| aip::not_found(&format!("projects/{requested}")))?;
    Ok((
        format!("projects/{project}/secrets"),
        format!("projects/{}/secrets", project_number(&project)),
    ))
}

async fn create(call: ApiCall) -> Result<Value, ApiError> {
    let (key, shown) = collection(&call)?;
    let id = call.query_one("secretId").unwrap_or_default();
    if !SECRET_ID.as_ref().is_some_and(|re| re.is_match(id)) {
        return Err(ApiError::bad_field(
            "secret_id",
            "Secret ID must be 1 to 255 letters, numbers, hyphens and underscores.",
        ));
    }
    let mut secret = call.body_or_empty();
    if secret.get("replication").is_none() {
        return Err(ApiError::bad_field(
            "secret.replication",
            "A replication policy is required.",
        ));
    }
    let name = format!("{shown}/{id}");
    secret["name"] = json!(name);
    secret["createTime"] = json!(rfc3339(now_ms()));
    secret["etag"] = json!(aip::new_etag());
    aip::insert_new(
        &call,
        &format!("{key}/{id}"),
        secret,
        aip::already_exists(format!("Secret [{name}] already exists.")),
    )
}

async fn get(call: ApiCall) -> Result<Value, ApiError> {
    let (key, shown) = collection(&call)?;
    let id = call.path("secretsId");
    aip::get(&call, &format!("{key}/{id}")).map_err(|_| {
        aip::not_found(&format!(
            "Secret [{shown}/{id}] not found or has no versions."
        ))
    })
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    let secrets = aip::children(&call, &collection(&call)?.0);
    let total = secrets.len();
    let mut page = aip::page(secrets, "secrets", &call)?;
    page["totalSize"] = json!(total);
    Ok(page)
}

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("secretmanager.projects.secrets.create", create)?;
    routes.add("secretmanager.projects.secrets.get", get)?;
    routes.add("secretmanager.projects.secrets.list", list)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::compute::catalog::project_number;
    use crate::testing::TestServer;

    #[tokio::test]
    async fn secrets_are_created_found_by_id_or_number_and_refused_twice() {
        let s = TestServer::start().await;
        let body = json!({"replication": {"automatic": {}}});
        let create = "/v1/projects/p/secrets?secretId=livekit-keys";
        let (status, secret) = s.send("POST", create, Some(body.clone())).await;
        assert_eq!(status, 200, "{secret}");
        let number = project_number("p");
        assert_eq!(
            secret["name"],
            format!("projects/{number}/secrets/livekit-keys")
        );
        for project in ["p".to_string(), number.to_string()] {
            let (status, _) = s
                .send(
                    "GET",
                    &format!("/v1/projects/{project}/secrets/livekit-keys"),
                    None,
                )
                .await;
            assert_eq!(status, 200);
        }
        let (status, err) = s.send("POST", create, Some(body)).await;
        assert_eq!(status, 409);
        assert_eq!(err["error"]["status"], "ALREADY_EXISTS");
        let (_, listed) = s.send("GET", "/v1/projects/p/secrets", None).await;
        assert_eq!(listed["totalSize"], 1);
        assert!(s
            .stored()
            .await
            .get("projects/p/secrets/livekit-keys")
            .is_some());
    }

    #[tokio::test]
    async fn missing_secrets_are_404_and_bad_ids_rejected() {
        let s = TestServer::start().await;
        let (status, err) = s.send("GET", "/v1/projects/p/secrets/nope", None).await;
        assert_eq!(
            (status, err["error"]["status"].as_str()),
            (404, Some("NOT_FOUND"))
        );
        let (status, _) = s
            .send(
                "POST",
                "/v1/projects/p/secrets?secretId=a.b",
                Some(json!({"replication": {"automatic": {}}})),
            )
            .await;
        assert_eq!(status, 400);
        let (status, _) = s
            .send(
                "POST",
                "/v1/projects/p/secrets?secretId=ok",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 400);
    }
}
