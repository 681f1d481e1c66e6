//! The server in-process, spoken to by a tonic client generated from the same
//! proto, over plain TCP and over AutoMTLS.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::oneshot;
use tonic::transport::{Channel, Endpoint};

use super::*;
use crate::codec;
use crate::diag::{AttributePath, Diagnostics};
use crate::provider::*;
use crate::schema::{Attribute, Block, NestedBlock, NestingMode, Schema};
use crate::value::{Type, Value};

type Client = pb::provider_client::ProviderClient<Channel>;

struct TestProvider {
    configured_version: Arc<Mutex<Option<String>>>,
}

fn thing_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            attributes: vec![
                Attribute::required("name", Type::String, "Name."),
                Attribute::optional("password", Type::String, "Secret.")
                    .sensitive()
                    .write_only(),
                Attribute::computed("id", Type::String, "ID."),
            ],
            blocks: vec![NestedBlock {
                type_name: "inner".to_owned(),
                block: Block {
                    attributes: vec![Attribute::optional("token", Type::String, "").write_only()],
                    ..Block::default()
                },
                nesting: NestingMode::Single,
                min_items: 0,
                max_items: 0,
            }],
            ..Block::default()
        },
    }
}

struct Thing;

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        if config.get("name").as_str() == Some("") {
            d.error_at(AttributePath::root("name"), "Empty name", "Set a name.");
        }
        d
    }
    async fn read(&self, _: &OpContext, req: ReadRequest) -> ReadResponse {
        if req.current_state.get("name").as_str() == Some("boom") {
            panic!("deliberate test panic");
        }
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn plan(&self, _: &OpContext, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        planned.set("id", Value::Unknown);
        PlanResponse {
            planned_state: planned,
            requires_replace: vec![AttributePath::root("name")],
            planned_private: b"p".to_vec(),
            diagnostics: Diagnostics::new(),
        }
    }
    async fn apply(&self, ctx: &OpContext, req: ApplyRequest) -> ApplyResponse {
        if req.config.get("name").as_str() == Some("slow") {
            // Wait for StopProvider, then report honestly.
            ctx.cancel.cancelled().await;
            let mut d = Diagnostics::new();
            d.error("Interrupted", "Stopped by Terraform.");
            return ApplyResponse {
                new_state: Value::Null,
                private: Vec::new(),
                diagnostics: d,
            };
        }
        let mut state = req.planned_state;
        state.set(
            "id",
            Value::string(if ctx.write_only_allowed {
                "wo"
            } else {
                "plain"
            }),
        );
        // Deliberately keep the write-only values: the server must null them.
        ApplyResponse {
            new_state: state,
            private: Vec::new(),
            diagnostics: Diagnostics::new(),
        }
    }
}

struct Echo;

#[async_trait]
impl DataSource for Echo {
    fn type_name(&self) -> &'static str {
        "test_echo"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::required("input", Type::Number, ""),
                    Attribute::computed("output", Type::Number, ""),
                ],
                ..Block::default()
            },
        }
    }
    async fn read(&self, _: &OpContext, req: ReadDataRequest) -> ReadDataResponse {
        let mut state = req.config.clone();
        state.set("output", req.config.get("input").clone());
        ReadDataResponse {
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}

#[async_trait]
impl Provider for TestProvider {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::optional("project", Type::String, "")],
                ..Block::default()
            },
        }
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(Echo)]
    }
    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        *self.configured_version.lock().unwrap() = Some(req.terraform_version);
        Diagnostics::new()
    }
}

/// Collects what the server writes and hands over the handshake line on flush.
pub(super) struct LineSink(
    pub(super) Option<oneshot::Sender<String>>,
    pub(super) Vec<u8>,
);

impl Write for LineSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.1.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(String::from_utf8_lossy(&self.1).into_owned());
        }
        Ok(())
    }
}

struct Running {
    line: String,
    addr: std::net::SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
    configured_version: Arc<Mutex<Option<String>>>,
}

