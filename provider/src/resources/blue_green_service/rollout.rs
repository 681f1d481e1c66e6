//! The rollout engine: stage the candidate at 0 %, shift traffic step by
//! step (traffic-only PATCHes with the etag), bake, judge, and finish,
//! roll back or hold. Every exit reports the true split.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::{MetricTiming, MetricsClient};
use gcp_client::operations::WaitOptions;
use gcp_client::run::{RevisionTemplate, RunClient, Service, TrafficTarget};
use tfplugin::{AttributePath, Diagnostic, Severity};
use tokio_util::sync::CancellationToken;

use super::analysis::{self, Measurement, Target, Verdict};
use super::model::{Model, Rollout, RolloutBlock};
use super::observed::{RolloutRecord, Status, StepRecord};
use crate::framework::model::in_block;

/// Everything a rollout talks to.
pub struct Env<'a> {
    pub run: &'a RunClient,
    pub metrics: &'a MetricsClient,
    pub project: &'a str,
    pub location: &'a str,
    pub service_id: &'a str,
    pub name: &'a str,
    pub cancel: &'a CancellationToken,
    pub deadline: tokio::time::Instant,
    pub poll: Duration,
    /// The split this apply last wrote (spec percentages above 0), once it
    /// wrote one: while the service still asks for exactly that split, the
    /// rollout owns it; anything else is another writer's and is never
    /// overwritten.
    pub written: &'a Mutex<Option<BTreeMap<String, i64>>>,
}

