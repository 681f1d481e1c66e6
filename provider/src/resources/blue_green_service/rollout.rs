//! The rollout engine: stage the candidate at 0 %, shift traffic step by
//! step (traffic-only PATCHes with the etag), bake, judge, and finish,
//! roll back or hold. Every exit reports the true split.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::MetricsClient;
use gcp_client::operations::WaitOptions;
use gcp_client::run::{RevisionTemplate, RunClient, Service, TrafficTarget};
use tfplugin::{AttributePath, Diagnostic};
use tokio_util::sync::CancellationToken;

use super::analysis::{self, judge, Target, Verdict};
use super::model::Rollout;
use super::observed::{RolloutRecord, StepRecord, HOLDING, ROLLED_BACK, SUCCEEDED};

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
    pub status: &'static str,
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

fn rollout_path(attr: &str) -> AttributePath {
    AttributePath::root("rollout").index(0).attr(attr)
}

/// `api-a 95 %, api-b 5 %` (or `nothing`).
fn split_text(split: &BTreeMap<String, i64>) -> String {
    if split.is_empty() {
        return "nothing".to_owned();
    }
    split
        .iter()
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
        .at(AttributePath::root("traffic"));
        Err(PatchError::Changed {
            diag,
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
                None => self.check_owned(self.get().await.map_err(PatchError::Api)?)?,
            };
            let foreign: Vec<String> = current
                .serving_split()
                .into_iter()
                .filter(|(r, p)| *p > 0 && !ours.contains(&r.as_str()))
                .map(|(r, _)| r)
                .collect();
            if !foreign.is_empty() {
                return Err(PatchError::Api(Diagnostic::error(
                    "Traffic changed by someone else",
                    format!("Service {} now also serves {} (split {:?}), which this rollout did not create. Nothing was overwritten. Inspect the service (gcloud run services describe), settle the traffic, then apply again.", self.name, foreign.join(", "), current.serving_split()),
                )));
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
                    return Err(PatchError::Api(api_diag(
                        &format!("updating service {}", self.name),
                        &e,
                    )))
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
                        other => PatchError::Api(api_diag(
                            &format!("waiting for service {}", self.name),
                            &other,
                        )),
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
                Err(e) => Err(PatchError::Api(api_diag(
                    &format!("waiting for service {} to converge", self.name),
                    &e,
                ))),
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
    Api(Diagnostic),
    /// Another writer changed the split; `service` is what it now is.
    Changed {
        diag: Diagnostic,
        service: Box<Service>,
    },
    /// The operation finished with an error (e.g. the revision is not ready).
    OperationFailed(String),
    Cancelled,
}

fn promoted_targets(candidate: &str) -> Vec<TrafficTarget> {
    vec![TrafficTarget::revision(candidate, 100, None)]
}

/// Also the 100 % step's form (stable at 0 %, candidate tagged): until the last
/// bake passes, the split must still name both revisions, so a crash there is
/// refreshed as an unfinished rollout and a breach can still roll back.
fn split_targets(stable: &str, candidate: &str, percent: i64, tag: &str) -> Vec<TrafficTarget> {
    vec![
        TrafficTarget::revision(stable, 100 - percent, None),
        TrafficTarget::revision(candidate, percent, Some(tag)),
    ]
}

/// Rolls `candidate` (built from `template`) out over `stable`.
pub async fn run(
    env: &Env<'_>,
    stable: &str,
    candidate: &str,
    template: RevisionTemplate,
    r: &Rollout,
) -> Outcome {
    let mut record = RolloutRecord {
        started_at: now_rfc3339(),
        ..RolloutRecord::default()
    };
    let ours = [stable, candidate];
    let current = match env.get().await {
        Ok(s) => s,
        Err(d) => return stopped(env, stable, None, ROLLED_BACK, record, d).await,
    };
    let mut percent = current.serving_split().get(candidate).copied().unwrap_or(0);
    // The service as the last successful PATCH left it (the next PATCH's etag).
    let mut last = Some(current);

    if r.abort {
        let d = Diagnostic::error(
            "Rollout aborted",
            format!("rollout.abort = true: all traffic is on {stable}, and {candidate} serves nothing (like `gcloud run services update-traffic {} --to-revisions={stable}=100`). The template change stays pending: revert the template, or remove abort to roll out again.", env.service_id),
        )
        .at(rollout_path("abort"));
        return finish_rollback(env, stable, candidate, r, record, Some(d)).await;
    }
    // 1. Candidate at the current share (0 % on a fresh rollout), tagged.
    let staged = env
        .patch(
            split_targets(stable, candidate, percent, &r.candidate_tag),
            Some(template),
            &ours,
            last.take(),
        )
        .await;
    match staged {
        Ok(s) => last = Some(s),
        Err(PatchError::OperationFailed(why)) => {
            let detail = match env
                .run
                .get_revision(&format!("{}/revisions/{candidate}", env.name))
                .await
            {
                Ok(rev) => rev.failure().unwrap_or(&why).to_owned(),
                Err(_) => why,
            };
            let diag = Diagnostic::error(
                "Candidate revision is not ready",
                format!("Revision {candidate} did not become ready, so no user traffic was shifted and {stable} keeps serving 100 %.\n\nCloud Run says: {detail}\n\nFix the image or its startup (port, probes, secrets), then apply again."),
            )
            .at(AttributePath::root("template"));
            record.steps.push(StepRecord {
                percent: 0,
                measurement: None,
                verdict: "not_ready".into(),
            });
            return finish_rollback(env, stable, candidate, r, record, Some(diag)).await;
        }
        Err(PatchError::Cancelled) => return interrupted(env, stable, candidate, r, record).await,
        Err(PatchError::Api(d)) => return stopped(env, stable, None, ROLLED_BACK, record, d).await,
        Err(PatchError::Changed { diag, service }) => {
            return changed(env, stable, candidate, record, diag, *service).await
        }
    }

    // 2. Steps. Points become queryable only after the metric's ingest delay.
    let ingest_delay = match env
        .metrics
        .ingest_delay(env.project, analysis::REQUEST_COUNT)
        .await
    {
        Ok(d) => d,
        Err(e) => {
            let d = api_diag("reading the request_count metric descriptor", &e);
            return finish_rollback(env, stable, candidate, r, record, Some(d)).await;
        }
    };
    let metrics_target = Target {
        project: env.project,
        location: env.location,
        service: env.service_id,
        candidate,
        stable,
    };
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
            let mut diagnostics = vec![Diagnostic::warning(
                "Rollout holding",
                format!("The candidate {candidate} holds at {percent} % because rollout.pause_at_percent = {}. Remove or raise pause_at_percent (or set promote = true) and apply to continue; set abort = true to send all traffic back to {stable}.", r.pause_at_percent.unwrap_or_default()),
            )
            .at(rollout_path("pause_at_percent"))];
            let service = env.observe(&mut diagnostics).await;
            record.finished_at = now_rfc3339();
            return Outcome {
                service,
                stable: stable.to_owned(),
                candidate: Some(candidate.to_owned()),
                status: HOLDING,
                record,
                diagnostics,
            };
        }
        let target = if r.promote { 100 } else { step };
        // Already there when resuming the final step (the staging PATCH set it).
        let shifted = match last.take() {
            Some(s) if target == percent => Ok(s),
            known => {
                let targets = split_targets(stable, candidate, target, &r.candidate_tag);
                env.patch(targets, None, &ours, known).await
            }
        };
        match shifted {
            Ok(s) => {
                percent = target;
                last = Some(s);
            }
            Err(PatchError::Cancelled) => {
                return interrupted(env, stable, candidate, r, record).await
            }
            Err(PatchError::OperationFailed(why)) => {
                let d = Diagnostic::error(
                    "Traffic shift failed",
                    format!("Shifting {target} % to {candidate} failed: {why}"),
                );
                return finish_rollback(env, stable, candidate, r, record, Some(d)).await;
            }
            Err(PatchError::Api(d)) => {
                return stopped(env, stable, Some(candidate), HOLDING, record, d).await
            }
            Err(PatchError::Changed { diag, service }) => {
                return changed(env, stable, candidate, record, diag, *service).await
            }
        }
        // The step's own bake time (a promotion bakes as the 100 % step).
        let bake = r.bake_at(percent);
        let mut extra_windows = 0;
        loop {
            if !env.bake(bake).await {
                return interrupted(env, stable, candidate, r, record).await;
            }
            let window_end = SystemTime::now();
            if !ingest_delay.is_zero() && !env.bake(ingest_delay).await {
                return interrupted(env, stable, candidate, r, record).await;
            }
            let m = match analysis::measure(env.metrics, &metrics_target, bake, window_end).await {
                Ok(m) => m,
                Err(e) => {
                    let d = api_diag("querying Cloud Monitoring for the rollout's metrics", &e);
                    return finish_rollback(env, stable, candidate, r, record, Some(d)).await;
                }
            };
            let verdict = judge(&m, r);
            tracing::info!(
                service = env.name,
                percent,
                requests = m.requests,
                error_rate = m.error_rate(),
                p95_ms = m.candidate_p95_ms,
                verdict = verdict.label(),
                "rollout step judged"
            );
            record.steps.push(StepRecord::judged(percent, m, &verdict));
            match verdict {
                Verdict::Pass => break,
                Verdict::Inconclusive(_) if extra_windows < r.inconclusive_limit => {
                    extra_windows += 1
                }
                Verdict::Inconclusive(why) => {
                    let d = Diagnostic::error(
                        "Rollout inconclusive",
                        format!("At {percent} % {why}, after {} window(s). An inconclusive window is never a pass, so the rollout holds at {percent} %. Send traffic to the candidate URL, lower rollout.min_requests, lengthen bake_duration or raise inconclusive_limit, then apply again; or set rollout.abort = true.", extra_windows + 1),
                    )
                    .at(rollout_path("min_requests"));
                    return stopped(env, stable, Some(candidate), HOLDING, record, d).await;
                }
                Verdict::Breach(why) => {
                    let d = Diagnostic::error(
                        "Rollout rolled back",
                        format!("At {percent} % {why}. {}", if r.auto_rollback { format!("All traffic was sent back to {stable}; the state records the rollback, so the next plan proposes this template change again. Fix the candidate and apply.") } else { format!("auto_rollback is false, so traffic holds at {percent} %; set rollout.abort = true to send it back to {stable}.") }),
                    )
                    .at(AttributePath::root("template"));
                    if r.auto_rollback {
                        return finish_rollback(env, stable, candidate, r, record, Some(d)).await;
                    }
                    return stopped(env, stable, Some(candidate), HOLDING, record, d).await;
                }
            }
        }
        if percent == 100 {
            break;
        }
    }

    // 3. Promote: only now, with every bake passed, the candidate becomes stable,
    // pinned at 100 % without a tag and the old revision out of the split. The
    // last step's service carries the etag, so this costs no extra GET.
    let promoted = env
        .patch(promoted_targets(candidate), None, &ours, last)
        .await;
    match promoted {
        Ok(service) => {
            record.finished_at = now_rfc3339();
            Outcome {
                service: Some(service),
                stable: candidate.to_owned(),
                candidate: None,
                status: SUCCEEDED,
                record,
                diagnostics: vec![],
            }
        }
        Err(PatchError::Cancelled) => interrupted(env, stable, candidate, r, record).await,
        Err(PatchError::Api(d)) => stopped(env, stable, Some(candidate), HOLDING, record, d).await,
        Err(PatchError::Changed { diag, service }) => {
            changed(env, stable, candidate, record, diag, *service).await
        }
        Err(PatchError::OperationFailed(why)) => {
            let d = Diagnostic::error(
                "Promotion failed",
                format!("Pinning {candidate} at 100 % failed: {why}"),
            );
            finish_rollback(env, stable, candidate, r, record, Some(d)).await
        }
    }
}

