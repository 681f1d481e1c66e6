//! Identity, cross-type moves, list resources and actions through the real
//! server, spoken to by the Terraform-core stand-in (`crate::client`) over
//! AutoMTLS with a P-521 client certificate, as Terraform does.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::oneshot;

use super::tests::LineSink;
use super::*;
use crate::client::{self, ClientIdentity, Core, ImportTarget, MoveSource};
use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::identity::{IdentityAttribute, IdentitySchema};
use crate::provider::*;
use crate::schema::{Attribute, Block, Schema};
use crate::value::{Type, Value};

struct Widget;

fn widget(project: &str, name: &str) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("project", Value::string(project)),
        ("mode", Value::Null),
        ("id", Value::string(format!("{project}/{name}"))),
    ])
}

#[async_trait]
impl Resource for Widget {
    fn type_name(&self) -> &'static str {
        "test_widget"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::required("name", Type::String, ""),
                    Attribute::optional_computed("project", Type::String, ""),
                    // Test switch for provider mistakes.
                    Attribute::optional("mode", Type::String, ""),
                    Attribute::computed("id", Type::String, ""),
                ],
                ..Block::default()
            },
        }
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 1,
            attributes: vec![
                IdentityAttribute::optional("project", Type::String, ""),
                IdentityAttribute::required("name", Type::String, ""),
            ],
        })
    }
    fn identity(&self, state: &Value) -> Value {
        let mut id = Value::object([
            ("project", state.get("project").clone()),
            ("name", state.get("name").clone()),
        ]);
        if state.get("mode").as_str() == Some("bad_identity") {
            id.set("zone", Value::string("z"));
        }
        id
    }
    async fn read(&self, _: &OpContext, req: ReadRequest) -> ReadResponse {
        let mut new_state = req.current_state;
        if new_state.get("mode").as_str() == Some("rename") {
            new_state.set("name", Value::string("renamed"));
        }
        ReadResponse {
            new_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn plan(&self, _: &OpContext, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        if !planned.is_null() && req.prior_state.is_null() {
            planned.set("id", Value::Unknown);
            if planned.get("project").is_null() {
                planned.set("project", Value::Unknown);
            }
        }
        PlanResponse {
            planned_state: planned,
            ..PlanResponse::default()
        }
    }
    async fn apply(&self, _: &OpContext, req: ApplyRequest) -> ApplyResponse {
        let mut state = req.planned_state;
        if !state.is_null() {
            if state.get("project").is_unknown() {
                state.set("project", Value::string("default-project"));
            }
            let id = format!(
                "{}/{}",
                state.get("project").as_str().unwrap_or_default(),
                state.get("name").as_str().unwrap_or_default()
            );
            state.set("id", Value::string(id));
        }
        ApplyResponse {
            new_state: state,
            ..ApplyResponse::default()
        }
    }
    async fn import(&self, _: &OpContext, id: &str) -> ImportResponse {
        let (project, name) = id.split_once('/').unwrap_or(("default-project", id));
        imported(widget(project, name))
    }
    async fn import_by_identity(&self, _: &OpContext, identity: &Value) -> ImportResponse {
        let project = identity
            .get("project")
            .as_str()
            .unwrap_or("default-project");
        let name = identity.get("name").as_str().unwrap_or_default();
        imported(widget(project, name))
    }
    fn move_sources(&self) -> &'static [&'static str] {
        &["legacy_widget"]
    }
    async fn move_state(&self, req: MoveRequest) -> MoveResponse {
        match req.source_state.get("title").and_then(|t| t.as_str()) {
            Some(title) => MoveResponse {
                target_state: widget("moved-project", title),
                ..MoveResponse::default()
            },
            None => MoveResponse {
                diagnostics: Diagnostic::error("Unreadable source", "no title").into(),
                ..MoveResponse::default()
            },
        }
    }
}

