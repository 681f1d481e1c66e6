//! The computed part of the state, derived from what the Run API reports.

use gcp_client::run::Service;
use tfplugin::Value;

use super::analysis::{Measurement, Verdict};
use crate::framework::values::float;

pub const SUCCEEDED: &str = "succeeded";
pub const ROLLED_BACK: &str = "rolled_back";
pub const HOLDING: &str = "holding";
pub const IN_PROGRESS: &str = "in_progress";

/// One judged step of a rollout.
#[derive(Debug, Clone)]
pub struct StepRecord {
    pub percent: i64,
    pub measurement: Option<Measurement>,
    pub verdict: String,
}

#[derive(Debug, Clone, Default)]
pub struct RolloutRecord {
    pub started_at: String,
    pub finished_at: String,
    pub steps: Vec<StepRecord>,
}

impl StepRecord {
    pub fn judged(percent: i64, m: Measurement, v: &Verdict) -> Self {
        StepRecord {
            percent,
            measurement: Some(m),
            verdict: v.label().to_owned(),
        }
    }
}

impl RolloutRecord {
    pub fn to_value(&self) -> Value {
        let steps = self
            .steps
            .iter()
            .map(|s| {
                let m = s.measurement;
                Value::object([
                    ("percent", Value::from(s.percent)),
                    (
                        "error_rate",
                        m.map_or(Value::Null, |m| float(m.error_rate())),
                    ),
                    (
                        "p95_ms",
                        m.map_or(Value::Null, |m| {
                            float((m.candidate_p95_ms * 10.0).round() / 10.0)
                        }),
                    ),
                    (
                        "requests",
                        m.map_or(Value::Null, |m| Value::from(m.requests)),
                    ),
                    ("verdict", Value::from(s.verdict.clone())),
                ])
            })
            .collect();
        Value::object([
            ("started_at", Value::from(self.started_at.clone())),
            ("finished_at", Value::from(self.finished_at.clone())),
            ("steps", Value::List(steps)),
        ])
    }
}

/// What the computed attributes say.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub uri: String,
    pub stable: Option<String>,
    pub candidate: Option<String>,
    pub candidate_tag: String,
    pub status: String,
    pub traffic: Value,
    pub last_rollout: Value,
}

pub fn traffic_value(service: &Service) -> Value {
    Value::List(
        service
            .traffic_statuses
            .iter()
            .map(|s| {
                let revision = if s.revision.is_empty() {
                    gcp_client::run::short_name(&service.latest_ready_revision).to_owned()
                } else {
                    gcp_client::run::short_name(&s.revision).to_owned()
                };
                Value::object([
                    ("revision", Value::from(revision)),
                    ("percent", Value::from(s.percent)),
                    ("tag", Value::from(s.tag.clone())),
                ])
            })
            .collect(),
    )
}

fn opt(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Null, Value::from)
}

impl Observed {
    pub fn from_service(
        service: &Service,
        stable: Option<String>,
        candidate: Option<String>,
        tag: &str,
        status: &str,
        last_rollout: Value,
    ) -> Self {
        Observed {
            stable,
            candidate,
            candidate_tag: tag.to_owned(),
            status: status.to_owned(),
            last_rollout,
            ..Observed::default()
        }
        .with_service(service)
    }

    /// The uri and traffic as `service` reports them.
    pub fn with_service(self, service: &Service) -> Self {
        Observed {
            uri: service.uri.clone(),
            traffic: traffic_value(service),
            ..self
        }
    }

    /// Like [`Self::apply_to`] when the service could not be read: uri,
    /// traffic and candidate_uri keep their values from `prior`.
    pub fn apply_keeping_known(&self, state: &mut Value, prior: &Value) {
        state.set("stable_revision", opt(&self.stable));
        state.set("candidate_revision", opt(&self.candidate));
        state.set("rollout_status", Value::from(self.status.clone()));
        state.set("last_rollout", self.last_rollout.clone());
        for known in ["uri", "traffic", "candidate_uri"] {
            state.set(known, prior.get(known).clone());
        }
    }

    /// Writes the computed attributes into `state`; the candidate URL comes
    /// from `service` (never built by hand).
    pub fn apply_to(&self, state: &mut Value, service: &Service) {
        let candidate_uri = self
            .candidate
            .as_ref()
            .and_then(|_| service.tag_uri(&self.candidate_tag))
            .map(str::to_owned);
        state.set("uri", Value::from(self.uri.clone()));
        state.set("stable_revision", opt(&self.stable));
        state.set("candidate_revision", opt(&self.candidate));
        state.set("candidate_uri", opt(&candidate_uri));
        state.set("rollout_status", Value::from(self.status.clone()));
        state.set("traffic", self.traffic.clone());
        state.set("last_rollout", self.last_rollout.clone());
    }
}
