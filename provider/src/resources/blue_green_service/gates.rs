//! Custom gates (`rollout.gate` blocks): any Cloud Monitoring time series,
//! aligned per `analysis_interval` with the gate's aligner and reduced across
//! series with its reducer, judged at every check on the latest interval,
//! either against an absolute `max` or against the stable revision's value
//! (`max_ratio_to_stable`). Cloud Run metrics (`run.googleapis.com/…`) are read
//! per revision of this service; any other metric (a queue depth, a Redis or
//! Pub/Sub metric, a custom metric) as the filter selects it.

use std::time::{Duration, SystemTime};

use gcp_client::monitoring::metrics::{
    parse_timestamp, MetricsClient, TimeSeries, TimeSeriesQuery,
};
use tfplugin::{AttributePath, Diagnostic, Diagnostics, Number};

use super::analysis::{Finding, Target};
use super::model::{GateBlock, Model, RolloutBlock};
use crate::framework::model::non_empty;

/// Gate names: what `last_rollout` and every message call them.
const NAME_RULE: &str = "lower-case letters, digits and underscores, starting with a letter";

/// Prefix of the metrics that are read per revision of the service.
const CLOUD_RUN_METRICS: &str = "run.googleapis.com/";

#[derive(Debug, Clone, PartialEq)]
pub enum Limit {
    Max(f64),
    RatioToStable(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    /// Position among the `gate` blocks (for attribute paths).
    pub index: usize,
    pub name: String,
    pub filter: String,
    pub metric_type: String,
    pub aligner: String,
    pub reducer: String,
    pub limit: Limit,
}

/// A gate's values in the latest interval (None: no point there).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Reading {
    pub candidate: Option<f64>,
    pub stable: Option<f64>,
}

fn gate_path(index: usize, attr: &str) -> AttributePath {
    AttributePath::root(Model::ROLLOUT)
        .index(0)
        .attr(RolloutBlock::GATE)
        .index(index)
        .attr(attr)
}

/// The one metric type an equality in the filter selects (`metric.type = "…"`).
fn metric_type_of(filter: &str) -> Option<String> {
    let at = filter.find("metric.type")?;
    let rest = filter[at + "metric.type".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some(rest[..end].to_owned()).filter(|t| !t.is_empty())
}

fn invalid(index: usize, attr: &str, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, detail).at(gate_path(index, attr))
}

