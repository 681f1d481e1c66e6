//! Per-stage summary of a saved plan: what will be created, updated, replaced
//! and destroyed, and which blue-green services will run a progressive rollout.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::show::{any_unknown, ResourceChange, ShowDoc};
use crate::stages::{top_module, Selection};
use crate::table::Table;

const BLUE_GREEN: &str = "platform_blue_green_service";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Replace,
    Destroy,
}

impl Action {
    /// `None` for no-op and read.
    pub fn of(actions: &[String]) -> Option<Action> {
        let has = |a: &str| actions.iter().any(|x| x == a);
        match (has("create"), has("delete"), has("update")) {
            (true, true, _) => Some(Action::Replace),
            (true, false, _) => Some(Action::Create),
            (false, true, _) => Some(Action::Destroy),
            (false, false, true) => Some(Action::Update),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Counts {
    fn add(&mut self, action: Action) {
        match action {
            Action::Create => self.create += 1,
            Action::Update => self.update += 1,
            Action::Replace => self.replace += 1,
            Action::Destroy => self.destroy += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.create + self.update + self.replace + self.destroy
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub counts: Counts,
    /// Services (by name) whose template changes, i.e. a rollout will run.
    pub rollouts: Vec<String>,
}

impl Row {
    fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            counts: Counts::default(),
            rollouts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanSummary {
    pub rows: Vec<Row>,
}

/// Which row a change belongs to.
enum Bucket {
    Stage(usize),
    Root,
    Dependency(String),
}

impl PlanSummary {
    pub fn new(doc: &ShowDoc, selection: &Selection) -> Self {
        let mut stage_rows: Vec<Row> = selection
            .stages()
            .iter()
            .map(|s| Row::new(s.name()))
            .collect();
        let mut root = Row::new("root module");
        let mut dependency = Row::new("pulled in as dependencies");
        let mut dependency_modules = BTreeSet::new();

        for change in doc.changes.iter().filter(|c| c.mode == "managed") {
            let Some(action) = Action::of(&change.actions) else {
                continue;
            };
            let bucket = match change.module_address.as_deref().and_then(top_module) {
                None => Bucket::Root,
                Some(module) => match selection.stage_of(module) {
                    Some(stage) => Bucket::Stage(
                        selection
                            .stages()
                            .iter()
                            .position(|s| *s == stage)
                            .unwrap_or(0),
                    ),
                    None => Bucket::Dependency(module.to_string()),
                },
            };
            let row = match bucket {
                Bucket::Stage(i) => &mut stage_rows[i],
                Bucket::Root => &mut root,
                Bucket::Dependency(module) => {
                    dependency_modules.insert(module);
                    &mut dependency
                }
            };
            row.counts.add(action);
            if let Some(service) = rollout_of(change, action) {
                row.rollouts.push(service);
            }
        }
        if !dependency_modules.is_empty() {
            let names: Vec<_> = dependency_modules
                .into_iter()
                .map(|m| format!("module.{m}"))
                .collect();
            dependency.label = format!("pulled in as dependencies ({})", names.join(", "));
        }
        let rows = stage_rows
            .into_iter()
            .chain(
                [root, dependency]
                    .into_iter()
                    .filter(|r| r.counts.total() > 0),
            )
            .collect();
        Self { rows }
    }

    pub fn has_changes(&self) -> bool {
        self.rows.iter().any(|r| r.counts.total() > 0)
    }

    pub fn rollouts(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .flat_map(|r| r.rollouts.iter().map(String::as_str))
    }
}

/// An in-place template change on an existing blue-green service runs the
/// progressive rollout; a create sends 100 % at once and a replace starts over.
fn rollout_of(change: &ResourceChange, action: Action) -> Option<String> {
    if change.resource_type != BLUE_GREEN || action != Action::Update {
        return None;
    }
    let before = change.before.get("template");
    let after = change.after.get("template");
    let unknown = change
        .after_unknown
        .get("template")
        .is_some_and(any_unknown);
    if before == after && !unknown {
        return None;
    }
    let name = change
        .after
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&change.address);
    Some(name.to_string())
}

impl fmt::Display for PlanSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new([
            "STAGE", "CREATE", "UPDATE", "REPLACE", "DESTROY", "ROLLOUTS",
        ]);
        for row in &self.rows {
            let c = &row.counts;
            table.row([
                row.label.clone(),
                c.create.to_string(),
                c.update.to_string(),
                c.replace.to_string(),
                c.destroy.to_string(),
                if row.rollouts.is_empty() {
                    "-".to_string()
                } else {
                    row.rollouts.join(", ")
                },
            ]);
        }
        write!(f, "{table}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::Stage;

    fn doc(name: &str) -> ShowDoc {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        ShowDoc::parse(&std::fs::read(&path).unwrap(), name).unwrap()
    }

    #[test]
    fn action_classification() {
        let a = |v: &[&str]| Action::of(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(a(&["create"]), Some(Action::Create));
        assert_eq!(a(&["update"]), Some(Action::Update));
        assert_eq!(a(&["delete", "create"]), Some(Action::Replace));
        assert_eq!(a(&["create", "delete"]), Some(Action::Replace));
        assert_eq!(a(&["delete"]), Some(Action::Destroy));
        assert_eq!(a(&["no-op"]), None);
        assert_eq!(a(&["read"]), None);
    }

    #[test]
    fn full_plan_counts_per_stage_and_rollouts() {
        let summary = PlanSummary::new(&doc("deploy_plan.json"), &Selection::without(&[]));
        let get = |label: &str| {
            summary
                .rows
                .iter()
                .find(|r| r.label == label)
                .unwrap()
                .clone()
        };
        assert_eq!(
            get("infrastructure").counts,
            Counts {
                create: 1,
                update: 1,
                replace: 0,
                destroy: 0
            }
        );
        assert_eq!(
            get("database").counts,
            Counts {
                create: 0,
                update: 0,
                replace: 1,
                destroy: 0
            }
        );
        assert_eq!(get("livekit").counts, Counts::default());
        assert_eq!(
            get("backend").counts,
            Counts {
                create: 1,
                update: 2,
                replace: 0,
                destroy: 1
            }
        );
        assert_eq!(get("backend").rollouts, ["platform-api"]);
        assert_eq!(
            get("frontend").counts,
            Counts {
                create: 1,
                update: 0,
                replace: 0,
                destroy: 0
            }
        );
        assert_eq!(summary.rollouts().collect::<Vec<_>>(), ["platform-api"]);
        assert!(summary.has_changes());
        // No-op and data reads are not counted anywhere.
        let total: usize = summary.rows.iter().map(|r| r.counts.total()).sum();
        assert_eq!(total, 8);
    }

    #[test]
    fn skipped_stage_changes_show_as_dependencies() {
        let sel = Selection::without(&[
            Stage::Infrastructure,
            Stage::Database,
            Stage::Livekit,
            Stage::Frontend,
        ]);
        let summary = PlanSummary::new(&doc("deploy_plan.json"), &sel);
        let labels: Vec<_> = summary.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["backend", "pulled in as dependencies (module.database, module.edge, module.frontend, module.network)"]
        );
        assert_eq!(
            summary.rows[1].counts,
            Counts {
                create: 2,
                update: 1,
                replace: 1,
                destroy: 0
            }
        );
        let text = summary.to_string();
        assert!(text.contains("platform-api"), "{text}");
    }

    #[test]
    fn empty_plan_has_no_changes() {
        let empty = doc("empty_plan.json");
        assert!(!PlanSummary::new(&empty, &Selection::without(&[])).has_changes());
    }
}