/// How a rollout ended.
#[derive(Debug)]
pub struct Outcome {
    /// The service as last read; None when that read failed (the state then
    /// keeps its last known uri and traffic rather than made-up empty ones).
    pub service: Option<Service>,
    pub stable: String,
    pub candidate: Option<String>,
    pub status: Status,
    pub record: RolloutRecord,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn api_diag(what: &str, err: &gcp_client::Error) -> Diagnostic {
    crate::framework::api::api_error(what, err, "Check that the Cloud Run and Cloud Monitoring APIs are enabled and the credentials may use them (roles/run.admin, roles/monitoring.viewer).")
}

/// `api-a 95 %, api-b 5 %` (or `nothing`); revisions at 0 % are left out.
pub fn split_text(split: &BTreeMap<String, i64>) -> String {
    if split.values().all(|p| *p <= 0) {
        return "nothing".to_owned();
    }
    split
        .iter()
        .filter(|(_, p)| **p > 0)
        .map(|(r, p)| format!("{r} {p} %"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn written_split(traffic: &[TrafficTarget]) -> BTreeMap<String, i64> {
    let mut split = BTreeMap::new();
    for t in traffic.iter().filter(|t| t.percent > 0) {
        *split
            .entry(gcp_client::run::short_name(&t.revision).to_owned())
            .or_insert(0) += t.percent;
    }
    split
}

impl Env<'_> {
    fn wait_opts(&self) -> WaitOptions {
        let timeout = self
            .deadline
            .saturating_duration_since(tokio::time::Instant::now());
        let mut o = WaitOptions::new(timeout, self.cancel.clone());
        o.poll_interval = self.poll;
        o
    }

    pub async fn get(&self) -> Result<Service, Diagnostic> {
        self.run
            .get_service(self.name)
            .await
            .map_err(|e| api_diag(&format!("reading service {}", self.name), &e))
    }

    /// The service for the state; on a failed read a warning replaces it.
    async fn observe(&self, diagnostics: &mut Vec<Diagnostic>) -> Option<Service> {
        match self.get().await {
            Ok(s) => Some(s),
            Err(d) => {
                diagnostics.push(Diagnostic::warning(
                    "Service not re-read after the rollout",
                    format!("{} {}\n\nThe state keeps the last known uri and traffic of {}; run `terraform apply -refresh-only` to see what serves now.", d.summary, d.detail, self.name),
                ));
                None
            }
        }
    }

    fn last_written(&self) -> Option<BTreeMap<String, i64>> {
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember_written(&self, traffic: &[TrafficTarget]) {
        *self.written.lock().unwrap_or_else(PoisonError::into_inner) = Some(written_split(traffic));
    }

    /// Stops when a freshly read service no longer asks for the split this
    /// apply last wrote: someone else changed the traffic.
    fn check_owned(&self, fresh: Service) -> Result<Service, PatchError> {
        let Some(ours) = self.last_written() else {
            return Ok(fresh);
        };
        let now = fresh.spec_split();
        if now == ours {
            return Ok(fresh);
        }
        let diag = Diagnostic::error(
            "Traffic changed by someone else",
            format!("While this rollout ran, another writer changed the traffic of {}: this apply last set {}, and the service now asks for {}. Nothing was overwritten and nothing was rolled back. Decide which split you want (gcloud run services describe shows it), then apply again: the plan shows the difference.", self.name, split_text(&ours), split_text(&now)),
        )
        .at(AttributePath::root(Model::TRAFFIC));
        Err(PatchError::Changed {
            diag: Box::new(diag),
            service: Box::new(fresh),
        })
    }

    /// PATCH `traffic` (and `template` when given) guarded by the etag, then
    /// wait for the operation and convergence. An etag conflict re-reads the
    /// service and retries only while it still asks for the split this apply
    /// last wrote (before the first write: only `ours` revisions serve).
    ///
    /// `known` is the service as the previous step left it (saves a GET per step);
    /// if it is stale, the etag conflict makes the retry read it afresh.
    pub async fn patch(
        &self,
        traffic: Vec<TrafficTarget>,
        template: Option<RevisionTemplate>,
        ours: &[&str],
        mut known: Option<Service>,
    ) -> Result<Service, PatchError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let current = match known.take() {
                Some(s) => s,
                None => {
                    self.check_owned(self.get().await.map_err(|d| PatchError::Api(Box::new(d)))?)?
                }
            };
            let foreign: Vec<String> = current
                .serving_split()
                .into_iter()
                .filter(|(r, p)| *p > 0 && !ours.contains(&r.as_str()))
                .map(|(r, _)| r)
                .collect();
            if !foreign.is_empty() {
                return Err(PatchError::Api(Box::new(Diagnostic::error(
                    "Traffic changed by someone else",
                    format!("Service {} now also serves {} (split {}), which this rollout did not create. Nothing was overwritten. Inspect the service (gcloud run services describe), settle the traffic, then apply again.", self.name, foreign.join(", "), split_text(&current.serving_split())),
                ))));
            }
            let mask: &[&str] = if template.is_some() {
                &["template", "traffic"]
            } else {
                &["traffic"]
            };
            let body = Service {
                name: self.name.to_owned(),
                etag: current.etag.clone(),
                template: template.clone(),
                traffic: traffic.clone(),
                ..Service::default()
            };
            let op = match self.run.patch_service(&body, mask).await {
                Ok(op) => {
                    self.remember_written(&traffic);
                    op
                }
                // The etag moved: the next round re-reads and stops unless the
                // split is still exactly ours (e.g. only labels changed).
                Err(e)
                    if attempts < 3
                        && e.api().is_some_and(|a| {
                            a.http_status == 409
                                || a.status == "ABORTED"
                                || a.status == "FAILED_PRECONDITION"
                        }) =>
                {
                    continue
                }
                Err(e) => {
                    return Err(PatchError::Api(Box::new(api_diag(
                        &format!("updating service {}", self.name),
                        &e,
                    ))))
                }
            };
            let op = match self.run.wait(op, &self.wait_opts()).await {
                Ok(op) => op,
                Err(e) => {
                    return Err(match e {
                        gcp_client::Error::Operation(gcp_client::OperationError::Failed {
                            errors,
                            ..
                        }) => PatchError::OperationFailed(
                            errors
                                .iter()
                                .map(|x| format!("{}: {}", x.code, x.message))
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                        gcp_client::Error::Operation(gcp_client::OperationError::Cancelled {
                            ..
                        }) => PatchError::Cancelled,
                        other => PatchError::Api(Box::new(api_diag(
                            &format!("waiting for service {}", self.name),
                            &other,
                        ))),
                    })
                }
            };
            return match self
                .run
                .converged_after(self.name, &op, &self.wait_opts())
                .await
            {
                Ok(s) => Ok(s),
                Err(gcp_client::Error::Operation(gcp_client::OperationError::Cancelled {
                    ..
                })) => Err(PatchError::Cancelled),
                Err(e) => Err(PatchError::Api(Box::new(api_diag(
                    &format!("waiting for service {} to converge", self.name),
                    &e,
                )))),
            };
        }
    }

    /// Sleeps for a bake window; false when cancelled first.
    async fn bake(&self, d: Duration) -> bool {
        tokio::select! {
            () = self.cancel.cancelled() => false,
            () = tokio::time::sleep(d) => true,
        }
    }
}

#[derive(Debug)]
pub enum PatchError {
    Api(Box<Diagnostic>),
    /// Another writer changed the split; `service` is what it now is.
    Changed {
        diag: Box<Diagnostic>,
        service: Box<Service>,
    },
    /// The operation finished with an error (e.g. the revision is not ready).
    OperationFailed(String),
    Cancelled,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::Api(d) | PatchError::Changed { diag: d, .. } => {
                write!(f, "{}: {}", d.summary, d.detail)
            }
            PatchError::OperationFailed(why) => write!(f, "the operation failed ({why})"),
            PatchError::Cancelled => f.write_str("cancelled"),
        }
    }
}

pub(super) fn promoted_targets(candidate: &str) -> Vec<TrafficTarget> {
    vec![TrafficTarget::revision(candidate, 100, None)]
}

/// Also the 100 % step's form (stable at 0 %, candidate tagged): until the last
/// bake passes, the split must still name both revisions, so a crash there is
/// refreshed as an unfinished rollout and a breach can still roll back.
pub(super) fn split_targets(
    stable: &str,
    candidate: &str,
    percent: i64,
    tag: &str,
) -> Vec<TrafficTarget> {
    vec![
        TrafficTarget::revision(stable, 100 - percent, None),
        TrafficTarget::revision(candidate, percent, Some(tag)),
    ]
}

/// Whether `service` already asks for exactly `targets` (in any order).
pub(super) fn asks_for(service: &Service, targets: &[TrafficTarget]) -> bool {
    let key = |t: &TrafficTarget| {
        (
            gcp_client::run::short_name(&t.revision).to_owned(),
            t.percent,
            t.tag.clone(),
        )
    };
    let mut have: Vec<_> = service.traffic.iter().map(key).collect();
    let mut want: Vec<_> = targets.iter().map(key).collect();
    have.sort();
    want.sort();
    have == want
}

fn references(service: &Service, revision: &str) -> bool {
    service
        .traffic
        .iter()
        .any(|t| gcp_client::run::short_name(&t.revision) == revision)
}

/// One rollout: who serves, who rolls out, and how.
struct Job<'e, 'a> {
    env: &'e Env<'a>,
    stable: &'e str,
    candidate: &'e str,
    r: &'e Rollout,
    /// The candidate revision exists and the traffic names it (the state then reports it).
    staged: AtomicBool,
}

/// Why a rollout stopped before its promotion.
enum Stop {
    /// A PATCH failed; `what` says which one.
    Patch {
        what: String,
        err: PatchError,
    },
    /// The candidate never became Ready (Cloud Run's reason).
    NotReady(String),
    Aborted,
    Interrupted,
    /// `pause_at_percent` reached: a requested hold, not a failure.
    Paused,
    /// A breach with auto_rollback.
    RollBack(Box<Diagnostic>),
    /// Inconclusive windows, or a breach without auto_rollback.
    Hold(Box<Diagnostic>),
}

/// Rolls `candidate` (built from `template`) out over `stable`.
pub async fn run(
    env: &Env<'_>,
    stable: &str,
    candidate: &str,
    template: RevisionTemplate,
    r: &Rollout,
) -> Outcome {
    let job = Job {
        env,
        stable,
        candidate,
        r,
        staged: AtomicBool::new(false),
    };
    let mut record = RolloutRecord {
        started_at: now_rfc3339(),
        ..RolloutRecord::default()
    };
    let current = match env.get().await {
        Ok(s) => s,
        Err(d) => return job.end(record, vec![d], None, Status::RolledBack),
    };
    match job.drive(&mut record, template, current).await {
        Ok(service) => {
            record.finished_at = now_rfc3339();
            Outcome {
                service: Some(service),
                stable: candidate.to_owned(),
                candidate: None,
                status: Status::Succeeded,
                record,
                diagnostics: vec![],
            }
        }
        Err(stop) => job.conclude(record, stop).await,
    }
}

impl Job<'_, '_> {
    /// Stages, steps through, bakes, judges and promotes; the first thing that
    /// stops the rollout is returned for [`Self::conclude`].
    async fn drive(
        &self,
        record: &mut RolloutRecord,
        template: RevisionTemplate,
        current: Service,
    ) -> Result<Service, Stop> {
        let (env, r, candidate) = (self.env, self.r, self.candidate);
        let ours = [self.stable, candidate];
        let mut percent = current.serving_split().get(candidate).copied().unwrap_or(0);
        self.staged
            .store(references(&current, candidate), Ordering::Relaxed);
        if r.abort {
            return Err(Stop::Aborted);
        }

        // 1. Candidate at the current share (0 % on a fresh rollout), tagged.
        let targets = split_targets(self.stable, candidate, percent, &r.candidate_tag);
        let mut last = match env
            .patch(targets, Some(template), &ours, Some(current))
            .await
        {
            Ok(s) => s,
            Err(PatchError::OperationFailed(why)) => {
                // The revision exists (failed): the state names it, the traffic will not.
                self.staged.store(true, Ordering::Relaxed);
                let detail = match env
                    .run
                    .get_revision(&format!("{}/revisions/{candidate}", env.name))
                    .await
                {
                    Ok(rev) => rev.failure().unwrap_or(&why).to_owned(),
                    Err(_) => why,
                };
                record.steps.push(StepRecord {
                    percent: 0,
                    at: now_rfc3339(),
                    verdict: "not_ready".into(),
                    ..StepRecord::default()
                });
                return Err(Stop::NotReady(detail));
            }
            Err(err) => {
                let what = format!("Staging {candidate} at {percent} %");
                return Err(Stop::Patch { what, err });
            }
        };
        self.staged.store(true, Ordering::Relaxed);

        // 2. Steps. Points become queryable only after the metric's ingest delay,
        // and windows are never shorter than its sample period.
        let timing = env
            .metrics
            .timing(env.project, analysis::REQUEST_COUNT)
            .await
            .map_err(|e| {
                Stop::RollBack(Box::new(api_diag(
                    "reading the request_count metric descriptor",
                    &e,
                )))
            })?;
        // Steps still to run. Resuming at 100 % means the final bake was cut short:
        // no later step would judge the candidate, so that bake runs again before
        // promotion (earlier unjudged bakes are covered by the steps that follow).
        let pending: Vec<i64> = if percent == 100 {
            vec![100]
        } else {
            r.steps.iter().copied().filter(|s| *s > percent).collect()
        };
        for step in pending {
            if r.pause_at_percent.is_some_and(|p| step > p) && !r.promote {
                return Err(Stop::Paused);
            }
            let target = if r.promote { 100 } else { step };
            // Already there when resuming the final step (the staging PATCH set it).
            if target != percent {
                let targets = split_targets(self.stable, candidate, target, &r.candidate_tag);
                last = env
                    .patch(targets, None, &ours, Some(last))
                    .await
                    .map_err(|err| Stop::Patch {
                        what: format!("Shifting {target} % to {candidate}"),
                        err,
                    })?;
                percent = target;
            }
            self.bake_and_judge(record, percent, timing).await?;
            if percent == 100 {
                break;
            }
        }

        // 3. Promote: only now, with every bake passed, the candidate becomes stable,
        // pinned at 100 % without a tag and the old revision out of the split. The
        // last step's service carries the etag, so this costs no extra GET.
        env.patch(promoted_targets(candidate), None, &ours, Some(last))
            .await
            .map_err(|err| Stop::Patch {
                what: format!("Pinning {candidate} at 100 %"),
                err,
            })
    }

