//! Typed views of the resource's config/state values, and the mapping
//! between the `template` block and the Run API's RevisionTemplate.

use std::collections::BTreeMap;
use std::time::Duration;

use gcp_client::run::{
    Container, ContainerPort, EnvVar, EnvVarSource, HttpGetAction, Probe, ResourceRequirements,
    RevisionScaling, RevisionTemplate, SecretKeySelector, TcpSocketAction, VpcAccess,
};
use sha2::{Digest, Sha256};
use tfplugin::{AttributePath, Diagnostic, Value};

use crate::config::parse_duration;
use crate::framework::values::{blocks, string, strings};

/// The single element of a `max_items = 1` block, or Null.
pub fn single<'a>(v: &'a Value, name: &str) -> &'a Value {
    const NULL: Value = Value::Null;
    blocks(v, name).first().unwrap_or(&NULL)
}

fn int(v: &Value, name: &str) -> Option<i64> {
    v.get(name).as_i64()
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

/// `steps` and the per-step bakes, from either the `steps` list or `step` blocks.
fn steps_and_bakes(
    r: &Value,
    default_bake: Duration,
    at: impl Fn(&str) -> AttributePath,
) -> Result<(Vec<i64>, Vec<Duration>, &'static str), Diagnostic> {
    let step_blocks = blocks(r, "step");
    if step_blocks.is_empty() {
        let steps: Vec<i64> = match r.get("steps").as_seq() {
            Some(s) => s.iter().filter_map(Value::as_i64).collect(),
            None => vec![5, 25, 50, 100],
        };
        let bakes = vec![default_bake; steps.len()];
        return Ok((steps, bakes, "steps"));
    }
    if !r.get("steps").is_null() {
        return Err(Diagnostic::error(
            "Both steps and step blocks",
            "Give the rollout steps either as `steps = [...]` (all baking for bake_duration) or as `step { percent = ..., bake_duration = ... }` blocks, not both.",
        )
        .at(at("steps")));
    }
    let mut steps = Vec::with_capacity(step_blocks.len());
    let mut bakes = Vec::with_capacity(step_blocks.len());
    for (i, b) in step_blocks.iter().enumerate() {
        let Some(percent) = b.get("percent").as_i64() else {
            continue;
        };
        let bake = match string(b, "bake_duration") {
            Some(text) => parse_bake(&text, at("step").index(i).attr("bake_duration"))?,
            None => default_bake,
        };
        steps.push(percent);
        bakes.push(bake);
    }
    Ok((steps, bakes, "step"))
}

pub fn rollout(resource: &Value) -> Result<Rollout, Diagnostic> {
    let r = single(resource, "rollout");
    let at = |a: &str| AttributePath::root("rollout").index(0).attr(a);
    let bake_text = string(r, "bake_duration").unwrap_or_else(|| "5m".to_owned());
    let bake = parse_bake(&bake_text, at("bake_duration"))?;
    let (steps, step_bakes, steps_attr) = steps_and_bakes(r, bake, at)?;
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
    let promote = r.get("promote").as_bool().unwrap_or(false);
    let abort = r.get("abort").as_bool().unwrap_or(false);
    if promote && abort {
        return Err(Diagnostic::error(
            "promote and abort together",
            "rollout[0].promote = true sends all traffic to the candidate and rollout[0].abort = true sends it all back to the stable revision: set only one of them (remove promote to abort, or remove abort to promote).",
        )
        .at(at("abort")));
    }
    let on_interrupt = string(r, "on_interrupt").unwrap_or_else(|| "rollback".to_owned());
    if on_interrupt != "rollback" && on_interrupt != "hold" {
        return Err(Diagnostic::error(
            "Invalid on_interrupt",
            format!("on_interrupt is {on_interrupt:?}; use \"rollback\" or \"hold\"."),
        )
        .at(at("on_interrupt")));
    }
    let max_error_rate = r.get("max_error_rate").as_f64().unwrap_or(0.005);
    if !(0.0..=1.0).contains(&max_error_rate) {
        return Err(Diagnostic::error("Invalid max_error_rate", format!("max_error_rate is {max_error_rate}; it is a decimal ratio between 0 and 1 (0.005 = 0.5 %).")).at(at("max_error_rate")));
    }
    let max_latency_ratio = r.get("max_latency_ratio").as_f64().unwrap_or(2.0);
    // Below 1 a candidate would have to be faster than the stable revision running the
    // same code: every rollout would roll back.
    if max_latency_ratio < 1.0 {
        return Err(Diagnostic::error(
            "Invalid max_latency_ratio",
            format!("max_latency_ratio is {max_latency_ratio}: the candidate's p95 may be at most this many times the stable revision's, so below 1 even an identical candidate fails. Use 1 or more, e.g. 2.0 (the default) or 1.2."),
        )
        .at(at("max_latency_ratio")));
    }
    let confidence = r.get("confidence").as_f64().unwrap_or(0.95);
    if !(0.5..1.0).contains(&confidence) {
        return Err(Diagnostic::error("Invalid confidence", format!("confidence is {confidence}; it is a probability of at least 0.5 and below 1, e.g. 0.95 (the default) or 0.99.")).at(at("confidence")));
    }
    for (attr, min, max) in [
        ("pause_at_percent", 1, 99),
        ("min_requests", 0, i64::MAX),
        ("inconclusive_limit", 0, 100),
    ] {
        if let Some(n) = int(r, attr).filter(|n| !(min..=max).contains(n)) {
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
    let interval_text = string(r, "analysis_interval").unwrap_or_else(|| "1m".to_owned());
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
        candidate_tag: string(r, "candidate_tag").unwrap_or_else(|| "candidate".to_owned()),
        max_error_rate,
        max_latency_ratio,
        confidence,
        analysis_interval,
        min_requests: int(r, "min_requests").unwrap_or(1).max(0),
        inconclusive_limit: int(r, "inconclusive_limit").unwrap_or(0).max(0),
        auto_rollback: r.get("auto_rollback").as_bool().unwrap_or(true),
        hold_on_interrupt: on_interrupt == "hold",
        pause_at_percent: int(r, "pause_at_percent"),
        promote,
        abort,
        gates: super::gates::parse(r)?,
    })
}

#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

pub fn timeouts(resource: &Value) -> Result<Timeouts, Diagnostic> {
    let t = single(resource, "timeouts");
    let get = |name: &str, default: u64| -> Result<Duration, Diagnostic> {
        match string(t, name) {
            None => Ok(Duration::from_secs(default)),
            Some(text) => parse_duration(&text).map_err(|e| {
                Diagnostic::error("Invalid timeout", format!("{e}. Use e.g. \"90m\"."))
                    .at(AttributePath::root("timeouts").index(0).attr(name))
            }),
        }
    };
    Ok(Timeouts {
        create: get("create", 20 * 60)?,
        update: get("update", 30 * 60)?,
        delete: get("delete", 20 * 60)?,
    })
}

fn probe_to_api(p: &Value) -> Option<Probe> {
    if p.is_null() {
        return None;
    }
    let port = int(p, "port");
    Some(Probe {
        initial_delay_seconds: int(p, "initial_delay_seconds"),
        timeout_seconds: int(p, "timeout_seconds"),
        period_seconds: int(p, "period_seconds"),
        failure_threshold: int(p, "failure_threshold"),
        http_get: string(p, "http_get_path").map(|path| HttpGetAction {
            path: Some(path),
            port,
        }),
        tcp_socket: string(p, "http_get_path")
            .is_none()
            .then_some(TcpSocketAction { port }),
    })
}

fn container_to_api(c: &Value) -> Container {
    let resources = single(c, "resources");
    let mut limits = BTreeMap::new();
    if let Some(cpu) = string(resources, "cpu") {
        limits.insert("cpu".to_owned(), cpu);
    }
    if let Some(memory) = string(resources, "memory") {
        limits.insert("memory".to_owned(), memory);
    }
    let mut env: Vec<EnvVar> = blocks(c, "env")
        .iter()
        .map(|e| EnvVar {
            name: string(e, "name").unwrap_or_default(),
            value: Some(string(e, "value").unwrap_or_default()),
            value_source: None,
        })
        .collect();
    env.extend(blocks(c, "env_secret").iter().map(|e| EnvVar {
        name: string(e, "name").unwrap_or_default(),
        value: None,
        value_source: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                secret: string(e, "secret").unwrap_or_default(),
                version: string(e, "version").unwrap_or_else(|| "latest".to_owned()),
            }),
        }),
    }));
    Container {
        image: string(c, "image").unwrap_or_default(),
        args: strings(c, "args"),
        env,
        ports: blocks(c, "ports")
            .iter()
            .filter_map(|p| int(p, "container_port"))
            .map(|port| ContainerPort {
                name: None,
                container_port: port,
            })
            .collect(),
        resources: (!limits.is_empty()).then_some(ResourceRequirements { limits }),
        startup_probe: probe_to_api(single(c, "startup_probe")),
        liveness_probe: probe_to_api(single(c, "liveness_probe")),
    }
}

