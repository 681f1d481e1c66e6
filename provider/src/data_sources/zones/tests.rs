use tfplugin::{ReadDataResponse, Value};

use super::{api_filter, select};
use crate::framework::test_support::Harness;

fn names(v: &Value) -> Vec<String> {
    v.get("names")
        .as_seq()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

/// Reads `platform_zones` with `region` and `status` through a provider
/// whose own region is us-central1; the harness is returned to shut down.
async fn read_zones(region: Value, status: Value) -> (Harness, ReadDataResponse) {
    let h = Harness::configured(&[
        ("project", "platform-local".into()),
        ("region", "us-central1".into()),
    ])
    .await;
    let config = Value::object([
        ("project", Value::Null),
        ("region", region),
        ("status", status),
    ]);
    let resp = h.read("platform_zones", config).await;
    (h, resp)
}

#[tokio::test]
async fn lists_sorted_zones_of_the_provider_region() {
    let (h, resp) = read_zones(Value::Null, Value::from("UP")).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let n = names(&resp.state);
    assert!(n.contains(&"us-central1-a".to_owned()), "{n:?}");
    assert!(n.iter().all(|z| z.starts_with("us-central1-")), "{n:?}");
    let mut sorted = n.clone();
    sorted.sort();
    assert_eq!(n, sorted);
    let links = resp.state.get("self_links").as_seq().unwrap();
    assert_eq!(links.len(), n.len());
    assert!(links[0]
        .as_str()
        .unwrap()
        .ends_with(&format!("/zones/{}", n[0])));
    assert_eq!(resp.state.get("region").as_str(), Some("us-central1"));
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn explicit_region_beats_provider_region() {
    let (h, resp) = read_zones(Value::from("europe-west1"), Value::Null).await;
    let n = names(&resp.state);
    assert!(
        !n.is_empty() && n.iter().all(|z| z.starts_with("europe-west1-")),
        "{n:?} {:?}",
        resp.diagnostics
    );
    h.emulator.shutdown().await;
}

/// Reach: each configured attribute (none the provider's default) is in the request.
#[tokio::test]
async fn every_attribute_reaches_the_request() {
    let h = Harness::configured(&[("region", "us-central1".into())]).await;
    let config = Value::object([
        ("project", Value::from("platform-local")),
        ("region", Value::from("us-east1")),
        ("status", Value::from("DOWN")),
    ]);
    let resp = h.read("platform_zones", config).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let log = h.admin_get("/_emulator/requests").await;
    let call = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/compute/v1/projects/platform-local/zones")
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(
        call["query"]["filter"],
        "(region eq .*/regions/us-east1) (status eq DOWN)"
    );
    h.emulator.shutdown().await;
}

#[tokio::test]
async fn rejects_bad_status() {
    let h = Harness::configured(&[]).await;
    let d = h
        .data_source("platform_zones")
        .validate(&Value::object([("status", Value::from("up"))]))
        .await;
    assert!(d.has_errors());
    h.emulator.shutdown().await;
}

#[test]
fn filter_and_local_selection() {
    assert_eq!(
        api_filter(Some("us-east1"), Some("UP")).as_deref(),
        Some("(region eq .*/regions/us-east1) (status eq UP)")
    );
    assert_eq!(api_filter(None, None), None);
    let zone = |name: &str, region: &str, status: &str| gcp_client::compute::Zone {
        name: name.into(),
        region: format!("https://x/compute/v1/projects/p/regions/{region}"),
        status: status.into(),
        ..Default::default()
    };
    let picked = select(
        vec![
            zone("b-east1-b", "b-east1", "UP"),
            zone("b-east1-a", "b-east1", "UP"),
            zone("c-west1-a", "c-west1", "UP"),
            zone("b-east1-c", "b-east1", "DOWN"),
        ],
        Some("b-east1"),
        Some("UP"),
    );
    let names: Vec<_> = picked.iter().map(|z| z.name.as_str()).collect();
    assert_eq!(names, ["b-east1-a", "b-east1-b"]);
}

#[test]
fn model_matches_schema() {
    let schema = tfplugin::DataSource::schema(&super::ZonesDataSource::new(
        crate::state::SharedState::default(),
    ));
    tfplugin::typed::check_model::<super::ZonesModel>(&schema.block).unwrap();
}
