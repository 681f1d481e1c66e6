use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Offline checks and README generation for modules/ and examples/.
#[derive(Parser)]
#[command(name = "modcheck")]
struct Cli {
    /// Repository root holding modules/, examples/ and tools/modcheck/testdata/.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the inputs/outputs tables in each module README and the registry pages in docs/.
    Docs {
        /// Fail instead of writing when a README or page is stale.
        #[arg(long)]
        check: bool,
    },
    /// Check google_* arguments and blocks against the provider field list, and platform_*
    /// ones against this project's provider schema.
    Fields,
    /// Check module calls and references resolve.
    Wiring,
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let (findings, label) = match cli.command {
        Command::Docs { check } => {
            let changed = modcheck::update_docs(&cli.root, check)?;
            for path in &changed {
                let verb = if check {
                    "is stale (run `modcheck docs`)"
                } else {
                    "updated"
                };
                eprintln!("{}: {verb}", path.display());
            }
            return Ok(if check && !changed.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Fields => (modcheck::check_fields(&cli.root)?, "field"),
        Command::Wiring => (modcheck::check_wiring(&cli.root)?, "wiring"),
    };
    for finding in &findings {
        eprintln!("{finding}");
    }
    if findings.is_empty() {
        eprintln!("{label} check: ok");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{label} check: {} problem(s)", findings.len());
        Ok(ExitCode::FAILURE)
    }
}
