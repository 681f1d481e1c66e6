//! Rollout actions (Terraform >= 1.14, `terraform apply -invoke=action.…`):
//! promote, abort or pause the rollout a service's traffic shows, without
//! editing configuration. They write exactly the splits the rollout engine
//! writes (`rollout.rs`), guarded by the etag, so the next refresh reads them
//! as the resource's own `promote` / `abort` / `pause_at_percent` results.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use gcp_client::run::{service_name, short_name, Service, TrafficTarget};
use serde::Deserialize;
use tfplugin::typed::MaybeUnknown;
use tfplugin::{
    Action, Attribute, AttributePath, Block, Diagnostic, Diagnostics, Fields, Number, OpContext,
    Progress, Schema, Type, Value,
};

use super::apply::{self, Location};
use super::import::parse_id;
use super::rollout::{asks_for, promoted_targets, split_targets, split_text, PatchError};
use crate::framework::model::decode;
use crate::state::SharedState;

/// How long one traffic change may take (operation and convergence).
const TIMEOUT: Duration = Duration::from_secs(600);

/// Fresh decisions after another writer changed the split under the action.
const ROUNDS: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Promote,
    Abort,
    Pause,
}

pub struct RolloutAction {
    kind: Kind,
    state: SharedState,
}

/// The three rollout actions.
pub fn all(state: &SharedState) -> Vec<Arc<dyn Action>> {
    [Kind::Promote, Kind::Abort, Kind::Pause]
        .into_iter()
        .map(|kind| {
            Arc::new(RolloutAction {
                kind,
                state: state.clone(),
            }) as Arc<dyn Action>
        })
        .collect()
}

/// The rollout a service's traffic spec shows: the provider always writes an
/// untagged stable next to a tagged candidate (`split_targets`), or one
/// untagged revision when no rollout is under way.
#[derive(Debug, Clone, PartialEq)]
struct Live {
    stable: String,
    candidate: String,
    tag: String,
    share: i64,
}

/// An action's configuration (`percent` only for pause).
#[derive(Debug, Default, Deserialize, Fields)]
struct Config {
    id: MaybeUnknown<String>,
    candidate_revision: MaybeUnknown<String>,
    #[serde(default)]
    percent: MaybeUnknown<Number>,
}

impl Config {
    /// Terraform checked the types, so a value that does not decode is
    /// taken as empty (every attribute unknown is then checked at plan).
    fn of(v: &Value) -> Config {
        decode(v).unwrap_or_default()
    }
}

fn path(attr: &str) -> AttributePath {
    AttributePath::root(attr)
}

fn live(service: &Service) -> Result<Live, Diagnostic> {
    let named = |t: &TrafficTarget| short_name(&t.revision).to_owned();
    let (tagged, untagged): (Vec<&TrafficTarget>, Vec<&TrafficTarget>) =
        service.traffic.iter().partition(|t| !t.tag.is_empty());
    match (tagged.as_slice(), untagged.as_slice()) {
        ([c], [s]) if !c.revision.is_empty() && !s.revision.is_empty() && c.revision != s.revision => {
            Ok(Live {
                stable: named(s),
                candidate: named(c),
                tag: c.tag.clone(),
                share: c.percent,
            })
        }
        ([], [_]) => Err(Diagnostic::error(
            "No rollout to act on",
            format!("{} has no candidate revision: {} serves all traffic. There is nothing to promote, abort or pause; start a rollout by changing the template and applying.", service.name, split_text(&service.spec_split())),
        )
        .at(path(Config::ID))),
        _ => Err(Diagnostic::error(
            "Traffic not managed by a rollout",
            format!("The traffic of {} ({}) is not a split platform_blue_green_service writes (one untagged stable revision and one tagged candidate). Someone changed it by hand: settle it with `gcloud run services update-traffic`, or apply the configuration to restore the rollout's split.", service.name, describe(&service.traffic)),
        )
        .at(path(Config::ID))),
    }
}

