//! Plan: config values kept exactly; everything a rollout may change is
//! unknown whenever a rollout (or a split repair) will run.

use std::time::Duration;

use tfplugin::{AttributePath, Diagnostic, Diagnostics, Value};

use super::model::{self, single};
use super::observed::{HOLDING, IN_PROGRESS};
use super::schema::schema;
use crate::framework::values::string;
use crate::state::ProviderData;

/// Time a rollout needs besides baking (operations, convergence, queries).
const OVERHEAD_PER_STEP: Duration = Duration::from_secs(30);

const ROLLOUT_COMPUTED: [&str; 6] = [
    "stable_revision",
    "candidate_revision",
    "candidate_uri",
    "rollout_status",
    "traffic",
    "last_rollout",
];

/// `v` with every top-level schema attribute and block present (null / empty).
pub fn complete(mut v: Value) -> Value {
    let s = schema();
    for a in &s.block.attributes {
        if v.get(&a.name).is_null() && v.as_map().is_some_and(|m| !m.contains_key(&a.name)) {
            v.set(&a.name, Value::Null);
        }
    }
    for b in &s.block.blocks {
        if v.get(&b.type_name).is_null() {
            v.set(&b.type_name, Value::List(vec![]));
        }
    }
    v
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
                .at(AttributePath::root("timeouts")),
            );
        }
    }
    let containers = crate::framework::values::blocks(single(config, "template"), "containers");
    for (i, c) in containers.iter().enumerate() {
        if c.get("image").as_str().is_some_and(str::is_empty) {
            d.push(
                Diagnostic::error(
                    "Empty image",
                    "Set a container image, preferably by digest.",
                )
                .at(AttributePath::root("template")
                    .index(0)
                    .attr("containers")
                    .index(i)
                    .attr("image")),
            );
        }
    }
    d
}

fn unknown_if_null(v: &mut Value, name: &str) {
    if v.get(name).is_null() {
        v.set(name, Value::Unknown);
    }
}

fn single_stable_split(prior: &Value) -> bool {
    let stable = prior.get("stable_revision");
    match prior.get("traffic").as_seq() {
        Some([only]) => {
            only.get("revision") == stable
                && only.get("percent").as_i64() == Some(100)
                && only.get("tag").as_str().unwrap_or("").is_empty()
        }
        _ => false,
    }
}

/// Whether applying `planned` over `prior` runs the rollout engine.
pub fn needs_rollout(prior: &Value, planned: &Value) -> bool {
    let status = string(prior, "rollout_status").unwrap_or_default();
    let template_changed = prior.get("template") != planned.get("template");
    template_changed || status == IN_PROGRESS || status == HOLDING || !single_stable_split(prior)
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
    if planned.get("deletion_protection").is_null() {
        planned.set("deletion_protection", Value::Bool(true));
    }
    if prior.is_null() {
        if planned.get("project").is_null() {
            if let Some(p) = data.and_then(|d| d.project.clone()) {
                planned.set("project", Value::from(p));
            }
        }
        if planned.get("location").is_null() {
            if let Some(r) = data.and_then(|d| d.region.clone()) {
                planned.set("location", Value::from(r));
            }
        }
        for (attr, what) in [("project", "project"), ("location", "region")] {
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
        if planned.get("ingress").is_null() {
            planned.set("ingress", Value::from("INGRESS_TRAFFIC_ALL"));
        }
        match (
            string(&planned, "project"),
            string(&planned, "location"),
            string(&planned, "name"),
        ) {
            (Some(p), Some(l), Some(n)) => planned.set(
                "id",
                Value::from(format!("projects/{p}/locations/{l}/services/{n}")),
            ),
            _ => planned.set("id", Value::Unknown),
        }
        for a in ["uri"].into_iter().chain(ROLLOUT_COMPUTED) {
            planned.set(a, Value::Unknown);
        }
        return (planned, vec![], diags);
    }
    // Optional+computed template fields left out of the config keep their prior value.
    planned.set(
        "template",
        model::fill_from_prior(planned.get("template"), prior.get("template")),
    );
    let mut replace = Vec::new();
    for attr in ["name", "project", "location"] {
        if prior.get(attr) != planned.get(attr) {
            replace.push(AttributePath::root(attr));
        }
    }
    unknown_if_null(&mut planned, "ingress");
    if !replace.is_empty() {
        for a in ["id", "uri"].into_iter().chain(ROLLOUT_COMPUTED) {
            planned.set(a, Value::Unknown);
        }
    } else if needs_rollout(prior, &planned) {
        for a in ROLLOUT_COMPUTED {
            planned.set(a, Value::Unknown);
        }
        if let Some(d) = unfinished_rollout(prior, &planned) {
            diags.push(d);
        }
    }
    (planned, replace, diags)
}

/// After a crash or an interrupted apply the refreshed state shows a candidate
/// still serving part of the traffic: say what this apply will do with it.
fn unfinished_rollout(prior: &Value, planned: &Value) -> Option<Diagnostic> {
    let status = string(prior, "rollout_status")?;
    if status != IN_PROGRESS && status != HOLDING {
        return None;
    }
    let candidate = string(prior, "candidate_revision")?;
    let stable = string(prior, "stable_revision").unwrap_or_default();
    let share = prior
        .get("traffic")
        .as_seq()
        .unwrap_or_default()
        .iter()
        .filter(|t| t.get("revision").as_str() == Some(candidate.as_str()))
        .filter_map(|t| t.get("percent").as_i64())
        .sum::<i64>();
    let template = single(planned, "template");
    let service = string(planned, "name")?;
    let target = (!template.contains_unknown())
        .then(|| model::revision_name(&service, &model::template_to_api(template)));
    let detail = match target.as_deref() {
        Some(t) if t == candidate && share == 100 => format!(
            "The rollout will be resumed: the final bake at 100 % was cut short, so it runs again and is judged before {candidate} is promoted; a breach still sends all traffic back to {stable}."
        ),
        Some(t) if t == candidate => format!(
            "The rollout will be resumed: {candidate} keeps its {share} % and continues through the remaining steps, each baked and judged."
        ),
        Some(t) if t == stable => format!(
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
        .at(AttributePath::root("rollout_status")),
    )
}
