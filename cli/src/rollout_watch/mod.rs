//! `platform rollout watch`: follows a rollout that an apply elsewhere is
//! driving, by polling the Cloud Run service and measuring the candidate's
//! current window with the provider's own Monitoring query and verdict.

mod phase;
mod render;
mod target;

use std::io::Write;
use std::time::{Duration, Instant, SystemTime};

use gcp_client::GcpClient;
use platform_provider::resources::blue_green_service::{measure, Target, REQUEST_COUNT};

pub use phase::{phase, Outcome, Phase, Progress, StepState, Tracker};
pub use render::{change_key, finished_line, step_line, StepView};
pub use target::{find, WatchTarget};

use crate::error::CliError;

#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    pub interval: Duration,
    /// Redraw one line in place (a terminal) or print a line per change.
    pub tty: bool,
}

/// Writes progress lines; on a terminal the current step's line is redrawn.
struct Screen<W: Write> {
    out: W,
    tty: bool,
    /// What the last plain line said, so unchanged polls print nothing.
    last: String,
    line_open: bool,
}

impl<W: Write> Screen<W> {
    fn step(&mut self, line: &str, key: &str, new_step: bool) -> std::io::Result<()> {
        if self.tty {
            if new_step && self.line_open {
                writeln!(self.out)?;
            }
            // Carriage return plus erase-line: redraw the step's line in place.
            write!(self.out, "\r\x1b[2K{line}")?;
            self.line_open = true;
        } else if key != self.last {
            writeln!(self.out, "{line}")?;
            self.last = key.to_string();
        }
        self.out.flush()
    }

    fn say(&mut self, line: &str) -> std::io::Result<()> {
        if self.line_open {
            writeln!(self.out)?;
            self.line_open = false;
        }
        writeln!(self.out, "{line}")?;
        self.last.clear();
        self.out.flush()
    }
}

/// Polls until the rollout finishes. Cancel it (Ctrl-C) by dropping the future.
pub async fn watch<W: Write>(
    client: &GcpClient,
    target: &WatchTarget,
    opts: WatchOptions,
    out: W,
) -> Result<Outcome, CliError> {
    let run = client.run();
    let metrics = client.metrics();
    let full_name = target.full_name();
    let r = &target.rollout;
    let mut screen = Screen {
        out,
        tty: opts.tty,
        last: String::new(),
        line_open: false,
    };
    // Each window also waits for the metric's ingest delay, as the provider does.
    let ingest_delay = metrics
        .ingest_delay(&target.project, REQUEST_COUNT)
        .await
        .map_err(|e| CliError::Google {
            what: "reading the request_count metric descriptor".to_string(),
            source: Box::new(e),
        })?;
    let windows = u32::try_from(r.inconclusive_limit.max(0) + 1).unwrap_or(1);
    let mut tracker = Tracker::new((r.bake_at(100) + ingest_delay) * windows + opts.interval);
    let mut announced_wait = false;
    loop {
        let service = run
            .get_service(&full_name)
            .await
            .map_err(|e| CliError::Google {
                what: format!("reading Cloud Run service {full_name}"),
                source: Box::new(e),
            })?;
        let now = Instant::now();
        let current = phase(&service, &r.candidate_tag);
        tracing::debug!(service = %full_name, split = ?service.serving_split(), phase = ?current, "polled");
        match tracker.observe(&current, now) {
            Progress::Finished(outcome) => {
                screen.say(&finished_line(&target.name, &outcome))?;
                return Ok(outcome);
            }
            Progress::Waiting if !announced_wait => {
                announced_wait = true;
                let split = service
                    .serving_split()
                    .iter()
                    .map(|(rev, p)| format!("{rev} {p} %"))
                    .collect::<Vec<_>>()
                    .join(", ");
                screen.say(&format!(
                    "{}: no rollout in progress (serving {split}); waiting for one to start. Ctrl-C stops watching.",
                    target.name
                ))?;
            }
            Progress::Waiting | Progress::Unclear => {}
            Progress::Step(step) => {
                let stable = step.stable.as_deref().unwrap_or("-");
                let window = Target {
                    project: &target.project,
                    location: &target.location,
                    service: &target.name,
                    candidate: &step.candidate,
                    stable,
                };
                // The same window the provider judges: the step's last bake period.
                let bake = r.bake_at(step.percent);
                let measured = measure(&metrics, &window, bake, SystemTime::now())
                    .await
                    .map_err(|e| e.to_string());
                let view = StepView {
                    service: &target.name,
                    candidate: &step.candidate,
                    stable,
                    percent: step.percent,
                    stable_percent: step.stable_percent,
                    on_step: step.on_step,
                    measurement: Some(measured),
                };
                screen.step(&step_line(&view, r), &change_key(&view, r), step.new_step)?;
            }
        }
        tokio::time::sleep(opts.interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(tty: bool) -> Screen<Vec<u8>> {
        Screen {
            out: Vec::new(),
            tty,
            last: String::new(),
            line_open: false,
        }
    }

    #[test]
    fn terminal_redraws_the_step_line_and_keeps_finished_steps() {
        let mut s = screen(true);
        s.step("5 % a", "k5", true).unwrap();
        s.step("5 % b", "k5", false).unwrap();
        s.step("25 % a", "k25", true).unwrap();
        s.say("done").unwrap();
        let text = String::from_utf8(s.out).unwrap();
        assert_eq!(
            text,
            "\r\x1b[2K5 % a\r\x1b[2K5 % b\n\r\x1b[2K25 % a\ndone\n"
        );
    }

    #[test]
    fn plain_output_prints_a_line_per_change() {
        let mut s = screen(false);
        s.step("5 % at 0s", "k5", true).unwrap();
        s.step("5 % at 1s", "k5", false).unwrap();
        s.step("5 % breach", "k5b", false).unwrap();
        s.say("done").unwrap();
        let text = String::from_utf8(s.out).unwrap();
        assert_eq!(text, "5 % at 0s\n5 % breach\ndone\n");
    }
}
