//! The invalid-input corpus (`tests/corpus/*.tf`): configurations a user could write that
//! Google would reject (or that would silently do harm), each with the stage at which the
//! provider must catch it, the attribute it must point at and words its message must hold.
//!
//! A case file starts with its expectations:
//! ```text
//! # stage: validate | plan | apply      (apply: fails before anything is created)
//! # path: rtc.tcp_port                  (attribute path; the diagnostic must point at the
//! #                                      line that sets its last attribute or block)
//! # expect: words in the summary or detail
//! # severity: warning                   (optional; error by default)
//! ```
//! Cases run as modules (`cases/<name>/main.tf`), one root per stage, so each Terraform
//! version needs one `validate -json` per root, one `plan -json` and one `apply -json`:
//! diagnostics are matched to cases by the file they point into. The apply root must leave
//! the emulator exactly as it found it.

use std::collections::BTreeMap;
use std::io::Write;

use e2e::{
    record_suite_totals, required_providers, terraform_versions, workspace_root, Emulator,
    HarnessError, Terraform, Workspace,
};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Validate,
    Plan,
    Apply,
}

#[derive(Debug)]
struct Case {
    name: String,
    stage: Stage,
    path: String,
    expect: String,
    severity: String,
    body: String,
}

impl Case {
    fn parse(name: &str, body: String) -> Result<Self, String> {
        let header = |key: &str| {
            body.lines()
                .take_while(|l| l.starts_with('#'))
                .find_map(|l| l.strip_prefix(&format!("# {key}:")))
                .map(|v| v.trim().to_owned())
        };
        let stage = match header("stage").as_deref() {
            Some("validate") => Stage::Validate,
            Some("plan") => Stage::Plan,
            Some("apply") => Stage::Apply,
            other => return Err(format!("{name}: `# stage:` is {other:?}")),
        };
        let path = header("path").ok_or(format!("{name}: no `# path:`"))?;
        let expect = header("expect").ok_or(format!("{name}: no `# expect:`"))?;
        Ok(Self {
            name: name.to_owned(),
            stage,
            path,
            expect,
            severity: header("severity").unwrap_or_else(|| "error".to_owned()),
            body,
        })
    }

    fn file(&self) -> String {
        format!("cases/{}/main.tf", self.name)
    }

    /// Lines (1-based) that set the path's last attribute or open its last block.
    fn target_lines(&self) -> Vec<u64> {
        let last = self.path.rsplit('.').next().unwrap_or_default();
        let last = last.split('[').next().unwrap_or_default();
        self.body
            .lines()
            .zip(1u64..)
            .filter(|(l, _)| {
                let rest = l.trim_start().strip_prefix(last).unwrap_or("#");
                rest.trim_start().starts_with(['=', '{'])
            })
            .map(|(_, n)| n)
            .collect()
    }

    /// Why `diags` (every diagnostic of this case's stage) do not show this case caught
    /// as expected; `None` when they do.
    fn judge(&self, diags: &[Diag]) -> Option<String> {
        let mine: Vec<&Diag> = diags.iter().filter(|d| d.file == self.file()).collect();
        let lines = self.target_lines();
        if mine.iter().any(|d| {
            d.severity == self.severity
                && d.text().contains(&self.expect)
                && lines.contains(&d.line)
        }) {
            return None;
        }
        let seen: Vec<String> = mine
            .iter()
            .map(|d| format!("{} at line {}: {}", d.severity, d.line, d.text()))
            .collect();
        Some(if seen.is_empty() {
            "not caught".to_owned()
        } else {
            format!(
                "expected {} containing {:?} at line {lines:?} ({}), got: {}",
                self.severity,
                self.expect,
                self.path,
                seen.join(" | ")
            )
        })
    }
}

/// One diagnostic as Terraform's JSON output reports it.
#[derive(Debug)]
struct Diag {
    severity: String,
    summary: String,
    detail: String,
    file: String,
    line: u64,
}

impl Diag {
    fn from_json(d: &Value) -> Self {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        Self {
            severity: s(&d["severity"]),
            summary: s(&d["summary"]),
            detail: s(&d["detail"]),
            file: s(&d["range"]["filename"]),
            line: d["range"]["start"]["line"].as_u64().unwrap_or(0),
        }
    }

    fn text(&self) -> String {
        format!("{}: {}", self.summary, self.detail)
    }
}

fn corpus() -> Vec<Case> {
    let dir = workspace_root().join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    let cases: Vec<Case> = files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap_or_default().to_string_lossy();
            let body = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{name}: {e}"));
            Case::parse(&name, body).unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    cases
}

/// A root module holding `cases` as modules, against `emu`.
fn root<'a>(
    tf: &'a Terraform,
    emu: &Emulator,
    cases: &[&Case],
) -> Result<Workspace<'a>, HarnessError> {
    let mut main = format!("{}\n{}", required_providers(), emu.provider_block(""));
    let ws = Workspace::new(tf, &[])?;
    for case in cases {
        main.push_str(&format!(
            "module \"{0}\" {{\n  source = \"./cases/{0}\"\n}}\n",
            case.name
        ));
        ws.write_file(&case.file(), &case.body)?;
        ws.write_file(
            &format!("cases/{}/versions.tf", case.name),
            &required_providers(),
        )?;
    }
    ws.write_file("main.tf", &main)?;
    ws.init()?;
    Ok(ws)
}