/// The API form of a `template` block value (without a revision name).
pub fn template_to_api(template: &Value) -> RevisionTemplate {
    let scaling = single(template, "scaling");
    let vpc = single(template, "vpc_access");
    RevisionTemplate {
        revision: None,
        service_account: string(template, "service_account"),
        timeout: string(template, "timeout"),
        max_instance_request_concurrency: int(template, "max_instance_request_concurrency"),
        execution_environment: string(template, "execution_environment"),
        session_affinity: template.get("session_affinity").as_bool(),
        scaling: (!scaling.is_null()).then(|| RevisionScaling {
            min_instance_count: int(scaling, "min_instance_count"),
            max_instance_count: int(scaling, "max_instance_count"),
        }),
        vpc_access: (!vpc.is_null()).then(|| VpcAccess {
            connector: string(vpc, "connector"),
            egress: string(vpc, "egress"),
        }),
        containers: blocks(template, "containers")
            .iter()
            .map(container_to_api)
            .collect(),
    }
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

fn num(n: Option<i64>) -> Value {
    n.map_or(Value::Null, Value::from)
}

fn opt(s: Option<&String>) -> Value {
    s.map_or(Value::Null, |s| Value::from(s.clone()))
}

fn probe_value(p: Option<&Probe>) -> Value {
    Value::List(
        p.map(|p| {
            Value::object([
                ("initial_delay_seconds", num(p.initial_delay_seconds)),
                ("timeout_seconds", num(p.timeout_seconds)),
                ("period_seconds", num(p.period_seconds)),
                ("failure_threshold", num(p.failure_threshold)),
                (
                    "http_get_path",
                    opt(p.http_get.as_ref().and_then(|h| h.path.as_ref())),
                ),
                (
                    "port",
                    num(p
                        .http_get
                        .as_ref()
                        .and_then(|h| h.port)
                        .or(p.tcp_socket.as_ref().and_then(|t| t.port))),
                ),
            ])
        })
        .into_iter()
        .collect(),
    )
}

/// A `template` block value from a revision (import, or a stable revision
/// changed out of band). Server defaults that a config would leave out
/// (port 8080, 1 CPU / 512Mi, scaling 0..100) are dropped so a matching
/// config plans clean.
pub fn template_from_api(t: &RevisionTemplate) -> Value {
    let containers: Vec<Value> = t
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
            let ports: Vec<Value> = c
                .ports
                .iter()
                .filter(|p| p.container_port != 8080)
                .map(|p| Value::object([("container_port", Value::from(p.container_port))]))
                .collect();
            Value::object([
                ("image", Value::from(c.image.clone())),
                (
                    "args",
                    if c.args.is_empty() {
                        Value::Null
                    } else {
                        crate::framework::values::string_list(&c.args)
                    },
                ),
                ("ports", Value::List(ports)),
                (
                    "resources",
                    Value::List(if limits.is_empty() || default_limits {
                        vec![]
                    } else {
                        vec![Value::object([
                            ("cpu", opt(limits.get("cpu"))),
                            ("memory", opt(limits.get("memory"))),
                        ])]
                    }),
                ),
                (
                    "env",
                    Value::List(
                        c.env
                            .iter()
                            .filter(|e| e.value_source.is_none())
                            .map(|e| {
                                Value::object([
                                    ("name", Value::from(e.name.clone())),
                                    ("value", Value::from(e.value.clone().unwrap_or_default())),
                                ])
                            })
                            .collect(),
                    ),
                ),
                (
                    "env_secret",
                    Value::List(
                        c.env
                            .iter()
                            .filter_map(|e| {
                                e.value_source
                                    .as_ref()
                                    .and_then(|s| s.secret_key_ref.as_ref())
                                    .map(|s| (e, s))
                            })
                            .map(|(e, s)| {
                                Value::object([
                                    ("name", Value::from(e.name.clone())),
                                    ("secret", Value::from(s.secret.clone())),
                                    (
                                        "version",
                                        if s.version.is_empty() || s.version == "latest" {
                                            Value::Null
                                        } else {
                                            Value::from(s.version.clone())
                                        },
                                    ),
                                ])
                            })
                            .collect(),
                    ),
                ),
                ("startup_probe", probe_value(c.startup_probe.as_ref())),
                ("liveness_probe", probe_value(c.liveness_probe.as_ref())),
            ])
        })
        .collect();
    let scaling = t.scaling.as_ref().filter(|s| {
        !(s.min_instance_count.unwrap_or(0) == 0 && s.max_instance_count.unwrap_or(100) == 100)
    });
    Value::object([
        ("service_account", opt(t.service_account.as_ref())),
        ("timeout", opt(t.timeout.as_ref())),
        (
            "max_instance_request_concurrency",
            num(t.max_instance_request_concurrency),
        ),
        (
            "execution_environment",
            opt(t.execution_environment.as_ref()),
        ),
        (
            "session_affinity",
            t.session_affinity.map_or(Value::Null, Value::Bool),
        ),
        (
            "scaling",
            Value::List(
                scaling
                    .map(|s| {
                        Value::object([
                            ("min_instance_count", num(s.min_instance_count)),
                            ("max_instance_count", num(s.max_instance_count)),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        ),
        (
            "vpc_access",
            Value::List(
                t.vpc_access
                    .as_ref()
                    .map(|v| {
                        Value::object([
                            ("connector", opt(v.connector.as_ref())),
                            ("egress", opt(v.egress.as_ref())),
                        ])
                    })
                    .into_iter()
                    .collect(),
            ),
        ),
        ("containers", Value::List(containers)),
    ])
}

/// Fills attributes that are null in `config` (optional+computed ones) from
/// `prior`, recursively through same-shaped blocks.
pub fn fill_from_prior(config: &Value, prior: &Value) -> Value {
    match (config, prior) {
        (Value::Null, p) => p.clone(),
        (Value::Object(c), Value::Object(p)) => Value::Object(
            c.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        p.get(k).map_or(v.clone(), |pv| fill_from_prior(v, pv)),
                    )
                })
                .collect(),
        ),
        (Value::List(c), Value::List(p))
            if c.len() == p.len() && c.iter().all(|x| matches!(x, Value::Object(_))) =>
        {
            Value::List(
                c.iter()
                    .zip(p)
                    .map(|(a, b)| fill_from_prior(a, b))
                    .collect(),
            )
        }
        (c, _) => c.clone(),
    }
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
        let api = template_to_api(&t);
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
        assert_eq!(template_from_api(&api), t);
        assert_eq!(
            revision_name("api", &api),
            revision_name("api", &template_to_api(&t))
        );
        let other = template_to_api(&Value::object([(
            "containers",
            Value::List(vec![container("img:v2")]),
        )]));
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
    fn fill_from_prior_keeps_config_values() {
        let config = Value::object([("timeout", Value::Null), ("image", Value::from("b"))]);
        let prior = Value::object([
            ("timeout", Value::from("300s")),
            ("image", Value::from("a")),
        ]);
        let filled = fill_from_prior(&config, &prior);
        assert_eq!(filled.get("timeout"), &Value::from("300s"));
        assert_eq!(filled.get("image"), &Value::from("b"));
    }
}
