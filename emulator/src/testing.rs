//! Unit-test server: the real router on a free port, one project and one
//! access token, no key generation (RSA is slow).

use std::sync::Arc;

use serde_json::Value;

use crate::discovery::Discovery;
use crate::router::Registry;
use crate::state::AppState;
use crate::store::{Store, TokenRecord};

pub const PROJECT: &str = "p";
const TOKEN: &str = "unit-test-token";

pub struct TestServer {
    base: String,
    http: reqwest::Client,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let discovery = Discovery::shared().unwrap();
        let mut routes = Registry::new(discovery.clone());
        crate::server::register_apis(&mut routes).unwrap();
        let store = Store::open(None).unwrap();
        store
            .mutate(|d| {
                d.projects.insert(PROJECT.into());
                let record = TokenRecord {
                    principal: "tester@p.iam.gserviceaccount.com".into(),
                    expires_at_ms: i64::MAX,
                };
                d.access_tokens.insert(TOKEN.into(), record);
                Ok(())
            })
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Arc::new(AppState::new(
            store,
            discovery,
            routes,
            Vec::new(),
            base.clone(),
            std::time::Duration::ZERO,
        ));
        let router = crate::server::http_router(app);
        tokio::spawn(async move { axum::serve(listener, router).await });
        TestServer {
            base,
            http: reqwest::Client::new(),
        }
    }

    /// Status and JSON body of `method path` (with `body` when given).
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Stored resource names, as `/_emulator/resources` lists them.
    pub async fn stored(&self) -> Value {
        self.send("GET", "/_emulator/resources", None).await.1
    }
}
