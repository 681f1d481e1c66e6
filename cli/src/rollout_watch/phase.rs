//! Where a rollout stands, read from the live service's serving split, and
//! the small state machine that turns successive polls into steps and an end.

use std::time::{Duration, Instant};

use gcp_client::run::{short_name, Service};

/// One reading of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The tagged candidate serves `percent` (1..=100) next to `stable`.
    Shifting {
        candidate: String,
        /// `None` when the API lists no other revision (at 100 % it may drop
        /// the 0 % entry); the watcher then shows the stable it saw last.
        stable: Option<String>,
        percent: i64,
        stable_percent: i64,
    },
    /// One revision serves everything and no candidate takes traffic.
    Settled { revision: String },
    /// Anything else, e.g. a split this rollout did not make.
    Other,
}

/// Reads the split from `trafficStatuses`: the candidate is the revision
/// carrying the rollout's traffic tag, stable the other one.
pub fn phase(service: &Service, candidate_tag: &str) -> Phase {
    let split = service.serving_split();
    let candidate = service
        .traffic_statuses
        .iter()
        .find(|s| !candidate_tag.is_empty() && s.tag == candidate_tag)
        .map(|s| short_name(&s.revision).to_owned());
    let percent = candidate
        .as_ref()
        .and_then(|c| split.get(c))
        .copied()
        .unwrap_or(0);
    // Still tagged at 100 %: the last step bakes before promotion removes the tag.
    if let Some(candidate) = candidate.filter(|_| percent > 0) {
        let stable = split
            .iter()
            .filter(|(rev, _)| **rev != candidate)
            .max_by_key(|(_, p)| **p)
            .map(|(rev, p)| (rev.clone(), *p));
        return Phase::Shifting {
            stable_percent: stable.as_ref().map_or(0, |(_, p)| *p),
            stable: stable.map(|(rev, _)| rev),
            candidate,
            percent,
        };
    }
    match split.iter().find(|(_, p)| **p == 100) {
        Some((revision, _)) => Phase::Settled {
            revision: revision.clone(),
        },
        None => Phase::Other,
    }
}

/// How a watched rollout ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Promoted {
        revision: String,
        steps: Vec<i64>,
    },
    RolledBack {
        stable: String,
        candidate: String,
        steps: Vec<i64>,
    },
}

/// The step a poll found, with what to show about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub candidate: String,
    /// The stable revision last seen (the split may no longer list it).
    pub stable: Option<String>,
    pub percent: i64,
    pub stable_percent: i64,
    /// First poll of this step.
    pub new_step: bool,
    pub on_step: Duration,
}

/// What a poll means for the watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// No rollout has been seen yet.
    Waiting,
    Step(StepState),
    /// Split is in flux (mid-PATCH or changed by someone else).
    Unclear,
    Finished(Outcome),
}

/// Remembers the candidate and when the current step started.
#[derive(Debug)]
pub struct Tracker {
    /// How long the candidate must serve 100 % before the rollout counts as
    /// done: the provider's last bake window (it bakes the promoted split and
    /// rolls back on a breach, so 100 % alone is not the end).
    final_wait: Duration,
    candidate: Option<String>,
    stable: Option<String>,
    step: Option<(i64, Instant)>,
    steps: Vec<i64>,
}

impl Tracker {
    pub fn new(final_wait: Duration) -> Self {
        Self {
            final_wait,
            candidate: None,
            stable: None,
            step: None,
            steps: Vec::new(),
        }
    }

    /// Starts or continues the step at `percent`: (first poll, time on it).
    fn enter(&mut self, percent: i64, now: Instant) -> (bool, Duration) {
        match self.step {
            Some((p, since)) if p == percent => (false, now.saturating_duration_since(since)),
            _ => {
                self.step = Some((percent, now));
                self.steps.push(percent);
                (true, Duration::ZERO)
            }
        }
    }

    /// Ends the watched rollout and forgets it, so a later one starts afresh.
    fn finish(&mut self, candidate: String, serving: &str) -> Progress {
        let steps = std::mem::take(&mut self.steps);
        *self = Tracker::new(self.final_wait);
        Progress::Finished(if serving == candidate {
            Outcome::Promoted {
                revision: candidate,
                steps,
            }
        } else {
            Outcome::RolledBack {
                stable: serving.to_owned(),
                candidate,
                steps,
            }
        })
    }

    pub fn observe(&mut self, phase: &Phase, now: Instant) -> Progress {
        match phase {
            Phase::Shifting {
                candidate,
                stable,
                percent,
                stable_percent,
            } => {
                if self.candidate.as_deref() != Some(candidate) {
                    // A new rollout (or the first one seen): forget the last one.
                    *self = Tracker::new(self.final_wait);
                    self.candidate = Some(candidate.clone());
                }
                if stable.is_some() {
                    self.stable.clone_from(stable);
                }
                let (new_step, on_step) = self.enter(*percent, now);
                Progress::Step(StepState {
                    candidate: candidate.clone(),
                    stable: self.stable.clone(),
                    percent: *percent,
                    stable_percent: *stable_percent,
                    new_step,
                    on_step,
                })
            }
            Phase::Settled { revision } => match self.candidate.clone() {
                None => Progress::Waiting,
                Some(candidate) if *revision == candidate => {
                    let (new_step, on_step) = self.enter(100, now);
                    if on_step >= self.final_wait {
                        return self.finish(candidate, revision);
                    }
                    Progress::Step(StepState {
                        candidate,
                        stable: self.stable.clone(),
                        percent: 100,
                        stable_percent: 0,
                        new_step,
                        on_step,
                    })
                }
                Some(candidate) => self.finish(candidate, revision),
            },
            Phase::Other if self.candidate.is_none() => Progress::Waiting,
            Phase::Other => Progress::Unclear,
        }
    }
}