    /// Bakes the step at `percent`, judging the evidence since the step began
    /// every `analysis_interval`: a breach stops at once; the step passes only
    /// once its bake is over and the evidence is within the limits; while
    /// inconclusive it keeps collecting for up to `inconclusive_limit` more
    /// bakes, then holds.
    async fn bake_and_judge(
        &self,
        record: &mut RolloutRecord,
        percent: i64,
        timing: MetricTiming,
    ) -> Result<(), Stop> {
        let (env, r) = (self.env, self.r);
        let target = Target {
            project: env.project,
            location: env.location,
            service: env.service_id,
            candidate: self.candidate,
            stable: self.stable,
        };
        // The step's own bake time (a promotion bakes as the 100 % step).
        let bake = r.bake_at(percent);
        let limit = bake * (1 + r.inconclusive_limit.clamp(0, 100) as u32);
        let interval = r.analysis_interval.max(timing.sample_period);
        let began = SystemTime::now();
        let clock = tokio::time::Instant::now();
        let mut covered = interval.min(bake);
        let mut checks = 0;
        loop {
            checks += 1;
            // Evidence up to `began + covered` is queryable after the ingest delay.
            let due = clock + covered + timing.ingest_delay;
            if !env
                .bake(due.saturating_duration_since(tokio::time::Instant::now()))
                .await
            {
                return Err(Stop::Interrupted);
            }
            let end = began + covered;
            // Points of one interval each, tiling the step so far (the first
            // may reach back before the step: still the candidate's traffic).
            let points = covered.as_secs_f64() / interval.as_secs_f64();
            let start = end - interval * points.ceil().max(1.0) as u32;
            let evidence =
                analysis::measure_intervals(env.metrics, &target, &r.gates, start, end, interval)
                    .await
                    .map_err(|e| {
                        Stop::RollBack(Box::new(api_diag(
                            "querying Cloud Monitoring for the rollout's metrics",
                            &e,
                        )))
                    })?
                    .for_step(percent);
            let (verdict, m) = evidence.judge(r, &super::plan::secs(interval));
            let over = covered >= bake;
            let label = match verdict {
                Verdict::Pass if !over => "within_limits",
                _ => verdict.label(),
            };
            self.log_check(percent, covered, &m, label, &verdict);
            record.steps.push(StepRecord {
                percent,
                at: now_rfc3339(),
                measurement: Some(m),
                bounds: Some(m.error_bounds(r)),
                verdict: label.to_owned(),
            });
            match verdict {
                Verdict::Pass if over => return Ok(()),
                Verdict::Inconclusive(why) if covered >= limit => {
                    // Too little evidence can mean another writer took the traffic
                    // away: that is what to report, with their split kept.
                    if let Ok(Err(err @ PatchError::Changed { .. })) =
                        env.get().await.map(|s| env.check_owned(s))
                    {
                        return Err(Stop::Patch {
                            what: format!("Judging {percent} %"),
                            err,
                        });
                    }
                    return Err(Stop::Hold(Box::new(Diagnostic::error(
                        "Rollout inconclusive",
                        format!("At {percent} % after {checks} check(s) over {}: {why}. An inconclusive step never passes, so the rollout holds at {percent} %. Send traffic to the candidate URL, lengthen bake_duration, raise inconclusive_limit, or lower confidence.", super::plan::secs(covered)),
                    )
                    .at(in_block(Model::ROLLOUT, RolloutBlock::INCONCLUSIVE_LIMIT)))));
                }
                Verdict::Breach(why) => return Err(self.breach(percent, &why)),
                _ => {}
            }
            covered = if covered < bake {
                (covered + interval).min(bake)
            } else {
                (covered + interval).min(limit)
            };
        }
    }

