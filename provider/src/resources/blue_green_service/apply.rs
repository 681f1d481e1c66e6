//! Create, update (rollout) and delete.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use gcp_client::run::{service_name, RevisionTemplate, RunClient, Service, TrafficTarget};
use tfplugin::typed::MaybeUnknown;
use tfplugin::{AttributePath, Diagnostic, Diagnostics, OpContext, Value};

use super::model::{self, Model};
use super::observed::{Observed, Status};
use super::rollout::{self, Env, PatchError};
use crate::framework::model::{encode, non_empty};
use crate::state::ProviderData;

/// Poll interval for operations and convergence (short: steps wait on it).
const POLL: Duration = Duration::from_millis(250);

pub struct Location {
    pub project: String,
    pub location: String,
    pub service_id: String,
    pub name: String,
}

impl Location {
    /// Where a known plan or state value's service is (None while a part is unset).
    pub fn of(v: &Value) -> Option<Location> {
        Location::of_model(&Model::of(v).ok()?)
    }

    pub fn of_model(m: &Model) -> Option<Location> {
        let given = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let project = given(&m.project)?;
        let location = given(&m.location)?;
        let service_id = given(&Some(m.name.clone()))?;
        Some(Location {
            name: service_name(&project, &location, &service_id),
            project,
            location,
            service_id,
        })
    }
}

/// A known, non-empty string attribute.
fn given(v: &MaybeUnknown<String>) -> Option<String> {
    non_empty(v).map(str::to_owned)
}

/// The planned template and the revision name derived from it (its first attempt).
fn template_for(
    planned: &Value,
    service_id: &str,
) -> Result<(RevisionTemplate, String), Diagnostic> {
    let mut t = model::template_to_api(&model::template_of(planned)?);
    let revision = model::revision_name(service_id, &t);
    t.revision = Some(revision.clone());
    Ok((t, revision))
}

/// Attempts per template before giving up (each failed one stays as a revision).
const MAX_ATTEMPTS: u32 = 100;

/// The candidate's revision name: the attempt of the template named `base` that
/// serves traffic (a resumed rollout), else the first attempt that does not exist
/// yet or did become Ready (re-applied after a rollback). A revision that never
/// became Ready is never reused: the next attempt builds a fresh one.
async fn candidate_name(
    run: &RunClient,
    service: &Service,
    base: &str,
) -> Result<String, Diagnostic> {
    if let Some((serving, _)) = service
        .serving_split()
        .into_iter()
        .find(|(r, p)| *p > 0 && model::same_template(base, r))
    {
        return Ok(serving);
    }
    for n in 1..=MAX_ATTEMPTS {
        let name = model::attempt_name(base, n);
        match run
            .get_revision(&format!("{}/revisions/{name}", service.name))
            .await
        {
            Ok(rev) if rev.failure().is_some() => continue,
            Ok(_) => return Ok(name),
            Err(e) if e.api().is_some_and(|a| a.is_not_found()) => return Ok(name),
            Err(e) => {
                return Err(crate::framework::api::api_error(
                    &format!("reading revision {name}"),
                    &e,
                    "Check that the credentials may read Cloud Run revisions.",
                ))
            }
        }
    }
    Err(Diagnostic::error(
        "Too many failed attempts",
        format!("{MAX_ATTEMPTS} revisions built from this template ({base}, {base}-2, …) never became ready. Change the template (e.g. the image digest) and apply again."),
    )
    .at(AttributePath::root(Model::TEMPLATE)))
}

pub(super) fn env<'a>(
    loc: &'a Location,
    ctx: &'a OpContext,
    run: &'a gcp_client::run::RunClient,
    metrics: &'a gcp_client::monitoring::metrics::MetricsClient,
    timeout: Duration,
    written: &'a Mutex<Option<BTreeMap<String, i64>>>,
) -> Env<'a> {
    Env {
        run,
        metrics,
        project: &loc.project,
        location: &loc.location,
        service_id: &loc.service_id,
        name: &loc.name,
        cancel: &ctx.cancel,
        deadline: tokio::time::Instant::now() + timeout,
        poll: POLL,
        written,
    }
}

/// Whether a create failed only because this very create already landed: its answer
/// was lost (client timeout, terraform killed) and Terraform recorded nothing. The
/// service is ours when its template is this configuration's first revision, named by
/// the template's hash; any other service of that name is someone else's (import it).
async fn adoptable(
    run: &RunClient,
    loc: &Location,
    revision: &str,
    err: &gcp_client::Error,
) -> bool {
    if err.api().is_none_or(|a| a.http_status != 409) {
        return false;
    }
    match run.find_service(&loc.name).await {
        Ok(Some(existing)) => {
            existing.template.and_then(|t| t.revision).as_deref() == Some(revision)
        }
        _ => false,
    }
}

