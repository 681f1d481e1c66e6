//! The provider binary under a Terraform-core stand-in: the protocol 6.9/6.10
//! RPCs (identity, cross-type moves, list resources, actions) answer sanely
//! for today's resources, none of which implements them yet. Terraform 1.11
//! never sends most of these, so this is where they are exercised.

use e2e::start_provider;
use tfplugin::client::pb;
use tfplugin::client::{ImportTarget, MoveSource};
use tfplugin::Value;

const SERVICE: &str = "platform_blue_green_service";

fn summaries(d: &[pb::Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.summary.as_str()).collect()
}

#[tokio::test]
async fn new_rpcs_answer_cleanly_for_resources_without_support() {
    let (process, mut core) = start_provider().await.unwrap();
    assert!(process.handshake.starts_with("1|6|tcp|127.0.0.1:"));

    // Schema loading as Terraform >= 1.12 does it: identities answer, and are empty.
    let schemas = core.schemas().await.unwrap().clone();
    assert!(schemas.resources.contains_key(SERVICE));
    assert!(schemas.resources.values().all(|r| r.identity.is_none()));
    assert!(!schemas.capabilities.move_resource_state);
    assert!(schemas.capabilities.plan_destroy);
    assert!(schemas.list_resources.is_empty() && schemas.actions.is_empty());
    let identities = core
        .raw()
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(identities.identity_schemas.is_empty() && identities.diagnostics.is_empty());

    // `moved` from hashicorp/google: core refuses without the capability; sent
    // anyway, the provider names both types instead of failing the RPC.
    let source = MoveSource {
        provider_address: "registry.terraform.io/hashicorp/google".into(),
        type_name: "google_cloud_run_v2_service".into(),
        schema_version: 0,
        state_json: br#"{"name":"api"}"#.to_vec(),
        private: Vec::new(),
        identity_json: None,
    };
    let refused = core.move_resource_state(&source, SERVICE).await.unwrap();
    assert_eq!(
        refused.diagnostics.0[0].summary,
        "Unsupported `moved` across resource types"
    );
    let moved = core
        .raw()
        .move_resource_state(pb::move_resource_state::Request {
            source_provider_address: source.provider_address.clone(),
            source_type_name: source.type_name.clone(),
            source_state: Some(pb::RawState {
                json: source.state_json.clone(),
                flatmap: Default::default(),
            }),
            target_type_name: SERVICE.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&moved.diagnostics), ["Unsupported move"]);
    let detail = &moved.diagnostics[0].detail;
    assert!(
        detail.contains("google_cloud_run_v2_service") && detail.contains(SERVICE),
        "{detail}"
    );
    assert!(moved.target_state.is_none());

    // Import by identity for a type without identity: a diagnostic, as core
    // itself would refuse before sending.
    let by_identity = core
        .import_resource_state(
            SERVICE,
            &ImportTarget::Identity(Value::object([("name", Value::string("api"))])),
        )
        .await
        .unwrap();
    assert!(by_identity.diagnostics.has_errors());
    let nothing = core
        .raw()
        .import_resource_state(pb::import_resource_state::Request {
            type_name: SERVICE.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&nothing.diagnostics), ["Nothing to import"]);
    let upgrade = core
        .raw()
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: SERVICE.into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&upgrade.diagnostics),
        ["Unexpected resource identity"]
    );

    // List and actions for types that have none: clean errors, no broken streams.
    let list_config = Value::object([("location", Value::string("us-central1"))]);
    let listed = core
        .list_resource(SERVICE, &list_config, true, 10)
        .await
        .unwrap();
    assert!(listed.diagnostics.has_errors() && listed.results.is_empty());
    let validate = core
        .raw()
        .validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: SERVICE.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&validate.diagnostics),
        ["Unknown list resource type"]
    );
    let mut stream = core
        .raw()
        .list_resource(pb::list_resource::Request {
            type_name: SERVICE.into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let event = stream.message().await.unwrap().unwrap();
    assert_eq!(summaries(&event.diagnostic), ["Unknown list resource type"]);
    assert!(event.identity.is_none());
    assert!(stream.message().await.unwrap().is_none());
    let mut invoked = core
        .raw()
        .invoke_action(pb::invoke_action::Request {
            action_type: "platform_rollout_abort".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let completed = match invoked.message().await.unwrap().unwrap().r#type {
        Some(pb::invoke_action::event::Type::Completed(c)) => c,
        other => panic!("expected a completion, got {other:?}"),
    };
    assert_eq!(summaries(&completed.diagnostics), ["Unknown action type"]);
    let plan = core
        .raw()
        .plan_action(pb::plan_action::Request {
            action_type: "platform_rollout_abort".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&plan.diagnostics), ["Unknown action type"]);

    // RPCs this provider does not serve still answer UNIMPLEMENTED, which
    // Terraform reads as "not supported".
    let functions = core
        .raw()
        .get_functions(pb::get_functions::Request {})
        .await
        .unwrap_err();
    assert_eq!(functions.code(), tonic::Code::Unimplemented);

    // go-plugin's Kill: GRPCController.Shutdown ends the process cleanly.
    assert!(process.shutdown().await.unwrap());
}