    /// Each analysis at INFO (`TF_LOG=INFO` shows it), with the evidence.
    fn log_check(
        &self,
        percent: i64,
        covered: Duration,
        m: &Measurement,
        label: &str,
        v: &Verdict,
    ) {
        let (lower, upper) = m.error_bounds(self.r);
        let why = match v {
            Verdict::Pass => "",
            Verdict::Inconclusive(w) | Verdict::Breach(w) => w,
        };
        tracing::info!(
            service = self.env.name,
            candidate = self.candidate,
            percent,
            window_s = covered.as_secs_f64(),
            requests = m.requests,
            errors = m.errors,
            error_rate = m.error_rate(),
            error_rate_lower = lower,
            error_rate_upper = upper,
            candidate_p95_ms = m.candidate_p95_ms,
            candidate_latency_samples = m.candidate_samples,
            stable_p95_ms = m.stable_p95_ms.unwrap_or(0.0),
            stable_latency_samples = m.stable_samples,
            verdict = label,
            "rollout analysis at {percent} %: {label} ({} of {} requests 5xx, error rate between {:.3} % and {:.3} %){}{why}",
            m.errors,
            m.requests,
            lower * 100.0,
            upper * 100.0,
            if why.is_empty() { "" } else { ": " }
        );
    }

    /// A breach: roll back at once, or hold when auto_rollback is false.
    fn breach(&self, percent: i64, why: &str) -> Stop {
        let d = if self.r.auto_rollback {
            Diagnostic::error("Rollout rolled back", format!("At {percent} % {why}. Fix the candidate and apply: the state records the rollback, so the next plan proposes this template change again."))
        } else {
            Diagnostic::error("Rollout rolled back", format!("At {percent} % {why}. auto_rollback is false, so traffic holds at {percent} % instead of going back to {}.", self.stable))
        }
        .at(AttributePath::root(Model::TEMPLATE));
        if self.r.auto_rollback {
            Stop::RollBack(Box::new(d))
        } else {
            Stop::Hold(Box::new(d))
        }
    }

