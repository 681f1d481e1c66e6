//! `platform deploy`: the guide's `deploy.sh` stages on top of Terraform —
//! init, a saved plan (targeted when stages are skipped), a per-stage summary,
//! confirmation, then `apply` of exactly that plan.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::error::CliError;
use crate::plan_summary::PlanSummary;
use crate::root_module::RootModule;
use crate::show::ShowDoc;
use crate::stages::{Selection, Stage};
use crate::terraform::Terraform;

/// Root variable the modules read to pick progressive or immediate rollouts.
pub const ROLLOUT_MODE_VAR: &str = "rollout_mode";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutMode {
    BlueGreen,
    Immediate,
}

impl RolloutMode {
    fn value(self) -> &'static str {
        match self {
            RolloutMode::BlueGreen => "blue-green",
            RolloutMode::Immediate => "immediate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub dir: PathBuf,
    pub skipped: Vec<Stage>,
    /// `None` keeps whatever the configuration says (blue-green by default).
    pub mode: Option<RolloutMode>,
    pub region: Option<String>,
    pub auto_approve: bool,
    pub plan_only: bool,
}

/// Everything `plan` needs, derived from the options and the root's declarations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInvocation {
    pub args: Vec<String>,
    /// Selected modules the root does not declare (reported, not targeted).
    pub undeclared: Vec<&'static str>,
    pub workspace: Option<String>,
}

pub fn workspace_for(region: &str) -> Result<String, CliError> {
    let valid = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(format!("region-{region}"))
    } else {
        Err(CliError::Usage(format!(
            "--region {region:?} is not a region name; use one such as us-west1"
        )))
    }
}

pub fn plan_invocation(
    opts: &DeployOptions,
    root: &RootModule,
    plan_file: &str,
) -> Result<PlanInvocation, CliError> {
    let selection = Selection::without(&opts.skipped);
    if selection.stages().is_empty() {
        return Err(CliError::Usage(
            "every stage is skipped, so there is nothing to deploy; drop a --skip-* flag".into(),
        ));
    }
    let (targets, undeclared) = selection.targets(&root.modules);
    if !selection.is_full() && targets.is_empty() {
        return Err(CliError::Usage(format!(
            "{} declares none of the modules of the selected stages ({}); is --dir the examples/production root?",
            opts.dir.display(),
            selection.modules().join(", ")
        )));
    }
    let mut args = vec![
        "plan".to_string(),
        "-input=false".to_string(),
        format!("-out={plan_file}"),
    ];
    args.extend(targets);
    if let Some(mode) = opts.mode {
        if root.variables.contains(ROLLOUT_MODE_VAR) {
            args.push(format!("-var={ROLLOUT_MODE_VAR}={}", mode.value()));
        } else if mode == RolloutMode::Immediate {
            // Passing an undeclared -var is an error in Terraform; say what is missing instead.
            return Err(CliError::Usage(format!(
                "--immediate needs the root module to declare variable \"{ROLLOUT_MODE_VAR}\" \
                 (\"blue-green\" | \"immediate\") and pass it to the services module; {} does not",
                opts.dir.display()
            )));
        }
    }
    let workspace = match &opts.region {
        Some(region) => {
            args.push(format!("-var=region={region}"));
            Some(workspace_for(region)?)
        }
        None => None,
    };
    Ok(PlanInvocation {
        args,
        undeclared,
        workspace,
    })
}

/// Asks the operator before applying.
pub trait Confirm {
    fn confirm(&mut self, question: &str) -> Result<bool, CliError>;
}

/// Reads the answer from a terminal; refuses when there is none to ask.
#[derive(Debug, Default)]
pub struct TerminalConfirm;

impl Confirm for TerminalConfirm {
    fn confirm(&mut self, question: &str) -> Result<bool, CliError> {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(
                "no terminal to confirm the apply on; review the plan and rerun with --auto-approve \
                 (or --plan-only to stop after the summary)"
                    .into(),
            ));
        }
        eprint!("{question} Only 'yes' will be accepted: ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(answer.trim() == "yes")
    }
}

