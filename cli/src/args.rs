//! Command-line interface definition.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  platform deploy --dir examples/production
  platform deploy --skip-infrastructure --skip-database --skip-frontend --blue-green
  platform deploy --region us-west1            # disaster recovery: backup region
  platform checklist --dir examples/production --format json
  platform rollout status platform-api
  platform rollout watch platform-api          # while an apply runs elsewhere
  platform adopt --dir examples/local          # import what already exists
  platform emulator --state .emulator/state.json";

/// The guide's deploy.sh interface, pre-production checklist and rollout status,
/// on top of Terraform and the platform provider.
#[derive(Debug, Parser)]
#[command(name = "platform", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log filter for the CLI's own diagnostics (e.g. debug).
    #[arg(long, global = true, env = "PLATFORM_LOG", default_value = "warn")]
    pub log: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Deploy(DeployArgs),
    Checklist(ChecklistArgs),
    /// Progressive rollouts of platform_blue_green_service.
    #[command(subcommand)]
    Rollout(RolloutCommand),
    Emulator(EmulatorArgs),
    Adopt(AdoptArgs),
}

/// Take over what already exists: plan the root without changing anything, look up
/// each platform composite it would create (Cloud Run services by ID or by their key
/// in the name, LiveKit clusters by backend service, budget guards by budget display
/// name or the project they cover) and write `import` blocks for those that exist, at
/// the plan's own addresses, and adopt.auto.tfvars with the names they have.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform adopt --dir examples/local
  platform adopt --dir examples/production --out adopt_imports.tf
  platform adopt --dir examples/local --project platform-prod --region us-central1

Credentials and endpoints come from the environment, as for `rollout watch`
(GOOGLE_CREDENTIALS or Application Default Credentials, GOOGLE_<API>_CUSTOM_ENDPOINT).")]
pub struct AdoptArgs {
    /// Terraform root directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// File for the import blocks (default: imports.tf in --dir).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Project to survey: sets the root's `project_id` (or `project`) variable.
    #[arg(long)]
    pub project: Option<String>,
    /// Region to survey: sets the root's `region` variable.
    #[arg(long)]
    pub region: Option<String>,
}

/// Deploy the production root: init, plan (targeted when stages are skipped),
/// a per-stage summary, confirmation, then apply of that exact plan.
///
/// Stages and the module calls they target: infrastructure = network,
/// compliance, edge, budget; database = database, redis; livekit = livekit;
/// backend = services, monitoring; frontend = frontend, edge. A full apply
/// (no --skip flags) is the normal path; skips are for the guide's partial deploys.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform deploy --dir examples/production --plan-only
  platform deploy --skip-infrastructure --skip-database --skip-frontend
  platform deploy --region us-west1 --auto-approve

Terraform is found through $TERRAFORM, else PATH. The exit code is Terraform's.")]
pub struct DeployArgs {
    /// Terraform root directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Skip network, compliance, edge and budget.
    #[arg(long)]
    pub skip_infrastructure: bool,
    /// Skip Cloud SQL and Redis.
    #[arg(long)]
    pub skip_database: bool,
    /// Skip the LiveKit cluster.
    #[arg(long)]
    pub skip_livekit: bool,
    /// Skip the Cloud Run services and their monitoring.
    #[arg(long)]
    pub skip_backend: bool,
    /// Skip the frontend buckets and edge.
    #[arg(long)]
    pub skip_frontend: bool,
    /// Progressive rollouts with metric gates (the default).
    #[arg(long, conflicts_with = "immediate")]
    pub blue_green: bool,
    /// Emergency path: send traffic to new revisions at once (asks for confirmation).
    /// Needs the root to declare variable "rollout_mode".
    #[arg(long)]
    pub immediate: bool,
    /// Deploy to a backup region in its own workspace (region-REGION).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Apply without asking (required when there is no terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Stop after the plan summary; change nothing.
    #[arg(long)]
    pub plan_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Evaluate the guide's pre-production checklist on a plan or the state.
/// Exits 1 when any item fails.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform checklist --dir examples/production          # plans now, then checks
  platform checklist --plan prod.tfplan --format json   # a saved plan, for CI
  platform checklist --state                            # what is deployed
  terraform show -json prod.tfplan > plan.json && platform checklist --json-file plan.json")]
pub struct ChecklistArgs {
    /// Terraform root directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// A saved plan file (terraform plan -out).
    #[arg(long, value_name = "PLANFILE", conflicts_with_all = ["state", "json_file"])]
    pub plan: Option<PathBuf>,
    /// Check the current state instead of a plan.
    #[arg(long, conflicts_with = "json_file")]
    pub state: bool,
    /// Existing `terraform show -json` output (plan or state).
    #[arg(long, value_name = "FILE")]
    pub json_file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum RolloutCommand {
    Status(StatusArgs),
    Watch(WatchArgs),
}

/// Each blue-green service's stable and candidate revisions, traffic split,
/// rollout status and the last rollout's measured steps, from the state.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform rollout status --dir examples/production
  platform rollout status platform-api")]
pub struct StatusArgs {
    /// Service name or resource address; all services when omitted.
    pub service: Option<String>,
    /// Terraform root directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Existing `terraform show -json` state output instead of asking Terraform.
    #[arg(long, value_name = "FILE")]
    pub json_file: Option<PathBuf>,
}

/// Follow a rollout that an apply elsewhere is driving: current step, traffic
/// split, time on the step and the candidate's measured error rate against the
/// threshold. Exits 0 once the candidate has served 100 % through its last
/// bake window, 1 when traffic went back to the stable revision, 130 on Ctrl-C
/// (which stops only the watcher, never the rollout).
///
/// Project, location and rollout settings come from the state; the service is
/// polled with the provider's client and the same environment variables the
/// provider honours (GOOGLE_CREDENTIALS / GOOGLE_APPLICATION_CREDENTIALS,
/// GOOGLE_OAUTH_ACCESS_TOKEN, GOOGLE_<API>_CUSTOM_ENDPOINT).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform rollout watch platform-api --dir examples/production
  GOOGLE_CREDENTIALS=key.json platform rollout watch api --interval 5s

Against the emulator, export the variables `platform emulator` prints first.")]
pub struct WatchArgs {
    /// Service name or resource address.
    pub service: String,
    /// Terraform root directory.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Time between polls, e.g. 2s or 500ms.
    #[arg(long, default_value = "2s", value_parser = parse_interval)]
    pub interval: Duration,
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    platform_provider::config::parse_duration(s)
}

/// Run the bundled GCP emulator and print the provider block to paste, so the
/// provider can be tried without a GCP account.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  platform emulator
  platform emulator --listen 127.0.0.1:8089 --state .emulator/state.json")]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// JSON file that keeps resources and the key across restarts; the
    /// credentials file is written next to it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}
