//! The typed model of `platform_blue_green_service` (one field per schema
//! attribute, checked by `model_matches_schema`), the rollout settings and
//! timeouts it resolves to (defaults from the schema), and the mapping
//! between the `template` block and the Run API's RevisionTemplate.

use std::collections::BTreeMap;
use std::time::Duration;

use gcp_client::run::{
    Container, ContainerPort, EnvVar, EnvVarSource, HttpGetAction, Probe, ResourceRequirements,
    RevisionScaling, RevisionTemplate, SecretKeySelector, TcpSocketAction, VpcAccess,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tfplugin::typed::{single_block, MaybeUnknown};
use tfplugin::{AttributePath, Block, Diagnostic, Fields, Number, Value};

use super::observed::Status;
use super::schema::schema;
use crate::config::parse_duration;
use crate::framework::model::{decode, encode, non_empty, shaped, with_defaults};
use crate::framework::values::blocks;

/// Configuration, plan and state of the resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub id: MaybeUnknown<String>,
    pub name: String,
    /// Filled from the provider's `project` at create when unset.
    pub project: Option<String>,
    /// Filled from the provider's `region` at create when unset.
    pub location: Option<String>,
    /// Unknown in a plan that leaves it to the service (the schema default at create).
    pub ingress: MaybeUnknown<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub deletion_protection: Option<bool>,
    pub uri: MaybeUnknown<String>,
    pub stable_revision: MaybeUnknown<String>,
    pub candidate_revision: MaybeUnknown<String>,
    pub candidate_uri: MaybeUnknown<String>,
    pub rollout_status: MaybeUnknown<Status>,
    pub traffic: MaybeUnknown<Vec<Traffic>>,
    pub last_rollout: MaybeUnknown<LastRollout>,
    #[serde(with = "single_block")]
    pub template: Option<Template>,
    #[serde(with = "single_block")]
    pub rollout: Option<RolloutBlock>,
    #[serde(with = "single_block")]
    pub timeouts: Option<TimeoutsBlock>,
}

impl Model {
    /// The model of a known configuration, plan or state value (one built
    /// by hand may leave out attributes: they count as null).
    pub fn of(v: &Value) -> Result<Model, Diagnostic> {
        decode(&shaped(&schema().block, v))
    }

    /// The model with every attribute at its schema default (required ones
    /// hold placeholders): what an unset attribute means.
    pub fn schema_defaults() -> Result<Model, Diagnostic> {
        crate::framework::model::block_defaults(&schema().block)
    }

    /// The candidate's traffic tag ([`candidate_tag`]).
    pub fn candidate_tag(&self) -> String {
        encode(self).map(|v| candidate_tag(&v)).unwrap_or_default()
    }

    /// Whether Terraform may destroy the service (unset: the schema default).
    pub fn deletion_protected(&self) -> bool {
        self.deletion_protection
            .or_else(|| Model::schema_defaults().ok()?.deletion_protection)
            .unwrap_or_default()
    }

    /// The service's labels: the provider's `default_labels` under the resource's own.
    pub fn labels_over(&self, defaults: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut l = defaults.clone();
        l.extend(self.labels.clone().unwrap_or_default());
        l
    }
}

/// An element of the computed `traffic`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    /// Unknown in the plan of a rollout (the apply names the new revision).
    pub revision: MaybeUnknown<String>,
    pub percent: i64,
    pub tag: String,
}

/// The computed `last_rollout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct LastRollout {
    pub started_at: String,
    pub finished_at: String,
    pub steps: Vec<StepRecordValue>,
}

/// One check in `last_rollout.steps` (the measured values are null for a
/// step that ended unjudged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct StepRecordValue {
    pub percent: i64,
    pub at: String,
    pub requests: Option<i64>,
    pub errors: Option<i64>,
    pub error_rate: Option<Number>,
    pub error_rate_lower: Option<Number>,
    pub error_rate_upper: Option<Number>,
    pub p95_ms: Option<Number>,
    pub latency_samples: Option<i64>,
    pub stable_p95_ms: Option<Number>,
    pub stable_latency_samples: Option<i64>,
    pub verdict: String,
}

