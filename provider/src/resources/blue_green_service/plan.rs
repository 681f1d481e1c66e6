//! Plan: config values kept exactly; everything a rollout may change is
//! unknown whenever a rollout (or a split repair) will run.

use std::time::Duration;

use tfplugin::{AttributePath, Diagnostic, Diagnostics, Value};

use super::analysis::{self, MIN_LATENCY_SAMPLES};
use super::limits;
use super::model::{
    self, single, ContainerBlock, Model, Port, Resources, Rollout, RolloutBlock, Scaling, Template,
    Traffic, VpcAccessBlock,
};
use super::observed::Status;
use super::schema::schema;
use super::stats::requests_needed;
use crate::framework::labels;
use crate::framework::model::{
    apply_attribute_defaults, in_block, keep_nested_defaults_unset, non_empty,
};
use crate::framework::values::string;
use crate::state::ProviderData;

/// Time a rollout needs besides baking (operations, convergence, queries).
const OVERHEAD_PER_STEP: Duration = Duration::from_secs(30);

const ROLLOUT_COMPUTED: [&str; 6] = [
    Model::STABLE_REVISION,
    Model::CANDIDATE_REVISION,
    Model::CANDIDATE_URI,
    Model::ROLLOUT_STATUS,
    Model::TRAFFIC,
    Model::LAST_ROLLOUT,
];

/// `v` with every top-level schema attribute and block present (null / empty).
#[cfg(test)]
pub fn complete(v: Value) -> Value {
    crate::framework::values::complete(&schema().block, &v)
}

/// Static checks shared by validate and plan.
pub fn check(config: &Value) -> Diagnostics {
    let mut d = Diagnostics::new();
    let rollout = match model::rollout(config) {
        Ok(r) => Some(r),
        Err(e) => {
            d.push(e);
            None
        }
    };
    let timeouts = match model::timeouts(config) {
        Ok(t) => Some(t),
        Err(e) => {
            d.push(e);
            None
        }
    };
    if let (Some(r), Some(t)) = (rollout, timeouts) {
        // Every step may bake 1 + inconclusive_limit windows.
        let windows = 1 + r.inconclusive_limit.clamp(0, 100) as u32;
        let overhead = OVERHEAD_PER_STEP * r.steps.len() as u32;
        let needed = (r.total_bake() + overhead) * windows;
        if needed > t.update {
            d.push(
                Diagnostic::error(
                    "Rollout cannot fit in the update timeout",
                    format!(
                        "{} step(s) baking {}s in all (bake_duration and the step blocks' own bake_duration, plus about {}s per step for traffic shifts and metric queries, × {windows} window(s) each) need about {}s, but timeouts.update allows {}s. Raise timeouts.update (e.g. update = \"{}m\") or shorten the bakes.",
                        r.steps.len(),
                        r.total_bake().as_secs(),
                        OVERHEAD_PER_STEP.as_secs(),
                        needed.as_secs(),
                        t.update.as_secs(),
                        needed.as_secs().div_ceil(60) + 10
                    ),
                )
                .at(AttributePath::root(Model::TIMEOUTS)),
            );
        }
    }
    check_cloud_run(config, &mut d);
    d.extend(labels::check(
        config.get(Model::LABELS),
        &AttributePath::root(Model::LABELS),
    ));
    d
}