fn imported(state: Value) -> ImportResponse {
    ImportResponse {
        imported: vec![ImportedResource {
            type_name: String::new(),
            state,
            private: Vec::new(),
        }],
        diagnostics: Diagnostics::new(),
    }
}

struct WidgetList;

#[async_trait]
impl ListResource for WidgetList {
    fn type_name(&self) -> &'static str {
        "test_widget"
    }
    fn config_schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::optional("project", Type::String, "")],
                ..Block::default()
            },
        }
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("project").as_str() == Some("") {
            d.error_at(
                AttributePath::root("project"),
                "Empty project",
                "Set a project.",
            );
        }
        d
    }
    async fn list(&self, _: &OpContext, req: ListRequest, sink: &mut ListSink) -> Diagnostics {
        let project = req.config.get("project").as_str().unwrap_or("p").to_owned();
        for i in 0..5 {
            let object = widget(&project, &format!("w{i}"));
            let display_name = format!("w{i}");
            let event = if project == "bad" {
                // A provider mistake: neither identity nor object.
                ListEvent {
                    display_name,
                    ..ListEvent::default()
                }
            } else if req.include_resource_object {
                // The server derives the identity from the object.
                ListEvent {
                    display_name,
                    object,
                    ..ListEvent::default()
                }
            } else {
                ListEvent {
                    identity: Widget.identity(&object),
                    display_name,
                    ..ListEvent::default()
                }
            };
            if !sink.send(event).await {
                break;
            }
        }
        Diagnostics::new()
    }
}

struct Poke;

#[async_trait]
impl Action for Poke {
    fn type_name(&self) -> &'static str {
        "test_poke"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::required("target", Type::String, "")],
                ..Block::default()
            },
        }
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("target").as_str() == Some("") {
            d.error_at(
                AttributePath::root("target"),
                "Empty target",
                "Name a target.",
            );
        }
        d
    }
    async fn invoke(&self, _: &OpContext, config: Value, progress: &Progress) -> Diagnostics {
        let target = config.get("target").as_str().unwrap_or_default().to_owned();
        progress.report(format!("poking {target}")).await;
        progress.report(format!("{target} poked")).await;
        let mut d = Diagnostics::new();
        d.warning("Poked", "The next refresh shows the effect.");
        d
    }
}

struct WidgetProvider;

#[async_trait]
impl Provider for WidgetProvider {
    fn schema(&self) -> Schema {
        Schema::default()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Widget)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    async fn configure(&self, _: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        vec![Arc::new(WidgetList)]
    }
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        vec![Arc::new(Poke)]
    }
}

