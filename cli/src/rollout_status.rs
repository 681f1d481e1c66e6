//! `platform rollout status`: each blue-green service's revisions, traffic
//! split and last rollout, read from the `platform_blue_green_service` state
//! the provider writes (it already holds the measured values; nothing is re-queried).

use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::error::CliError;
use crate::service_settings::rollout_of;
use crate::show::{ResourceView, ShowDoc};
use crate::table::Table;

use platform_provider::resources::blue_green_service::TYPE_NAME as BLUE_GREEN;

#[derive(Debug, Clone, PartialEq)]
pub struct TrafficEntry {
    pub revision: String,
    pub percent: f64,
    pub tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub percent: f64,
    /// A decimal (0.005 = 0.5 %); `None` when the window had no data.
    pub error_rate: Option<f64>,
    pub p95_ms: Option<f64>,
    pub requests: Option<f64>,
    pub verdict: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LastRollout {
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRollout {
    pub address: String,
    pub name: String,
    pub uri: Option<String>,
    pub stable: Option<String>,
    pub candidate: Option<String>,
    pub candidate_uri: Option<String>,
    pub status: Option<String>,
    pub traffic: Vec<TrafficEntry>,
    pub last: Option<LastRollout>,
    pub max_error_rate: Option<f64>,
    pub max_latency_ratio: Option<f64>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn number(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// An object attribute, or a nested block stored as a list of one.
fn single(v: Option<&Value>) -> Option<&Value> {
    match v? {
        Value::Array(items) => items.first(),
        Value::Null => None,
        other => Some(other),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

impl ServiceRollout {
    pub fn from_resource(r: &ResourceView) -> Self {
        let v = &r.values;
        // The provider's defaults fill what the configuration left out.
        let rollout = rollout_of(r)
            .map_err(
                |why| tracing::warn!(address = %r.address, %why, "cannot decode rollout settings"),
            )
            .ok();
        let last = single(v.get("last_rollout")).map(|last| LastRollout {
            started_at: text(last, "started_at"),
            finished_at: text(last, "finished_at"),
            steps: array(last, "steps")
                .map(|s| Step {
                    percent: number(s, "percent").unwrap_or(0.0),
                    error_rate: number(s, "error_rate"),
                    p95_ms: number(s, "p95_ms"),
                    requests: number(s, "requests"),
                    verdict: text(s, "verdict").unwrap_or_else(|| "-".to_string()),
                })
                .collect(),
        });
        Self {
            address: r.address.clone(),
            name: text(v, "name").unwrap_or_else(|| r.address.clone()),
            uri: text(v, "uri"),
            stable: text(v, "stable_revision"),
            candidate: text(v, "candidate_revision"),
            candidate_uri: text(v, "candidate_uri"),
            status: text(v, "rollout_status"),
            traffic: array(v, "traffic")
                .map(|t| TrafficEntry {
                    revision: text(t, "revision").unwrap_or_else(|| "(latest)".to_string()),
                    percent: number(t, "percent").unwrap_or(0.0),
                    tag: text(t, "tag"),
                })
                .collect(),
            last,
            max_error_rate: rollout.as_ref().map(|r| r.max_error_rate),
            max_latency_ratio: rollout.as_ref().map(|r| r.max_latency_ratio),
        }
    }
}

/// Whether a service resource is the one a user named (by service name or address).
pub fn is_named(r: &ResourceView, wanted: &str) -> bool {
    r.address == wanted || r.str("name") == Some(wanted)
}

/// Services in the state, optionally only the one whose name or address is `filter`.
pub fn services(doc: &ShowDoc, filter: Option<&str>) -> Vec<ServiceRollout> {
    doc.of_type(BLUE_GREEN)
        .filter(|r| filter.is_none_or(|f| is_named(r, f)))
        .map(ServiceRollout::from_resource)
        .collect()
}

/// The error for a service that is not in the state, listing those that are.
pub fn not_found(doc: &ShowDoc, wanted: Option<&str>, dir: &Path) -> CliError {
    let known: Vec<String> = services(doc, None).into_iter().map(|s| s.name).collect();
    let hint = if known.is_empty() {
        "the state has no platform_blue_green_service; deploy the backend stage first".to_string()
    } else {
        format!("services in the state: {}", known.join(", "))
    };
    let wanted = wanted.map_or(String::new(), |s| format!(" named {s:?}"));
    CliError::Usage(format!(
        "no blue-green service{wanted} in {}: {hint}",
        dir.display()
    ))
}

fn trim_number(n: f64) -> String {
    let s = format!("{n:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn percent_of_decimal(rate: f64) -> String {
    format!("{:.2} %", rate * 100.0)
}

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "-".to_string())
}

impl fmt::Display for ServiceRollout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}  ({})", self.name, self.address)?;
        let mut facts = Table::new(["", ""]).indent(2);
        facts.row(["status".to_string(), or_dash(self.status.clone())]);
        facts.row(["stable".to_string(), or_dash(self.stable.clone())]);
        let candidate = match (&self.candidate, &self.candidate_uri) {
            (Some(c), Some(u)) => format!("{c}  {u}"),
            (c, _) => or_dash(c.clone()),
        };
        facts.row(["candidate".to_string(), candidate]);
        let traffic = self
            .traffic
            .iter()
            .map(|t| match &t.tag {
                Some(tag) => format!("{} {} % ({tag})", t.revision, trim_number(t.percent)),
                None => format!("{} {} %", t.revision, trim_number(t.percent)),
            })
            .collect::<Vec<_>>()
            .join(", ");
        facts.row([
            "traffic".to_string(),
            if traffic.is_empty() {
                "-".to_string()
            } else {
                traffic
            },
        ]);
        if let Some(uri) = &self.uri {
            facts.row(["url".to_string(), uri.clone()]);
        }
        // The header row of this two-column table is empty; skip it.
        for line in facts.to_string().lines().skip(1) {
            writeln!(f, "{line}")?;
        }
        let Some(last) = &self.last else {
            return writeln!(f, "  last rollout  none recorded");
        };
        let mut limits = Vec::new();
        if let Some(rate) = self.max_error_rate {
            limits.push(format!("max error rate {}", percent_of_decimal(rate)));
        }
        if let Some(ratio) = self.max_latency_ratio {
            limits.push(format!("max p95 {}× stable", trim_number(ratio)));
        }
        writeln!(
            f,
            "  last rollout  {} → {}{}",
            or_dash(last.started_at.clone()),
            last.finished_at
                .clone()
                .unwrap_or_else(|| "(running)".to_string()),
            if limits.is_empty() {
                String::new()
            } else {
                format!("  ({})", limits.join(", "))
            }
        )?;
        let mut steps = Table::new(["STEP", "ERROR RATE", "P95", "REQUESTS", "VERDICT"]).indent(4);
        for s in &last.steps {
            steps.row([
                format!("{} %", trim_number(s.percent)),
                s.error_rate.map_or("-".to_string(), percent_of_decimal),
                s.p95_ms
                    .map_or("-".to_string(), |p| format!("{} ms", trim_number(p))),
                s.requests.map_or("-".to_string(), |r| format!("{r:.0}")),
                s.verdict.clone(),
            ]);
        }
        write!(f, "{steps}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ShowDoc {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rollout_state.json");
        ShowDoc::parse(&std::fs::read(path).unwrap(), "rollout_state.json").unwrap()
    }

    #[test]
    fn reads_succeeded_and_rolled_back_services() {
        let all = services(&state(), None);
        assert_eq!(all.len(), 2);
        let api = &all[0];
        assert_eq!(api.name, "platform-api");
        assert_eq!(api.status.as_deref(), Some("succeeded"));
        assert_eq!(api.stable.as_deref(), Some("platform-api-5e1f2a9"));
        assert_eq!(
            api.traffic,
            vec![TrafficEntry {
                revision: "platform-api-5e1f2a9".into(),
                percent: 100.0,
                tag: None
            }]
        );
        let steps = &api.last.as_ref().unwrap().steps;
        assert_eq!(
            steps.iter().map(|s| s.percent).collect::<Vec<_>>(),
            [5.0, 25.0, 50.0, 100.0]
        );

        let ws = &all[1];
        assert_eq!(ws.status.as_deref(), Some("rolled_back"));
        assert_eq!(ws.candidate.as_deref(), Some("platform-websocket-c0ffee1"));
        let last = ws.last.as_ref().unwrap();
        assert_eq!(last.steps.len(), 2);
        assert_eq!(last.steps[1].error_rate, Some(0.021));
        assert_eq!(last.steps[1].verdict, "breach_error_rate");
    }

    #[test]
    fn renders_revisions_split_and_measurements() {
        let all = services(&state(), Some("platform-websocket"));
        assert_eq!(all.len(), 1);
        let text = all[0].to_string();
        for expected in [
            "status     rolled_back",
            "stable     platform-websocket-0a1b2c3",
            "candidate  platform-websocket-c0ffee1  https://candidate---platform-websocket-abc123-uc.a.run.app",
            "platform-websocket-0a1b2c3 100 %, platform-websocket-c0ffee1 0 % (candidate)",
            "(max error rate 0.50 %, max p95 2× stable)",
            "5 %   0.20 %      180 ms  1520      pass",
            "25 %  2.10 %      190 ms  7480      breach_error_rate",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }

    #[test]
    fn filter_by_address_and_unknown_name() {
        let doc = state();
        let by_addr = services(
            &doc,
            Some("module.services.platform_blue_green_service.service[\"api\"]"),
        );
        assert_eq!(by_addr.len(), 1);
        assert!(services(&doc, Some("nope")).is_empty());
    }

    #[test]
    fn omitted_rollout_block_shows_the_provider_defaults() {
        let doc = ShowDoc::parse(
            br#"{"values":{"root_module":{"resources":[{"address":"platform_blue_green_service.x","mode":"managed","type":"platform_blue_green_service","values":{"name":"x","rollout":[],"traffic":[],"last_rollout":{"started_at":"a","finished_at":"b","steps":[]}}}]}}}"#,
            "s",
        )
        .unwrap();
        let text = services(&doc, None)[0].to_string();
        assert!(
            text.contains("(max error rate 0.50 %, max p95 2× stable)"),
            "{text}"
        );
    }

    #[test]
    fn missing_last_rollout_is_explicit() {
        let doc = ShowDoc::parse(
            br#"{"values":{"root_module":{"resources":[{"address":"platform_blue_green_service.x","mode":"managed","type":"platform_blue_green_service","values":{"name":"x","last_rollout":null,"traffic":[]}}]}}}"#,
            "s",
        )
        .unwrap();
        let text = services(&doc, None)[0].to_string();
        assert!(text.contains("last rollout  none recorded"), "{text}");
    }
}