async fn start(client_cert_pem: Option<String>) -> Running {
    let configured_version = Arc::new(Mutex::new(None));
    let provider = Arc::new(TestProvider {
        configured_version: configured_version.clone(),
    });
    let (line_tx, line_rx) = oneshot::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let config = HandshakeConfig {
        min_port: 20000,
        max_port: 25000,
        client_cert_pem,
    };
    let task = tokio::spawn(serve_with(
        provider,
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
    let line = line.trim_end().to_owned();
    let addr = line.split('|').nth(3).unwrap().parse().unwrap();
    Running {
        line,
        addr,
        stop: Some(stop_tx),
        task,
        configured_version,
    }
}

fn dv(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: codec::to_msgpack(v, ty).unwrap(),
        json: Vec::new(),
    })
}

fn undv(d: Option<pb::DynamicValue>, ty: &Type) -> Value {
    codec::from_msgpack(&d.unwrap().msgpack, ty).unwrap()
}

#[tokio::test]
async fn plain_server_speaks_tfplugin6() {
    let mut running = start(None).await;
    assert!(
        running.line.starts_with("1|6|tcp|127.0.0.1:") && running.line.ends_with("|grpc|"),
        "{}",
        running.line
    );
    assert!((20000..=25000).contains(&running.addr.port()));
    let mut client = Client::connect(format!("http://{}", running.addr))
        .await
        .unwrap();
    let ty = thing_schema().value_type();

    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.server_capabilities.as_ref().unwrap().plan_destroy);
    assert!(
        !schema
            .server_capabilities
            .as_ref()
            .unwrap()
            .get_provider_schema_optional
    );
    let thing = &schema.resource_schemas["test_thing"];
    assert_eq!(thing.version, 1);
    let attrs = &thing.block.as_ref().unwrap().attributes;
    assert!(attrs
        .iter()
        .any(|a| a.name == "password" && a.write_only && a.sensitive));
    assert!(schema.data_source_schemas.contains_key("test_echo"));

    let meta = client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(meta.resources[0].type_name, "test_thing");

    let cfg = client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dv(
                &Value::object([("project", Value::string("p"))]),
                &TestProvider::project_type(),
            ),
            client_capabilities: Some(pb::ClientCapabilities {
                deferral_allowed: false,
                write_only_attributes_allowed: true,
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(cfg.diagnostics.is_empty());
    assert_eq!(
        running.configured_version.lock().unwrap().as_deref(),
        Some("1.11.4")
    );

    // Validation diagnostics keep their attribute path.
    let bad = Value::object([("name", Value::string(""))]);
    let v = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dv(&bad, &ty),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v.diagnostics.len(), 1);
    assert_eq!(v.diagnostics[0].attribute.as_ref().unwrap().steps.len(), 1);

    // Plan: write-only values are nulled, unknown id survives, replace paths mapped.
    let config = Value::object([
        ("name", Value::string("n")),
        ("password", Value::string("hunter2")),
        ("inner", Value::object([("token", Value::string("t"))])),
    ]);
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null, &ty),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let planned = undv(plan.planned_state.clone(), &ty);
    assert_eq!(planned.get("password"), &Value::Null);
    assert_eq!(planned.get("inner").get("token"), &Value::Null);
    assert_eq!(planned.get("id"), &Value::Unknown);
    assert_eq!(plan.requires_replace.len(), 1);
    assert_eq!(plan.planned_private, b"p");

    let apply = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null, &ty),
            planned_state: plan.planned_state,
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let state = undv(apply.new_state, &ty);
    // Apply has no client capabilities; the capability announced earlier applies.
    assert_eq!(state.get("id"), &Value::string("wo"));
    assert_eq!(state.get("password"), &Value::Null);

    // UpgradeResourceState: JSON in, msgpack out; flatmap is a clear error.
    let up = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"n","id":"x","inner":null}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(up.diagnostics.is_empty(), "{:?}", up.diagnostics);
    assert_eq!(undv(up.upgraded_state, &ty).get("id"), &Value::string("x"));
    let flat = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: Vec::new(),
                flatmap: [("id".to_owned(), "x".to_owned())].into(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        flat.diagnostics[0].summary.contains("flatmap")
            || flat.diagnostics[0].detail.contains("flatmap")
    );
    let old = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: b"{}".to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(old.diagnostics[0].summary, "Unsupported state version");

    // A panic in provider code is a diagnostic, and the server keeps serving.
    let boom = Value::object([("name", Value::string("boom"))]);
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&boom, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        read.diagnostics[0].summary.contains("Provider bug"),
        "{:?}",
        read.diagnostics
    );
    assert!(read.diagnostics[0].detail.contains("deliberate test panic"));

    // Unknown types and undecodable values are diagnostics too.
    let unknown = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_nope".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unknown.diagnostics[0].summary, "Unknown resource type");
    let garbage = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: Some(pb::DynamicValue {
                msgpack: vec![0x92],
                json: Vec::new(),
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(garbage.diagnostics[0].summary.starts_with("Invalid"));

    let dty = Echo.schema().value_type();
    let data = client
        .read_data_source(pb::read_data_source::Request {
            type_name: "test_echo".into(),
            config: dv(&Value::object([("input", Value::from(7))]), &dty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(data.state, &dty).get("output"), &Value::from(7));

    // StopProvider cancels in-flight work but the server stays up.
    let slow = Value::object([("name", Value::string("slow"))]);
    let mut slow_client = client.clone();
    let (sty, sdv) = (ty.clone(), dv(&slow, &ty));
    let in_flight = tokio::spawn(async move {
        slow_client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "test_thing".into(),
                planned_state: sdv.clone(),
                config: sdv,
                prior_state: dv(&Value::Null, &sty),
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap();
    let interrupted = tokio::time::timeout(Duration::from_secs(10), in_flight)
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .into_inner();
    assert_eq!(interrupted.diagnostics[0].summary, "Interrupted");
    client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap();

    // go-plugin's controller Shutdown stops the server gracefully, even with a stdio stream open.
    let channel = Endpoint::from_shared(format!("http://{}", running.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut stdio = plugin_pb::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let _stream = stdio.stream_stdio(()).await.unwrap();
    let mut controller = plugin_pb::grpc_controller_client::GrpcControllerClient::new(channel);
    controller.shutdown(plugin_pb::Empty {}).await.unwrap();
    let finished = tokio::time::timeout(Duration::from_secs(10), &mut running.task)
        .await
        .unwrap()
        .unwrap();
    assert!(finished.is_ok());
}

impl TestProvider {
    fn project_type() -> Type {
        TestProvider {
            configured_version: Arc::default(),
        }
        .schema()
        .value_type()
    }
}

#[tokio::test]
async fn health_reports_plugin_serving() {
    let mut running = start(None).await;
    let channel = Endpoint::from_shared(format!("http://{}", running.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let resp = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    let _ = running.stop.take().unwrap().send(());
    assert!(tokio::time::timeout(Duration::from_secs(10), running.task)
        .await
        .unwrap()
        .unwrap()
        .is_ok());
}

mod mtls {
    use super::*;
    use crate::client::{self, ClientIdentity};

    #[tokio::test]
    async fn auto_mtls_requires_the_pinned_client_cert() {
        // Terraform's kind of client certificate: ECDSA P-521.
        let identity = ClientIdentity::generate();
        let mut running = start(Some(identity.cert_pem())).await;
        // Unpadded base64 of more than 50 characters, or go-plugin ignores it.
        let (_, server_der) = client::parse_handshake(&running.line).unwrap();
        let server_der = server_der.unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(server_der.as_ref()).unwrap();
        assert!(parsed.is_ca());
        assert!(parsed.validity().is_valid());

        let channel = client::connect(running.addr, server_der.clone(), &identity)
            .await
            .unwrap();
        let mut client = Client::new(channel);
        let schema = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .unwrap()
            .into_inner();
        assert!(schema.resource_schemas.contains_key("test_thing"));

        // A client presenting another certificate gets nowhere.
        let other = ClientIdentity::generate();
        let rejected = match client::connect(running.addr, server_der, &other).await {
            Err(_) => true,
            Ok(channel) => Client::new(channel)
                .get_metadata(pb::get_metadata::Request {})
                .await
                .is_err(),
        };
        assert!(rejected);

        let _ = running.stop.take().unwrap().send(());
        assert!(
            tokio::time::timeout(Duration::from_secs(10), &mut running.task)
                .await
                .unwrap()
                .unwrap()
                .is_ok()
        );
    }
}