    /// The one place a stopped rollout becomes an outcome.
    async fn conclude(&self, record: RolloutRecord, stop: Stop) -> Outcome {
        let (stable, candidate, env) = (self.stable, self.candidate, self.env);
        match stop {
            Stop::Aborted => {
                let d = Diagnostic::error(
                    "Rollout aborted",
                    format!("rollout.abort = true: all traffic goes back to {stable} and {candidate} serves nothing (like `gcloud run services update-traffic {} --to-revisions={stable}=100`). The template change stays pending: revert the template, or remove abort to roll out again.", env.service_id),
                )
                .at(in_block(Model::ROLLOUT, RolloutBlock::ABORT));
                self.rollback(record, d, self.staged.load(Ordering::Relaxed))
                    .await
            }
            Stop::NotReady(detail) => {
                let d = Diagnostic::error(
                    "Candidate revision is not ready",
                    format!("Revision {candidate} did not become ready, so no user traffic was shifted to it.\n\nCloud Run says: {detail}\n\nFix the image or its startup (port, probes, secrets), then apply again: the next attempt builds a fresh revision."),
                )
                .at(AttributePath::root(Model::TEMPLATE));
                // Never leave the traffic naming a failed revision.
                self.rollback(record, d, false).await
            }
            Stop::Interrupted
            | Stop::Patch {
                err: PatchError::Cancelled,
                ..
            } => self.interrupted(record).await,
            Stop::Patch {
                err: PatchError::Changed { diag, service },
                ..
            } => self.changed(record, *diag, *service).await,
            Stop::Patch {
                what,
                err: PatchError::OperationFailed(why),
            } => {
                let d = Diagnostic::error(
                    "Traffic update failed",
                    format!("{what} failed: Cloud Run's operation ended with {why}. Apply again to retry the rollout."),
                );
                self.rollback(record, d, self.staged.load(Ordering::Relaxed))
                    .await
            }
            Stop::Patch {
                what,
                err: PatchError::Api(d),
            } => {
                let d = Diagnostic {
                    detail: format!("{what} failed.\n\n{}", d.detail),
                    ..*d
                };
                self.stopped(record, d).await
            }
            Stop::Paused => {
                let mut diagnostics = vec![Diagnostic::warning(
                    "Rollout holding",
                    format!("The candidate {candidate} holds because rollout.pause_at_percent = {}. Remove or raise pause_at_percent (or set promote = true) and apply to continue; set abort = true to send all traffic back to {stable}.", self.r.pause_at_percent.unwrap_or_default()),
                )
                .at(in_block(Model::ROLLOUT, RolloutBlock::PAUSE_AT_PERCENT))];
                let service = env.observe(&mut diagnostics).await;
                let mut outcome = self.end(record, diagnostics, service, Status::Holding);
                // A requested hold, even at 0 %.
                outcome.status = Status::Holding;
                outcome
            }
            Stop::RollBack(d) => self.rollback(record, *d, true).await,
            Stop::Hold(d) => self.stopped(record, *d).await,
        }
    }