#[cfg(test)]
mod tests {
    use gcp_client::run::{TrafficTargetStatus, TRAFFIC_REVISION};

    use super::*;

    fn service(split: &[(&str, i64, &str)]) -> Service {
        Service {
            traffic_statuses: split
                .iter()
                .map(|(rev, percent, tag)| TrafficTargetStatus {
                    kind: TRAFFIC_REVISION.into(),
                    revision: format!("projects/p/locations/l/services/api/revisions/{rev}"),
                    percent: *percent,
                    tag: (*tag).into(),
                    uri: String::new(),
                })
                .collect(),
            ..Service::default()
        }
    }

    fn shifting(c: &str, s: &str, p: i64) -> Phase {
        Phase::Shifting {
            candidate: c.into(),
            stable: Some(s.into()),
            percent: p,
            stable_percent: 100 - p,
        }
    }

    #[test]
    fn reads_steps_staging_and_settled_splits() {
        let at = |split: &[(&str, i64, &str)]| phase(&service(split), "candidate");
        assert_eq!(
            at(&[("v1", 75, ""), ("v2", 25, "candidate")]),
            shifting("v2", "v1", 25)
        );
        assert_eq!(
            at(&[("v1", 0, ""), ("v2", 100, "candidate")]),
            shifting("v2", "v1", 100)
        );
        // The 0 % entry may be missing at 100 %; still the last step, not the end.
        assert_eq!(
            at(&[("v2", 100, "candidate")]),
            Phase::Shifting {
                candidate: "v2".into(),
                stable: None,
                percent: 100,
                stable_percent: 0
            }
        );
        // Staged at 0 % or left there after a rollback: stable serves everything.
        assert_eq!(
            at(&[("v1", 100, ""), ("v2", 0, "candidate")]),
            Phase::Settled {
                revision: "v1".into()
            }
        );
        assert_eq!(
            at(&[("v2", 100, "")]),
            Phase::Settled {
                revision: "v2".into()
            }
        );
        assert_eq!(at(&[("v1", 60, ""), ("v9", 40, "")]), Phase::Other);
    }

    fn step(t: &mut Tracker, phase: &Phase, at: Instant) -> (i64, bool, Duration) {
        match t.observe(phase, at) {
            Progress::Step(s) => (s.percent, s.new_step, s.on_step),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn waits_then_tracks_steps_until_the_last_window_passes() {
        let t0 = Instant::now();
        let secs = |n| t0 + Duration::from_secs(n);
        let mut t = Tracker::new(Duration::from_secs(10));
        let settled = |r: &str| Phase::Settled { revision: r.into() };
        assert_eq!(t.observe(&settled("v1"), t0), Progress::Waiting);
        assert_eq!(
            step(&mut t, &shifting("v2", "v1", 5), t0),
            (5, true, Duration::ZERO)
        );
        assert_eq!(
            step(&mut t, &shifting("v2", "v1", 5), secs(3)),
            (5, false, Duration::from_secs(3))
        );
        // 100 % is the promoted split, still baking: not the end yet.
        assert_eq!(
            step(&mut t, &settled("v2"), secs(4)),
            (100, true, Duration::ZERO)
        );
        match t.observe(&settled("v2"), secs(9)) {
            Progress::Step(s) => assert_eq!(s.stable.as_deref(), Some("v1")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            t.observe(&settled("v2"), secs(14)),
            Progress::Finished(Outcome::Promoted {
                revision: "v2".into(),
                steps: vec![5, 100]
            })
        );
        assert_eq!(t.observe(&settled("v2"), secs(15)), Progress::Waiting);
    }

    #[test]
    fn back_to_stable_is_a_rollback() {
        let t0 = Instant::now();
        let mut t = Tracker::new(Duration::from_secs(10));
        t.observe(&shifting("v3", "v2", 5), t0);
        t.observe(&shifting("v3", "v2", 25), t0);
        assert_eq!(t.observe(&Phase::Other, t0), Progress::Unclear);
        assert_eq!(
            t.observe(
                &Phase::Settled {
                    revision: "v2".into()
                },
                t0
            ),
            Progress::Finished(Outcome::RolledBack {
                stable: "v2".into(),
                candidate: "v3".into(),
                steps: vec![5, 25]
            })
        );
    }

    #[test]
    fn breach_in_the_last_window_is_a_rollback() {
        let t0 = Instant::now();
        let mut t = Tracker::new(Duration::from_secs(10));
        t.observe(&shifting("v3", "v2", 50), t0);
        t.observe(
            &Phase::Settled {
                revision: "v3".into(),
            },
            t0,
        );
        assert!(matches!(
            t.observe(
                &Phase::Settled {
                    revision: "v2".into()
                },
                t0 + Duration::from_secs(5)
            ),
            Progress::Finished(Outcome::RolledBack { .. })
        ));
    }
}
