//! Running a child process to completion with a deadline, capturing its output.

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::HarnessError;

/// What a finished command printed. `Display` shows everything, so a failed assertion that
/// prints it tells the whole story.
#[derive(Debug, Clone)]
pub struct CommandOutput {
    /// Human-readable command line, prefixed by context such as the terraform version.
    pub command: String,
    /// `None` when the process was killed by a signal (including our timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CommandOutput {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout followed by stderr, for "mentions X anywhere" checks.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// [`Self::combined`] on one line: Terraform's wrapping of diagnostic text
    /// and its `│` frame undone, so a sentence can be matched whole.
    pub fn flat(&self) -> String {
        self.combined()
            .replace('│', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Turns a non-zero exit into an error that carries the output.
    pub fn ok(self) -> Result<Self, HarnessError> {
        if self.success() {
            Ok(self)
        } else {
            Err(HarnessError::CommandFailed(Box::new(self)))
        }
    }
}

impl fmt::Display for CommandOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self
            .code
            .map_or_else(|| "killed".to_string(), |c| c.to_string());
        write!(
            f,
            "`{}` (exit {code})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Runs `cmd` with piped output, killing it if it outlives `timeout`.
pub fn run_with_timeout(
    mut cmd: Command,
    label: String,
    timeout: Duration,
) -> Result<CommandOutput, HarnessError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Own process group, so a timeout also reaps grandchildren (terraform's plugins)
        // that would otherwise keep our pipes open.
        .process_group(0);
    let mut child = cmd
        .spawn()
        .map_err(HarnessError::io(format!("spawning `{label}`")))?;
    // Drain both pipes concurrently: a child blocked on a full pipe would never exit.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);

    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        if let Some(status) = child
            .try_wait()
            .map_err(HarnessError::io(format!("waiting for `{label}`")))?
        {
            break (status, false);
        }
        if Instant::now() >= deadline {
            kill_group(child.id());
            // Best effort: the process may have exited between try_wait and kill.
            let _ = child.kill();
            let status = child
                .wait()
                .map_err(HarnessError::io(format!("reaping `{label}`")))?;
            break (status, true);
        }
        thread::sleep(Duration::from_millis(20));
    };

    let output = CommandOutput {
        command: label,
        code: exit_code(status, timed_out),
        stdout: join(stdout),
        stderr: join(stderr),
    };
    if timed_out {
        Err(HarnessError::Timeout {
            secs: timeout.as_secs(),
            output: Box::new(output),
        })
    } else {
        Ok(output)
    }
}

fn exit_code(status: ExitStatus, timed_out: bool) -> Option<i32> {
    if timed_out {
        None
    } else {
        status.code()
    }
}

/// SIGKILLs a whole process group. `kill(1)` keeps the crate free of `unsafe` FFI.
fn kill_group(pgid: u32) {
    // Best effort: failure leaves only the direct child, which is killed separately.
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error just truncates the captured output; the exit status still decides.
        let _ = pipe.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn join(handle: Option<thread::JoinHandle<String>>) -> String {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_exit_code() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; exit 3"]);
        let out = run_with_timeout(cmd, "sh".into(), Duration::from_secs(10)).expect("sh runs");
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout.trim(), "out");
        assert_eq!(out.stderr.trim(), "err");
        assert!(matches!(out.ok(), Err(HarnessError::CommandFailed(_))));
    }

    #[test]
    fn kills_commands_that_overrun() {
        let mut cmd = Command::new("sh");
        // The grandchild `sleep` holds the pipes too: the whole group must die.
        cmd.args(["-c", "echo started; sleep 30; true"]);
        let started = Instant::now();
        let err = run_with_timeout(cmd, "sleep".into(), Duration::from_millis(300))
            .expect_err("must time out");
        assert!(started.elapsed() < Duration::from_secs(10));
        match err {
            HarnessError::Timeout { output, .. } => assert_eq!(output.stdout.trim(), "started"),
            other => panic!("expected timeout, got {other}"),
        }
    }
}