    /// Back to 100 % stable (the candidate kept at 0 % with its tag for
    /// debugging when `keep_candidate`), then the outcome as read back.
    async fn rollback(
        &self,
        record: RolloutRecord,
        mut cause: Diagnostic,
        keep_candidate: bool,
    ) -> Outcome {
        let (stable, candidate) = (self.stable, self.candidate);
        // A fresh token: the rollback must happen even after Ctrl-C cancelled the rollout.
        let never = CancellationToken::new();
        let env = Env {
            cancel: &never,
            deadline: tokio::time::Instant::now() + Duration::from_secs(120),
            ..*self.env
        };
        let targets = if keep_candidate {
            split_targets(stable, candidate, 0, &self.r.candidate_tag)
        } else {
            vec![TrafficTarget::revision(stable, 100, None)]
        };
        let fresh = match env.get().await {
            Ok(s) => env.check_owned(s),
            Err(d) => Err(PatchError::Api(Box::new(d))),
        };
        let patched = match fresh {
            Ok(s) if asks_for(&s, &targets) => Ok(s),
            Ok(s) => {
                env.patch(targets, None, &[stable, candidate], Some(s))
                    .await
            }
            Err(e) => Err(e),
        };
        let mut diagnostics = vec![];
        let service = match patched {
            Ok(s) => Some(s),
            // Another writer's split is theirs: report it instead of rolling it back.
            Err(PatchError::Changed { diag, service }) => {
                return self.end(record, vec![cause, *diag], Some(*service), Status::Holding)
            }
            Err(e) => {
                // Said only when the read-back shows it: the operation may have failed
                // after the traffic landed.
                let service = env.observe(&mut diagnostics).await;
                if service
                    .as_ref()
                    .is_none_or(|s| s.serving_split().get(candidate).is_some_and(|p| *p > 0))
                {
                    cause.detail.push_str(&format!(
                        "\n\nSending all traffic back to {stable} failed too: {e}."
                    ));
                }
                service
            }
        };
        diagnostics.insert(0, cause);
        self.end(record, diagnostics, service, Status::RolledBack)
    }