/// `a 90 %, b 10 % (tag candidate)`: the spec as written, tags and 0 % included.
fn describe(traffic: &[TrafficTarget]) -> String {
    if traffic.is_empty() {
        return "no traffic targets".to_owned();
    }
    traffic
        .iter()
        .map(|t| {
            let rev = if t.revision.is_empty() {
                "LATEST"
            } else {
                short_name(&t.revision)
            };
            let tag = if t.tag.is_empty() {
                String::new()
            } else {
                format!(" (tag {})", t.tag)
            };
            format!("{rev} {} %{tag}", t.percent)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pause's `percent`, when known: a whole number from 1 to 99.
fn percent(config: &Config) -> Result<Option<i64>, Diagnostic> {
    let Some(n) = config.percent.known() else {
        return Ok(None);
    };
    match n.as_i64().filter(|p| (1..=99).contains(p)) {
        Some(p) if (p as f64 - n.as_f64()).abs() < f64::EPSILON => Ok(Some(p)),
        _ => Err(Diagnostic::error(
            "Invalid percent",
            format!("percent is {}; use a whole number from 1 to 99 (the candidate's share to hold at). To send all traffic to the candidate use platform_rollout_promote, to send none platform_rollout_abort.", n.as_f64()),
        )
        .at(path(Config::PERCENT))),
    }
}

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::Promote => "platform_rollout_promote",
            Kind::Abort => "platform_rollout_abort",
            Kind::Pause => "platform_rollout_pause",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Kind::Promote => "Promotes the candidate of a `platform_blue_green_service` rollout now, skipping the remaining steps and their analysis (Terraform >= 1.14).\n\nThe candidate serves 100 % as the new stable revision, as the resource's `rollout.promote` leaves it. A running `terraform apply` of that rollout notices at its next step or judgment, stops and keeps this split. After it, `terraform plan` reads `rollout_status = \"succeeded\"` with the candidate as `stable_revision`, and plans no change while the configuration names that template. Invoke it with `terraform apply -invoke=action.platform_rollout_promote.<name>`.",
            Kind::Abort => "Aborts a `platform_blue_green_service` rollout: all traffic goes back to the stable revision (Terraform >= 1.14).\n\nThe candidate stays at 0 % with its tag, so its URL still works for debugging, as the resource's `rollout.abort` leaves it. A running `terraform apply` of that rollout notices at its next step or judgment, stops and keeps this split. After it, `terraform plan` reads `rollout_status = \"rolled_back\"` with the stable revision's template and proposes the template change again. Invoke it with `terraform apply -invoke=action.platform_rollout_abort.<name>`.",
            Kind::Pause => "Holds a `platform_blue_green_service` rollout at a fixed candidate share (Terraform >= 1.14).\n\nThe stable revision serves 100 - `percent` %, the candidate `percent` %, as the resource's `rollout.pause_at_percent` leaves it. A running `terraform apply` of that rollout notices at its next step or judgment, stops and keeps this split; the next apply resumes the rollout from there. Invoke it with `terraform apply -invoke=action.platform_rollout_pause.<name>`.",
        }
    }

    fn targets(self, live: &Live, percent: i64) -> Vec<TrafficTarget> {
        match self {
            Kind::Promote => promoted_targets(&live.candidate),
            Kind::Abort => split_targets(&live.stable, &live.candidate, 0, &live.tag),
            Kind::Pause => split_targets(&live.stable, &live.candidate, percent, &live.tag),
        }
    }

    /// What the action is about to do, for the progress stream.
    fn intent(self, live: &Live, percent: i64) -> String {
        let Live {
            stable,
            candidate,
            tag,
            share,
        } = live;
        match self {
            Kind::Promote => format!("Promoting {candidate} (now {share} %): it serves 100 % as the new stable revision, {stable} leaves the split."),
            Kind::Abort => format!("Aborting the rollout of {candidate} (now {share} %): all traffic back to {stable}; {candidate} keeps its tag {tag:?} at 0 %."),
            Kind::Pause => format!("Holding the rollout of {candidate} at {percent} % (now {share} %): {stable} serves {} %.", 100 - percent),
        }
    }

    /// What the next plan shows, for the last progress message.
    fn next_step(self) -> &'static str {
        match self {
            Kind::Promote => "The next `terraform plan` reads rollout_status = \"succeeded\" with the candidate as stable_revision; with the configuration naming that template it plans no change.",
            Kind::Abort => "The next `terraform plan` reads rollout_status = \"rolled_back\" and proposes the template change again: fix the candidate and apply, or revert the template.",
            Kind::Pause => "The next `terraform plan` reads the split; an apply resumes the rollout from this share (or set rollout.pause_at_percent to keep holding).",
        }
    }
}

