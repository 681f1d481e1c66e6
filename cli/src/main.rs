use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use platform_cli::adopt::{adopt, AdoptOptions};
use platform_cli::args::{
    ChecklistArgs, Cli, Command, DeployArgs, Format, RolloutCommand, StatusArgs, WatchArgs,
};
use platform_cli::checklist::Report;
use platform_cli::deploy::{deploy, DeployOptions, RolloutMode, TerminalConfirm};
use platform_cli::emulator_cmd::{serve, EmulatorOptions};
use platform_cli::rollout_status::{not_found, services};
use platform_cli::rollout_watch::{find, watch, Outcome, WatchOptions};
use platform_cli::source::{load, Source};
use platform_cli::stages::Stage;
use platform_cli::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("warn")))
        .with_writer(std::io::stderr)
        .init();
    match run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            // Terraform already printed why it failed; everything else explains itself here.
            eprintln!("error: {err:#}");
            let code = err
                .downcast_ref::<CliError>()
                .map_or(1, CliError::exit_code);
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Deploy(args) => run_deploy(args),
        Command::Checklist(args) => run_checklist(args),
        Command::Rollout(RolloutCommand::Status(args)) => run_status(args),
        Command::Rollout(RolloutCommand::Watch(args)) => run_watch(args),
        Command::Adopt(args) => {
            adopt(&AdoptOptions {
                dir: args.dir,
                out: args.out,
                project: args.project,
                region: args.region,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Emulator(args) => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(serve(&EmulatorOptions {
                listen: args.listen,
                state: args.state,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_deploy(args: DeployArgs) -> anyhow::Result<ExitCode> {
    let skipped = [
        (args.skip_infrastructure, Stage::Infrastructure),
        (args.skip_database, Stage::Database),
        (args.skip_livekit, Stage::Livekit),
        (args.skip_backend, Stage::Backend),
        (args.skip_frontend, Stage::Frontend),
    ]
    .into_iter()
    .filter_map(|(skip, stage)| skip.then_some(stage))
    .collect();
    let mode = match (args.immediate, args.blue_green) {
        (true, _) => Some(RolloutMode::Immediate),
        (false, true) => Some(RolloutMode::BlueGreen),
        (false, false) => None,
    };
    let opts = DeployOptions {
        dir: args.dir,
        skipped,
        mode,
        region: args.region,
        auto_approve: args.auto_approve,
        plan_only: args.plan_only,
    };
    // Ctrl-C reaches Terraform too (same process group); stay alive so its
    // graceful stop and exit code come through instead of dying first.
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Interrupt received: waiting for Terraform to stop gracefully…");
        }
    });
    deploy(&opts, &mut TerminalConfirm)?;
    Ok(ExitCode::SUCCESS)
}

fn run_checklist(args: ChecklistArgs) -> anyhow::Result<ExitCode> {
    let source = match (args.json_file, args.plan, args.state) {
        (Some(file), _, _) => Source::JsonFile(file),
        (None, Some(plan), _) => Source::PlanFile(plan),
        (None, None, true) => Source::State,
        (None, None, false) => Source::FreshPlan,
    };
    let report = Report::evaluate(&load(&args.dir, &source)?);
    match args.format {
        Format::Table => print!("{report}"),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_status(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let source = match args.json_file {
        Some(file) => Source::JsonFile(file),
        None => Source::State,
    };
    let doc = load(&args.dir, &source)?;
    let found = services(&doc, args.service.as_deref());
    if found.is_empty() {
        return Err(not_found(&doc, args.service.as_deref(), &args.dir).into());
    }
    for (i, service) in found.iter().enumerate() {
        if i > 0 {
            println!();
        }
        print!("{service}");
    }
    Ok(ExitCode::SUCCESS)
}

fn run_watch(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let doc = load(&args.dir, &Source::State)?;
    let target = find(&doc, &args.service)
        .ok_or_else(|| not_found(&doc, Some(&args.service), &args.dir))??;
    let client = platform_cli::google::client_from_env()?;
    let opts = WatchOptions {
        interval: args.interval,
        tty: std::io::stdout().is_terminal(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        tokio::select! {
            outcome = watch(&client, &target, opts, std::io::stdout()) => Ok(match outcome? {
                Outcome::Promoted { .. } => ExitCode::SUCCESS,
                Outcome::RolledBack { .. } => ExitCode::FAILURE,
            }),
            _ = tokio::signal::ctrl_c() => {
                // Only the watcher stops; the apply driving the rollout is another process.
                eprintln!("\nStopped watching; the rollout itself goes on in Terraform.");
                Ok(ExitCode::from(130))
            }
        }
    })
}