/// Known values Cloud Run would reject, each at its attribute path (unknown
/// ones are checked once they are known, at apply's plan).
fn check_cloud_run(config: &Value, d: &mut Diagnostics) {
    let mut bad = |summary: &str, message: String, path: AttributePath| {
        d.push(Diagnostic::error(summary, message).at(path));
    };
    if let Some(Err(e)) = config
        .get(Model::NAME)
        .as_str()
        .map(limits::check_service_name)
    {
        bad("Invalid service name", e, AttributePath::root(Model::NAME));
    }
    let one_of = |attr: &str, value: Option<&str>, allowed: &[&str]| {
        value.filter(|v| !allowed.contains(v)).map(|v| {
            format!(
                "{attr} is {}; use one of {}.",
                limits::short(v),
                allowed.join(", ")
            )
        })
    };
    if let Some(e) = one_of(
        Model::INGRESS,
        config.get(Model::INGRESS).as_str(),
        &[
            "INGRESS_TRAFFIC_ALL",
            "INGRESS_TRAFFIC_INTERNAL_ONLY",
            "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        ],
    ) {
        bad("Invalid ingress", e, AttributePath::root(Model::INGRESS));
    }
    let template = single(config, Model::TEMPLATE);
    let at = |attr: &str| AttributePath::root(Model::TEMPLATE).index(0).attr(attr);
    if let Some(Err(e)) = template
        .get(Template::TIMEOUT)
        .as_str()
        .map(limits::check_timeout)
    {
        bad("Invalid timeout", e, at(Template::TIMEOUT));
    }
    let environment = template.get(Template::EXECUTION_ENVIRONMENT).as_str();
    if let Some(e) = one_of(
        Template::EXECUTION_ENVIRONMENT,
        environment,
        &["EXECUTION_ENVIRONMENT_GEN1", "EXECUTION_ENVIRONMENT_GEN2"],
    ) {
        bad(
            "Invalid execution_environment",
            e,
            at(Template::EXECUTION_ENVIRONMENT),
        );
    }
    let concurrency = template
        .get(Template::MAX_INSTANCE_REQUEST_CONCURRENCY)
        .as_i64();
    if let Some(c) = concurrency.filter(|c| !(1..=1000).contains(c)) {
        bad(
            "Invalid max_instance_request_concurrency",
            format!("max_instance_request_concurrency is {c}; Cloud Run allows 1 to 1000 concurrent requests per instance."),
            at(Template::MAX_INSTANCE_REQUEST_CONCURRENCY),
        );
    }
    let scaling = single(template, Template::SCALING);
    let scaling_at = |attr: &str| at(Template::SCALING).index(0).attr(attr);
    let min = scaling.get(Scaling::MIN_INSTANCE_COUNT).as_i64();
    let max = scaling.get(Scaling::MAX_INSTANCE_COUNT).as_i64();
    if let Some(m) = min.filter(|m| *m < 0) {
        bad(
            "Invalid min_instance_count",
            format!("min_instance_count is {m}; use 0 or more."),
            scaling_at(Scaling::MIN_INSTANCE_COUNT),
        );
    }
    if let Some(m) = max.filter(|m| *m < 1) {
        bad(
            "Invalid max_instance_count",
            format!("max_instance_count is {m}; use 1 or more."),
            scaling_at(Scaling::MAX_INSTANCE_COUNT),
        );
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi && hi >= 1 {
            bad(
                "min_instance_count above max_instance_count",
                format!("min_instance_count is {lo} but max_instance_count is {hi}: Cloud Run cannot keep more instances warm than it may run. Lower min_instance_count to at most {hi} or raise max_instance_count to at least {lo}."),
                scaling_at(Scaling::MIN_INSTANCE_COUNT),
            );
        }
    }
    if let Some(e) = one_of(
        "vpc_access.egress",
        single(template, Template::VPC_ACCESS)
            .get(VpcAccessBlock::EGRESS)
            .as_str(),
        &["ALL_TRAFFIC", "PRIVATE_RANGES_ONLY"],
    ) {
        bad(
            "Invalid egress",
            e,
            at(Template::VPC_ACCESS)
                .index(0)
                .attr(VpcAccessBlock::EGRESS),
        );
    }
    let containers = crate::framework::values::blocks(template, Template::CONTAINERS);
    for (i, c) in containers.iter().enumerate() {
        let container_at = |attr: &str| at(Template::CONTAINERS).index(i).attr(attr);
        match c.get(ContainerBlock::IMAGE).as_str() {
            Some("") => bad(
                "Empty image",
                "Set a container image, preferably by digest.".to_owned(),
                container_at(ContainerBlock::IMAGE),
            ),
            Some(image) => {
                if let Err(e) = limits::check_image(image) {
                    bad("Invalid image", e, container_at(ContainerBlock::IMAGE));
                }
            }
            None => {}
        }
        for (j, p) in crate::framework::values::blocks(c, ContainerBlock::PORTS)
            .iter()
            .enumerate()
        {
            if let Some(port) = p
                .get(Port::CONTAINER_PORT)
                .as_i64()
                .filter(|p| !(1..=65535).contains(p))
            {
                bad(
                    "Invalid container_port",
                    format!("container_port is {port}; use the TCP port the container listens on, 1 to 65535 (Cloud Run's default is 8080)."),
                    container_at(ContainerBlock::PORTS).index(j).attr(Port::CONTAINER_PORT),
                );
            }
        }
        let resources = single(c, ContainerBlock::RESOURCES);
        let (cpu, memory) = (
            resources.get(Resources::CPU),
            resources.get(Resources::MEMORY),
        );
        if cpu.is_unknown()
            || memory.is_unknown()
            || template
                .get(Template::MAX_INSTANCE_REQUEST_CONCURRENCY)
                .is_unknown()
        {
            continue;
        }
        let sizing = limits::Sizing {
            cpu: cpu.as_str(),
            memory: memory.as_str(),
            concurrency,
            gen2: environment == Some("EXECUTION_ENVIRONMENT_GEN2"),
        };
        for v in limits::check_sizing(sizing) {
            let (summary, path) = match v.field {
                limits::Field::Cpu => (
                    "Invalid cpu",
                    container_at(ContainerBlock::RESOURCES)
                        .index(0)
                        .attr(Resources::CPU),
                ),
                limits::Field::Memory => (
                    "Invalid memory",
                    container_at(ContainerBlock::RESOURCES)
                        .index(0)
                        .attr(Resources::MEMORY),
                ),
                limits::Field::Concurrency => (
                    "Concurrency too high for the CPU",
                    at(Template::MAX_INSTANCE_REQUEST_CONCURRENCY),
                ),
                limits::Field::ExecutionEnvironment => (
                    "Execution environment does not fit the CPU",
                    at(Template::EXECUTION_ENVIRONMENT),
                ),
            };
            bad(summary, v.message, path);
        }
    }
}

fn unknown_if_null(v: &mut Value, name: &str) {
    if v.get(name).is_null() {
        v.set(name, Value::Unknown);
    }
}

fn single_stable_split(prior: &Model) -> bool {
    match prior.traffic.known().map(Vec::as_slice) {
        Some([only]) => {
            only.revision == prior.stable_revision && only.percent == 100 && only.tag.is_empty()
        }
        _ => false,
    }
}

/// Whether applying `planned` over `prior` runs the rollout engine.
pub fn needs_rollout(prior: &Value, planned: &Value) -> bool {
    let template_changed = model::template_value(prior) != model::template_value(planned);
    template_changed
        || Model::of(prior).map_or(true, |p| {
            p.rollout_status.known().is_some_and(|s| s.unfinished()) || !single_stable_split(&p)
        })
}

pub fn plan(
    data: Option<&ProviderData>,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> (Value, Vec<AttributePath>, Diagnostics) {
    let mut diags = check(config);
    if proposed.is_null() {
        return (Value::Null, vec![], diags);
    }
    let mut planned = proposed.clone();
    let schema = schema();
    if prior.is_null() {
        apply_attribute_defaults(&schema.block, &mut planned);
        keep_nested_defaults_unset(&schema.block, &mut planned, config);
        if planned.get(Model::PROJECT).is_null() {
            if let Some(p) = data.and_then(|d| d.project.clone()) {
                planned.set(Model::PROJECT, Value::from(p));
            }
        }
        if planned.get(Model::LOCATION).is_null() {
            if let Some(r) = data.and_then(|d| d.region.clone()) {
                planned.set(Model::LOCATION, Value::from(r));
            }
        }
        for (attr, what) in [(Model::PROJECT, "project"), (Model::LOCATION, "region")] {
            if planned.get(attr).is_null() {
                diags.push(
                    Diagnostic::error(
                        format!("No {attr}"),
                        format!("Set `{attr}` here or `{what}` in the provider block."),
                    )
                    .at(AttributePath::root(attr)),
                );
            }
        }
        match (
            string(&planned, Model::PROJECT),
            string(&planned, Model::LOCATION),
            string(&planned, Model::NAME),
        ) {
            (Some(p), Some(l), Some(n)) => planned.set(
                Model::ID,
                Value::from(format!("projects/{p}/locations/{l}/services/{n}")),
            ),
            _ => planned.set(Model::ID, Value::Unknown),
        }
        for a in [Model::URI].into_iter().chain(ROLLOUT_COMPUTED) {
            planned.set(a, Value::Unknown);
        }
        // A first deploy serves its template's first attempt at once, no rollout.
        let template = single(&planned, Model::TEMPLATE);
        if let (Some(name), false) = (string(&planned, Model::NAME), template.contains_unknown()) {
            if let Some(revision) = model::revision_of_value(&name, template) {
                planned.set(Model::STABLE_REVISION, Value::from(revision));
            }
        }
        for (attr, value) in success_outcome()
            .into_iter()
            .filter(|(a, _)| *a != Model::TRAFFIC)
        {
            planned.set(attr, value);
        }
        return (planned, vec![], diags);
    }
    // Optional+computed template fields left out of the config keep their prior value.
    if let Some(template) = schema.block.nested(Model::TEMPLATE) {
        planned.set(
            Model::TEMPLATE,
            model::fill_from_prior(
                &template.block,
                planned.get(Model::TEMPLATE),
                prior.get(Model::TEMPLATE),
            ),
        );
    }
    keep_nested_defaults_unset(&schema.block, &mut planned, config);
    // Left to the service when unset (read back by the apply), not defaulted.
    unknown_if_null(&mut planned, Model::INGRESS);
    apply_attribute_defaults(&schema.block, &mut planned);
    let mut replace = Vec::new();
    for attr in [Model::NAME, Model::PROJECT, Model::LOCATION] {
        if prior.get(attr) != planned.get(attr) {
            replace.push(AttributePath::root(attr));
        }
    }
    if !replace.is_empty() {
        for a in [Model::ID, Model::URI].into_iter().chain(ROLLOUT_COMPUTED) {
            planned.set(a, Value::Unknown);
        }
    } else if needs_rollout(prior, &planned) {
        for a in ROLLOUT_COMPUTED {
            planned.set(a, Value::Unknown);
        }
        // Terraform checks an apply's result against the plan only when the apply
        // succeeds, and a rollout succeeds in one way only (unless it is asked to
        // hold or abort): what that way fixes is known now.
        if model::rollout(&planned).is_ok_and(|r| r.pause_at_percent.is_none() && !r.abort) {
            for (attr, value) in success_outcome() {
                planned.set(attr, value);
            }
        }
        if let Some(d) = unfinished_rollout(prior, &planned) {
            diags.push(d);
        }
    }
    (planned, replace, diags)
}

/// The computed attributes a successful rollout always ends with: the new
/// stable revision (named only by the apply) alone serves, untagged.
fn success_outcome() -> [(&'static str, Value); 4] {
    [
        (
            Model::ROLLOUT_STATUS,
            Value::from(Status::Succeeded.as_str()),
        ),
        (Model::CANDIDATE_REVISION, Value::Null),
        (Model::CANDIDATE_URI, Value::Null),
        (
            Model::TRAFFIC,
            Value::List(vec![Value::object([
                (Traffic::REVISION, Value::Unknown),
                (Traffic::PERCENT, Value::from(100)),
                (Traffic::TAG, Value::from("")),
            ])]),
        ),
    ]
}

/// After a crash or an interrupted apply the refreshed state shows a candidate
/// still serving part of the traffic: say what this apply will do with it.
fn unfinished_rollout(prior: &Value, planned: &Value) -> Option<Diagnostic> {
    let prior = Model::of(prior).ok()?;
    let status = prior
        .rollout_status
        .known()
        .filter(|s| s.unfinished())?
        .as_str();
    let candidate = non_empty(&prior.candidate_revision)?.to_owned();
    let stable = non_empty(&prior.stable_revision).unwrap_or_default();
    let share = prior
        .traffic
        .known()
        .into_iter()
        .flatten()
        .filter(|t| t.revision.known() == Some(&candidate))
        .map(|t| t.percent)
        .sum::<i64>();
    let template = model::template_value(planned);
    let service = string(planned, Model::NAME)?;
    let target = (!template.contains_unknown())
        .then(|| model::revision_of_value(&service, template))
        .flatten();
    let detail = match target.as_deref() {
        Some(t) if model::same_template(t, &candidate) && share == 100 => format!(
            "The rollout will be resumed: the final bake at 100 % was cut short, so it runs again and is judged before {candidate} is promoted; a breach still sends all traffic back to {stable}."
        ),
        Some(t) if model::same_template(t, &candidate) => format!(
            "The rollout will be resumed: {candidate} keeps its {share} % and continues through the remaining steps, each baked and judged."
        ),
        Some(t) if model::same_template(t, stable) => format!(
            "The rollout will be rolled back: the configuration matches the stable revision {stable}, so all traffic returns to it and {candidate} serves nothing."
        ),
        Some(t) => format!(
            "The rollout will be rolled back and replaced: all traffic returns to {stable}, then the new template rolls out as candidate {t} from 0 %."
        ),
        None => format!(
            "The template is not known yet; the apply resumes the rollout if it still describes {candidate}, otherwise it rolls {candidate} back first."
        ),
    };
    Some(
        Diagnostic::warning(
            "Unfinished rollout found",
            format!("The service still splits traffic: candidate {candidate} serves {share} % next to {stable} (rollout_status = {status}; a previous apply was interrupted or crashed). {detail}"),
        )
        .at(AttributePath::root(Model::ROLLOUT_STATUS)),
    )
}

/// Whether applying `planned` over `prior` changes the template (a rollout of
/// a new candidate, not a replacement or a first deploy).
fn template_change(prior: &Value, planned: &Value) -> bool {
    !prior.is_null()
        && !planned.is_null()
        && prior.get(Model::TEMPLATE) != planned.get(Model::TEMPLATE)
        && [Model::NAME, Model::PROJECT, Model::LOCATION]
            .iter()
            .all(|a| prior.get(a) == planned.get(a))
}

/// Plan-time checks and the runbook that need Cloud Monitoring: the
/// `analysis_interval` against the metric descriptor's sample period (when a
/// rollout will run or the interval is set), and for a template change a
/// warning saying what the rollout will do.
pub async fn preview(
    data: Option<&ProviderData>,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    let (Some(data), Ok(r)) = (data, model::rollout(config)) else {
        return d;
    };
    let change = template_change(prior, planned);
    let interval_set = !single(config, Model::ROLLOUT)
        .get(RolloutBlock::ANALYSIS_INTERVAL)
        .is_null();
    let (Some(project), Some(location), Some(name)) = (
        string(planned, Model::PROJECT),
        string(planned, Model::LOCATION),
        string(planned, Model::NAME),
    ) else {
        return d;
    };
    let gates_changed = !r.gates.is_empty()
        && single(prior, Model::ROLLOUT).get(RolloutBlock::GATE)
            != single(config, Model::ROLLOUT).get(RolloutBlock::GATE);
    if !change && !interval_set && !gates_changed {
        return d;
    }
    let metrics = data.client.metrics();
    let timing = match metrics.timing(&project, analysis::REQUEST_COUNT).await {
        Ok(t) => t,
        Err(e) => {
            d.push(Diagnostic::warning(
                "Rollout analysis not checked",
                format!("Reading the descriptor of {} failed ({e}), so analysis_interval could not be checked against the metric's sample period. The apply checks again.", analysis::REQUEST_COUNT),
            ).at(in_block(Model::ROLLOUT, RolloutBlock::ANALYSIS_INTERVAL)));
            return d;
        }
    };
    if r.analysis_interval < timing.sample_period {
        d.push(
            Diagnostic::error(
                "analysis_interval below the metric's sample period",
                format!("analysis_interval is {}, but {} is sampled every {} (its metric descriptor says so): a shorter interval would judge the same points again. Use analysis_interval = \"{}\" or more.", secs(r.analysis_interval), analysis::REQUEST_COUNT, secs(timing.sample_period), secs(timing.sample_period)),
            )
            .at(in_block(Model::ROLLOUT, RolloutBlock::ANALYSIS_INTERVAL)),
        );
        return d;
    }
    if change || gates_changed {
        d.extend(super::gates::check(&metrics, &project, &r.gates, r.analysis_interval).await);
    }
    if !change {
        return d;
    }
    // The service's recent rate over ten sample periods (ten minutes on Cloud Run).
    let window = (timing.sample_period * 10).max(Duration::from_secs(1));
    let end = std::time::SystemTime::now()
        .checked_sub(timing.ingest_delay)
        .unwrap_or(std::time::SystemTime::now());
    let rate = analysis::service_rate(&metrics, &project, &location, &name, window, end)
        .await
        .ok();
    let stable =
        string(prior, Model::STABLE_REVISION).unwrap_or_else(|| "the stable revision".into());
    d.push(
        Diagnostic::warning(
            "Template change rolls out",
            runbook(&r, &stable, rate, timing.ingest_delay),
        )
        .at(AttributePath::root(Model::TEMPLATE)),
    );
    d
}

/// `90s`, `5m`, `1h30m`, `1.5s`: durations in messages.
pub fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 != 0 {
        return format!("{}s", ms as f64 / 1000.0);
    }
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// The rollout as an operator's runbook: steps and bakes, the gates, the
/// evidence a conclusive window needs at the current traffic, and what a
/// breach or an inconclusive step does.
pub fn runbook(r: &Rollout, stable: &str, rate: Option<f64>, ingest_delay: Duration) -> String {
    let steps = r
        .steps
        .iter()
        .map(|p| format!("{p}"))
        .collect::<Vec<_>>()
        .join(" → ");
    let bakes: Vec<Duration> = (0..r.steps.len()).map(|i| r.bake_for(i)).collect();
    let bake_text = if bakes.iter().all(|b| *b == bakes[0]) {
        format!("{} each", secs(bakes[0]))
    } else {
        bakes
            .iter()
            .map(|b| secs(*b))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let total = r.total_bake();
    let minutes = (total.as_secs_f64() / 60.0).ceil() as u64;
    let confidence = format!("{:.0} %", r.confidence * 100.0);
    let needed = requests_needed(r.max_error_rate, r.confidence).max(r.min_requests);
    let first = r.steps.first().copied().unwrap_or(100);
    let traffic = match rate {
        Some(rate) if rate > 0.0 => {
            let candidate_rate = rate * first as f64 / 100.0;
            let takes = Duration::from_secs_f64(needed as f64 / candidate_rate);
            let verdict = if takes <= r.bake_for(0) {
                format!("within its {} bake", secs(r.bake_for(0)))
            } else {
                format!("longer than its {} bake, so that step will extend (inconclusive_limit = {}) or hold: lengthen bake_duration or send traffic to the candidate URL", secs(r.bake_for(0)), r.inconclusive_limit)
            };
            format!("The service received {rate:.1} requests/s recently, so the {first} % step gets about {candidate_rate:.2}/s and collects {needed} requests in about {}, {verdict}.", secs(Duration::from_secs(takes.as_secs().max(1))))
        }
        Some(_) => format!("The service received no requests recently: with no traffic the {first} % step stays inconclusive and the rollout holds there (never promotes). Send traffic to the candidate URL during the bakes."),
        None => "The service's recent request rate could not be read.".to_owned(),
    };
    let breach = if r.auto_rollback {
        format!("On a breach all traffic returns to {stable} at once and the apply fails; the state records the rollback.")
    } else {
        "On a breach the traffic holds at the failing step (auto_rollback = false) and the apply fails.".to_owned()
    };
    let delay = if ingest_delay.is_zero() {
        String::new()
    } else {
        format!(
            " (each judged {} later, the metric's ingest delay)",
            secs(ingest_delay)
        )
    };
    let gates = if r.gates.is_empty() {
        String::new()
    } else {
        format!(
            ", and on the latest interval {}",
            r.gates
                .iter()
                .map(|g| g.describe())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "Steps {steps} %, {bake_text}: about {minutes} min plus analysis. Every {interval} of each bake{delay} the candidate is judged against Cloud Monitoring: its 5xx rate against max_error_rate {max:.2} % with a Wilson interval at {confidence} confidence (breach when the lower bound is above it, within limits when the upper bound is at or below it), and its p95 latency against max_latency_ratio {ratio:.2}× the stable revision's p95 (at least {MIN_LATENCY_SAMPLES} samples each side){gates}. A conclusive window with no errors needs about {needed} candidate requests. {traffic} {breach} A step passes only when its bake is over and the evidence is within the limits; an inconclusive step keeps collecting for up to {limit} more bake(s), then holds.",
        interval = secs(r.analysis_interval),
        max = r.max_error_rate * 100.0,
        ratio = r.max_latency_ratio,
        limit = r.inconclusive_limit,
    )
}