/// What the configuration asks for, checked statically.
struct Request {
    id: Option<String>,
    candidate: Option<String>,
    percent: Option<i64>,
}

impl RolloutAction {
    fn check(&self, config: &Value) -> (Request, Diagnostics) {
        let mut d = Diagnostics::new();
        let config = Config::of(config);
        let id = config.id.known().cloned();
        if let Some(Err(e)) = id.as_deref().map(parse_id) {
            d.push(Diagnostic::error("Invalid service id", e.detail).at(path(Config::ID)));
        }
        let percent = if self.kind == Kind::Pause {
            percent(&config).unwrap_or_else(|e| {
                d.push(e);
                None
            })
        } else {
            None
        };
        let candidate = config.candidate_revision.known().cloned();
        if candidate.as_deref() == Some("") {
            d.push(
                Diagnostic::error(
                    "Empty candidate_revision",
                    "Name the candidate revision this action is meant for (e.g. platform_blue_green_service.api.candidate_revision), or leave candidate_revision out to act on whichever candidate is live.",
                )
                .at(path(Config::CANDIDATE_REVISION)),
            );
        }
        (
            Request {
                id,
                candidate,
                percent,
            },
            d,
        )
    }

    /// The live rollout of `service`, if it is the one the configuration means.
    fn decide(&self, service: &Service, req: &Request) -> Result<Live, Diagnostic> {
        let live = live(service)?;
        match &req.candidate {
            Some(c) if *c != live.candidate => Err(Diagnostic::error(
                "A different rollout is live",
                format!("The candidate of {} is now {}, not {c}: another rollout started since this action was planned. Nothing was changed. Run `terraform plan` to see the current rollout and invoke the action again.", service.name, live.candidate),
            )
            .at(path(Config::CANDIDATE_REVISION))),
            _ => Ok(live),
        }
    }