/// The `gate` blocks of `rollout`, checked as far as they can be without the API.
/// The `gate` blocks (with their schema defaults applied) as gates.
pub fn parse(blocks: &[GateBlock]) -> Result<Vec<Gate>, Diagnostic> {
    let mut gates: Vec<Gate> = Vec::new();
    for (index, b) in blocks.iter().enumerate() {
        let (Some(name), Some(filter)) = (non_empty(&b.name), non_empty(&b.filter)) else {
            continue; // unknown until apply; checked then
        };
        let (name, filter) = (name.to_owned(), filter.to_owned());
        let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(invalid(
                index,
                GateBlock::NAME,
                "Invalid gate name",
                format!("Gate name {name:?}: use {NAME_RULE}, e.g. \"queue_depth\"."),
            ));
        }
        if gates.iter().any(|g| g.name == name) {
            return Err(invalid(
                index,
                GateBlock::NAME,
                "Duplicate gate name",
                format!("Two gates are called {name:?}; give each gate its own name."),
            ));
        }
        let Some(metric_type) = metric_type_of(&filter) else {
            return Err(invalid(index, GateBlock::FILTER, "Gate filter without a metric type", format!("The filter of gate {name:?} is {filter:?}; Cloud Monitoring needs exactly one metric type in it, e.g. metric.type = \"custom.googleapis.com/queue_depth\".")));
        };
        let aligner = b.aligner.known().cloned().unwrap_or_default();
        if aligner == "ALIGN_NONE" {
            return Err(invalid(index, GateBlock::ALIGNER, "Gate needs an aligner", format!("Gate {name:?} uses ALIGN_NONE, which gives raw points instead of one value per interval; use e.g. ALIGN_MEAN, ALIGN_MAX or ALIGN_PERCENTILE_99.")));
        }
        let reducer = b.reducer.known().cloned().unwrap_or_default();
        let limit = match (
            b.max.known().map(Number::as_f64),
            b.max_ratio_to_stable.known().map(Number::as_f64),
        ) {
            (Some(max), None) => Limit::Max(max),
            (None, Some(ratio)) if ratio > 0.0 => Limit::RatioToStable(ratio),
            (None, Some(ratio)) => {
                return Err(invalid(
                    index,
                    GateBlock::MAX_RATIO_TO_STABLE,
                    "Invalid max_ratio_to_stable",
                    format!(
                    "Gate {name:?}: max_ratio_to_stable is {ratio}; it must be positive, e.g. 1.5."
                ),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    index,
                    GateBlock::MAX_RATIO_TO_STABLE,
                    "Gate with two limits",
                    format!(
                        "Gate {name:?} sets both max and max_ratio_to_stable; set one of them."
                    ),
                ))
            }
            (None, None) => {
                if b.max.is_unknown() || b.max_ratio_to_stable.is_unknown() {
                    continue;
                }
                return Err(invalid(index, GateBlock::MAX, "Gate without a limit", format!("Gate {name:?} needs either max (an absolute limit) or max_ratio_to_stable (relative to the stable revision's value).")));
            }
        };
        if matches!(limit, Limit::RatioToStable(_)) && !metric_type.starts_with(CLOUD_RUN_METRICS) {
            return Err(invalid(index, GateBlock::MAX_RATIO_TO_STABLE, "Ratio to stable needs a Cloud Run metric", format!("Gate {name:?} compares {metric_type} with the stable revision, but only Cloud Run metrics ({CLOUD_RUN_METRICS}…) are recorded per revision. Use max for a metric of another resource.")));
        }
        gates.push(Gate {
            index,
            name,
            filter,
            metric_type,
            aligner,
            reducer,
            limit,
        });
    }
    Ok(gates)
}

impl Gate {
    fn per_revision(&self) -> bool {
        self.metric_type.starts_with(CLOUD_RUN_METRICS)
    }

    /// The gate's query over `(start, end]`, one point per `period`; Cloud Run
    /// metrics narrowed to the two revisions and grouped by revision.
    pub fn query(
        &self,
        t: &Target<'_>,
        start: SystemTime,
        end: SystemTime,
        period: Duration,
    ) -> TimeSeriesQuery {
        let (filter, group_by_fields) = if self.per_revision() {
            (
                format!(
                    r#"({}) AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "{}" AND resource.labels.location = "{}" AND (resource.labels.revision_name = "{}" OR resource.labels.revision_name = "{}")"#,
                    self.filter, t.service, t.location, t.candidate, t.stable
                ),
                vec!["resource.labels.revision_name".to_owned()],
            )
        } else {
            (self.filter.clone(), vec![])
        };
        TimeSeriesQuery {
            filter,
            start,
            end,
            alignment_period: period,
            per_series_aligner: self.aligner.clone(),
            cross_series_reducer: Some(self.reducer.clone()),
            group_by_fields,
        }
    }

    /// The values in the latest interval `(end - period, end]`: per revision for
    /// Cloud Run metrics, otherwise the highest series as the candidate's.
    pub fn reading(
        &self,
        t: &Target<'_>,
        series: &[TimeSeries],
        end: SystemTime,
        period: Duration,
    ) -> Reading {
        let since = end.checked_sub(period).unwrap_or(end);
        let latest = |s: &TimeSeries| {
            s.points
                .iter()
                .filter(|p| parse_timestamp(&p.interval.end_time).is_some_and(|e| e > since))
                .max_by_key(|p| parse_timestamp(&p.interval.end_time))
                .and_then(|p| p.value.as_f64())
        };
        let highest = |keep: &dyn Fn(&TimeSeries) -> bool| {
            series
                .iter()
                .filter(|s| keep(s))
                .filter_map(latest)
                .reduce(f64::max)
        };
        if !self.per_revision() {
            return Reading {
                candidate: highest(&|_| true),
                stable: None,
            };
        }
        let of = |rev: &str| {
            highest(&|s: &TimeSeries| s.label("resource.labels.revision_name") == Some(rev))
        };
        Reading {
            candidate: of(t.candidate),
            stable: of(t.stable),
        }
    }