/// Back to 100 % stable (candidate kept at 0 % with its tag for debugging).
async fn finish_rollback(
    env: &Env<'_>,
    stable: &str,
    candidate: &str,
    r: &Rollout,
    mut record: RolloutRecord,
    diag: Option<Diagnostic>,
) -> Outcome {
    let mut diagnostics: Vec<Diagnostic> = diag.into_iter().collect();
    // A fresh token: the rollback must happen even after Ctrl-C cancelled the rollout.
    let never = CancellationToken::new();
    let env_rb = Env {
        cancel: &never,
        deadline: tokio::time::Instant::now() + Duration::from_secs(120),
        ..*env
    };
    let targets = split_targets(stable, candidate, 0, &r.candidate_tag);
    let service = match env_rb
        .patch(targets, None, &[stable, candidate], None)
        .await
    {
        Ok(s) => Some(s),
        // Another writer's split is theirs: report it instead of rolling it back.
        Err(PatchError::Changed { diag, service }) => {
            diagnostics.push(diag);
            record.finished_at = now_rfc3339();
            return Outcome {
                status: status_of(&service, candidate),
                service: Some(*service),
                stable: stable.to_owned(),
                candidate: Some(candidate.to_owned()),
                record,
                diagnostics,
            };
        }
        Err(e) => {
            diagnostics.push(Diagnostic::error("Rollback failed", format!("Sending 100 % back to {stable} failed ({e:?}). Run: gcloud run services update-traffic {} --region {} --to-revisions={stable}=100", env.service_id, env.location)));
            env_rb.observe(&mut diagnostics).await
        }
    };
    record.finished_at = now_rfc3339();
    Outcome {
        service,
        stable: stable.to_owned(),
        candidate: Some(candidate.to_owned()),
        status: ROLLED_BACK,
        record,
        diagnostics,
    }
}