/// Diagnostics of `terraform validate -json` (one JSON document).
fn validate(ws: &Workspace) -> Result<Vec<Diag>, HarnessError> {
    let out = ws.run(&["validate", "-json"], &[])?;
    let doc: Value = serde_json::from_str(&out.stdout).map_err(|e| HarnessError::BadOutput {
        command: "terraform validate -json".into(),
        detail: format!("{e}: {}", out.combined()),
    })?;
    Ok(doc["diagnostics"]
        .as_array()
        .map(|ds| ds.iter().map(Diag::from_json).collect())
        .unwrap_or_default())
}

/// Diagnostics of `terraform <args> -json` (a machine-readable UI stream).
fn streamed(ws: &Workspace, args: &[&str]) -> Result<Vec<Diag>, HarnessError> {
    let out = ws.run(args, &[])?;
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["type"] == "diagnostic")
        .map(|m| Diag::from_json(&m["diagnostic"]))
        .collect())
}

/// Errors that belong to no case: a broken root, a crash, a diagnostic without a range.
fn strays(diags: &[Diag], cases: &[&Case]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == "error" && !cases.iter().any(|c| c.file() == d.file))
        .map(|d| format!("{} ({}:{})", d.text(), d.file, d.line))
        .collect()
}

/// Records each case's verdict on `diags`, after making sure no error lies outside the cases.
fn judge(
    verdicts: &mut BTreeMap<String, Option<String>>,
    cases: &[&Case],
    diags: &[Diag],
) -> Result<(), HarnessError> {
    let strays = strays(diags, cases);
    if !strays.is_empty() {
        return Err(HarnessError::BadOutput {
            command: "terraform".into(),
            detail: format!("errors outside the cases: {}", strays.join("; ")),
        });
    }
    for c in cases {
        verdicts.insert(c.name.clone(), c.judge(diags));
    }
    Ok(())
}

/// Runs the whole corpus on one Terraform version: each case's verdict (`None` = passed).
fn run_corpus(
    tf: &Terraform,
    cases: &[Case],
) -> Result<BTreeMap<String, Option<String>>, HarnessError> {
    let emu = Emulator::start()?;
    let stage = |s: Stage| cases.iter().filter(|c| c.stage == s).collect::<Vec<_>>();
    let mut verdicts = BTreeMap::new();
    let validate_cases = stage(Stage::Validate);
    let ws = root(tf, &emu, &validate_cases)?;
    judge(&mut verdicts, &validate_cases, &validate(&ws)?)?;

    // A plan or apply case caught at validate would hide the others behind it: such a case
    // is reported (move it to `validate`) and left out of the later stage.
    for later in [Stage::Plan, Stage::Apply] {
        let cases = stage(later);
        let ws = root(tf, &emu, &cases)?;
        let early: Vec<Diag> = validate(&ws)?
            .into_iter()
            .filter(|d| d.severity == "error")
            .collect();
        let (caught_early, rest): (Vec<&Case>, Vec<&Case>) = cases
            .iter()
            .partition(|c| early.iter().any(|d| d.file == c.file()));
        for c in &caught_early {
            verdicts.insert(
                c.name.clone(),
                Some("caught at validate already: set `# stage: validate`".to_owned()),
            );
        }
        if rest.is_empty() {
            continue;
        }
        // The root checked above serves unless cases had to be left out of it.
        let ws = if caught_early.is_empty() {
            ws
        } else {
            root(tf, &emu, &rest)?
        };
        if later == Stage::Plan {
            judge(&mut verdicts, &rest, &streamed(&ws, &["plan", "-json"])?)?;
        } else {
            let before = emu.resource_names(|_| true)?;
            judge(
                &mut verdicts,
                &rest,
                &streamed(&ws, &["apply", "-json", "-auto-approve"])?,
            )?;
            let after = emu.resource_names(|_| true)?;
            let created: Vec<&String> = after.iter().filter(|n| !before.contains(n)).collect();
            if !created.is_empty() {
                return Err(HarnessError::BadOutput {
                    command: "terraform apply".into(),
                    detail: format!("the apply cases created {created:?} before failing"),
                });
            }
        }
    }
    Ok(verdicts)
}

#[test]
fn every_invalid_input_is_caught_at_its_stage_with_its_path() {
    let cases = corpus();
    let versions = terraform_versions().unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut passed = 0;
    for tf in versions {
        let verdicts =
            run_corpus(tf, &cases).unwrap_or_else(|e| panic!("terraform {}: {e}", tf.version));
        for (name, verdict) in verdicts {
            match verdict {
                None => passed += 1,
                Some(why) => failures.push(format!("{} {name}: {why}", tf.label())),
            }
        }
        let _ = writeln!(
            std::io::stderr(),
            "invalid-input corpus on {}: done",
            tf.label()
        );
    }
    let labels: Vec<String> = versions.iter().map(|t| t.label()).collect();
    record_suite_totals(
        "invalid-input corpus",
        cases.len() * versions.len(),
        passed,
        &format!("{} configurations × {}", cases.len(), labels.join(", ")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        failures.is_empty(),
        "{} of {} corpus runs failed:\n{}",
        failures.len(),
        cases.len() * versions.len(),
        failures.join("\n")
    );
}