    /// Ends the rollout where it stands (no rollback) with `d`.
    async fn stopped(&self, record: RolloutRecord, d: Diagnostic) -> Outcome {
        let mut diagnostics = vec![d];
        let service = self.env.observe(&mut diagnostics).await;
        let fallback = if self.staged.load(Ordering::Relaxed) {
            Status::Holding
        } else {
            Status::RolledBack
        };
        self.end(record, diagnostics, service, fallback)
    }

    /// Another writer changed the split: stop, keep their traffic, report it.
    async fn changed(&self, record: RolloutRecord, diag: Diagnostic, fresh: Service) -> Outcome {
        // Their PATCH may still be converging; the state should show where it lands.
        let never = CancellationToken::new();
        let settle = Env {
            cancel: &never,
            deadline: tokio::time::Instant::now() + Duration::from_secs(30),
            ..*self.env
        };
        let service = settle
            .run
            .wait_converged(self.env.name, &settle.wait_opts())
            .await
            .unwrap_or(fresh);
        self.end(record, vec![diag], Some(service), Status::Holding)
    }

    /// Ctrl-C: roll back (default) or hold, and say so.
    async fn interrupted(&self, record: RolloutRecord) -> Outcome {
        let (stable, candidate) = (self.stable, self.candidate);
        if self.r.hold_on_interrupt {
            let d = Diagnostic::error("Rollout interrupted", format!("Terraform was interrupted; on_interrupt = \"hold\" keeps the current split. The next apply resumes the rollout of {candidate}."));
            let never = CancellationToken::new();
            let env = Env {
                cancel: &never,
                ..*self.env
            };
            let mut diagnostics = vec![d];
            let service = env.observe(&mut diagnostics).await;
            return self.end(record, diagnostics, service, Status::Holding);
        }
        let d = Diagnostic::error("Rollout interrupted", format!("Terraform was interrupted; on_interrupt = \"rollback\" sends all traffic back to {stable}. The next plan proposes the change again."));
        self.rollback(record, d, self.staged.load(Ordering::Relaxed))
            .await
    }