/// Ends the rollout with `status` and `d`, reporting the service as it is now
/// (`candidate` is `None` when none was created).
async fn stopped(
    env: &Env<'_>,
    stable: &str,
    candidate: Option<&str>,
    status: &'static str,
    mut record: RolloutRecord,
    d: Diagnostic,
) -> Outcome {
    record.finished_at = now_rfc3339();
    let mut diagnostics = vec![d];
    let service = env.observe(&mut diagnostics).await;
    Outcome {
        service,
        stable: stable.to_owned(),
        candidate: candidate.map(str::to_owned),
        status,
        record,
        diagnostics,
    }
}

/// The candidate still serving means the rollout holds wherever the other
/// writer left it; otherwise it did not land.
fn status_of(service: &Service, candidate: &str) -> &'static str {
    if service.spec_split().get(candidate).is_some_and(|p| *p > 0) {
        HOLDING
    } else {
        ROLLED_BACK
    }
}

/// Another writer changed the split: stop, keep their traffic, report it.
async fn changed(
    env: &Env<'_>,
    stable: &str,
    candidate: &str,
    mut record: RolloutRecord,
    diag: Diagnostic,
    fresh: Service,
) -> Outcome {
    record.finished_at = now_rfc3339();
    // Their PATCH may still be converging; the state should show where it lands.
    let never = CancellationToken::new();
    let settle = Env {
        cancel: &never,
        deadline: tokio::time::Instant::now() + Duration::from_secs(30),
        ..*env
    };
    let service = settle
        .run
        .wait_converged(env.name, &settle.wait_opts())
        .await
        .unwrap_or(fresh);
    Outcome {
        status: status_of(&service, candidate),
        service: Some(service),
        stable: stable.to_owned(),
        candidate: Some(candidate.to_owned()),
        record,
        diagnostics: vec![diag],
    }
}

/// Ctrl-C: roll back (default) or hold, and say so.
async fn interrupted(
    env: &Env<'_>,
    stable: &str,
    candidate: &str,
    r: &Rollout,
    record: RolloutRecord,
) -> Outcome {
    if r.hold_on_interrupt {
        let d = Diagnostic::error("Rollout interrupted", format!("Terraform was interrupted; on_interrupt = \"hold\" keeps the current split. The next apply resumes the rollout of {candidate}."));
        let never = CancellationToken::new();
        let env_rb = Env {
            cancel: &never,
            ..*env
        };
        return stopped(&env_rb, stable, Some(candidate), HOLDING, record, d).await;
    }
    let d = Diagnostic::error("Rollout interrupted", format!("Terraform was interrupted; on_interrupt = \"rollback\" sent all traffic back to {stable}. The next plan proposes the change again."));
    finish_rollback(env, stable, candidate, r, record, Some(d)).await
}
