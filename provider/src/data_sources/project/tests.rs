use std::sync::Arc;

use tfplugin::{Provider, Value};

use super::ProjectDataSource;
use crate::framework::test_support::{read_with, Harness};
use crate::state::SharedState;

#[tokio::test]
async fn reads_provider_project() {
    let h = Harness::configured(&[("project", "platform-local".into())]).await;
    let resp = h
        .read(
            "platform_project",
            Value::object([("project", Value::Null)]),
        )
        .await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let s = &resp.state;
    assert_eq!(s.get("project").as_str(), Some("platform-local"));
    assert_eq!(s.get("name").as_str(), Some("platform-local"));
    let number = s.get("number").as_str().unwrap();
    assert!(
        !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        "{number}"
    );
    assert_eq!(
        s.get("default_service_account").as_str(),
        Some(format!("{number}-compute@developer.gserviceaccount.com").as_str())
    );
    assert!(s
        .get("self_link")
        .as_str()
        .unwrap()
        .ends_with("/compute/v1/projects/platform-local"));
    h.emulator.shutdown().await;
}

/// Reach: a configured `project` (not the provider's) is the project read.
#[tokio::test]
async fn its_own_project_reaches_the_request() {
    let h = Harness::configured(&[("project", "platform-local".into())]).await;
    h.admin(
        "POST",
        "/_emulator/projects",
        serde_json::json!({"projectId": "reach-project"}),
    )
    .await;
    let resp = h
        .read(
            "platform_project",
            Value::object([("project", Value::from("reach-project"))]),
        )
        .await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    assert_eq!(resp.state.get("name").as_str(), Some("reach-project"));
    let paths = h.request_paths().await;
    assert!(
        paths.contains(&"/compute/v1/projects/reach-project".to_owned()),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.contains("platform-local")),
        "{paths:?}"
    );
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn unknown_project_quotes_api_and_says_what_to_do() {
    let h = Harness::configured(&[]).await;
    let resp = h
        .read(
            "platform_project",
            Value::object([("project", Value::from("ghost-project"))]),
        )
        .await;
    assert!(resp.state.is_null());
    let d = &resp.diagnostics.0[0];
    assert!(d.summary.contains("ghost-project"), "{d:?}");
    assert!(
        d.detail.contains("404") && d.detail.contains("Check that the project ID"),
        "{d:?}"
    );
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn no_project_anywhere_points_at_the_attribute() {
    let h = Harness::configured(&[]).await;
    let resp = h
        .read(
            "platform_project",
            Value::object([("project", Value::Null)]),
        )
        .await;
    let d = &resp.diagnostics.0[0];
    assert_eq!(d.attribute, Some(tfplugin::AttributePath::root("project")));
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn used_before_configure_is_a_diagnostic() {
    let ds = ProjectDataSource::new(SharedState::default());
    let resp = read_with(&ds, Value::object([("project", Value::from("p"))])).await;
    assert!(resp.diagnostics.has_errors());
    assert_eq!(resp.diagnostics.0[0].summary, "Provider not configured");
}

#[tokio::test]
async fn unknown_config_defers_errors_until_use() {
    let provider = crate::PlatformProvider::with_env(Arc::new(|_| None));
    let config = Value::object([
        ("credentials", Value::Unknown),
        ("project", Value::from("p")),
    ]);
    let diags = provider
        .configure(tfplugin::ConfigureRequest {
            terraform_version: String::new(),
            config,
        })
        .await;
    assert!(!diags.has_errors(), "{diags:?}");
    let ds = provider
        .data_sources()
        .into_iter()
        .find(|d| d.type_name() == "platform_project")
        .unwrap();
    let resp = read_with(ds.as_ref(), Value::object([("project", Value::Null)])).await;
    assert!(
        resp.diagnostics.0[0].detail.contains("credentials"),
        "{:?}",
        resp.diagnostics
    );
}

#[test]
fn model_matches_schema() {
    let schema = tfplugin::DataSource::schema(&super::ProjectDataSource::new(
        crate::state::SharedState::default(),
    ));
    tfplugin::typed::check_model::<super::ProjectModel>(&schema.block).unwrap();
}