/// The `template` block. Decoded only when known (plan checks for unknowns first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub service_account: Option<String>,
    pub timeout: Option<String>,
    pub max_instance_request_concurrency: Option<i64>,
    pub execution_environment: Option<String>,
    pub session_affinity: Option<bool>,
    #[serde(with = "single_block")]
    pub scaling: Option<Scaling>,
    #[serde(with = "single_block")]
    pub vpc_access: Option<VpcAccessBlock>,
    pub containers: Vec<ContainerBlock>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Scaling {
    pub min_instance_count: Option<i64>,
    pub max_instance_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct VpcAccessBlock {
    pub connector: Option<String>,
    pub egress: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct ContainerBlock {
    pub image: String,
    pub args: Option<Vec<String>>,
    /// A list (not `single_block`): a revision built elsewhere may expose several.
    pub ports: Vec<Port>,
    #[serde(with = "single_block")]
    pub resources: Option<Resources>,
    pub env: Vec<Env>,
    pub env_secret: Vec<EnvSecret>,
    #[serde(with = "single_block")]
    pub startup_probe: Option<ProbeBlock>,
    #[serde(with = "single_block")]
    pub liveness_probe: Option<ProbeBlock>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Port {
    pub container_port: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct Env {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct EnvSecret {
    pub name: String,
    pub secret: String,
    /// Null in state when it is the schema default (see `template_from_api`).
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct ProbeBlock {
    pub initial_delay_seconds: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub period_seconds: Option<i64>,
    pub failure_threshold: Option<i64>,
    pub http_get_path: Option<String>,
    pub port: Option<i64>,
}

/// The `rollout` block as configured: any attribute may be unknown at
/// validate and plan (it counts as unset until apply), and state keeps
/// unset ones null (the defaults are applied by [`rollout`], not stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct RolloutBlock {
    pub steps: MaybeUnknown<Vec<i64>>,
    pub bake_duration: MaybeUnknown<String>,
    pub candidate_tag: MaybeUnknown<String>,
    /// Fractional numbers are [`Number`]s: state gets back the configured decimal.
    pub max_error_rate: MaybeUnknown<Number>,
    pub max_latency_ratio: MaybeUnknown<Number>,
    pub min_requests: MaybeUnknown<i64>,
    pub confidence: MaybeUnknown<Number>,
    pub analysis_interval: MaybeUnknown<String>,
    pub inconclusive_limit: MaybeUnknown<i64>,
    pub auto_rollback: MaybeUnknown<bool>,
    pub on_interrupt: MaybeUnknown<String>,
    pub pause_at_percent: MaybeUnknown<i64>,
    pub promote: MaybeUnknown<bool>,
    pub abort: MaybeUnknown<bool>,
    pub step: Vec<StepBlock>,
    pub gate: Vec<GateBlock>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct StepBlock {
    pub percent: MaybeUnknown<i64>,
    pub bake_duration: MaybeUnknown<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct GateBlock {
    pub name: MaybeUnknown<String>,
    pub filter: MaybeUnknown<String>,
    pub aligner: MaybeUnknown<String>,
    pub reducer: MaybeUnknown<String>,
    pub max: MaybeUnknown<Number>,
    pub max_ratio_to_stable: MaybeUnknown<Number>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Fields)]
#[serde(deny_unknown_fields)]
pub struct TimeoutsBlock {
    pub create: MaybeUnknown<String>,
    pub update: MaybeUnknown<String>,
    pub delete: MaybeUnknown<String>,
}

/// The schema of nested block `name` of `parent` (a mismatch with the model
/// is caught by `model_matches_schema`, so absence is a provider bug).
fn nested(parent: &Block, name: &str) -> Result<Block, Diagnostic> {
    parent
        .nested(name)
        .map(|b| b.block.clone())
        .ok_or_else(|| Diagnostic::error("Schema has no such block", name.to_owned()))
}

/// The `template` block value of a configuration, plan or state (Null when
/// absent), for comparisons that must see unknowns.
pub fn template_value(resource: &Value) -> &Value {
    single(resource, "template")
}

/// The single element of a `max_items = 1` block, or Null.
pub fn single<'a>(v: &'a Value, name: &str) -> &'a Value {
    const NULL: Value = Value::Null;
    blocks(v, name).first().unwrap_or(&NULL)
}

/// Block `name` of `resource` with the schema defaults in every attribute
/// that is unset (null, unknown or empty), decoded; an absent block is all
/// defaults.
fn settings<T: serde::de::DeserializeOwned>(resource: &Value, name: &str) -> Result<T, Diagnostic> {
    let block = nested(&schema().block, name)?;
    decode(&with_defaults(&block, single(resource, name)))
}

/// A `rollout` block value with the schema defaults applied (Null: absent).
pub fn rollout_block(v: &Value) -> Result<RolloutBlock, Diagnostic> {
    decode(&with_defaults(&nested(&schema().block, "rollout")?, v))
}

/// Block `name` of `resource` as configured (Null when absent).
fn configured<T: serde::de::DeserializeOwned>(
    resource: &Value,
    name: &str,
) -> Result<Option<T>, Diagnostic> {
    let block = nested(&schema().block, name)?;
    let v = single(resource, name);
    if v.is_null() {
        return Ok(None);
    }
    decode(&shaped(&block, v)).map(Some)
}

/// `rollout { ... }` with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub steps: Vec<i64>,
    /// Bake time per entry of `steps` (the `step` blocks' overrides).
    pub step_bakes: Vec<Duration>,
    /// The default bake time (`bake_duration`).
    pub bake: Duration,
    pub candidate_tag: String,
    pub max_error_rate: f64,
    pub max_latency_ratio: f64,
    /// One-sided confidence of each gate decision (`confidence`).
    pub confidence: f64,
    /// How often a bake's evidence is queried and judged (`analysis_interval`).
    pub analysis_interval: Duration,
    pub min_requests: i64,
    pub inconclusive_limit: i64,
    pub auto_rollback: bool,
    pub hold_on_interrupt: bool,
    pub pause_at_percent: Option<i64>,
    pub promote: bool,
    pub abort: bool,
    /// Extra `gate` blocks, judged with the built-in gates.
    pub gates: Vec<super::gates::Gate>,
}

impl Rollout {
    /// Bake time of the step at `index` in `steps` (the default past the end).
    pub fn bake_for(&self, index: usize) -> Duration {
        self.step_bakes.get(index).copied().unwrap_or(self.bake)
    }

    /// Bake time of the step that shifts to `percent` (the default for others).
    pub fn bake_at(&self, percent: i64) -> Duration {
        let index = self.steps.iter().position(|s| *s == percent);
        index.map_or(self.bake, |i| self.bake_for(i))
    }

    /// All steps' bake times together: one window each.
    pub fn total_bake(&self) -> Duration {
        (0..self.steps.len()).map(|i| self.bake_for(i)).sum()
    }
}

fn parse_bake(text: &str, path: AttributePath) -> Result<Duration, Diagnostic> {
    parse_duration(text).map_err(|e| {
        Diagnostic::error(
            "Invalid bake_duration",
            format!("{e}. Use a duration such as \"5m\" or \"30s\"."),
        )
        .at(path)
    })
}

/// A setting [`with_defaults`] filled: known unless the schema lost its
/// default (a provider bug `model_matches_schema` does not see), then the
/// type's zero.
fn set<T: Clone + Default>(v: &MaybeUnknown<T>) -> T {
    v.known().cloned().unwrap_or_default()
}

/// A number setting [`with_defaults`] filled, as a float.
fn set_f64(v: &MaybeUnknown<Number>) -> f64 {
    v.known().map_or(0.0, Number::as_f64)
}

/// `steps` and the per-step bakes, from either the `steps` list or `step` blocks.
fn steps_and_bakes(
    r: &RolloutBlock,
    default_bake: Duration,
    at: impl Fn(&str) -> AttributePath,
) -> Result<(Vec<i64>, Vec<Duration>, &'static str), Diagnostic> {
    if r.step.is_empty() {
        let steps = set(&r.steps);
        let bakes = vec![default_bake; steps.len()];
        return Ok((steps, bakes, "steps"));
    }
    let mut steps = Vec::with_capacity(r.step.len());
    let mut bakes = Vec::with_capacity(r.step.len());
    for (i, b) in r.step.iter().enumerate() {
        let Some(percent) = b.percent.known() else {
            continue;
        };
        let bake = match non_empty(&b.bake_duration) {
            Some(text) => parse_bake(text, at("step").index(i).attr("bake_duration"))?,
            None => default_bake,
        };
        steps.push(*percent);
        bakes.push(bake);
    }
    Ok((steps, bakes, "step"))
}

/// The rollout settings of a configuration, plan or state value (the
/// `platform rollout watch` CLI reads state with them).
pub fn rollout(resource: &Value) -> Result<Rollout, Diagnostic> {
    let at = |a: &str| AttributePath::root("rollout").index(0).attr(a);
    // `steps` has a default, so whether both forms are given is asked of the
    // configuration itself.
    if let Some(given) = configured::<RolloutBlock>(resource, "rollout")? {
        if !given.steps.is_null() && !given.step.is_empty() {
            return Err(Diagnostic::error(
                "Both steps and step blocks",
                "Give the rollout steps either as `steps = [...]` (all baking for bake_duration) or as `step { percent = ..., bake_duration = ... }` blocks, not both.",
            )
            .at(at("steps")));
        }
    }
    let r = rollout_block(single(resource, "rollout"))?;
    let bake_text = set(&r.bake_duration);
    let bake = parse_bake(&bake_text, at("bake_duration"))?;
    let (steps, step_bakes, steps_attr) = steps_and_bakes(&r, bake, at)?;
    if steps.is_empty()
        || steps.iter().any(|p| !(1..=100).contains(p))
        || steps.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(Diagnostic::error(
            "Invalid rollout steps",
            format!("The steps are {steps:?}; give ascending whole percentages between 1 and 100, e.g. [5, 25, 50, 100]."),
        )
        .at(at(steps_attr)));
    }
    // A final partial step would report "succeeded" with the split left in
    // place; holding at a split is what pause_at_percent is for.
    if let Some(last) = steps.last().filter(|l| **l != 100) {
        return Err(Diagnostic::error(
            "Last rollout step below 100",
            format!("The steps are {steps:?}: the last one is {last} %, so the rollout would end with the traffic still split. End the steps with 100 (e.g. {:?}); to stop and hold at {last} %, keep 100 as the last step and set pause_at_percent = {last}.", [&steps[..], &[100]].concat()),
        )
        .at(at(steps_attr)));
    }
    let promote = r.promote.known().copied().unwrap_or(false);
    let abort = r.abort.known().copied().unwrap_or(false);
    if promote && abort {
        return Err(Diagnostic::error(
            "promote and abort together",
            "rollout[0].promote = true sends all traffic to the candidate and rollout[0].abort = true sends it all back to the stable revision: set only one of them (remove promote to abort, or remove abort to promote).",
        )
        .at(at("abort")));
    }
    let on_interrupt = set(&r.on_interrupt);
    if on_interrupt != "rollback" && on_interrupt != "hold" {
        return Err(Diagnostic::error(
            "Invalid on_interrupt",
            format!("on_interrupt is {on_interrupt:?}; use \"rollback\" or \"hold\"."),
        )
        .at(at("on_interrupt")));
    }
    let max_error_rate = set_f64(&r.max_error_rate);
    if !(0.0..=1.0).contains(&max_error_rate) {
        return Err(Diagnostic::error("Invalid max_error_rate", format!("max_error_rate is {max_error_rate}; it is a decimal ratio between 0 and 1 (0.005 = 0.5 %).")).at(at("max_error_rate")));
    }
    let max_latency_ratio = set_f64(&r.max_latency_ratio);
    // Below 1 a candidate would have to be faster than the stable revision running the
    // same code: every rollout would roll back.
    if max_latency_ratio < 1.0 {
        return Err(Diagnostic::error(
            "Invalid max_latency_ratio",
            format!("max_latency_ratio is {max_latency_ratio}: the candidate's p95 may be at most this many times the stable revision's, so below 1 even an identical candidate fails. Use 1 or more, e.g. 2.0 (the default) or 1.2."),
        )
        .at(at("max_latency_ratio")));
    }
    let confidence = set_f64(&r.confidence);
    if !(0.5..1.0).contains(&confidence) {
        return Err(Diagnostic::error("Invalid confidence", format!("confidence is {confidence}; it is a probability of at least 0.5 and below 1, e.g. 0.95 (the default) or 0.99.")).at(at("confidence")));
    }
    for (attr, value, min, max) in [
        ("pause_at_percent", &r.pause_at_percent, 1, 99),
        ("min_requests", &r.min_requests, 0, i64::MAX),
        ("inconclusive_limit", &r.inconclusive_limit, 0, 100),
    ] {
        if let Some(n) = value.known().filter(|n| !(min..=max).contains(*n)) {
            let allowed = if max == i64::MAX {
                format!("{min} or more")
            } else {
                format!("{min} to {max}")
            };
            return Err(Diagnostic::error(
                format!("Invalid {attr}"),
                format!("{attr} is {n}; use {allowed}."),
            )
            .at(at(attr)));
        }
    }
    let interval_text = set(&r.analysis_interval);
    let analysis_interval = parse_duration(&interval_text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Diagnostic::error(
                "Invalid analysis_interval",
                format!("analysis_interval is {interval_text:?}; use a duration such as \"1m\" (the default) or \"2m\"."),
            )
            .at(at("analysis_interval"))
        })?;
    Ok(Rollout {
        steps,
        step_bakes,
        bake,
        candidate_tag: set(&r.candidate_tag),
        max_error_rate,
        max_latency_ratio,
        confidence,
        analysis_interval,
        min_requests: set(&r.min_requests).max(0),
        inconclusive_limit: set(&r.inconclusive_limit).max(0),
        auto_rollback: set(&r.auto_rollback),
        hold_on_interrupt: on_interrupt == "hold",
        pause_at_percent: r.pause_at_percent.known().copied(),
        promote,
        abort,
        gates: super::gates::parse(&r.gate)?,
    })
}

/// The candidate's traffic tag in `resource` (the schema default when its
/// rollout settings do not resolve).
pub fn candidate_tag(resource: &Value) -> String {
    rollout(resource)
        .map(|r| r.candidate_tag)
        .or_else(|_| rollout(&Value::Null).map(|r| r.candidate_tag))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

pub fn timeouts(resource: &Value) -> Result<Timeouts, Diagnostic> {
    let t: TimeoutsBlock = settings(resource, "timeouts")?;
    let get = |name: &str, text: &MaybeUnknown<String>| -> Result<Duration, Diagnostic> {
        parse_duration(&set(text)).map_err(|e| {
            Diagnostic::error("Invalid timeout", format!("{e}. Use e.g. \"90m\"."))
                .at(AttributePath::root("timeouts").index(0).attr(name))
        })
    };
    Ok(Timeouts {
        create: get("create", &t.create)?,
        update: get("update", &t.update)?,
        delete: get("delete", &t.delete)?,
    })
}

/// The timeouts of `resource`, or the schema defaults when they do not parse.
pub fn timeouts_or_defaults(resource: &Value) -> Timeouts {
    timeouts(resource)
        .or_else(|_| timeouts(&Value::Null))
        .unwrap_or(Timeouts {
            create: Duration::ZERO,
            update: Duration::ZERO,
            delete: Duration::ZERO,
        })
}

/// A known, non-empty optional string (configuration treats `""` like unset).
fn given(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

fn probe_to_api(p: &ProbeBlock) -> Probe {
    let port = p.port;
    let path = given(&p.http_get_path);
    Probe {
        initial_delay_seconds: p.initial_delay_seconds,
        timeout_seconds: p.timeout_seconds,
        period_seconds: p.period_seconds,
        failure_threshold: p.failure_threshold,
        tcp_socket: path.is_none().then_some(TcpSocketAction { port }),
        http_get: path.map(|path| HttpGetAction {
            path: Some(path),
            port,
        }),
    }
}

fn container_to_api(c: &ContainerBlock) -> Container {
    let mut limits = BTreeMap::new();
    if let Some(r) = &c.resources {
        if let Some(cpu) = given(&r.cpu) {
            limits.insert("cpu".to_owned(), cpu);
        }
        if let Some(memory) = given(&r.memory) {
            limits.insert("memory".to_owned(), memory);
        }
    }
    let mut env: Vec<EnvVar> = c
        .env
        .iter()
        .map(|e| EnvVar {
            name: e.name.clone(),
            value: Some(e.value.clone()),
            value_source: None,
        })
        .collect();
    env.extend(c.env_secret.iter().map(|e| EnvVar {
        name: e.name.clone(),
        value: None,
        value_source: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                secret: e.secret.clone(),
                version: given(&e.version).unwrap_or_default(),
            }),
        }),
    }));
    Container {
        image: c.image.clone(),
        args: c.args.clone().unwrap_or_default(),
        env,
        ports: c
            .ports
            .iter()
            .map(|p| ContainerPort {
                name: None,
                container_port: p.container_port,
            })
            .collect(),
        resources: (!limits.is_empty()).then_some(ResourceRequirements { limits }),
        startup_probe: c.startup_probe.as_ref().map(probe_to_api),
        liveness_probe: c.liveness_probe.as_ref().map(probe_to_api),
    }
}

