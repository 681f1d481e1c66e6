//! Runs a test body once per available Terraform version.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::terraform::{terraform_versions, Terraform};
use crate::HarnessError;

/// Runs `body` for every Terraform version found, oldest first, and reports each outcome
/// on stderr. All versions run even if one fails; the test then fails naming them.
/// Finding no Terraform at all is a failure, never a skip.
pub fn for_each_terraform(body: impl Fn(&Terraform) -> Result<(), HarnessError>) {
    let test = std::thread::current().name().unwrap_or("e2e").to_string();
    let versions = match terraform_versions() {
        Ok(v) => v,
        Err(e) => panic!("{test}: {e}"),
    };
    let mut failures = Vec::new();
    for terraform in versions {
        let outcome = match catch_unwind(AssertUnwindSafe(|| body(terraform))) {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(panic) => Some(panic_message(panic.as_ref())),
        };
        // Direct write: libtest would swallow eprintln! output of passing tests.
        let status = if outcome.is_some() { "FAILED" } else { "ok" };
        let _ = writeln!(
            std::io::stderr(),
            "e2e {test}: {} ... {status}",
            terraform.label()
        );
        if let Some(message) = outcome {
            failures.push(format!("{}: {message}", terraform.label()));
        }
    }
    if !failures.is_empty() {
        panic!("{test} failed:\n\n{}", failures.join("\n\n"));
    }
}

/// The oldest Terraform the bundled modules (and `examples/local`, which calls them)
/// accept: their `required_version`.
pub const MODULES_MIN_TERRAFORM: &str = "1.5";

/// [`for_each_terraform`] for a body that needs Terraform `min` ("major.minor") or newer:
/// older versions are skipped inside the loop with a note naming `what`. Fails when no
/// version found is new enough, because skipping every one would pass without testing.
pub fn for_each_terraform_at_least(
    min: &str,
    what: &str,
    body: impl Fn(&Terraform) -> Result<(), HarnessError>,
) {
    let versions = terraform_versions().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        versions.iter().any(|tf| tf.at_least(min)),
        "no Terraform >= {min} found (have {:?}); install one or set $TERRAFORM",
        versions.iter().map(|t| &t.version).collect::<Vec<_>>()
    );
    for_each_terraform(|tf| {
        if tf.at_least(min) {
            return body(tf);
        }
        // Direct write: libtest would swallow eprintln! output of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "e2e: terraform {} skipped for {what}: needs >= {min}",
            tf.version
        );
        Ok(())
    });
}

/// The message a caught panic carried (`assert!` and `panic!` text), for reporting it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panicked".into())
}
