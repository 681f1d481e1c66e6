//! The computed part of the state, derived from what the Run API reports.

use gcp_client::run::Service;
use serde::{Deserialize, Serialize};
use tfplugin::typed::MaybeUnknown;
use tfplugin::Number;

use super::analysis::Measurement;
use super::model::{LastRollout, Model, StepRecordValue, Traffic};
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

/// A float for state, as the shortest decimal that reads back as it (see
/// `framework::values::float`); None for NaN and infinities.
fn number(x: f64) -> Option<Number> {
    float(x).as_number().cloned()
}

fn rounded(x: f64, decimals: i32) -> Option<Number> {
    let f = 10f64.powi(decimals);
    number((x * f).round() / f)
}

impl RolloutRecord {
    /// `last_rollout` as the state holds it.
    pub fn to_model(&self) -> LastRollout {
        let steps = self
            .steps
            .iter()
            .map(|s| {
                let m = s.measurement.as_ref();
                let bound =
                    |pick: fn((f64, f64)) -> f64| s.bounds.and_then(|b| rounded(pick(b), 6));
                StepRecordValue {
                    percent: s.percent,
                    at: s.at.clone(),
                    requests: m.map(|m| m.requests),
                    errors: m.map(|m| m.errors),
                    error_rate: m.and_then(|m| number(m.error_rate())),
                    error_rate_lower: bound(|b| b.0),
                    error_rate_upper: bound(|b| b.1),
                    p95_ms: m.and_then(|m| rounded(m.candidate_p95_ms, 1)),
                    latency_samples: m.map(|m| m.candidate_samples),
                    stable_p95_ms: m.and_then(|m| m.stable_p95_ms.and_then(|p| rounded(p, 1))),
                    stable_latency_samples: m.map(|m| m.stable_samples),
                    verdict: s.verdict.clone(),
                }
            })
            .collect();
        LastRollout {
            started_at: self.started_at.clone(),
            finished_at: self.finished_at.clone(),
            steps,
        }
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
    pub traffic: MaybeUnknown<Vec<Traffic>>,
    pub last_rollout: MaybeUnknown<LastRollout>,
}

pub fn traffic_of(service: &Service) -> Vec<Traffic> {
    service
        .traffic_statuses
        .iter()
        .map(|s| {
            let revision = if s.revision.is_empty() {
                gcp_client::run::short_name(&service.latest_ready_revision).to_owned()
            } else {
                gcp_client::run::short_name(&s.revision).to_owned()
            };
            Traffic {
                revision: MaybeUnknown::Known(revision),
                percent: s.percent,
                tag: s.tag.clone(),
            }
        })
        .collect()
}

impl Observed {
    pub fn from_service(
        service: &Service,
        stable: Option<String>,
        candidate: Option<String>,
        tag: &str,
        status: Status,
        last_rollout: MaybeUnknown<LastRollout>,
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
            traffic: MaybeUnknown::Known(traffic_of(service)),
            ..self
        }
    }

    /// Like [`Self::apply_to`] when the service could not be read: uri,
    /// traffic and candidate_uri keep their values from `prior`.
    pub fn apply_keeping_known(&self, state: &mut Model, prior: &Model) {
        state.stable_revision = self.stable.clone().into();
        state.candidate_revision = self.candidate.clone().into();
        state.rollout_status = self.status.into();
        state.last_rollout = self.last_rollout.clone();
        state.uri = prior.uri.clone();
        state.traffic = prior.traffic.clone();
        state.candidate_uri = prior.candidate_uri.clone();
    }

    /// Writes the computed attributes into `state`; the candidate URL comes
    /// from `service` (never built by hand).
    pub fn apply_to(&self, state: &mut Model, service: &Service) {
        let candidate_uri = self
            .candidate
            .as_ref()
            .and_then(|_| service.tag_uri(&self.candidate_tag))
            .map(str::to_owned);
        state.uri = MaybeUnknown::Known(self.uri.clone());
        state.stable_revision = self.stable.clone().into();
        state.candidate_revision = self.candidate.clone().into();
        state.candidate_uri = candidate_uri.into();
        state.rollout_status = self.status.into();
        state.traffic = self.traffic.clone();
        state.last_rollout = self.last_rollout.clone();
    }
}