    /// The outcome with the status the live split shows (`fallback` when the
    /// service could not be read), and the split plus the next step appended
    /// to the first error.
    fn end(
        &self,
        mut record: RolloutRecord,
        mut diagnostics: Vec<Diagnostic>,
        service: Option<Service>,
        fallback: Status,
    ) -> Outcome {
        record.finished_at = now_rfc3339();
        let status = service.as_ref().map_or(fallback, |s| {
            if s.serving_split()
                .get(self.candidate)
                .is_some_and(|p| *p > 0)
            {
                Status::Holding
            } else {
                Status::RolledBack
            }
        });
        if let Some(d) = diagnostics
            .iter_mut()
            .find(|d| d.severity == Severity::Error)
        {
            d.detail.push_str("\n\n");
            d.detail.push_str(&self.report(service.as_ref(), status));
        }
        Outcome {
            service,
            stable: self.stable.to_owned(),
            candidate: self
                .staged
                .load(Ordering::Relaxed)
                .then(|| self.candidate.to_owned()),
            status,
            record,
            diagnostics,
        }
    }

    /// The live split read back from the service, and what to do next.
    fn report(&self, service: Option<&Service>, status: Status) -> String {
        let (env, stable, candidate) = (self.env, self.stable, self.candidate);
        let Some(service) = service else {
            let written = self
                .env
                .last_written()
                .map_or("nothing".to_owned(), |s| split_text(&s));
            return format!("The service could not be read back, so the live split is unknown (this apply last asked for {written}). Run `terraform apply -refresh-only` to record what serves, then apply again.");
        };
        let split = service.serving_split();
        let live = format!(
            "Live traffic, read back from the service: {}.",
            split_text(&split)
        );
        match status {
            Status::Holding => {
                let share = split.get(candidate).copied().unwrap_or(0);
                format!("{live} Production traffic is still split: {candidate} serves {share} %. To finish, fix the cause and apply again (the rollout resumes from {share} %). To send all traffic back to {stable}, set rollout.abort = true and apply, or run `gcloud run services update-traffic {} --region {} --to-revisions={stable}=100`.", env.service_id, env.location)
            }
            _ => format!("{live} {candidate} serves no production traffic."),
        }
    }
}