pub fn deploy(opts: &DeployOptions, confirm: &mut dyn Confirm) -> Result<(), CliError> {
    let tf = Terraform::locate(&opts.dir)?;
    let root = RootModule::scan(&opts.dir)?;
    let plan_file = match &opts.region {
        Some(region) => format!(
            ".terraform/platform-deploy-{}.tfplan",
            workspace_for(region)?
        ),
        None => ".terraform/platform-deploy.tfplan".to_string(),
    };
    let invocation = plan_invocation(opts, &root, &plan_file)?;
    let selection = Selection::without(&opts.skipped);
    if !selection.is_full() {
        let names: Vec<_> = selection.stages().iter().map(|s| s.name()).collect();
        eprintln!(
            "Deploying only: {}. The normal path is a full apply with no --skip flags; \
             targeted applies can leave the skipped stages out of date.",
            names.join(", ")
        );
    }
    for module in &invocation.undeclared {
        eprintln!(
            "Note: module \"{module}\" is not declared in {}; skipping it.",
            opts.dir.display()
        );
    }

    tf.run(&["init", "-input=false"])?;
    let tf = match &invocation.workspace {
        Some(workspace) => {
            ensure_workspace(&tf, workspace)?;
            eprintln!("Using Terraform workspace {workspace} for this region.");
            tf.with_workspace(workspace)
        }
        None => tf,
    };
    tf.run(&invocation.args)?;
    let json = tf.output(&["show", "-json", plan_file.as_str()])?;
    let summary = PlanSummary::new(&ShowDoc::parse(&json, "the saved plan")?, &selection);
    println!("\nPlan summary by stage:\n{summary}");
    let rollouts: Vec<_> = summary.rollouts().collect();
    if !rollouts.is_empty() {
        let how = match opts.mode {
            Some(RolloutMode::Immediate) => "with traffic sent at once (--immediate)",
            _ => "progressively (blue-green)",
        };
        println!("Rollouts that will run {how}: {}", rollouts.join(", "));
    }
    if opts.plan_only {
        println!("--plan-only: stopping here; nothing was applied.");
        return Ok(());
    }
    if !summary.has_changes() {
        println!("No changes to apply.");
        return Ok(());
    }
    if !opts.auto_approve {
        let question = if opts.mode == Some(RolloutMode::Immediate) {
            "EMERGENCY PATH: --immediate sends 100 % of traffic to new revisions without metric gates. Apply this plan?"
        } else {
            "Apply this plan?"
        };
        if !confirm.confirm(question)? {
            return Err(CliError::Declined);
        }
    }
    tf.run(&["apply", "-input=false", plan_file.as_str()])
}

/// Creates the workspace if needed without changing the persisted selection,
/// so plain `terraform` commands in the directory keep their workspace.
fn ensure_workspace(tf: &Terraform, workspace: &str) -> Result<(), CliError> {
    let listing = String::from_utf8_lossy(&tf.output(&["workspace", "list"])?).into_owned();
    let exists = listing
        .lines()
        .any(|line| line.trim_start_matches('*').trim() == workspace);
    if exists {
        return Ok(());
    }
    let current = String::from_utf8_lossy(&tf.output(&["workspace", "show"])?)
        .trim()
        .to_string();
    tf.run(&["workspace", "new", workspace])?;
    tf.run(&["workspace", "select", current.as_str()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production_root() -> RootModule {
        let mut root = RootModule::default();
        root.add_source(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../examples/production/main.tf"),
            )
            .unwrap(),
        );
        root.add_source("variable \"region\" {}");
        root
    }

    fn opts(skipped: &[Stage]) -> DeployOptions {
        DeployOptions {
            dir: PathBuf::from("examples/production"),
            skipped: skipped.to_vec(),
            mode: None,
            region: None,
            auto_approve: false,
            plan_only: false,
        }
    }

    #[test]
    fn full_deploy_plans_without_targets() {
        let inv = plan_invocation(&opts(&[]), &production_root(), "p.tfplan").unwrap();
        assert_eq!(inv.args, ["plan", "-input=false", "-out=p.tfplan"]);
        assert_eq!(inv.workspace, None);
    }

    #[test]
    fn guide_backend_deploy_targets_backend_modules() {
        let o = opts(&[Stage::Infrastructure, Stage::Database, Stage::Frontend]);
        let inv = plan_invocation(&o, &production_root(), "p").unwrap();
        assert_eq!(
            inv.args[3..],
            [
                "-target=module.livekit_identity",
                "-target=module.livekit",
                "-target=module.livekit_edge",
                "-target=module.commitments",
                "-target=module.service_identity",
                "-target=module.services",
                "-target=module.monitoring"
            ]
        );
        assert!(inv.undeclared.is_empty());
    }

    #[test]
    fn region_selects_a_workspace_and_sets_the_variable() {
        let mut o = opts(&[]);
        o.region = Some("us-west1".into());
        let inv = plan_invocation(&o, &production_root(), "p").unwrap();
        assert_eq!(inv.workspace.as_deref(), Some("region-us-west1"));
        assert!(inv.args.contains(&"-var=region=us-west1".to_string()));
        o.region = Some("US West".into());
        assert!(plan_invocation(&o, &production_root(), "p").is_err());
    }

    #[test]
    fn immediate_needs_a_declared_rollout_mode_variable() {
        let mut o = opts(&[]);
        o.mode = Some(RolloutMode::Immediate);
        let err = plan_invocation(&o, &production_root(), "p").unwrap_err();
        assert!(
            err.to_string().contains("variable \"rollout_mode\""),
            "{err}"
        );

        let mut root = production_root();
        root.add_source("variable \"rollout_mode\" {}");
        let inv = plan_invocation(&o, &root, "p").unwrap();
        assert!(inv
            .args
            .contains(&"-var=rollout_mode=immediate".to_string()));
        // Explicit --blue-green without the variable is simply the default behaviour.
        o.mode = Some(RolloutMode::BlueGreen);
        let inv = plan_invocation(&o, &production_root(), "p").unwrap();
        assert!(!inv.args.iter().any(|a| a.contains("rollout_mode")));
    }

    #[test]
    fn skipping_everything_or_targeting_a_foreign_root_is_refused() {
        let err = plan_invocation(&opts(&Stage::ALL), &production_root(), "p").unwrap_err();
        assert!(err.to_string().contains("nothing to deploy"));
        let err =
            plan_invocation(&opts(&[Stage::Backend]), &RootModule::default(), "p").unwrap_err();
        assert!(
            err.to_string().contains("declares none of the modules"),
            "{err}"
        );
    }
}