    /// Breach above the limit; inconclusive without a value in the interval.
    pub fn finding(&self, r: &Reading) -> Finding {
        let name = &self.name;
        let Some(value) = r.candidate else {
            return Ok(Some(format!(
                "gate {name}: no {} point in the latest interval",
                self.metric_type
            )));
        };
        match self.limit {
            Limit::Max(max) if value > max => Err(format!(
                "gate {name}: {} is {value} in the latest interval, above max {max}",
                self.metric_type
            )),
            Limit::Max(_) => Ok(None),
            Limit::RatioToStable(limit) => {
                // Stable served nothing (the 100 % step): nothing to compare with.
                let Some(stable) = r.stable else {
                    return Ok(None);
                };
                let ratio = if stable > 0.0 {
                    value / stable
                } else if value > 0.0 {
                    f64::INFINITY
                } else {
                    1.0
                };
                if ratio > limit {
                    Err(format!("gate {name}: {} is {value} for the candidate and {stable} for stable in the latest interval, {ratio:.2}× stable, above max_ratio_to_stable {limit:.2}", self.metric_type))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// What the runbook says about this gate.
    pub fn describe(&self) -> String {
        let limit = match self.limit {
            Limit::Max(max) => format!("at most {max}"),
            Limit::RatioToStable(r) => format!("at most {r:.2}× the stable revision's"),
        };
        format!(
            "gate {} ({} {} {}) {limit}",
            self.name, self.metric_type, self.aligner, self.reducer
        )
    }
}

/// Aligners whose result is a number even on a DISTRIBUTION metric.
fn numeric_on_distribution(aligner: &str) -> bool {
    aligner == "ALIGN_MEAN"
        || aligner == "ALIGN_COUNT"
        || aligner == "ALIGN_STDDEV"
        || aligner.starts_with("ALIGN_PERCENTILE_")
}

/// Plan-time checks against Cloud Monitoring: the metric exists (a custom one
/// may not have been written yet: a warning), the aligner gives a number, and
/// Monitoring itself accepts the filter and aggregation (a header-only query
/// of one interval, whose INVALID_ARGUMENT names what is wrong).
pub async fn check(
    metrics: &MetricsClient,
    project: &str,
    gates: &[Gate],
    interval: Duration,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    let end = SystemTime::now();
    for g in gates {
        match metrics.get_descriptor(project, &g.metric_type).await {
            Ok(desc)
                if desc.value_type == "DISTRIBUTION" && !numeric_on_distribution(&g.aligner) =>
            {
                d.push(invalid(g.index, "aligner", "Gate aligner gives a distribution", format!("{} is a DISTRIBUTION metric and {} keeps it one, but a gate compares numbers: use ALIGN_MEAN, ALIGN_COUNT or ALIGN_PERCENTILE_99/95/50/05.", g.metric_type, g.aligner)));
                continue;
            }
            Ok(_) => {}
            Err(e) if e.is_not_found() => {
                d.push(Diagnostic::warning("Gate metric not found", format!("Cloud Monitoring has no metric {} in project {project} yet (a custom metric exists once something writes it). Until it has points, gate {} is inconclusive and a step cannot pass.", g.metric_type, g.name)).at(gate_path(g.index, "filter")));
                continue;
            }
            Err(e) => {
                d.push(Diagnostic::warning("Gate not checked", format!("Reading the descriptor of {} failed ({e}); gate {} is checked again by the apply.", g.metric_type, g.name)).at(gate_path(g.index, "filter")));
                continue;
            }
        }
        let probe = Target {
            project,
            location: "-",
            service: "-",
            candidate: "-",
            stable: "-",
        };
        let query = g.query(
            &probe,
            end.checked_sub(interval).unwrap_or(end),
            end,
            interval,
        );
        if let Err(e) = metrics.list_time_series(project, &query).await {
            if let Some(api) = e.api().filter(|a| a.http_status == 400) {
                let attr = if api.message.contains("aligner") {
                    GateBlock::ALIGNER
                } else if api.message.contains("reducer") {
                    GateBlock::REDUCER
                } else {
                    GateBlock::FILTER
                };
                d.push(invalid(
                    g.index,
                    attr,
                    "Cloud Monitoring rejects the gate",
                    format!(
                        "Gate {}: Cloud Monitoring answered: {}",
                        g.name, api.message
                    ),
                ));
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Value;

    fn rollout_with(gates: Vec<Value>) -> Value {
        Value::object([("gate", Value::List(gates))])
    }

    /// The gates of a `rollout` block value, decoded as the resource does.
    fn parse(rollout: &Value) -> Result<Vec<Gate>, Diagnostic> {
        super::parse(&super::super::model::rollout_block(rollout)?.gate)
    }

    fn gate(pairs: &[(&str, Value)]) -> Value {
        let mut g = Value::object([
            ("name", Value::from("queue_depth")),
            (
                "filter",
                Value::from(r#"metric.type = "custom.googleapis.com/queue_depth""#),
            ),
            ("aligner", Value::Null),
            ("reducer", Value::Null),
            ("max", Value::from(100)),
            ("max_ratio_to_stable", Value::Null),
        ]);
        for (k, v) in pairs {
            g.set(k, v.clone());
        }
        g
    }

    fn refused(g: Value) -> Diagnostic {
        parse(&rollout_with(vec![g])).unwrap_err()
    }

    #[test]
    fn gates_parse_with_defaults_and_paths() {
        let gates = parse(&rollout_with(vec![gate(&[])])).unwrap();
        assert_eq!(gates[0].metric_type, "custom.googleapis.com/queue_depth");
        assert_eq!(gates[0].aligner, "ALIGN_MEAN");
        assert_eq!(gates[0].reducer, "REDUCE_MAX");
        assert_eq!(gates[0].limit, Limit::Max(100.0));
        let path = |d: &Diagnostic| format!("{:?}", d.attribute);
        let d = refused(gate(&[("name", Value::from("Queue-Depth"))]));
        assert!(
            path(&d).contains("\"gate\"") && path(&d).contains("\"name\""),
            "{d:?}"
        );
        let d = refused(gate(&[(
            "filter",
            Value::from(r#"resource.type = "global""#),
        )]));
        assert!(
            d.detail.contains("exactly one metric type") && path(&d).contains("filter"),
            "{d:?}"
        );
        let d = refused(gate(&[("aligner", Value::from("ALIGN_NONE"))]));
        assert!(path(&d).contains("aligner"), "{d:?}");
        let d = refused(gate(&[("max_ratio_to_stable", Value::from(2))]));
        assert!(d.summary.contains("two limits"), "{d:?}");
        let d = refused(gate(&[
            ("max", Value::Null),
            ("max_ratio_to_stable", Value::from(2)),
        ]));
        assert!(d.detail.contains("only Cloud Run metrics"), "{d:?}");
        let d = refused(gate(&[("max", Value::Null)]));
        assert!(d.summary.contains("without a limit"), "{d:?}");
        let twice = parse(&rollout_with(vec![gate(&[]), gate(&[])])).unwrap_err();
        assert!(
            twice.summary.contains("Duplicate")
                && format!("{:?}", twice.attribute).contains("Index(1)"),
            "{twice:?}"
        );
        // Unknown values are checked once known.
        assert!(
            parse(&rollout_with(vec![gate(&[("name", Value::Unknown)])]))
                .unwrap()
                .is_empty()
        );
    }

    fn target() -> Target<'static> {
        Target {
            project: "p",
            location: "us-central1",
            service: "api",
            candidate: "api-new",
            stable: "api-old",
        }
    }

    fn series(revision: &str, points: &[(SystemTime, f64)]) -> TimeSeries {
        let rfc3339 = |t: &SystemTime| {
            time::OffsetDateTime::from(*t)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        };
        let points: Vec<serde_json::Value> = points
            .iter()
            .map(|(end, x)| serde_json::json!({"interval": {"endTime": rfc3339(end)}, "value": {"doubleValue": x}}))
            .collect();
        serde_json::from_value(serde_json::json!({
            "resource": {"type": "cloud_run_revision", "labels": {"revision_name": revision}},
            "points": points,
        }))
        .unwrap()
    }

    #[test]
    fn cloud_run_gates_compare_revisions_on_the_latest_interval() {
        let ratio = parse(&rollout_with(vec![gate(&[
            ("name", Value::from("p99")),
            (
                "filter",
                Value::from(r#"metric.type = "run.googleapis.com/request_latencies""#),
            ),
            ("aligner", Value::from("ALIGN_PERCENTILE_99")),
            ("max", Value::Null),
            (
                "max_ratio_to_stable",
                crate::framework::values::number("1.5"),
            ),
        ])]))
        .unwrap()
        .remove(0);
        let end = SystemTime::now();
        let minute = Duration::from_secs(60);
        let q = ratio.query(&target(), end - minute * 3, end, minute);
        assert!(q.filter.starts_with(r#"(metric.type = "run.googleapis.com/request_latencies") AND resource.type = "cloud_run_revision""#), "{}", q.filter);
        assert!(q
            .filter
            .contains(r#"resource.labels.revision_name = "api-new""#));
        assert_eq!(q.group_by_fields, vec!["resource.labels.revision_name"]);
        // An old interval's spike is not the latest interval's value.
        let data = [
            series("api-new", &[(end - minute * 2, 900.0), (end, 280.0)]),
            series("api-old", &[(end, 100.0)]),
        ];
        let r = ratio.reading(&target(), &data, end, minute);
        assert_eq!(
            r,
            Reading {
                candidate: Some(280.0),
                stable: Some(100.0)
            }
        );
        let why = ratio.finding(&r).unwrap_err();
        assert!(
            why.contains("2.80× stable") && why.contains("max_ratio_to_stable 1.50"),
            "{why}"
        );
        assert_eq!(
            ratio.finding(&Reading {
                candidate: Some(140.0),
                stable: Some(100.0)
            }),
            Ok(None)
        );
        // The 100 % step: nothing to compare with.
        assert_eq!(
            ratio.finding(&Reading {
                candidate: Some(900.0),
                stable: None
            }),
            Ok(None)
        );
        // No candidate point in the latest interval: inconclusive, never a pass.
        let stale = [series("api-new", &[(end - minute * 2, 100.0)])];
        let r = ratio.reading(&target(), &stale, end, minute);
        assert!(ratio
            .finding(&r)
            .unwrap()
            .unwrap()
            .contains("no run.googleapis.com/request_latencies point"));
    }

    #[test]
    fn other_metrics_are_read_as_the_filter_selects_them() {
        let g = parse(&rollout_with(vec![gate(&[])])).unwrap().remove(0);
        let end = SystemTime::now();
        let minute = Duration::from_secs(60);
        let q = g.query(&target(), end - minute, end, minute);
        assert_eq!(
            q.filter,
            r#"metric.type = "custom.googleapis.com/queue_depth""#
        );
        assert!(q.group_by_fields.is_empty());
        let data = [series("x", &[(end, 40.0)]), series("y", &[(end, 130.0)])];
        let r = g.reading(&target(), &data, end, minute);
        assert_eq!(r.candidate, Some(130.0));
        assert!(g
            .finding(&r)
            .unwrap_err()
            .contains("130 in the latest interval, above max 100"));
    }
}
