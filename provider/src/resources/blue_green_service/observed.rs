//! The computed part of the state, derived from what the Run API reports.

use gcp_client::run::Service;
use serde::{Deserialize, Serialize};
use tfplugin::Value;

use super::analysis::Measurement;
use super::model::Model;
use crate::framework::values::float;

/// `rollout_status`: where the last rollout left the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The configured template serves 100 %.
    Succeeded,
    /// The candidate serves nothing; the stable revision serves 100 %.
    RolledBack,
    /// The candidate serves part of the traffic and the apply stopped there.
    Holding,
    /// A split found by a refresh after an interrupted or crashed apply.
    InProgress,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::RolledBack => "rolled_back",
            Status::Holding => "holding",
            Status::InProgress => "in_progress",
        }
    }

    /// The status a state value records (None for a missing or unknown one).
    pub fn of(state: &Value) -> Option<Status> {
        Model::of(state).ok()?.rollout_status.into_known()
    }

    /// A split is still in place: the next apply resumes or rolls it back.
    pub fn unfinished(self) -> bool {
        matches!(self, Status::Holding | Status::InProgress)
    }
}

/// One analysis of a rollout step (or a step that ended unjudged).
#[derive(Debug, Clone, Default)]
pub struct StepRecord {
    pub percent: i64,
    /// When the check ran (RFC 3339).
    pub at: String,
    pub measurement: Option<Measurement>,
    /// The error rate's confidence bounds.
    pub bounds: Option<(f64, f64)>,
    pub verdict: String,
}

#[derive(Debug, Clone, Default)]
pub struct RolloutRecord {
    pub started_at: String,
    pub finished_at: String,
    pub steps: Vec<StepRecord>,
}

fn rounded(x: f64, decimals: i32) -> Value {
    let f = 10f64.powi(decimals);
    float((x * f).round() / f)
}

impl RolloutRecord {
    pub fn to_value(&self) -> Value {
        let steps = self
            .steps
            .iter()
            .map(|s| {
                let m = s.measurement;
                let num = |f: &dyn Fn(&Measurement) -> Value| m.as_ref().map_or(Value::Null, f);
                let bound = |pick: fn((f64, f64)) -> f64| {
                    s.bounds.map_or(Value::Null, |b| rounded(pick(b), 6))
                };
                Value::object([
                    ("percent", Value::from(s.percent)),
                    ("at", Value::from(s.at.clone())),
                    ("requests", num(&|m| Value::from(m.requests))),
                    ("errors", num(&|m| Value::from(m.errors))),
                    ("error_rate", num(&|m| float(m.error_rate()))),
                    ("error_rate_lower", bound(|b| b.0)),
                    ("error_rate_upper", bound(|b| b.1)),
                    ("p95_ms", num(&|m| rounded(m.candidate_p95_ms, 1))),
                    (
                        "latency_samples",
                        num(&|m| Value::from(m.candidate_samples)),
                    ),
                    (
                        "stable_p95_ms",
                        num(&|m| m.stable_p95_ms.map_or(Value::Null, |p| rounded(p, 1))),
                    ),
                    (
                        "stable_latency_samples",
                        num(&|m| Value::from(m.stable_samples)),
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
    pub status: Option<Status>,
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

fn status_value(s: Option<Status>) -> Value {
    s.map_or(Value::Null, |s| Value::from(s.as_str()))
}

impl Observed {
    pub fn from_service(
        service: &Service,
        stable: Option<String>,
        candidate: Option<String>,
        tag: &str,
        status: Status,
        last_rollout: Value,
    ) -> Self {
        Observed {
            stable,
            candidate,
            candidate_tag: tag.to_owned(),
            status: Some(status),
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
        state.set("rollout_status", status_value(self.status));
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
        state.set("rollout_status", status_value(self.status));
        state.set("traffic", self.traffic.clone());
        state.set("last_rollout", self.last_rollout.clone());
    }
}
