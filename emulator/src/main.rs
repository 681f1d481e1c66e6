use std::io::Write;

use anyhow::Context;
use clap::Parser;
use gcp_emulator::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // stdout carries only the readiness line; everything else goes to stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let emulator = gcp_emulator::start(cli.config())
        .await
        .context("starting the emulator")?;
    if let Some(path) = &cli.write_credentials {
        std::fs::write(path, emulator.service_account_key_json())
            .with_context(|| format!("writing credentials to {}", path.display()))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "gcp-emulator listening on {}", emulator.base_url())?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    emulator.shutdown().await;
    Ok(())
}