/// Waits for an adopted service as for its own create operation: until Cloud Run
/// converged, failing if its revision did not become Ready.
async fn adopt_wait(
    run: &RunClient,
    loc: &Location,
    wait: &gcp_client::operations::WaitOptions,
) -> Result<(), String> {
    let service = run
        .wait_converged(&loc.name, wait)
        .await
        .map_err(|e| e.to_string())?;
    match service.terminal_condition {
        Some(c) if c.state == gcp_client::run::CONDITION_FAILED => Err(c.message),
        _ => Ok(()),
    }
}

/// First deploy: no baseline to protect, so the revision gets 100 % once Ready.
pub async fn create(ctx: &OpContext, data: &ProviderData, planned: &Value) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let Some(loc) = Location::of(planned) else {
        diags.error(
            "Missing project or location",
            "Set `project` and `location` on the resource or in the provider block.",
        );
        return (Value::Null, diags);
    };
    let timeouts = match model::timeouts(planned) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return (Value::Null, diags);
        }
    };
    let run = data.client.run();
    let metrics = data.client.metrics();
    let (template, revision) = match template_for(planned, &loc.service_id) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return (Value::Null, diags);
        }
    };
    let mut state = match Model::of(planned) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return (Value::Null, diags);
        }
    };
    let body = Service {
        labels: state.labels_over(&data.default_labels),
        ingress: given(&state.ingress),
        template: Some(template),
        traffic: vec![TrafficTarget::revision(&revision, 100, None)],
        ..Service::default()
    };
    let parent = format!("projects/{}/locations/{}", loc.project, loc.location);
    let mut wait = gcp_client::operations::WaitOptions::new(timeouts.create, ctx.cancel.clone());
    wait.poll_interval = POLL;
    // Ctrl-C must not wait for a slow create: if it landed, the next apply adopts it.
    let created = tokio::select! {
        () = ctx.cancel.cancelled() => {
            diags.error(
                format!("Error creating Cloud Run service {}", loc.name),
                "Cancelled: Terraform asked the provider to stop. If the create reached Cloud Run, the next apply adopts the service.",
            );
            return (Value::Null, diags);
        }
        created = run.create_service(&parent, &loc.service_id, &body) => created,
    };
    let waited = match created {
        Ok(op) => run
            .wait(op, &wait)
            .await
            .map(drop)
            .map_err(|e| e.to_string()),
        Err(e) if adoptable(&run, &loc, &revision, &e).await => adopt_wait(&run, &loc, &wait).await,
        Err(e) => {
            diags.push(crate::framework::api::api_error(
                &format!("creating Cloud Run service {}", loc.name),
                &e,
                "Check the project, region and that the Cloud Run API is enabled.",
            ));
            return (Value::Null, diags);
        }
    };
    let written = Mutex::new(None);
    let e = env(&loc, ctx, &run, &metrics, timeouts.create, &written);
    let service = match e.get().await {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return (Value::Null, diags);
        }
    };
    let ok = waited.is_ok();
    if let Err(err) = waited {
        let detail = match run
            .get_revision(&format!("{}/revisions/{revision}", loc.name))
            .await
        {
            Ok(rev) => rev
                .failure()
                .map(str::to_owned)
                .unwrap_or_else(|| err.to_string()),
            Err(_) => err.to_string(),
        };
        diags.push(Diagnostic::error("Service created but its first revision is not ready", format!("Revision {revision} did not become ready: {detail}\n\nThe service exists (it is tainted and will be replaced on the next apply). Fix the image or its startup and apply again.")).at(AttributePath::root(Model::TEMPLATE)));
    }
    let service = if ok {
        run.wait_converged(&loc.name, &wait)
            .await
            .unwrap_or(service)
    } else {
        service
    };
    let stable = ok.then(|| revision.clone());
    let tag = model::rollout(planned)
        .map(|r| r.candidate_tag)
        .unwrap_or_default();
    let status = if ok {
        Status::Succeeded
    } else {
        Status::RolledBack
    };
    let record = super::observed::RolloutRecord {
        started_at: rollout::now_rfc3339(),
        finished_at: rollout::now_rfc3339(),
        steps: vec![],
    };
    Observed::from_service(
        &service,
        stable,
        if ok { None } else { Some(revision) },
        &tag,
        status,
        MaybeUnknown::Known(record.to_model()),
    )
    .apply_to(&mut state, &service);
    state.id = MaybeUnknown::Known(loc.name.clone());
    encoded(&state, Value::Null, diags)
}

