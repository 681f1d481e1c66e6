//! Command-line flags of the `gcp-emulator` binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::clock::parse_duration;
use crate::EmulatorConfig;

/// A local, faithful stand-in for the Google Cloud APIs the platform provider calls.
#[derive(Debug, Parser)]
#[command(name = "gcp-emulator", version)]
pub struct Cli {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// JSON file that persists resources, operations and keys across restarts.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Write a trusted service-account key file here once listening.
    #[arg(long)]
    pub write_credentials: Option<PathBuf>,
    /// Project that exists (repeatable).
    #[arg(long = "project", default_value = crate::DEFAULT_PROJECT)]
    pub projects: Vec<String>,
    /// How long operations take to reach DONE (e.g. 250ms, 1s, 2m).
    #[arg(long, default_value = "200ms", value_parser = parse_duration)]
    pub op_latency: Duration,
    /// Runs the metrics' simulated time this many times faster than the wall
    /// clock: sample periods, the 60 s minimum alignment, the ingest delay,
    /// request rates and behaviour changes (60: a simulated minute per second).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub time_scale: f64,
    /// Simulated time before metric points become queryable (advertised as
    /// the descriptors' ingestDelay), e.g. 30s.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub metric_ingest_delay: Duration,
}

fn parse_scale(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 1.0 && *s <= 3600.0)
        .ok_or_else(|| format!("time scale {text:?} must be a number from 1 to 3600"))
}

impl Cli {
    pub fn config(&self) -> EmulatorConfig {
        EmulatorConfig {
            listen: self.listen,
            state_file: self.state.clone(),
            projects: self.projects.clone(),
            op_latency: self.op_latency,
            time: crate::clock::TimeScale {
                scale: self.time_scale,
                ingest_delay: self.metric_ingest_delay,
            },
        }
    }
}
