//! `--state` persistence across an in-process restart.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use gcp_emulator::EmulatorConfig;
use serde_json::{json, Value};

#[tokio::test]
async fn state_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig {
        state_file: Some(dir.path().join("state.json")),
        projects: vec!["alpha-project".into()],
        op_latency: Duration::ZERO,
        ..EmulatorConfig::default()
    };
    let first = start_env(config.clone()).await;
    let token = first.access_token().await;
    let (status, _) = first
        .post(
            &token,
            "/compute/v1/projects/alpha-project/setCommonInstanceMetadata",
            json!({"items": [{"key": "a", "value": "1"}]}),
        )
        .await;
    assert_eq!(status, 200);
    first
        .admin("/_emulator/projects", json!({"projectId": "added-later"}))
        .await;
    let key_id = first.key["private_key_id"].clone();
    first.emu.shutdown().await;

    let second = start_env(config).await;
    assert_eq!(
        second.key["private_key_id"], key_id,
        "the issued key is reused"
    );
    assert_eq!(
        second.key["client_email"],
        "terraform@alpha-project.iam.gserviceaccount.com"
    );
    // The earlier access token is still honoured.
    let (status, project) = second
        .get(&token, "/compute/v1/projects/alpha-project")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        project["commonInstanceMetadata"]["items"][0],
        json!({"key": "a", "value": "1"})
    );
    assert_eq!(
        second
            .get(&token, "/compute/v1/projects/added-later")
            .await
            .0,
        200
    );
    let resources: Value = second.admin_get("/_emulator/resources").await;
    assert!(resources.get("projects/alpha-project").is_some());
    // A fresh JWT-bearer exchange with the persisted key works too.
    assert!(second.access_token().await.starts_with("ya29."));
    second.emu.shutdown().await;
}
