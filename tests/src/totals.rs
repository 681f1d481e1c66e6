//! Totals of suites that run many cases inside one test (the reliability suite, the
//! invalid-input corpus). libtest hides the output of passing tests, so each suite writes
//! its line to `<target>/suite-totals/<suite>.txt` and `scripts/test.sh` prints every such
//! line after cargo's own totals.

use crate::paths::target_dir;
use crate::HarnessError;

/// Records `<suite>: <cases> cases, <passed> passed` (`detail`, e.g. the Terraform versions,
/// goes in parentheses) for `make test`'s summary.
pub fn record_suite_totals(
    suite: &str,
    cases: usize,
    passed: usize,
    detail: &str,
) -> Result<(), HarnessError> {
    let dir = target_dir().join("suite-totals");
    std::fs::create_dir_all(&dir)
        .map_err(HarnessError::io(format!("creating {}", dir.display())))?;
    let path = dir.join(format!("{suite}.txt"));
    let detail = if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    };
    std::fs::write(
        &path,
        format!("{suite}: {cases} cases, {passed} passed{detail}\n"),
    )
    .map_err(HarnessError::io(format!("writing {}", path.display())))
}