/// The `template` block of `resource` (a known value), with the schema
/// defaults applied (`env_secret.version`).
pub fn template_of(resource: &Value) -> Result<Template, Diagnostic> {
    template_block(single(resource, "template"))
}

/// A known `template` block value, with the schema defaults applied.
pub fn template_block(template: &Value) -> Result<Template, Diagnostic> {
    let block = nested(&schema().block, "template")?;
    decode(&with_defaults(&block, template))
}

/// The API form of a `template` (without a revision name); `t` has its
/// defaults applied ([`template_of`]).
pub fn template_to_api(t: &Template) -> RevisionTemplate {
    RevisionTemplate {
        revision: None,
        service_account: given(&t.service_account),
        timeout: given(&t.timeout),
        max_instance_request_concurrency: t.max_instance_request_concurrency,
        execution_environment: given(&t.execution_environment),
        session_affinity: t.session_affinity,
        scaling: t.scaling.as_ref().map(|s| RevisionScaling {
            min_instance_count: s.min_instance_count,
            max_instance_count: s.max_instance_count,
        }),
        vpc_access: t.vpc_access.as_ref().map(|v| VpcAccess {
            connector: given(&v.connector),
            egress: given(&v.egress),
        }),
        containers: t.containers.iter().map(container_to_api).collect(),
    }
}