/// `state` for Terraform, or `otherwise` with the encoding failure (a provider bug).
fn encoded(state: &Model, otherwise: Value, mut diags: Diagnostics) -> (Value, Diagnostics) {
    match encode(state) {
        Ok(v) => (v, diags),
        Err(d) => {
            diags.push(d);
            (otherwise, diags)
        }
    }
}

/// Template change, resume, drift repair or manual control: a rollout.
pub async fn update(
    ctx: &OpContext,
    data: &ProviderData,
    prior: &Value,
    planned: &Value,
) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let Some(loc) = Location::of(planned) else {
        diags.error(
            "Missing project or location",
            "Set `project` and `location`.",
        );
        return (prior.clone(), diags);
    };
    let (settings, timeouts) = match (model::rollout(planned), model::timeouts(planned)) {
        (Ok(r), Ok(t)) => (r, t),
        (Err(d), _) | (_, Err(d)) => {
            diags.push(d);
            return (prior.clone(), diags);
        }
    };
    let (prior_m, planned_m) = match (Model::of(prior), Model::of(planned)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => {
            diags.push(d);
            return (prior.clone(), diags);
        }
    };
    let run = data.client.run();
    let metrics = data.client.metrics();
    let written = Mutex::new(None);
    let e = env(&loc, ctx, &run, &metrics, timeouts.update, &written);
    let current = match e.get().await {
        Ok(s) => s,
        Err(d) => {
            diags.push(d);
            return (prior.clone(), diags);
        }
    };
    let (mut template, base) = match template_for(planned, &loc.service_id) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return (prior.clone(), diags);
        }
    };
    let Some(stable) = given(&prior_m.stable_revision)
        .filter(|s| current.serving_split().contains_key(s))
        .or_else(|| {
            current
                .serving_split()
                .into_iter()
                .max_by_key(|(_, p)| *p)
                .map(|(r, _)| r)
        })
    else {
        diags.error("No serving revision", format!("Service {} serves no revision; nothing to roll out from. Delete and re-create it, or import it once it serves traffic.", loc.name));
        return (prior.clone(), diags);
    };

    // Labels and ingress are plain service fields, changed without a rollout.
    let mut fields = Service {
        name: loc.name.clone(),
        labels: planned_m.labels_over(&data.default_labels),
        ingress: given(&planned_m.ingress),
        ..Service::default()
    };
    if fields.labels != current.labels
        || (fields.ingress.is_some() && fields.ingress != current.ingress)
    {
        fields.etag = current.etag.clone();
        let mut wait =
            gcp_client::operations::WaitOptions::new(timeouts.update, ctx.cancel.clone());
        wait.poll_interval = POLL;
        let res = match run.patch_service(&fields, &["labels", "ingress"]).await {
            Ok(op) => run.wait(op, &wait).await.map(|_| ()),
            Err(err) => Err(err),
        };
        if let Err(err) = res {
            diags.push(crate::framework::api::api_error(
                &format!("updating labels of {}", loc.name),
                &err,
                "Check the labels (lower-case keys, at most 64).",
            ));
            return (prior.clone(), diags);
        }
    }

    let outcome = if model::same_template(&base, &stable) {
        // Config matches what serves: only repair the split. The revisions the
        // refreshed state (and so the approved plan) showed may be overwritten;
        // anything newer is another writer's and stops the apply.
        let shown: Vec<String> = prior_m
            .traffic
            .known()
            .into_iter()
            .flatten()
            .filter_map(|t| t.revision.known().cloned())
            .chain(std::iter::once(stable.clone()))
            .collect();
        let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
        // When the plan had nothing to roll out it kept the last rollout's result
        // (e.g. `rolled_back` and its candidate), so the state does too.
        let (candidate, status) = if super::plan::needs_rollout(prior, planned) {
            (None, Status::Succeeded)
        } else {
            (
                given(&prior_m.candidate_revision),
                prior_m
                    .rollout_status
                    .known()
                    .copied()
                    .unwrap_or(Status::Succeeded),
            )
        };
        match e
            .patch(
                vec![TrafficTarget::revision(&stable, 100, None)],
                None,
                &shown,
                Some(current.clone()),
            )
            .await
        {
            Ok(service) => rollout::Outcome {
                service: Some(service),
                stable: stable.clone(),
                candidate,
                status,
                record: Default::default(),
                diagnostics: vec![],
            },
            Err(PatchError::Api(d) | PatchError::Changed { diag: d, .. }) => {
                diags.push(*d);
                return (prior.clone(), diags);
            }
            Err(other) => {
                diags.error(
                    "Restoring the traffic split failed",
                    format!("Sending 100 % to {stable} failed: {other}. Apply again to retry."),
                );
                return (prior.clone(), diags);
            }
        }
    } else {
        let candidate = match candidate_name(&run, &current, &base).await {
            Ok(c) => c,
            Err(d) => {
                diags.push(d);
                return (prior.clone(), diags);
            }
        };
        template.revision = Some(candidate.clone());
        // An interrupted rollout of another template: take its candidate out of the
        // split first (the plan warned about it), then roll the new one out.
        if let Some(old) = given(&prior_m.candidate_revision)
            .filter(|c| *c != candidate && *c != stable)
            .filter(|c| current.serving_split().get(c).is_some_and(|p| *p > 0))
        {
            if let Err(err) = e
                .patch(
                    vec![TrafficTarget::revision(&stable, 100, None)],
                    None,
                    &[stable.as_str(), old.as_str()],
                    Some(current.clone()),
                )
                .await
            {
                diags.error(
                    "Rolling back the unfinished rollout failed",
                    format!("Sending 100 % back to {stable} from the interrupted candidate {old} failed: {err}. Live traffic, read back before the attempt: {}. Apply again to retry.", rollout::split_text(&current.serving_split())),
                );
                return (prior.clone(), diags);
            }
        }
        rollout::run(&e, &stable, &candidate, template, &settings).await
    };
    for d in outcome.diagnostics {
        diags.push(d);
    }
    let mut state = planned_m;
    if diags.has_errors() {
        // Rolled back or stuck: the template stays what actually serves, so the
        // next plan proposes the change again. (Without errors, e.g. a requested
        // hold, Terraform requires the planned template back; rollout_status and
        // traffic then carry the truth.)
        state.template = prior_m.template.clone();
    }
    let last = if outcome.record.started_at.is_empty() {
        prior_m.last_rollout.clone()
    } else {
        MaybeUnknown::Known(outcome.record.to_model())
    };
    let observed = Observed {
        stable: Some(outcome.stable),
        candidate: outcome.candidate,
        candidate_tag: settings.candidate_tag.clone(),
        status: Some(outcome.status),
        last_rollout: last,
        ..Observed::default()
    };
    match &outcome.service {
        Some(service) => observed.with_service(service).apply_to(&mut state, service),
        // The service could not be re-read (a warning says so): keep the last
        // known uri, traffic and candidate URL instead of inventing empty ones.
        None => observed.apply_keeping_known(&mut state, &prior_m),
    }
    encoded(&state, prior.clone(), diags)
}

