//! A provider configured against the in-process emulator, and the calls
//! data source and resource tests make through it.

use std::sync::Arc;

use gcp_client::Service;
use gcp_emulator::{start, EmulatorConfig, RunningEmulator};
use serde_json::Value as Json;
use tfplugin::{
    ApplyRequest, ApplyResponse, ConfigureRequest, DataSource, OpContext, Provider,
    ReadDataRequest, ReadDataResponse, ReadRequest, Resource, Value,
};
use tokio_util::sync::CancellationToken;

use crate::config::endpoint_attribute;
use crate::PlatformProvider;

pub(crate) struct Harness {
    pub emulator: RunningEmulator,
    pub provider: PlatformProvider,
}

/// Provider config with every endpoint at the emulator plus `extra` attributes.
pub(crate) fn emulator_config(emu: &RunningEmulator, extra: &[(&str, Value)]) -> Value {
    let base = emu.base_url();
    let mut config = Value::object([("credentials", Value::from(emu.service_account_key_json()))]);
    let all = gcp_client::Endpoints::all_at(&base);
    for s in Service::CONFIGURABLE {
        config.set(&endpoint_attribute(s), Value::from(all.base(s)));
    }
    for (k, v) in extra {
        config.set(k, v.clone());
    }
    config
}

impl Harness {
    /// Start an emulator and configure a provider (with an empty environment) against it.
    pub(crate) async fn configured(extra: &[(&str, Value)]) -> Harness {
        let emulator = start(EmulatorConfig::default()).await.unwrap();
        let provider = PlatformProvider::with_env(Arc::new(|_| None));
        let h = Harness { emulator, provider };
        h.configure(extra).await;
        h
    }

    /// (Re)configures the provider against this emulator with `extra` attributes.
    pub(crate) async fn configure(&self, extra: &[(&str, Value)]) {
        let config = emulator_config(&self.emulator, extra);
        let diags = self
            .provider
            .configure(ConfigureRequest {
                terraform_version: "1.9.0".into(),
                config,
            })
            .await;
        assert!(!diags.has_errors(), "{diags:?}");
    }

    /// Read data source `name` with `config`.
    pub(crate) async fn read(&self, name: &str, config: Value) -> ReadDataResponse {
        read_with(self.data_source(name).as_ref(), config).await
    }

    pub(crate) fn data_source(&self, name: &str) -> Arc<dyn tfplugin::DataSource> {
        self.provider
            .data_sources()
            .into_iter()
            .find(|d| d.type_name() == name)
            .unwrap()
    }

    /// GET from the emulator's admin API (`/_emulator/resources`, `/_emulator/requests`).
    pub(crate) async fn admin_get(&self, path: &str) -> Json {
        let url = format!("{}{path}", self.emulator.base_url());
        reqwest::get(url).await.unwrap().json().await.unwrap()
    }

    /// Paths of the requests in the emulator's log, in order.
    pub(crate) async fn request_paths(&self) -> Vec<String> {
        let log = self.admin_get("/_emulator/requests").await;
        log.as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["path"].as_str().map(str::to_owned))
            .collect()
    }

    /// Sends `body` to the emulator's admin API (faults, behaviours, request
    /// log, reset); the emulator must accept it.
    pub(crate) async fn admin(&self, method: &str, path: &str, body: Json) {
        let url = format!("{}{path}", self.emulator.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = reqwest::Client::new()
            .request(method, url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
    }
}

/// Destroys `state` through resource `res`, like `terraform destroy`'s apply.
pub(crate) async fn destroy_resource(res: &dyn Resource, state: Value) -> ApplyResponse {
    res.apply(
        &ctx(),
        ApplyRequest {
            prior_state: state,
            planned_state: Value::Null,
            config: Value::Null,
            planned_private: Vec::new(),
        },
    )
    .await
}

/// Refreshes `state` through resource `res`, like `terraform refresh`; it must not fail.
pub(crate) async fn read_resource(res: &dyn Resource, state: &Value) -> Value {
    let r = res
        .read(
            &ctx(),
            ReadRequest {
                current_state: state.clone(),
                private: Vec::new(),
            },
        )
        .await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    r.new_state
}

pub(crate) fn ctx() -> OpContext {
    OpContext {
        cancel: CancellationToken::new(),
        write_only_allowed: false,
    }
}

/// Read `ds` with `config`, outside any harness.
pub(crate) async fn read_with(ds: &dyn DataSource, config: Value) -> ReadDataResponse {
    ds.read(&ctx(), ReadDataRequest { config }).await
}

/// Query and body, as text, of every request in the emulator's `log` whose method and
/// path `keep` accepts: what a reach test searches for each attribute's value.
pub(crate) fn sent(log: &Json, keep: impl Fn(&str, &str) -> bool) -> String {
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            keep(
                e["method"].as_str().unwrap_or(""),
                e["path"].as_str().unwrap_or(""),
            )
        })
        .map(|e| format!("{} {}", e["query"], e["body"]))
        .collect()
}

/// A reach test's check: each `(attribute, needle)` appears in `sent`.
pub(crate) fn assert_reached(sent: &str, expected: &[(&str, &str)]) {
    for (attr, needle) in expected {
        assert!(sent.contains(needle), "{attr}: {needle:?} not in {sent}");
    }
}

/// Terraform's plan rule (`objchange.AssertPlanValid`): an attribute that is
/// not computed is planned exactly as configured (a write-only one as null),
/// at every nesting level.
pub(crate) fn assert_plan_valid(block: &tfplugin::Block, config: &Value, planned: &Value) {
    fn check(block: &tfplugin::Block, path: &str, config: &Value, planned: &Value) {
        if config.is_null() || config.is_unknown() || planned.is_unknown() {
            return;
        }
        for a in block.attributes.iter().filter(|a| !a.computed) {
            // Write-only values never reach a plan.
            let expected = if a.write_only {
                &Value::Null
            } else {
                config.get(&a.name)
            };
            assert_eq!(
                planned.get(&a.name),
                expected,
                "{path}.{}: planned differs from config (Terraform: provider produced invalid plan)",
                a.name
            );
        }
        for b in &block.blocks {
            let (c, p) = (config.get(&b.type_name), planned.get(&b.type_name));
            let (cs, ps) = (
                c.as_seq().unwrap_or_default(),
                p.as_seq().unwrap_or_default(),
            );
            assert_eq!(
                cs.len(),
                ps.len(),
                "{path}.{}: block count differs from config",
                b.type_name
            );
            for (i, (ce, pe)) in cs.iter().zip(ps).enumerate() {
                check(&b.block, &format!("{path}.{}[{i}]", b.type_name), ce, pe);
            }
        }
    }
    check(block, "", config, planned);
}

/// Terraform's apply rule: every known planned value, down to nested
/// attributes and list lengths, comes back identical.
pub(crate) fn assert_consistent(planned: &Value, applied: &Value) {
    fn check(path: &str, p: &Value, a: &Value) {
        if p.is_unknown() {
            return;
        }
        match (p.as_map(), p.as_seq()) {
            (Some(pm), _) => {
                for (k, v) in pm {
                    check(&format!("{path}.{k}"), v, a.get(k));
                }
            }
            (_, Some(ps)) => {
                let applied = a.as_seq().unwrap_or_default();
                assert_eq!(ps.len(), applied.len(), "{path} changed length after apply");
                for (i, (pv, av)) in ps.iter().zip(applied).enumerate() {
                    check(&format!("{path}[{i}]"), pv, av);
                }
            }
            _ => assert_eq!(p, a, "{path} changed after apply"),
        }
    }
    check("", planned, applied);
}