    /// The service `id` names, or an error at `id` when it does not exist.
    async fn find(
        &self,
        run: &gcp_client::run::RunClient,
        name: &str,
    ) -> Result<Service, Diagnostic> {
        match run.find_service(name).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => Err(Diagnostic::error(
                "Service not found",
                format!("{name} does not exist. Check id (e.g. platform_blue_green_service.api.id) and the provider's project."),
            )
            .at(path(Config::ID))),
            Err(e) => Err(crate::framework::api::api_error(
                &format!("reading {name}"),
                &e,
                "Check that the credentials may read Cloud Run services (roles/run.viewer).",
            )),
        }
    }

    async fn run(
        &self,
        ctx: &OpContext,
        config: &Value,
        progress: &Progress,
    ) -> Result<(), Diagnostic> {
        let (req, d) = self.check(config);
        if let Some(e) = d.0.into_iter().next() {
            return Err(e);
        }
        let id = req.id.clone().unwrap_or_default();
        let (project, location, service_id) = parse_id(&id)?;
        let loc = Location {
            name: service_name(&project, &location, &service_id),
            project,
            location,
            service_id,
        };
        let data = self.state.get()?;
        let run = data.client.run();
        let metrics = data.client.metrics();
        let percent = req.percent.unwrap_or_default();
        let mut service = self.find(&run, &loc.name).await?;
        for round in 1..=ROUNDS {
            let live = self.decide(&service, &req)?;
            let targets = self.kind.targets(&live, percent);
            if asks_for(&service, &targets) {
                progress
                    .report(format!(
                        "Nothing to do: {} already asks for {}.",
                        loc.name,
                        describe(&service.traffic)
                    ))
                    .await;
                return Ok(());
            }
            progress.report(self.kind.intent(&live, percent)).await;
            // The split just read is the only one this action may replace: the
            // etag check fails on any newer write, and a newer split is decided afresh.
            let seen = Mutex::new(Some(service.spec_split()));
            let env = apply::env(&loc, ctx, &run, &metrics, TIMEOUT, &seen);
            let ours = [live.stable.as_str(), live.candidate.as_str()];
            match env.patch(targets, None, &ours, Some(service)).await {
                Ok(done) => {
                    progress
                        .report(format!(
                            "Live traffic of {}, read back: {}.",
                            loc.name,
                            split_text(&done.serving_split())
                        ))
                        .await;
                    progress.report(self.kind.next_step()).await;
                    return Ok(());
                }
                Err(PatchError::Changed { service: fresh, .. }) if round < ROUNDS => {
                    progress
                        .report(format!(
                            "The traffic of {} changed while this action ran (now {}), e.g. a running `terraform apply` took its next step; deciding again on that split.",
                            loc.name,
                            describe(&fresh.traffic)
                        ))
                        .await;
                    service = *fresh;
                }
                Err(e) => return Err(self.failed(&env, e).await),
            }
        }
        Err(Diagnostic::error(
            "Traffic kept changing",
            format!("The traffic of {} changed {ROUNDS} times while this action ran; nothing of the action was written. Stop the other writer (a running `terraform apply`?) and invoke the action again.", loc.name),
        ))
    }

    /// A failed traffic change, with the live split read back when possible.
    async fn failed(&self, env: &super::rollout::Env<'_>, e: PatchError) -> Diagnostic {
        let mut d = match e {
            PatchError::Api(d) | PatchError::Changed { diag: d, .. } => *d,
            PatchError::OperationFailed(why) => Diagnostic::error(
                "Traffic update failed",
                format!("Cloud Run's operation ended with {why}."),
            ),
            PatchError::Cancelled => Diagnostic::error(
                "Action interrupted",
                "Terraform was interrupted while Cloud Run applied the traffic change; it may still land.",
            ),
        };
        let live = match env.get().await {
            Ok(s) => format!(
                "Live traffic, read back: {}.",
                split_text(&s.serving_split())
            ),
            Err(_) => {
                "The service could not be read back, so the live split is unknown.".to_owned()
            }
        };
        d.detail.push_str(&format!(
            "\n\n{live} Run `terraform plan` to see the rollout's state, then invoke {} again if needed.",
            self.kind.type_name()
        ));
        d
    }
}

#[async_trait]
impl Action for RolloutAction {
    fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    fn schema(&self) -> Schema {
        let mut attributes = vec![
            Attribute::required(
                Config::ID,
                Type::String,
                "The service's `id` (`projects/PROJECT/locations/LOCATION/services/NAME`), e.g. `platform_blue_green_service.api.id`.",
            ),
            Attribute::optional(
                Config::CANDIDATE_REVISION,
                Type::String,
                "Act only if this is the live candidate, e.g. `platform_blue_green_service.api.candidate_revision`: the action then does what its plan showed even if another rollout started in between, and fails without changing anything otherwise. Unset: act on whichever candidate is live.",
            ),
        ];
        if self.kind == Kind::Pause {
            attributes.push(Attribute::required(
                Config::PERCENT,
                Type::Number,
                "The candidate's share to hold at, a whole number from 1 to 99.",
            ));
        }
        Schema {
            version: 0,
            block: Block {
                attributes,
                description: self.kind.description().to_owned(),
                ..Block::default()
            },
        }
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        self.check(config).1
    }

    /// Static checks, then (with a known id) that the service exists and
    /// shows the rollout the action is meant for.
    async fn plan(&self, _ctx: &OpContext, config: &Value) -> Diagnostics {
        let (req, mut d) = self.check(config);
        let (false, Some(id), false) = (
            d.has_errors(),
            req.id.as_deref(),
            Config::of(config).candidate_revision.is_unknown(),
        ) else {
            return d;
        };
        let data = match self.state.get() {
            Ok(data) => data,
            Err(e) => {
                d.push(e);
                return d;
            }
        };
        let checked = match self.find(&data.client.run(), id).await {
            Ok(service) => self.decide(&service, &req).map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = checked {
            d.push(e);
        }
        d
    }

    async fn invoke(&self, ctx: &OpContext, config: Value, progress: &Progress) -> Diagnostics {
        match self.run(ctx, &config, progress).await {
            Ok(()) => Diagnostics::new(),
            Err(d) => d.into(),
        }
    }
}

#[cfg(test)]
mod tests;
