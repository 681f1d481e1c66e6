//! Benchmark verdicts: each bench states its targets, prints whether every
//! measurement met them and fails (exit code 1) when one did not, so
//! `make bench` is a check rather than a table to eyeball.

use crate::HarnessError;

/// The targets one benchmark checks, with the measurement behind each.
#[derive(Default)]
pub struct Targets {
    results: Vec<(String, bool)>,
}

impl Targets {
    /// Records one target: `what` names target and measured value.
    pub fn check(&mut self, what: impl Into<String>, met: bool) {
        self.results.push((what.into(), met));
    }

    /// Prints every target with its verdict; an error names the missed ones.
    pub fn finish(self) -> Result<(), HarnessError> {
        println!();
        for (what, met) in &self.results {
            println!("{} {what}", if *met { "met   " } else { "MISSED" });
        }
        let missed: Vec<&str> = self
            .results
            .iter()
            .filter(|(_, met)| !met)
            .map(|(what, _)| what.as_str())
            .collect();
        if missed.is_empty() {
            Ok(())
        } else {
            Err(HarnessError::TargetMissed(missed.join("; ")))
        }
    }
}
