//! Refresh: the serving split decides stable/candidate/status; the template
//! is the stable revision's (prior state kept when it is the same revision).

use gcp_client::run::{RunClient, Service};
use tfplugin::{Diagnostic, Value};

use super::model::{self, Model};
use super::observed::{Observed, Status};
use crate::framework::model::{encode, non_empty};

/// Why a refresh failed: the API, or a prior state the model does not
/// decode (a provider bug).
#[derive(Debug)]
pub enum RefreshError {
    Api(gcp_client::Error),
    Model(Diagnostic),
}

impl From<gcp_client::Error> for RefreshError {
    fn from(e: gcp_client::Error) -> Self {
        RefreshError::Api(e)
    }
}

impl RefreshError {
    /// The diagnostic, an API error with `doing` and `hint`.
    pub fn diagnostic(&self, doing: &str, hint: &str) -> Diagnostic {
        match self {
            RefreshError::Api(e) => crate::framework::api::api_error(doing, e, hint),
            RefreshError::Model(d) => d.clone(),
        }
    }
}

/// Reads `name` and rebuilds the state from `prior` (Null when gone).
pub async fn refresh(run: &RunClient, name: &str, prior: &Value) -> Result<Value, RefreshError> {
    let Some(service) = run.find_service(name).await? else {
        return Ok(Value::Null);
    };
    let prior = Model::of(prior).map_err(RefreshError::Model)?;
    let state = observe(run, &service, &prior).await?;
    encode(&state).map_err(RefreshError::Model)
}

pub async fn observe(
    run: &RunClient,
    service: &Service,
    prior: &Model,
) -> Result<Model, gcp_client::Error> {
    let split = service.serving_split();
    let prior_stable = non_empty(&prior.stable_revision).map(str::to_owned);
    let prior_status = prior
        .rollout_status
        .known()
        .copied()
        .unwrap_or(Status::Succeeded);
    let tag = prior.candidate_tag();
    let tagged = service
        .traffic_statuses
        .iter()
        .find(|s| s.tag == tag)
        .map(|s| gcp_client::run::short_name(&s.revision).to_owned());
    // The prior stable stays stable while it serves, or while it still sits in
    // the split next to a tagged candidate: that is the final step before its
    // bake passed (stable at 0 %), not a finished rollout.
    let stable = prior_stable
        .clone()
        .filter(|s| {
            split.get(s).is_some_and(|p| *p > 0)
                || (split.contains_key(s) && tagged.as_ref().is_some_and(|t| t != s))
        })
        .or_else(|| {
            split
                .iter()
                .max_by_key(|(_, p)| **p)
                .map(|(r, _)| r.clone())
        });
    let serving_candidate = split
        .iter()
        .find(|(r, p)| Some(*r) != stable.as_ref() && **p > 0)
        .map(|(r, _)| r.clone());
    let candidate = serving_candidate
        .clone()
        .or(tagged)
        .filter(|c| Some(c) != stable.as_ref());
    let prior_candidate = non_empty(&prior.candidate_revision).map(str::to_owned);
    let status = match (&serving_candidate, prior_status) {
        (Some(_), Status::Holding) => Status::Holding,
        (Some(_), _) => Status::InProgress,
        (None, Status::Succeeded) => Status::Succeeded,
        // The candidate took over outside an apply (the promote action).
        (None, _) if stable.is_some() && stable == prior_candidate => Status::Succeeded,
        (None, _) => Status::RolledBack,
    };
    let mut state = prior.clone();
    // A rollout that holds without an error returned the planned template, so
    // the state's template is the candidate's until the candidate stops
    // serving (the abort action): then the stable's is read, and the plan
    // shows the template change again.
    let prior_template = prior.template.as_ref();
    let name = Some(prior.name.clone()).filter(|n| !n.is_empty());
    let described = match (&prior_candidate, &name) {
        (Some(c), Some(name))
            if prior_template
                .and_then(|t| model::revision_of(name, t))
                .is_some_and(|r| model::same_template(&r, c)) =>
        {
            prior_candidate.clone()
        }
        _ => prior_stable.clone(),
    };
    let same_stable = stable.is_some()
        && prior_template.is_some()
        && (stable == described || (serving_candidate.is_some() && stable == prior_stable));
    if !same_stable {
        if let Some(s) = &stable {
            let rev = run
                .get_revision(&format!("{}/revisions/{s}", service.name))
                .await?;
            let read = model::template_from_api(&rev.template());
            let name = name.unwrap_or_default();
            state.template = Some(configured_form(read, prior_template, &name, s));
        }
    }
    state.ingress = service.ingress.clone().into();
    let observed = Observed::from_service(
        service,
        stable,
        candidate,
        &tag,
        status,
        prior.last_rollout.clone(),
    );
    observed.apply_to(&mut state, service);
    Ok(state)
}

/// The template `revision` was built from, as a configuration wrote it: the
/// fields Cloud Run fills in (e.g. `service_account`) null again where the
/// prior template leaves them null, if that gives back the revision's name
/// (a hash of the configured template); otherwise as the API reports it.
/// Keeps a later plan from renaming (and so rebuilding) that revision.
fn configured_form(
    read: model::Template,
    like: Option<&model::Template>,
    service: &str,
    revision: &str,
) -> model::Template {
    let (Ok(read_value), Ok(like)) = (encode(&read), encode(&like)) else {
        return read;
    };
    let unfilled = unfill(&read_value, &like);
    match model::template_block(&unfilled) {
        Ok(t)
            if model::same_template(
                &model::revision_name(service, &model::template_to_api(&t)),
                revision,
            ) =>
        {
            crate::framework::model::decode(&unfilled).unwrap_or(read)
        }
        _ => read,
    }
}

/// `v` with null wherever `like` is null, through same-shaped blocks (the
/// inverse of `model::fill_from_prior`).
fn unfill(v: &Value, like: &Value) -> Value {
    match (v, like) {
        (_, Value::Null) => Value::Null,
        (Value::Object(a), Value::Object(b)) => Value::Object(
            a.iter()
                .map(|(k, x)| (k.clone(), b.get(k).map_or(x.clone(), |y| unfill(x, y))))
                .collect(),
        ),
        (Value::List(a), Value::List(b)) if a.len() == b.len() => {
            Value::List(a.iter().zip(b).map(|(x, y)| unfill(x, y)).collect())
        }
        (x, _) => x.clone(),
    }
}
