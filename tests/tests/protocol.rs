//! The provider binary under a Terraform-core stand-in: the protocol 6.9/6.10
//! RPCs (identity, cross-type moves, list resources, actions) as Terraform
//! 1.12–1.14 send them, with core's checks of every answer. Terraform 1.11
//! never sends most of these, so this is where they are exercised; the
//! `moved` flow itself also runs with real Terraform in `moved.rs`.

use e2e::{
    build_livekit_by_hand, create_budget_by_hand, deploy_run_service, gcloud_compute,
    invoke_as_terraform, null_object, start_configured, start_provider, Emulator, HarnessError,
};
use reqwest::Method;
use tfplugin::client::pb;
use tfplugin::client::{ImportTarget, MoveSource};
use tfplugin::{Type, Value};

const SERVICE: &str = "platform_blue_green_service";
const SERVICE_ID: &str = "projects/platform-local/locations/us-central1/services/api";

fn summaries(d: &[pb::Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.summary.as_str()).collect()
}

fn summaries_of(d: &tfplugin::Diagnostics) -> Vec<String> {
    d.iter().map(|d| d.summary.clone()).collect()
}

#[tokio::test]
async fn new_rpcs_answer_cleanly_and_refuse_what_core_would() {
    let (process, mut core) = start_provider().await.unwrap();
    assert!(process.handshake.starts_with("1|6|tcp|127.0.0.1:"));

    // Schema loading as Terraform >= 1.12 does it: every composite has an identity.
    let schemas = core.schemas().await.unwrap().clone();
    let identity_names = |t: &str| -> Vec<String> {
        schemas.resources[t]
            .identity
            .as_ref()
            .map(|i| i.attributes.iter().map(|a| a.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(identity_names(SERVICE), ["project", "location", "name"]);
    assert_eq!(
        identity_names("platform_livekit_cluster"),
        ["project", "name"]
    );
    assert_eq!(
        identity_names("platform_budget_guard"),
        ["billing_account", "budget_id"]
    );
    assert!(schemas.capabilities.move_resource_state);
    assert!(schemas.capabilities.plan_destroy);
    assert_eq!(
        schemas.list_resources.keys().collect::<Vec<_>>(),
        [
            "platform_blue_green_service",
            "platform_budget_guard",
            "platform_livekit_cluster"
        ]
    );
    assert_eq!(
        schemas.actions.keys().collect::<Vec<_>>(),
        [
            "platform_rollout_abort",
            "platform_rollout_pause",
            "platform_rollout_promote"
        ]
    );

    // `moved` from hashicorp/google: what core sends for each source.
    let run_state = br#"{"id":"projects/p/locations/us-central1/services/api","name":"api","project":"p","location":"us-central1","deletion_protection":true}"#;
    let source = |address: &str, type_name: &str, version: i64, json: &[u8]| MoveSource {
        provider_address: address.into(),
        type_name: type_name.into(),
        schema_version: version,
        state_json: json.to_vec(),
        private: Vec::new(),
        identity_json: None,
    };
    for address in [
        "registry.terraform.io/hashicorp/google",
        "google",
        "registry.terraform.io/hashicorp/google-beta",
    ] {
        let moved = core
            .move_resource_state(
                &source(address, "google_cloud_run_v2_service", 0, run_state),
                SERVICE,
            )
            .await
            .unwrap();
        assert!(
            !moved.diagnostics.has_errors(),
            "{address}: {:?}",
            moved.diagnostics
        );
        assert_eq!(
            moved.target_state.get("id").as_str(),
            Some("projects/p/locations/us-central1/services/api")
        );
        assert_eq!(
            moved.target_identity.get("location").as_str(),
            Some("us-central1")
        );
        assert!(
            !moved.target_private.is_empty(),
            "the read that follows must know to import"
        );
    }
    let budget = br#"{"id":"billingAccounts/A-B-C/budgets/b1","billing_account":"A-B-C","name":"billingAccounts/A-B-C/budgets/b1","display_name":"x"}"#;
    let moved = core
        .move_resource_state(
            &source("google", "google_billing_budget", 1, budget),
            "platform_budget_guard",
        )
        .await
        .unwrap();
    assert_eq!(
        moved.target_identity.get("budget_id").as_str(),
        Some("b1"),
        "{:?}",
        moved.diagnostics
    );
    let backend =
        br#"{"id":"projects/p/global/backendServices/livekit","name":"livekit","project":"p"}"#;
    let moved = core
        .move_resource_state(
            &source(
                "registry.terraform.io/hashicorp/google",
                "google_compute_backend_service",
                1,
                backend,
            ),
            "platform_livekit_cluster",
        )
        .await
        .unwrap();
    assert_eq!(
        moved.target_state.get("name").as_str(),
        Some("livekit"),
        "{:?}",
        moved.diagnostics
    );
    // What must be refused, each with its own diagnostic and no state.
    for (what, src, target, summary) in [
        (
            "another type",
            source("google", "google_compute_instance", 6, b"{}"),
            SERVICE,
            "Unsupported move",
        ),
        (
            "another provider",
            source(
                "registry.terraform.io/acme/google",
                "google_cloud_run_v2_service",
                0,
                run_state,
            ),
            SERVICE,
            "Unsupported move",
        ),
        (
            "an old schema version",
            source("google", "google_billing_budget", 0, budget),
            "platform_budget_guard",
            "Unsupported source state version",
        ),
        (
            "a state without names",
            source(
                "google",
                "google_cloud_run_v2_service",
                0,
                br#"{"location":"us-central1"}"#,
            ),
            SERVICE,
            "Invalid source state",
        ),
        (
            "a state that is not JSON",
            source("google", "google_cloud_run_v2_service", 0, b"{not json"),
            SERVICE,
            "Invalid source state",
        ),
    ] {
        let refused = core.move_resource_state(&src, target).await.unwrap();
        assert_eq!(summaries_of(&refused.diagnostics), [summary], "{what}");
        assert!(refused.target_state.is_null(), "{what}");
    }

    // Import by identity without a required attribute: refused before any API call.
    let by_identity = core
        .import_resource_state(
            SERVICE,
            &ImportTarget::Identity(Value::object([("location", Value::string("us-central1"))])),
        )
        .await
        .unwrap();
    assert!(by_identity.diagnostics.has_errors() && by_identity.imported.is_empty());
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
                json: br#"{"project":"p","location":"l","name":"n"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(upgrade.diagnostics.is_empty(), "{:?}", upgrade.diagnostics);

    // Listing before the provider is configured: an error, no results, a closed stream.
    let list_config = Value::object([
        ("project", Value::Null),
        ("location", Value::string("us-central1")),
    ]);
    let listed = core
        .list_resource(SERVICE, &list_config, true, 10)
        .await
        .unwrap();
    assert!(listed.diagnostics.has_errors() && listed.results.is_empty());
    // Lists and actions of types that do not exist: clean errors, no broken streams.
    const NOTHING: &str = "platform_nothing";
    let validate = core
        .raw()
        .validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: NOTHING.into(),
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
            type_name: NOTHING.into(),
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
            action_type: NOTHING.into(),
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
            action_type: NOTHING.into(),
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

/// Identity through an object's life as Terraform >= 1.12 drives it: import by
/// identity (project and location defaulted from the provider), read, plan and
/// apply keep it; a moved state is imported by the read that follows, and an
/// identity naming nothing is an error that imports nothing.
#[test]
fn identity_survives_import_read_plan_apply_and_moves() {
    let emu = Emulator::start_with(&["--op-latency", "50ms"]).unwrap();
    // Enough traffic for the update's one-step rollout to be judged conclusively.
    emu.admin_post(
        "/_emulator/run/behaviors",
        &serde_json::json!({"image": "img:v1", "rps": 100000}),
    )
    .unwrap();
    deploy_run_service(
        &emu,
        "api",
        "img:v1",
        serde_json::json!({"containers": [{}]}),
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (process, mut core) = start_configured(&emu).await.unwrap();
        let imported = core
            .import_resource_state(
                SERVICE,
                &ImportTarget::Identity(Value::object([("name", Value::string("api"))])),
            )
            .await
            .unwrap();
        assert!(!imported.diagnostics.has_errors(), "{:?}", imported.diagnostics);
        let item = &imported.imported[0];
        let identity = Value::object([
            ("project", Value::string("platform-local")),
            ("location", Value::string("us-central1")),
            ("name", Value::string("api")),
        ]);
        assert_eq!(item.identity, identity);
        assert_eq!(item.state.get("id").as_str(), Some(SERVICE_ID));

        let read = core
            .read_resource(SERVICE, &item.state, &item.private, &item.identity)
            .await
            .unwrap();
        assert!(!read.diagnostics.has_errors(), "{:?}", read.diagnostics);
        let state = read.new_state;
        // An update (one short step, so the apply that follows is quick).
        let ty = core.schemas().await.unwrap().resources[SERVICE].ty.clone();
        let mut rollout = match &ty {
            Type::Object(f) => match f.get("rollout") {
                Some(Type::List(inner)) => null_object(inner),
                _ => Value::Null,
            },
            _ => Value::Null,
        };
        rollout.set("steps", Value::List(vec![Value::from(100_i64)]));
        rollout.set("bake_duration", Value::string("1s"));
        let mut proposed = state.clone();
        proposed.set("rollout", Value::List(vec![rollout]));
        proposed.set("deletion_protection", Value::Bool(false));
        let plan = core
            .plan_resource_change(SERVICE, &state, &proposed, &proposed, &read.private, &read.identity)
            .await
            .unwrap();
        assert!(!plan.diagnostics.has_errors(), "{:?}", plan.diagnostics);
        assert_eq!(plan.planned_identity, identity);
        let applied = core
            .apply_resource_change(
                SERVICE,
                &state,
                &plan.planned_state,
                &proposed,
                &plan.planned_private,
                &plan.planned_identity,
            )
            .await
            .unwrap();
        assert!(!applied.diagnostics.has_errors(), "{:?}", applied.diagnostics);
        assert_eq!(applied.new_identity, identity);

        // A moved state names the service; the read imports the rest.
        let moved = core
            .move_resource_state(
                &MoveSource {
                    provider_address: "registry.terraform.io/hashicorp/google".into(),
                    type_name: "google_cloud_run_v2_service".into(),
                    schema_version: 0,
                    state_json: format!(r#"{{"id":"{SERVICE_ID}","name":"api","project":"platform-local","location":"us-central1"}}"#).into_bytes(),
                    private: Vec::new(),
                    identity_json: None,
                },
                SERVICE,
            )
            .await
            .unwrap();
        assert_eq!(
            moved.target_state.get("template"),
            &Value::List(Vec::new()),
            "a move reads nothing: the template comes with the next read"
        );
        let refused = core
            .plan_resource_change(
                SERVICE,
                &moved.target_state,
                &moved.target_state,
                &moved.target_state,
                &moved.target_private,
                &moved.target_identity,
            )
            .await
            .unwrap();
        assert_eq!(summaries_of(&refused.diagnostics), ["Moved object not read yet"]);
        let after_move = core
            .read_resource(SERVICE, &moved.target_state, &moved.target_private, &moved.target_identity)
            .await
            .unwrap();
        assert!(!after_move.diagnostics.has_errors(), "{:?}", after_move.diagnostics);
        assert_eq!(
            after_move.new_state.get("template"),
            applied.new_state.get("template"),
            "the read after a move reads the service as an import does"
        );
        assert!(after_move.private.is_empty());

        // An identity that names no object: an error, nothing imported.
        let missing = core
            .import_resource_state(
                SERVICE,
                &ImportTarget::Identity(Value::object([("name", Value::string("nope"))])),
            )
            .await
            .unwrap();
        assert!(missing.diagnostics.has_errors() && missing.imported.is_empty());
        assert!(process.shutdown().await.unwrap());
    });
}

/// `terraform query`'s default `limit`.
const QUERY_LIMIT: i64 = 100;

/// `terraform query` as Terraform 1.14 drives it: each composite's list finds
/// what exists (the guide's hand-built objects included), every result carries
/// an identity that imports it, objects come only when asked for, and `limit`
/// stops the stream.
#[test]
fn list_resources_find_what_exists() {
    let emu = Emulator::start_with(&["--op-latency", "50ms"]).unwrap();
    for name in ["api", "websocket"] {
        deploy_run_service(
            &emu,
            name,
            "img:v1",
            serde_json::json!({"containers": [{}]}),
        )
        .unwrap();
    }
    build_livekit_by_hand(&emu, "livekit-backend", &["us-central1-a"]).unwrap();
    let monthly = create_budget_by_hand(&emu, "Production Monthly Budget", "2000").unwrap();
    // A guard's per-tenant budget is part of its guard, not a guard of its own.
    create_budget_by_hand(&emu, "acme AI cost [1a2b3c4d]", "100").unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (process, mut core) = start_configured(&emu).await.unwrap();
        let location = Value::object([("project", Value::Null), ("location", Value::Null)]);
        assert!(core
            .validate_list_resource_config(SERVICE, &location)
            .await
            .unwrap()
            .is_empty());

        let services = core
            .list_resource(SERVICE, &location, false, QUERY_LIMIT)
            .await
            .unwrap();
        assert!(
            !services.diagnostics.has_errors(),
            "{:?}",
            services.diagnostics
        );
        let names: Vec<&str> = services
            .results
            .iter()
            .map(|r| r.display_name.as_str())
            .collect();
        assert_eq!(names, ["api (us-central1)", "websocket (us-central1)"]);
        assert!(
            services.results.iter().all(|r| r.state.is_null()),
            "no objects unless asked"
        );
        assert_eq!(
            services.results[0].identity.get("name").as_str(),
            Some("api")
        );

        let one = core
            .list_resource(SERVICE, &location, true, 1)
            .await
            .unwrap();
        assert_eq!(one.results.len(), 1, "limit 1");
        assert_eq!(one.results[0].state.get("id").as_str(), Some(SERVICE_ID));

        // The identity a list gives imports the object.
        let imported = core
            .import_resource_state(
                SERVICE,
                &ImportTarget::Identity(one.results[0].identity.clone()),
            )
            .await
            .unwrap();
        assert!(
            !imported.diagnostics.has_errors(),
            "{:?}",
            imported.diagnostics
        );

        let project = Value::object([("project", Value::Null)]);
        let clusters = core
            .list_resource("platform_livekit_cluster", &project, true, QUERY_LIMIT)
            .await
            .unwrap();
        assert!(
            !clusters.diagnostics.has_errors(),
            "{:?}",
            clusters.diagnostics
        );
        assert_eq!(clusters.results.len(), 1);
        assert_eq!(
            clusters.results[0].identity.get("name").as_str(),
            Some("livekit-backend")
        );
        assert_eq!(
            clusters.results[0].state.get("node_count"),
            &Value::from(1_i64)
        );
        // A cluster is also found by its VMs' cluster label, whatever its port is called;
        // a backend service with neither is not a cluster.
        for (name, port) in [("media-lb", "rtc-signal"), ("web-lb", "http")] {
            gcloud_compute(
                &emu,
                Method::POST,
                "global/backendServices",
                serde_json::json!({"name": name, "protocol": "TCP", "portName": port,
                    "loadBalancingScheme": "EXTERNAL",
                    "healthChecks": [format!("{}/global/healthChecks/livekit-hc", e2e::GUIDE_PROJECT)]}),
            )
            .unwrap();
        }
        gcloud_compute(
            &emu,
            Method::POST,
            "zones/us-central1-b/instances",
            serde_json::json!({"name": "media-1", "labels": {"livekit_cluster": "media-lb"},
                "machineType": "zones/us-central1-b/machineTypes/e2-small",
                "disks": [{"boot": true, "autoDelete": true, "initializeParams": {
                    "sourceImage": "projects/cos-cloud/global/images/family/cos-stable"}}],
                "networkInterfaces": [{"network": "global/networks/default"}]}),
        )
        .unwrap();
        let names = core
            .list_resource("platform_livekit_cluster", &project, false, QUERY_LIMIT)
            .await
            .unwrap();
        let names: Vec<&str> = names
            .results
            .iter()
            .filter_map(|r| r.identity.get("name").as_str())
            .collect();
        assert_eq!(names, ["livekit-backend", "media-lb"]);

        let account = Value::object([("billing_account", Value::string(e2e::GUIDE_ACCOUNT))]);
        let guards = core
            .list_resource("platform_budget_guard", &account, false, QUERY_LIMIT)
            .await
            .unwrap();
        assert!(!guards.diagnostics.has_errors(), "{:?}", guards.diagnostics);
        let ids: Vec<&str> = guards
            .results
            .iter()
            .filter_map(|r| r.identity.get("budget_id").as_str())
            .collect();
        assert_eq!(ids, [monthly.rsplit('/').next().unwrap_or_default()]);
        assert!(process.shutdown().await.unwrap());
    });
}

/// The emulator's service `api` mid-rollout, as the provider leaves it: the
/// stable revision untagged at 90 %, candidate `api-cand` tagged at 10 %.
/// Returns the stable revision's name.
fn service_mid_rollout(emu: &Emulator) -> Result<String, HarnessError> {
    let created = deploy_run_service(
        emu,
        "api",
        "img:v1",
        serde_json::json!({"containers": [{}]}),
    )?;
    let stable = created["latestReadyRevision"]
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default()
        .to_owned();
    let revision = |name: &str, percent: i64, tag: &str| serde_json::json!({"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": name, "percent": percent, "tag": tag});
    let op = emu.google_send(
        reqwest::Method::PATCH,
        &format!("/v2/{SERVICE_ID}?updateMask=template,traffic"),
        Some(&serde_json::json!({
            "etag": created["etag"],
            "template": {"revision": "api-cand", "containers": [{"image": "img:v2"}]},
            "traffic": [revision(&stable, 90, ""), revision("api-cand", 10, "candidate")],
        })),
    )?;
    emu.google_send(
        reqwest::Method::POST,
        &format!("/v2/{}:wait", op["name"].as_str().unwrap_or_default()),
        Some(&serde_json::json!({"timeout": "30s"})),
    )?;
    Ok(stable)
}

type Target = (String, i64, String);

fn sorted(mut v: Vec<Target>) -> Vec<Target> {
    v.sort();
    v
}

/// (revision, percent, tag) of the service's traffic spec, sorted.
fn spec(emu: &Emulator) -> Result<Vec<Target>, HarnessError> {
    let service = emu.google_get(&format!("/v2/{SERVICE_ID}"))?;
    Ok(sorted(
        service["traffic"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|t| {
                (
                    t["revision"].as_str().unwrap_or_default().to_owned(),
                    t["percent"].as_i64().unwrap_or_default(),
                    t["tag"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect(),
    ))
}

/// Errors of `d` as `summary @ path`.
fn errors_at(d: &tfplugin::Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.severity == tfplugin::Severity::Error)
        .map(|d| {
            let at = d.attribute.as_ref().map(ToString::to_string);
            format!("{} @ {}", d.summary, at.unwrap_or_default())
        })
        .collect()
}

/// The rollout actions through the real binary against the emulator: what
/// validate and plan refuse (each at its attribute), then pause, abort and
/// promote with their progress and the split each leaves.
#[test]
fn rollout_actions_as_terraform_1_14_invokes_them() {
    let emu = Emulator::start_with(&["--op-latency", "50ms"]).unwrap();
    let stable = service_mid_rollout(&emu).unwrap();
    let config = |id: &str, candidate: Option<&str>, percent: Option<i64>| {
        let mut v = Value::object([
            ("id", Value::string(id)),
            (
                "candidate_revision",
                candidate.map_or(Value::Null, Value::string),
            ),
        ]);
        if let Some(p) = percent {
            v.set("percent", Value::from(p));
        }
        v
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (process, mut core) = start_configured(&emu).await.unwrap();
        let schemas = core.schemas().await.unwrap().clone();
        let fields = |t: &str| match &schemas.actions[t] {
            Type::Object(f) => f.keys().cloned().collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            fields("platform_rollout_abort"),
            ["candidate_revision", "id"]
        );
        assert_eq!(
            fields("platform_rollout_pause"),
            ["candidate_revision", "id", "percent"]
        );
        for (action, cfg, want) in [
            (
                "platform_rollout_pause",
                config(SERVICE_ID, None, Some(100)),
                "Invalid percent @ percent",
            ),
            (
                "platform_rollout_abort",
                config("api", None, None),
                "Invalid service id @ id",
            ),
        ] {
            let d = core.validate_action_config(action, &cfg).await.unwrap();
            assert_eq!(errors_at(&d), [want]);
        }
        for (cfg, want) in [
            (
                config(&SERVICE_ID.replace("/api", "/nope"), None, None),
                "Service not found @ id",
            ),
            (
                config(SERVICE_ID, Some("api-other"), None),
                "A different rollout is live @ candidate_revision",
            ),
        ] {
            let d = core
                .plan_action("platform_rollout_abort", &cfg)
                .await
                .unwrap();
            assert_eq!(errors_at(&d), [want]);
        }
        assert!(process.shutdown().await.unwrap());

        let paused = invoke_as_terraform(
            &emu,
            "platform_rollout_pause",
            &config(SERVICE_ID, Some("api-cand"), Some(30)),
        )
        .await
        .unwrap();
        assert!(
            paused.completed && paused.diagnostics.is_empty(),
            "{paused:?}"
        );
        assert_eq!(
            paused.progress[0],
            format!("Holding the rollout of api-cand at 30 % (now 10 %): {stable} serves 70 %.")
        );
        assert!(
            paused.progress[1].starts_with(&format!("Live traffic of {SERVICE_ID}, read back: "))
                && paused.progress[1].contains("api-cand 30 %")
                && paused.progress[1].contains(&format!("{stable} 70 %")),
            "{paused:?}"
        );
        assert_eq!(
            spec(&emu).unwrap(),
            sorted(vec![
                ("api-cand".to_owned(), 30, "candidate".to_owned()),
                (stable.clone(), 70, String::new())
            ])
        );

        let aborted = invoke_as_terraform(
            &emu,
            "platform_rollout_abort",
            &config(SERVICE_ID, None, None),
        )
        .await
        .unwrap();
        assert!(aborted.diagnostics.is_empty(), "{aborted:?}");
        assert!(aborted.progress[2].contains("rolled_back"), "{aborted:?}");
        assert_eq!(
            spec(&emu).unwrap(),
            sorted(vec![
                ("api-cand".to_owned(), 0, "candidate".to_owned()),
                (stable.clone(), 100, String::new())
            ])
        );
        let statuses =
            emu.google_get(&format!("/v2/{SERVICE_ID}")).unwrap()["trafficStatuses"].clone();
        assert!(
            statuses
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["tag"] == "candidate"
                    && s["uri"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("https://candidate---"))),
            "the candidate URL stays: {statuses}"
        );

        let promoted = invoke_as_terraform(
            &emu,
            "platform_rollout_promote",
            &config(SERVICE_ID, Some("api-cand"), None),
        )
        .await
        .unwrap();
        assert!(promoted.diagnostics.is_empty(), "{promoted:?}");
        assert_eq!(
            spec(&emu).unwrap(),
            [("api-cand".to_owned(), 100, String::new())]
        );

        // Nothing left to act on: refused at plan, and at invoke.
        let (process, mut core) = start_configured(&emu).await.unwrap();
        let cfg = config(SERVICE_ID, None, None);
        let planned = core
            .plan_action("platform_rollout_abort", &cfg)
            .await
            .unwrap();
        assert_eq!(errors_at(&planned), ["No rollout to act on @ id"]);
        let invoked = core
            .invoke_action("platform_rollout_abort", &cfg)
            .await
            .unwrap();
        assert!(invoked.completed && invoked.progress.is_empty());
        assert_eq!(
            errors_at(&invoked.diagnostics),
            ["No rollout to act on @ id"]
        );
        assert!(process.shutdown().await.unwrap());
    });
}