/// The revision name a known `template` block value maps to (None when it
/// does not decode, a provider bug reported where the template is applied).
pub fn revision_of_value(service: &str, template: &Value) -> Option<String> {
    template_block(template)
        .ok()
        .map(|t| revision_name(service, &template_to_api(&t)))
}

/// The revision name a template as state holds it maps to.
pub fn revision_of(service: &str, template: &Template) -> Option<String> {
    revision_of_value(service, &encode(template).ok()?)
}

/// `<service>-<8 hex of the template hash>`: the same template always maps to
/// the same revision, so re-applying after a rollback reuses the candidate.
/// A revision of that name that never became Ready cannot be reused (Cloud Run
/// keeps it failed), so later attempts are named [`attempt_name`].
pub fn revision_name(service: &str, template: &RevisionTemplate) -> String {
    let json = serde_json::to_string(template).unwrap_or_default();
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{service}-{hex}")
}

/// The revision name of attempt `n` (from 1) to build the template named `base`:
/// `base`, then `base-2`, `base-3`, … (at most 63 characters with a 49-character
/// service name and up to 4 digits).
pub fn attempt_name(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}-{n}")
    }
}

/// Whether `revision` was built from the template named `base` (any attempt).
pub fn same_template(base: &str, revision: &str) -> bool {
    revision == base
        || revision
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn probe_from_api(p: &Probe) -> ProbeBlock {
    ProbeBlock {
        initial_delay_seconds: p.initial_delay_seconds,
        timeout_seconds: p.timeout_seconds,
        period_seconds: p.period_seconds,
        failure_threshold: p.failure_threshold,
        http_get_path: p.http_get.as_ref().and_then(|h| h.path.clone()),
        port: p
            .http_get
            .as_ref()
            .and_then(|h| h.port)
            .or(p.tcp_socket.as_ref().and_then(|t| t.port)),
    }
}

/// The schema default of `env_secret.version` (state keeps it null).
fn default_secret_version() -> Option<String> {
    let t = nested(&schema().block, "template").ok()?;
    let c = nested(&t, "containers").ok()?;
    let e = nested(&c, "env_secret").ok()?;
    crate::framework::model::block_defaults::<EnvSecret>(&e)
        .ok()?
        .version
}

/// A `template` block from a revision (import, or a stable revision
/// changed out of band). Server defaults that a config would leave out
/// (port 8080, 1 CPU / 512Mi, scaling 0..100) are dropped so a matching
/// config plans clean.
pub fn template_from_api(t: &RevisionTemplate) -> Template {
    let default_version = default_secret_version();
    let containers = t
        .containers
        .iter()
        .map(|c| {
            let limits = c
                .resources
                .as_ref()
                .map(|r| r.limits.clone())
                .unwrap_or_default();
            let default_limits = limits.get("cpu").map(String::as_str) == Some("1000m")
                && limits.get("memory").map(String::as_str) == Some("512Mi");
            ContainerBlock {
                image: c.image.clone(),
                args: (!c.args.is_empty()).then(|| c.args.clone()),
                ports: c
                    .ports
                    .iter()
                    .filter(|p| p.container_port != 8080)
                    .map(|p| Port {
                        container_port: p.container_port,
                    })
                    .collect(),
                resources: (!limits.is_empty() && !default_limits).then(|| Resources {
                    cpu: limits.get("cpu").cloned(),
                    memory: limits.get("memory").cloned(),
                }),
                env: c
                    .env
                    .iter()
                    .filter(|e| e.value_source.is_none())
                    .map(|e| Env {
                        name: e.name.clone(),
                        value: e.value.clone().unwrap_or_default(),
                    })
                    .collect(),
                env_secret: c
                    .env
                    .iter()
                    .filter_map(|e| {
                        e.value_source
                            .as_ref()
                            .and_then(|s| s.secret_key_ref.as_ref())
                            .map(|s| (e, s))
                    })
                    .map(|(e, s)| EnvSecret {
                        name: e.name.clone(),
                        secret: s.secret.clone(),
                        version: Some(s.version.clone())
                            .filter(|v| !v.is_empty() && Some(v) != default_version.as_ref()),
                    })
                    .collect(),
                startup_probe: c.startup_probe.as_ref().map(probe_from_api),
                liveness_probe: c.liveness_probe.as_ref().map(probe_from_api),
            }
        })
        .collect();
    let scaling = t.scaling.as_ref().filter(|s| {
        !(s.min_instance_count.unwrap_or(0) == 0 && s.max_instance_count.unwrap_or(100) == 100)
    });
    Template {
        service_account: t.service_account.clone(),
        timeout: t.timeout.clone(),
        max_instance_request_concurrency: t.max_instance_request_concurrency,
        execution_environment: t.execution_environment.clone(),
        session_affinity: t.session_affinity,
        scaling: scaling.map(|s| Scaling {
            min_instance_count: s.min_instance_count,
            max_instance_count: s.max_instance_count,
        }),
        vpc_access: t.vpc_access.as_ref().map(|v| VpcAccessBlock {
            connector: v.connector.clone(),
            egress: v.egress.clone(),
        }),
        containers,
    }
}

/// The `block` list `config` with every optional+computed attribute it leaves
/// null filled from `prior`, through nested blocks paired by position when
/// both have as many elements. Attributes that are not computed stay as
/// configured: Terraform refuses a plan that keeps a value the configuration
/// removed.
pub fn fill_from_prior(block: &Block, config: &Value, prior: &Value) -> Value {
    match (config, prior) {
        (Value::List(c), Value::List(p)) if c.len() == p.len() => Value::List(
            c.iter()
                .zip(p)
                .map(|(ce, pe)| fill_object(block, ce, pe))
                .collect(),
        ),
        _ => config.clone(),
    }
}

fn fill_object(block: &Block, config: &Value, prior: &Value) -> Value {
    if !matches!((config, prior), (Value::Object(_), Value::Object(_))) {
        return config.clone();
    }
    let mut out = config.clone();
    for a in block.attributes.iter().filter(|a| a.computed) {
        if config.get(&a.name).is_null() && !prior.get(&a.name).is_null() {
            out.set(&a.name, prior.get(&a.name).clone());
        }
    }
    for b in &block.blocks {
        let filled = fill_from_prior(&b.block, config.get(&b.type_name), prior.get(&b.type_name));
        out.set(&b.type_name, filled);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{container as plain_container, step_block as step, template};
    use super::*;

    /// A container with a secret env var, whose version defaults to `latest`.
    fn container(image: &str) -> Value {
        let mut c = plain_container(image);
        c.set(
            "env_secret",
            Value::List(vec![Value::object([
                ("name", Value::from("DB")),
                ("secret", Value::from("db-pass")),
                ("version", Value::Null),
            ])]),
        );
        c
    }

    #[test]
    fn template_round_trips_and_names_are_stable() {
        let t = template(container("img:v1"));
        let api = template_to_api(&template_block(&t).unwrap());
        assert_eq!(
            api.containers[0].env[0]
                .value_source
                .as_ref()
                .unwrap()
                .secret_key_ref
                .as_ref()
                .unwrap()
                .version,
            "latest"
        );
        assert_eq!(encode(&template_from_api(&api)).unwrap(), t);
        assert_eq!(
            revision_name("api", &api),
            revision_name("api", &template_to_api(&template_block(&t).unwrap()))
        );
        let other = template_to_api(
            &template_block(&Value::object([(
                "containers",
                Value::List(vec![container("img:v2")]),
            )]))
            .unwrap(),
        );
        assert_ne!(revision_name("api", &api), revision_name("api", &other));
    }

    #[test]
    fn rollout_defaults_and_validation() {
        let r = rollout(&Value::object([("rollout", Value::List(vec![]))])).unwrap();
        assert_eq!(r.steps, vec![5, 25, 50, 100]);
        assert_eq!(r.bake, Duration::from_secs(300));
        assert!((r.max_error_rate - 0.005).abs() < 1e-12);
        let bad = Value::object([(
            "rollout",
            Value::List(vec![Value::object([(
                "steps",
                Value::List(vec![Value::from(50), Value::from(25)]),
            )])]),
        )]);
        assert!(rollout(&bad).is_err());
    }

    fn with_rollout(fields: Vec<(&str, Value)>) -> Value {
        Value::object([("rollout", Value::List(vec![Value::object(fields)]))])
    }

    #[test]
    fn step_blocks_override_the_bake_per_step() {
        let r = rollout(&with_rollout(vec![
            ("bake_duration", Value::from("30s")),
            (
                "step",
                Value::List(vec![
                    step(5, Some("10m")),
                    step(50, None),
                    step(100, Some("1m")),
                ]),
            ),
        ]))
        .unwrap();
        assert_eq!(r.steps, vec![5, 50, 100]);
        assert_eq!(r.bake_at(5), Duration::from_secs(600));
        assert_eq!(r.bake_at(50), Duration::from_secs(30));
        assert_eq!(r.bake_at(100), Duration::from_secs(60));
        assert_eq!(r.total_bake(), Duration::from_secs(690));

        let both = with_rollout(vec![
            ("steps", Value::List(vec![Value::from(100)])),
            ("step", Value::List(vec![step(100, None)])),
        ]);
        let e = rollout(&both).unwrap_err();
        assert_eq!(
            e.attribute,
            Some(AttributePath::root("rollout").index(0).attr("steps"))
        );

        let descending = with_rollout(vec![(
            "step",
            Value::List(vec![step(50, None), step(25, None)]),
        )]);
        let e = rollout(&descending).unwrap_err();
        assert_eq!(
            e.attribute,
            Some(AttributePath::root("rollout").index(0).attr("step"))
        );
    }

    #[test]
    fn fill_from_prior_fills_only_computed_attributes() {
        let block = schema().block.nested("template").unwrap().block.clone();
        let one = |pairs: Vec<(&str, Value)>| Value::List(vec![Value::object(pairs)]);
        let config = one(vec![
            ("timeout", Value::Null),
            ("execution_environment", Value::Null),
            ("session_affinity", Value::from(true)),
        ]);
        let prior = one(vec![
            ("timeout", Value::from("300s")),
            (
                "execution_environment",
                Value::from("EXECUTION_ENVIRONMENT_GEN2"),
            ),
            ("session_affinity", Value::from(false)),
        ]);
        let filled = fill_from_prior(&block, &config, &prior);
        let t = &filled.as_seq().unwrap()[0];
        assert_eq!(
            t.get("timeout"),
            &Value::from("300s"),
            "optional+computed kept"
        );
        assert!(
            t.get("execution_environment").is_null(),
            "removed stays removed"
        );
        assert_eq!(t.get("session_affinity"), &Value::from(true), "config wins");
    }
}
