//! The guide's `deploy.sh` stages and the `examples/production` module calls
//! each one covers. `-target` on a module also plans whatever it depends on, so
//! the plan summary reports such pulled-in modules separately.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Infrastructure,
    Database,
    Livekit,
    Backend,
    Frontend,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Infrastructure,
        Stage::Database,
        Stage::Livekit,
        Stage::Backend,
        Stage::Frontend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Infrastructure => "infrastructure",
            Stage::Database => "database",
            Stage::Livekit => "livekit",
            Stage::Backend => "backend",
            Stage::Frontend => "frontend",
        }
    }

    /// Module calls of the stage, as in the examples/production README. `budget` is project-wide and has no
    /// dependencies, so it rides with infrastructure; `monitoring` watches the
    /// services (and targeting it would plan them anyway), so it rides with backend.
    /// `edge` serves both the APIs and the frontend bucket, as in the guide.
    pub fn modules(self) -> &'static [&'static str] {
        match self {
            Stage::Infrastructure => &["network", "compliance", "edge", "budget"],
            Stage::Database => &["database", "redis"],
            Stage::Livekit => &["livekit_identity", "livekit", "livekit_edge", "commitments"],
            Stage::Backend => &["service_identity", "services", "monitoring"],
            Stage::Frontend => &["frontend", "edge"],
        }
    }
}

/// The stages a deploy runs: all of them minus the skipped ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    stages: Vec<Stage>,
}

impl Selection {
    pub fn without(skipped: &[Stage]) -> Self {
        Self {
            stages: Stage::ALL
                .into_iter()
                .filter(|s| !skipped.contains(s))
                .collect(),
        }
    }

    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// No skips: a plain full apply without `-target`.
    pub fn is_full(&self) -> bool {
        self.stages.len() == Stage::ALL.len()
    }

    /// Selected module names, each once, in stage order.
    pub fn modules(&self) -> Vec<&'static str> {
        let mut seen = BTreeSet::new();
        self.stages
            .iter()
            .flat_map(|s| s.modules().iter().copied())
            .filter(|m| seen.insert(*m))
            .collect()
    }

    /// The first selected stage that owns `module` (edge goes to infrastructure when both run).
    pub fn stage_of(&self, module: &str) -> Option<Stage> {
        self.stages
            .iter()
            .copied()
            .find(|s| s.modules().contains(&module))
    }

    /// `-target=module.X` arguments for the modules the root declares, and the
    /// selected modules it does not declare. A full selection needs no targets.
    pub fn targets(&self, declared: &BTreeSet<String>) -> (Vec<String>, Vec<&'static str>) {
        if self.is_full() {
            return (Vec::new(), Vec::new());
        }
        let (present, missing): (Vec<_>, Vec<_>) = self
            .modules()
            .into_iter()
            .partition(|m| declared.contains(*m));
        let args = present
            .into_iter()
            .map(|m| format!("-target=module.{m}"))
            .collect();
        (args, missing)
    }
}

/// `module.services["x"].module.y` → `services`; `None` for root resources.
pub fn top_module(module_address: &str) -> Option<&str> {
    let rest = module_address.strip_prefix("module.")?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_declared() -> BTreeSet<String> {
        Stage::ALL
            .iter()
            .flat_map(|s| s.modules().iter().map(|m| m.to_string()))
            .collect()
    }

    #[test]
    fn full_selection_has_no_targets() {
        let sel = Selection::without(&[]);
        assert!(sel.is_full());
        assert_eq!(sel.targets(&all_declared()), (vec![], vec![]));
    }

    #[test]
    fn guide_backend_only_deploy_targets_services_and_monitoring() {
        // ./deploy.sh --skip-infrastructure --skip-database --skip-frontend (livekit skipped too)
        let sel = Selection::without(&[
            Stage::Infrastructure,
            Stage::Database,
            Stage::Frontend,
            Stage::Livekit,
        ]);
        let (targets, missing) = sel.targets(&all_declared());
        assert_eq!(
            targets,
            [
                "-target=module.service_identity",
                "-target=module.services",
                "-target=module.monitoring"
            ]
        );
        assert!(missing.is_empty());
    }

    #[test]
    fn each_skip_removes_exactly_its_modules() {
        let cases: [(Stage, &[&str]); 5] = [
            (
                Stage::Infrastructure,
                &[
                    "database",
                    "redis",
                    "livekit_identity",
                    "livekit",
                    "livekit_edge",
                    "commitments",
                    "service_identity",
                    "services",
                    "monitoring",
                    "frontend",
                    "edge",
                ],
            ),
            (
                Stage::Database,
                &[
                    "network",
                    "compliance",
                    "edge",
                    "budget",
                    "livekit_identity",
                    "livekit",
                    "livekit_edge",
                    "commitments",
                    "service_identity",
                    "services",
                    "monitoring",
                    "frontend",
                ],
            ),
            (
                Stage::Livekit,
                &[
                    "network",
                    "compliance",
                    "edge",
                    "budget",
                    "database",
                    "redis",
                    "service_identity",
                    "services",
                    "monitoring",
                    "frontend",
                ],
            ),
            (
                Stage::Backend,
                &[
                    "network",
                    "compliance",
                    "edge",
                    "budget",
                    "database",
                    "redis",
                    "livekit_identity",
                    "livekit",
                    "livekit_edge",
                    "commitments",
                    "frontend",
                ],
            ),
            (
                Stage::Frontend,
                &[
                    "network",
                    "compliance",
                    "edge",
                    "budget",
                    "database",
                    "redis",
                    "livekit_identity",
                    "livekit",
                    "livekit_edge",
                    "commitments",
                    "service_identity",
                    "services",
                    "monitoring",
                ],
            ),
        ];
        for (skip, expected) in cases {
            let (targets, _) = Selection::without(&[skip]).targets(&all_declared());
            let expected: Vec<String> = expected
                .iter()
                .map(|m| format!("-target=module.{m}"))
                .collect();
            assert_eq!(targets, expected, "skipping {}", skip.name());
        }
    }

    #[test]
    fn undeclared_modules_are_reported_not_targeted() {
        let declared: BTreeSet<String> = ["services".to_string()].into();
        let sel = Selection::without(&[
            Stage::Infrastructure,
            Stage::Database,
            Stage::Livekit,
            Stage::Frontend,
        ]);
        let (targets, missing) = sel.targets(&declared);
        assert_eq!(targets, ["-target=module.services"]);
        assert_eq!(missing, ["service_identity", "monitoring"]);
    }

    #[test]
    fn edge_counts_for_the_first_selected_stage() {
        assert_eq!(
            Selection::without(&[]).stage_of("edge"),
            Some(Stage::Infrastructure)
        );
        assert_eq!(
            Selection::without(&[Stage::Infrastructure]).stage_of("edge"),
            Some(Stage::Frontend)
        );
        assert_eq!(
            Selection::without(&[Stage::Infrastructure, Stage::Frontend]).stage_of("edge"),
            None
        );
    }

    #[test]
    fn top_module_handles_keys_and_nesting() {
        assert_eq!(top_module("module.services"), Some("services"));
        assert_eq!(top_module("module.edge[\"a.b\"].module.x"), Some("edge"));
        assert_eq!(top_module("module.db.module.replica"), Some("db"));
        assert_eq!(top_module(""), None);
    }
}
