//! `platform checklist`: the guide's pre-production checklist evaluated on a
//! plan or the state, as a ✓/✗ table or JSON for CI and run tasks.

mod checks;

pub use checks::{is_secret_name, Problem, CHECKS};

use std::fmt;

use serde::Serialize;

use crate::show::{DocKind, ShowDoc};
use crate::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: &'static str,
    pub description: &'static str,
    pub status: Status,
    /// Resources the item looked at.
    pub resources: Vec<String>,
    pub problems: Vec<Problem>,
    /// What to change; present only on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `plan` or `state`.
    pub source: &'static str,
    pub passed: bool,
    pub items: Vec<Item>,
}

impl Report {
    pub fn evaluate(doc: &ShowDoc) -> Self {
        let items: Vec<Item> = CHECKS
            .iter()
            .map(|check| {
                let outcome = (check.run)(doc);
                let failed = !outcome.problems.is_empty();
                Item {
                    id: check.id,
                    description: check.description,
                    status: if failed { Status::Fail } else { Status::Pass },
                    resources: outcome.checked,
                    problems: outcome.problems,
                    fix: failed.then_some(check.fix),
                }
            })
            .collect();
        Self {
            source: match doc.kind {
                DocKind::Plan => "plan",
                DocKind::State => "state",
            },
            passed: items.iter().all(|i| i.status == Status::Pass),
            items,
        }
    }

    pub fn failed_ids(&self) -> Vec<&'static str> {
        self.items
            .iter()
            .filter(|i| i.status == Status::Fail)
            .map(|i| i.id)
            .collect()
    }
}

/// Shows the first address and how many more, to keep rows on one line.
fn resource_cell(item: &Item) -> String {
    let failing: Vec<&str> = item
        .problems
        .iter()
        .filter_map(|p| p.address.as_deref())
        .collect();
    let list: Vec<&str> = if item.status == Status::Fail {
        failing
    } else {
        item.resources.iter().map(String::as_str).collect()
    };
    match list.as_slice() {
        [] => "-".to_string(),
        [one] => (*one).to_string(),
        [first, rest @ ..] => format!("{first} (+{} more)", rest.len()),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut table = Table::new(["", "CHECK", "RESOURCE", "WHAT TO CHANGE"]);
        for item in &self.items {
            let mark = match item.status {
                Status::Pass => "✓",
                Status::Fail => "✗",
            };
            table.row([
                mark.to_string(),
                item.description.to_string(),
                resource_cell(item),
                item.fix.unwrap_or("").to_string(),
            ]);
        }
        write!(f, "{table}")?;
        let failed: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| i.status == Status::Fail)
            .collect();
        if failed.is_empty() {
            return writeln!(
                f,
                "\nAll {} checks pass ({}).",
                self.items.len(),
                self.source
            );
        }
        writeln!(
            f,
            "\n{} of {} checks fail ({}):",
            failed.len(),
            self.items.len(),
            self.source
        )?;
        for item in failed {
            for problem in &item.problems {
                match &problem.address {
                    Some(address) => {
                        writeln!(f, "  ✗ {}: {address}: {}", item.id, problem.message)?
                    }
                    None => writeln!(f, "  ✗ {}: {}", item.id, problem.message)?,
                }
            }
        }
        Ok(())
    }
}
