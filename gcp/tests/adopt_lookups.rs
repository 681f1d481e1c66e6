//! The lookups `platform adopt` makes (Cloud SQL, Redis, Secret Manager)
//! against the in-process emulator: an object made as gcloud would is found,
//! a missing one is `None`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use gcp_client::{GcpClient, Service};
use serde_json::{json, Value};

#[tokio::test]
async fn existing_objects_are_found_and_missing_ones_are_none() {
    let emu = common::start_emulator(Duration::ZERO).await;
    let gcp = GcpClient::new(common::config(&emu, common::sa_spec(&emu))).unwrap();
    let api = gcp.api();
    let project = "projects/platform-local";
    for (service, path, body) in [
        (
            Service::Sql,
            format!("{project}/instances"),
            json!({"name": "platform-prod-db", "settings": {"tier": "db-f1-micro"}}),
        ),
        (
            Service::Sql,
            format!("{project}/instances/platform-prod-db/databases"),
            json!({"name": "platform"}),
        ),
        (
            Service::Redis,
            format!("{project}/locations/us-central1/instances?instanceId=platform-redis"),
            json!({"tier": "BASIC", "memorySizeGb": 1}),
        ),
        (
            Service::SecretManager,
            format!("{project}/secrets?secretId=livekit-keys"),
            json!({"replication": {"automatic": {}}}),
        ),
    ] {
        let _: Value = api.post(&api.url(service, &path), &body).await.unwrap();
    }

    let sql = gcp.sql();
    let instance = sql
        .get_instance(&format!("{project}/instances/platform-prod-db"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(instance.state, "RUNNABLE");
    assert!(sql
        .get_instance(&format!("{project}/instances/other"))
        .await
        .unwrap()
        .is_none());
    let database = format!("{project}/instances/platform-prod-db/databases/platform");
    assert!(sql.get_database(&database).await.unwrap().is_some());
    assert!(sql
        .get_database(&format!("{project}/instances/other/databases/platform"))
        .await
        .unwrap()
        .is_none());

    let redis = gcp.redis();
    let found = redis
        .get_instance(&format!(
            "{project}/locations/us-central1/instances/platform-redis"
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.state.as_str(), found.port), ("READY", 6379));
    assert!(redis
        .get_instance(&format!(
            "{project}/locations/us-east1/instances/platform-redis"
        ))
        .await
        .unwrap()
        .is_none());

    let secrets = gcp.secret_manager();
    let secret = secrets
        .get_secret(&format!("{project}/secrets/livekit-keys"))
        .await
        .unwrap()
        .unwrap();
    assert!(secret.name.ends_with("/secrets/livekit-keys"));
    assert!(secrets
        .get_secret(&format!("{project}/secrets/nope"))
        .await
        .unwrap()
        .is_none());
}