pub async fn delete(ctx: &OpContext, data: &ProviderData, prior: &Value) -> (Value, Diagnostics) {
    let mut diags = Diagnostics::new();
    let prior_m = match Model::of(prior) {
        Ok(m) => m,
        Err(d) => {
            diags.push(d);
            return (prior.clone(), diags);
        }
    };
    if prior_m.deletion_protected() {
        diags.push(Diagnostic::error(
            "Deletion protection is on",
            format!("{} has deletion_protection = true, so Terraform will not delete it. Set deletion_protection = false, apply, then destroy.", given(&prior_m.id).unwrap_or_default()),
        ).at(AttributePath::root(Model::DELETION_PROTECTION)));
        return (prior.clone(), diags);
    }
    let Some(loc) = Location::of_model(&prior_m) else {
        return (Value::Null, diags);
    };
    let timeouts = model::timeouts_or_defaults(prior);
    let run = data.client.run();
    let mut wait = gcp_client::operations::WaitOptions::new(timeouts.delete, ctx.cancel.clone());
    wait.poll_interval = POLL;
    let res = match run.delete_service(&loc.name, None).await {
        Ok(op) => run.wait(op, &wait).await.map(|_| ()),
        Err(e) if e.api().is_some_and(|a| a.is_not_found()) => Ok(()),
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => (Value::Null, diags),
        Err(e) => {
            diags.push(crate::framework::api::api_error(
                &format!("deleting {}", loc.name),
                &e,
                "Check that the credentials may delete Cloud Run services.",
            ));
            (prior.clone(), diags)
        }
    }
}