/// The server with AutoMTLS, and a core connected with a P-521 certificate.
async fn core() -> (Core, oneshot::Sender<()>) {
    let identity = ClientIdentity::generate();
    let (line_tx, line_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let config = HandshakeConfig {
        min_port: 20000,
        max_port: 25000,
        client_cert_pem: Some(identity.cert_pem()),
    };
    tokio::spawn(serve_with(
        Arc::new(WidgetProvider),
        config,
        LineSink(Some(line_tx), Vec::new()),
        async move {
            let _ = stop_rx.await;
        },
    ));
    let line = tokio::time::timeout(Duration::from_secs(30), line_rx)
        .await
        .unwrap()
        .unwrap();
    let (addr, cert) = client::parse_handshake(&line).unwrap();
    let channel = client::connect(addr, cert.unwrap(), &identity)
        .await
        .unwrap();
    (Core::new(channel), stop_tx)
}

fn summaries(d: &Diagnostics) -> Vec<&str> {
    d.iter().map(|d| d.summary.as_str()).collect()
}

#[tokio::test]
async fn identity_follows_the_object_and_provider_mistakes_are_caught() {
    let (mut core, _stop) = core().await;
    let schemas = core.schemas().await.unwrap();
    let rt = &schemas.resources["test_widget"];
    assert_eq!(rt.identity.as_ref().unwrap().version, 1);
    assert!(schemas.capabilities.move_resource_state);
    assert!(schemas.list_resources.contains_key("test_widget"));
    assert!(schemas.actions.contains_key("test_poke"));

    // Create: the plan may not know the project yet; apply must.
    let config = Value::object([("name", Value::string("n"))]);
    let plan = core
        .plan_resource_change(
            "test_widget",
            &Value::Null,
            &config,
            &config,
            &[],
            &Value::Null,
        )
        .await
        .unwrap();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    assert_eq!(plan.planned_identity.get("project"), &Value::Unknown);
    let apply = core
        .apply_resource_change(
            "test_widget",
            &Value::Null,
            &plan.planned_state,
            &config,
            &plan.planned_private,
            &plan.planned_identity,
        )
        .await
        .unwrap();
    assert!(apply.diagnostics.is_empty(), "{:?}", apply.diagnostics);
    let identity = apply.new_identity.clone();
    assert_eq!(identity.get("project"), &Value::string("default-project"));

    // Read and a no-op plan keep it.
    let read = core
        .read_resource("test_widget", &apply.new_state, &[], &identity)
        .await
        .unwrap();
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(read.identity, identity);
    let noop = core
        .plan_resource_change(
            "test_widget",
            &read.new_state,
            &read.new_state,
            &config,
            &[],
            &identity,
        )
        .await
        .unwrap();
    assert!(noop.diagnostics.is_empty(), "{:?}", noop.diagnostics);
    assert_eq!(noop.planned_identity, identity);

    // Import by ID and by identity (the provider fills the optional project).
    let by_id = core
        .import_resource_state("test_widget", &ImportTarget::Id("p/n".into()))
        .await
        .unwrap();
    assert!(by_id.diagnostics.is_empty(), "{:?}", by_id.diagnostics);
    assert_eq!(
        by_id.imported[0].identity.get("project"),
        &Value::string("p")
    );
    let by_identity = core
        .import_resource_state(
            "test_widget",
            &ImportTarget::Identity(Value::object([("name", Value::string("n"))])),
        )
        .await
        .unwrap();
    assert!(
        by_identity.diagnostics.is_empty(),
        "{:?}",
        by_identity.diagnostics
    );
    assert_eq!(
        by_identity.imported[0].state.get("id"),
        &Value::string("default-project/n")
    );
    let incomplete = core
        .import_resource_state(
            "test_widget",
            &ImportTarget::Identity(Value::object([("project", Value::string("p"))])),
        )
        .await
        .unwrap();
    assert_eq!(
        summaries(&incomplete.diagnostics),
        ["Incomplete import identity"]
    );
    assert!(incomplete.diagnostics.0[0].detail.contains("name"));

    // A read that changes the identity: the server says so, the state survives.
    let mut renaming = apply.new_state.clone();
    renaming.set("mode", Value::string("rename"));
    let changed = core
        .read_resource("test_widget", &renaming, &[], &identity)
        .await
        .unwrap();
    assert_eq!(
        summaries(&changed.diagnostics),
        ["Provider produced different identity"]
    );
    assert_eq!(changed.new_state.get("name"), &Value::string("renamed"));

    // An identity that does not match its schema is an error, not a panic.
    let mut bad = apply.new_state.clone();
    bad.set("mode", Value::string("bad_identity"));
    let invalid = core
        .read_resource("test_widget", &bad, &[], &Value::Null)
        .await
        .unwrap();
    assert_eq!(
        summaries(&invalid.diagnostics),
        ["Provider produced invalid identity"]
    );
    assert!(invalid.diagnostics.0[0].detail.contains("zone"));
    assert!(!invalid.new_state.is_null());
}

#[tokio::test]
async fn moves_lists_and_actions() {
    let (mut core, _stop) = core().await;
    let source = |type_name: &str, json: &str| MoveSource {
        provider_address: "registry.terraform.io/acme/legacy".into(),
        type_name: type_name.into(),
        schema_version: 0,
        state_json: json.as_bytes().to_vec(),
        private: Vec::new(),
        identity_json: None,
    };
    let moved = core
        .move_resource_state(&source("legacy_widget", r#"{"title":"t"}"#), "test_widget")
        .await
        .unwrap();
    assert!(moved.diagnostics.is_empty(), "{:?}", moved.diagnostics);
    assert_eq!(moved.target_identity.get("name"), &Value::string("t"));
    let unsupported = core
        .move_resource_state(&source("other_widget", "{}"), "test_widget")
        .await
        .unwrap();
    assert_eq!(summaries(&unsupported.diagnostics), ["Unsupported move"]);
    assert!(unsupported.diagnostics.0[0]
        .detail
        .contains("legacy_widget"));
    let garbage = core
        .move_resource_state(&source("legacy_widget", "{"), "test_widget")
        .await
        .unwrap();
    assert_eq!(summaries(&garbage.diagnostics), ["Invalid source state"]);

    // Lists: validation with a path, identity on every result, the limit honoured.
    let empty = Value::object([("project", Value::string(""))]);
    let v = core
        .validate_list_resource_config("test_widget", &empty)
        .await
        .unwrap();
    assert_eq!(v.0[0].attribute, Some(AttributePath::root("project")));
    let config = Value::object([("project", Value::string("p"))]);
    let listed = core
        .list_resource("test_widget", &config, true, 3)
        .await
        .unwrap();
    assert!(listed.diagnostics.is_empty(), "{:?}", listed.diagnostics);
    assert_eq!(listed.results.len(), 3);
    assert_eq!(listed.results[2].identity.get("name"), &Value::string("w2"));
    assert_eq!(listed.results[2].state.get("id"), &Value::string("p/w2"));
    let ids_only = core
        .list_resource("test_widget", &config, false, 100)
        .await
        .unwrap();
    assert_eq!(ids_only.results.len(), 5);
    assert!(ids_only
        .results
        .iter()
        .all(|r| r.state.is_null() && !r.identity.is_null()));
    // The server itself stops at the limit (core would stop reading anyway).
    let ty = core.schemas().await.unwrap().list_resources["test_widget"].clone();
    let mut stream = core
        .raw()
        .list_resource(pb::list_resource::Request {
            type_name: "test_widget".into(),
            config: Some(pb::DynamicValue {
                msgpack: crate::codec::to_msgpack(&config, &ty).unwrap(),
                json: Vec::new(),
            }),
            include_resource_object: false,
            limit: 2,
        })
        .await
        .unwrap()
        .into_inner();
    let mut sent = 0;
    while stream.message().await.unwrap().is_some() {
        sent += 1;
    }
    assert_eq!(sent, 2);
    let bad = core
        .list_resource(
            "test_widget",
            &Value::object([("project", Value::string("bad"))]),
            false,
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        summaries(&bad.diagnostics),
        ["Provider produced invalid identity"]
    );
    assert!(bad.results.is_empty());

    // Actions: validate, plan, invoke with progress then completion.
    let empty = Value::object([("target", Value::string(""))]);
    let v = core
        .validate_action_config("test_poke", &empty)
        .await
        .unwrap();
    assert_eq!(summaries(&v), ["Empty target"]);
    let poke = Value::object([("target", Value::string("api"))]);
    assert!(core
        .plan_action("test_poke", &poke)
        .await
        .unwrap()
        .is_empty());
    let invoked = core.invoke_action("test_poke", &poke).await.unwrap();
    assert_eq!(invoked.progress, ["poking api", "api poked"]);
    assert!(invoked.completed);
    assert_eq!(summaries(&invoked.diagnostics), ["Poked"]);
    let unknown = core.invoke_action("test_nope", &poke).await.unwrap();
    assert!(unknown.diagnostics.has_errors());
}
