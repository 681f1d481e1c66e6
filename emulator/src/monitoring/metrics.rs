//! Monitoring v3 `projects.timeSeries.list` over synthetic Cloud Run metrics
//! (`run.googleapis.com/request_count` and `request_latencies` for
//! `cloud_run_revision`), with Google's parameter checks, alignment and
//! cross-series reduction.

mod distribution;
mod filter;
mod synth;
mod written;

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use self::distribution::Distribution;
use self::filter::{canonical_field, Fields, Filter};
use self::synth::{RevisionTraffic, REQUEST_COUNT, REQUEST_LATENCIES};
use crate::clock::{now_ms, rfc3339, TimeScale};
use crate::error::{ApiError, EmulatorError};
use crate::router::{ApiCall, Registry};

pub fn register(routes: &mut Registry) -> Result<(), EmulatorError> {
    routes.add("monitoring.projects.timeSeries.list", list)?;
    routes.add("monitoring.projects.timeSeries.create", written::create)
}

/// (metric kind, value type) of the metrics the emulator serves.
pub fn known_metric(metric_type: &str) -> Option<(&'static str, &'static str)> {
    match metric_type {
        REQUEST_COUNT => Some(("DELTA", "INT64")),
        REQUEST_LATENCIES => Some(("DELTA", "DISTRIBUTION")),
        _ => None,
    }
}

fn unit_of(metric_type: &str) -> &'static str {
    if metric_type == REQUEST_LATENCIES {
        "ms"
    } else {
        "1"
    }
}

/// `metricDescriptors.get` for the two Cloud Run metrics: sampled every 60 s,
/// with the emulator's configured ingest delay (zero unless set), both in the
/// emulator's simulated time.
pub(crate) async fn builtin_descriptor(call: ApiCall) -> Result<Value, ApiError> {
    let project = call.path("projectsId").to_string();
    let raw = call.path("metricDescriptorsId");
    let metric_type: String = url::form_urlencoded::parse(format!("t={raw}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default();
    let (kind, value_type, unit) = match known_metric(&metric_type) {
        Some((kind, value_type)) => (kind, value_type, unit_of(&metric_type)),
        None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "notFound",
                format!("Could not find descriptor for metric '{metric_type}'."),
            ))
        }
    };
    Ok(json!({
        "name": format!("projects/{project}/metricDescriptors/{metric_type}"),
        "type": metric_type,
        "metricKind": kind,
        "valueType": value_type,
        "unit": unit,
        "labels": [
            {"key": "response_code", "valueType": "STRING"},
            {"key": "response_code_class", "valueType": "STRING"},
            {"key": "route", "valueType": "STRING"},
        ],
        "monitoredResourceTypes": [synth::RESOURCE_TYPE],
        "metadata": {
            "samplePeriod": TimeScale::duration_text(sample_ms(&call.app.time)),
            "ingestDelay": TimeScale::duration_text(call.app.time.real_ms(call.app.time.ingest_delay)),
        },
        "launchStage": "GA",
    }))
}

/// Raw Cloud Run metrics are sampled every 60 s, which is also Monitoring's
/// shortest alignment period (both in simulated time).
const SAMPLE: std::time::Duration = std::time::Duration::from_secs(60);

fn sample_ms(time: &TimeScale) -> i64 {
    time.real_ms(SAMPLE).max(1)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aligner {
    None,
    Delta,
    Sum,
    Rate,
    Mean,
    Count,
    Min,
    Max,
    NextOlder,
    Percentile(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reducer {
    None,
    Sum,
    Mean,
    Min,
    Max,
    Count,
    Percentile(f64),
}

#[derive(Debug, Clone)]
struct Query {
    filter: Filter,
    metric_type: String,
    start_ms: i64,
    end_ms: i64,
    period_ms: i64,
    aligner: Aligner,
    reducer: Reducer,
    group_by: Vec<String>,
    headers_only: bool,
    /// The sample period in wall-clock milliseconds.
    sample_ms: i64,
    /// Points are complete only up to here (now minus the ingest delay).
    cutoff_ms: i64,
}

#[derive(Debug, Clone)]
enum Val {
    Int(i64),
    Double(f64),
    Dist(Distribution),
}

impl Val {
    fn as_f64(&self) -> f64 {
        match self {
            Val::Int(i) => *i as f64,
            Val::Double(d) => *d,
            Val::Dist(d) => d.mean(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Val::Int(i) => json!({"int64Value": i.to_string()}),
            Val::Double(d) => json!({"doubleValue": d}),
            Val::Dist(d) => json!({"distributionValue": d.to_json()}),
        }
    }

    fn value_type(&self) -> &'static str {
        match self {
            Val::Int(_) => "INT64",
            Val::Double(_) => "DOUBLE",
            Val::Dist(_) => "DISTRIBUTION",
        }
    }
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_field(field, message)
}

fn parse_time(field: &str, text: &str) -> Result<i64, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| bad(field, format!("Invalid value at '{field}' (type.googleapis.com/google.protobuf.Timestamp), Field '{field}', Invalid time format: {text}")))
}

fn parse_period(text: &str) -> Result<i64, ApiError> {
    text.strip_suffix('s')
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| (s * 1000.0) as i64)
        .ok_or_else(|| bad("aggregation.alignmentPeriod", format!("Invalid value at 'aggregation.alignment_period' (type.googleapis.com/google.protobuf.Duration), Field 'alignmentPeriod', Illegal duration format; duration must end with 's': {text}")))
}

fn percentile_of(name: &str, prefix: &str) -> Option<f64> {
    name.strip_prefix(prefix)
        .and_then(|p| p.parse::<f64>().ok())
        .map(|p| if p < 10.0 { p } else { p.min(99.0) })
}

fn aligner(name: &str) -> Result<Aligner, ApiError> {
    Ok(match name {
        "ALIGN_NONE" => Aligner::None,
        "ALIGN_DELTA" => Aligner::Delta,
        "ALIGN_SUM" => Aligner::Sum,
        "ALIGN_RATE" => Aligner::Rate,
        "ALIGN_MEAN" => Aligner::Mean,
        "ALIGN_COUNT" => Aligner::Count,
        "ALIGN_MIN" => Aligner::Min,
        "ALIGN_MAX" => Aligner::Max,
        "ALIGN_NEXT_OLDER" => Aligner::NextOlder,
        other => match percentile_of(other, "ALIGN_PERCENTILE_") {
            Some(p) => Aligner::Percentile(if other.ends_with("_05") { 5.0 } else { p }),
            None => return Err(unsupported(&format!("perSeriesAligner {other}"))),
        },
    })
}

fn reducer(name: &str) -> Result<Reducer, ApiError> {
    Ok(match name {
        "REDUCE_NONE" => Reducer::None,
        "REDUCE_SUM" => Reducer::Sum,
        "REDUCE_MEAN" => Reducer::Mean,
        "REDUCE_MIN" => Reducer::Min,
        "REDUCE_MAX" => Reducer::Max,
        "REDUCE_COUNT" => Reducer::Count,
        other => match percentile_of(other, "REDUCE_PERCENTILE_") {
            Some(p) => Reducer::Percentile(if other.ends_with("_05") { 5.0 } else { p }),
            None => return Err(unsupported(&format!("crossSeriesReducer {other}"))),
        },
    })
}

fn unsupported(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "notImplemented",
        format!("The emulator does not implement {what}."),
    )
}

/// Reads and checks the request the way the API does.
fn parse_query(call: &ApiCall) -> Result<Query, ApiError> {
    let time = call.app.time;
    let sample = sample_ms(&time);
    let text = call
        .query_one("filter")
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| {
            bad(
                "filter",
                "Field filter had an invalid value of \"\": must specify a metric type.",
            )
        })?;
    let filter = filter::parse(text)?;
    let types = filter.metric_types();
    let metric_type = match types.as_slice() {
        [one] => one.clone(),
        [] => return Err(bad("filter", format!("Field filter had an invalid value of \"{text}\": must specify a metric type."))),
        _ => return Err(bad("filter", format!("Field filter had an invalid value of \"{text}\": must specify exactly one metric type."))),
    };
    let end_ms = match call.query_one("interval.endTime") {
        Some(t) => parse_time("interval.end_time", t)?,
        None => {
            return Err(bad(
                "interval.endTime",
                "Field interval.end_time had an invalid value: the end time is required.",
            ))
        }
    };
    let start_ms = match call.query_one("interval.startTime") {
        Some(t) => parse_time("interval.start_time", t)?,
        None => end_ms,
    };
    if start_ms > end_ms {
        return Err(bad("interval", "Field interval.start_time had an invalid value: the start time must not be after the end time."));
    }
    match call.query_one("view") {
        Some("FULL" | "HEADERS") => {}
        _ => {
            return Err(bad(
                "view",
                "Field view had an invalid value: must be FULL or HEADERS.",
            ))
        }
    }
    if call.query_one("orderBy").is_some_and(|o| !o.is_empty()) {
        return Err(bad(
            "orderBy",
            "Field order_by had an invalid value: ordering is not supported; leave it empty.",
        ));
    }
    if call.query.iter().any(|(k, v)| {
        k.starts_with("secondaryAggregation.")
            && !v.is_empty()
            && v != "ALIGN_NONE"
            && v != "REDUCE_NONE"
    }) {
        return Err(unsupported("secondaryAggregation"));
    }
    let aligner = call
        .query_one("aggregation.perSeriesAligner")
        .map_or(Ok(Aligner::None), aligner)?;
    let reducer = call
        .query_one("aggregation.crossSeriesReducer")
        .map_or(Ok(Reducer::None), reducer)?;
    let period_ms = call
        .query_one("aggregation.alignmentPeriod")
        .map(parse_period)
        .transpose()?;
    let group_by: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| k == "aggregation.groupByFields")
        .map(|(_, v)| canonical_field(v))
        .collect();
    if reducer != Reducer::None && aligner == Aligner::None {
        return Err(bad("aggregation.perSeriesAligner", "Field aggregation.per_series_aligner had an invalid value of \"ALIGN_NONE\": a per-series aligner must be specified when a cross-series reducer is used."));
    }
    let period_ms = match (aligner, period_ms) {
        (Aligner::None, p) => p.unwrap_or(sample),
        (_, None) => return Err(bad("aggregation.alignmentPeriod", "Field aggregation.alignment_period had an invalid value: an alignment period is required when a per-series aligner is specified.")),
        (_, Some(p)) if p < sample => return Err(bad("aggregation.alignmentPeriod", format!("Field aggregation.alignment_period had an invalid value of \"{}\": The alignment period must be at least {}.", TimeScale::duration_text(p), if time.scale == 1.0 { "60 seconds".to_owned() } else { format!("60 seconds of simulated time ({} at --time-scale {})", TimeScale::duration_text(sample), time.scale) }))),
        (_, Some(p)) => p,
    };
    if known_metric(&metric_type).is_some() {
        let is_dist = metric_type == REQUEST_LATENCIES;
        let aligner_ok = match aligner {
            Aligner::Percentile(_) | Aligner::Mean | Aligner::Count => is_dist,
            Aligner::Min | Aligner::Max | Aligner::NextOlder => false,
            _ => true,
        };
        if !aligner_ok {
            return Err(bad("aggregation.perSeriesAligner", format!("Field aggregation.per_series_aligner had an invalid value: the aligner cannot be applied to metrics with kind DELTA and value type {}.", if is_dist { "DISTRIBUTION" } else { "INT64" })));
        }
        if is_dist && aligner == Aligner::Rate {
            return Err(bad("aggregation.perSeriesAligner", "Field aggregation.per_series_aligner had an invalid value: ALIGN_RATE cannot be applied to metrics with value type DISTRIBUTION."));
        }
    } else if let Some((kind, value_type)) = super::descriptors::kind_of(call, &metric_type) {
        if !aligner_fits(aligner, &kind, &value_type) {
            return Err(bad("aggregation.perSeriesAligner", format!("Field aggregation.per_series_aligner had an invalid value of \"{}\": the aligner cannot be applied to metrics with kind {kind} and value type {value_type}.", call.query_one("aggregation.perSeriesAligner").unwrap_or_default())));
        }
    }
    Ok(Query {
        filter,
        metric_type,
        start_ms,
        end_ms,
        period_ms,
        aligner,
        reducer,
        group_by,
        headers_only: call.query_one("view") == Some("HEADERS"),
        sample_ms: sample,
        cutoff_ms: now_ms() - time.real_ms(time.ingest_delay),
    })
}

/// Whether Monitoring applies `aligner` to a metric of this kind and value
/// type (its documented rules, for the kinds written series can have).
fn aligner_fits(aligner: Aligner, kind: &str, value_type: &str) -> bool {
    let numeric = matches!(value_type, "INT64" | "DOUBLE" | "MONEY");
    let dist = value_type == "DISTRIBUTION";
    let counting = matches!(kind, "DELTA" | "CUMULATIVE");
    match aligner {
        Aligner::None | Aligner::Count | Aligner::NextOlder => true,
        Aligner::Delta => counting && (numeric || dist),
        Aligner::Rate => counting && numeric,
        Aligner::Sum | Aligner::Mean => numeric || dist,
        Aligner::Min | Aligner::Max => numeric,
        Aligner::Percentile(_) => dist,
    }
}

/// One selected series: its labels and the aligned value per point end time.
struct Series {
    fields: Fields,
    points: BTreeMap<i64, Val>,
}

/// End times of the points in (start, end], newest first.
fn point_ends(q: &Query) -> Vec<i64> {
    let mut ends = Vec::new();
    let mut e = if q.aligner == Aligner::None {
        q.end_ms - q.end_ms.rem_euclid(q.sample_ms)
    } else {
        q.end_ms
    };
    if q.start_ms == q.end_ms && q.aligner != Aligner::None {
        return vec![q.end_ms];
    }
    while e > q.start_ms && ends.len() < 10_000 {
        ends.push(e);
        e -= q.period_ms;
    }
    ends
}

fn raw_value(q: &Query, rev: &RevisionTraffic, code: &str, from: i64, to: i64) -> Option<Val> {
    // Points not yet ingested are missing, as in Monitoring.
    let to = to.min(q.cutoff_ms);
    if to <= from {
        return None;
    }
    let (all, errors) = rev.counts(from, to);
    let n = if code == "500" { errors } else { all - errors };
    if n == 0 {
        return None;
    }
    let aligned = |dist: Distribution| match q.aligner {
        Aligner::Percentile(p) => Val::Double(dist.percentile(p)),
        Aligner::Mean => Val::Double(dist.mean()),
        Aligner::Count => Val::Int(dist.count),
        _ => Val::Dist(dist),
    };
    Some(if q.metric_type == REQUEST_LATENCIES {
        aligned(rev.latencies(from, to, n))
    } else if q.aligner == Aligner::Rate {
        Val::Double(n as f64 / ((to - from) as f64 / 1000.0))
    } else {
        Val::Int(n)
    })
}

fn select(q: &Query, revisions: &[RevisionTraffic]) -> Vec<Series> {
    let mut out = Vec::new();
    let ends = point_ends(q);
    for rev in revisions {
        for code in ["200", "500"] {
            let fields = rev.fields(&q.metric_type, code);
            if !q.filter.matches(&fields) {
                continue;
            }
            let points: BTreeMap<i64, Val> = ends
                .iter()
                .filter_map(|&e| raw_value(q, rev, code, e - q.period_ms, e).map(|v| (e, v)))
                .collect();
            if !points.is_empty() {
                out.push(Series { fields, points });
            }
        }
    }
    out
}

/// A written gauge aligned over `(from, to]`: the points ingested by then.
fn align_written(q: &Query, raw: &[(i64, Val)], from: i64, to: i64) -> Option<Val> {
    let to = to.min(q.cutoff_ms);
    let inside: Vec<&Val> = raw
        .iter()
        .filter(|(t, _)| *t > from && *t <= to)
        .map(|(_, v)| v)
        .collect();
    let last = inside.last().copied()?;
    let xs = || inside.iter().map(|v| v.as_f64());
    let all_int = inside.iter().all(|v| matches!(v, Val::Int(_)));
    let keep_int = |x: f64| {
        if all_int {
            Val::Int(x as i64)
        } else {
            Val::Double(x)
        }
    };
    Some(match q.aligner {
        Aligner::None | Aligner::NextOlder => last.clone(),
        Aligner::Count => Val::Int(inside.len() as i64),
        Aligner::Sum => keep_int(xs().sum()),
        Aligner::Min => keep_int(xs().fold(f64::INFINITY, f64::min)),
        Aligner::Max => keep_int(xs().fold(f64::NEG_INFINITY, f64::max)),
        // Mean; the rest were refused for gauges in parse_query.
        _ => Val::Double(xs().sum::<f64>() / inside.len() as f64),
    })
}

/// Written series matching the filter, aligned per point (raw when ALIGN_NONE).
fn select_written(q: &Query, written: Vec<written::Written>) -> Vec<Series> {
    let ends = point_ends(q);
    written
        .into_iter()
        .filter(|w| q.filter.matches(&w.fields))
        .filter_map(|w| {
            let points: BTreeMap<i64, Val> = if q.aligner == Aligner::None {
                w.points
                    .into_iter()
                    .filter(|(t, _)| *t > q.start_ms && *t <= q.end_ms.min(q.cutoff_ms))
                    .collect()
            } else {
                ends.iter()
                    .filter_map(|&e| {
                        align_written(q, &w.points, e - q.period_ms, e).map(|v| (e, v))
                    })
                    .collect()
            };
            (!points.is_empty()).then_some(Series {
                fields: w.fields,
                points,
            })
        })
        .collect()
}

fn combine(reducer: Reducer, values: Vec<Val>) -> Val {
    match reducer {
        Reducer::Count => Val::Int(values.len() as i64),
        Reducer::Sum | Reducer::Percentile(_) | Reducer::None => {
            if let Some(Val::Dist(_)) = values.first() {
                let mut merged = Distribution::default();
                for v in &values {
                    if let Val::Dist(d) = v {
                        merged.merge(d);
                    }
                }
                return match reducer {
                    Reducer::Percentile(p) => Val::Double(merged.percentile(p)),
                    _ => Val::Dist(merged),
                };
            }
            if let Reducer::Percentile(p) = reducer {
                let mut xs: Vec<f64> = values.iter().map(Val::as_f64).collect();
                xs.sort_by(f64::total_cmp);
                let idx = ((p / 100.0) * (xs.len().saturating_sub(1)) as f64).round() as usize;
                return Val::Double(xs.get(idx).copied().unwrap_or(0.0));
            }
            if values.iter().all(|v| matches!(v, Val::Int(_))) {
                Val::Int(values.iter().map(|v| v.as_f64() as i64).sum())
            } else {
                Val::Double(values.iter().map(Val::as_f64).sum())
            }
        }
        Reducer::Mean => {
            Val::Double(values.iter().map(Val::as_f64).sum::<f64>() / values.len().max(1) as f64)
        }
        Reducer::Min => Val::Double(values.iter().map(Val::as_f64).fold(f64::INFINITY, f64::min)),
        Reducer::Max => Val::Double(
            values
                .iter()
                .map(Val::as_f64)
                .fold(f64::NEG_INFINITY, f64::max),
        ),
    }
}

fn reduce(q: &Query, series: Vec<Series>) -> Vec<Series> {
    if q.reducer == Reducer::None {
        return series;
    }
    let mut groups: BTreeMap<Vec<(String, String)>, Vec<Series>> = BTreeMap::new();
    for s in series {
        let key: Vec<(String, String)> = q
            .group_by
            .iter()
            .filter_map(|f| s.fields.get(f).map(|v| (f.clone(), v.clone())))
            .collect();
        groups.entry(key).or_default().push(s);
    }
    groups
        .into_iter()
        .map(|(key, members)| {
            let resource_type = members
                .first()
                .and_then(|m| m.fields.get("resource.type"))
                .cloned()
                .unwrap_or_default();
            let mut fields: Fields = key.into_iter().collect();
            fields.insert("metric.type".into(), q.metric_type.clone());
            fields.insert("resource.type".into(), resource_type);
            let mut by_time: BTreeMap<i64, Vec<Val>> = BTreeMap::new();
            for m in members {
                for (t, v) in m.points {
                    by_time.entry(t).or_default().push(v);
                }
            }
            let points = by_time
                .into_iter()
                .map(|(t, vs)| (t, combine(q.reducer, vs)))
                .collect();
            Series { fields, points }
        })
        .collect()
}

fn labels(fields: &Fields, prefix: &str) -> Value {
    Value::Object(
        fields
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|l| (l.to_string(), json!(v))))
            .collect(),
    )
}

fn render(q: &Query, s: &Series) -> Value {
    let first = s.points.values().next();
    let value_type = first.map_or("INT64", Val::value_type);
    let kind = match (q.aligner, first) {
        _ if known_metric(&q.metric_type).is_none() => "GAUGE",
        (_, Some(Val::Double(_))) | (Aligner::Rate, _) => "GAUGE",
        _ => "DELTA",
    };
    let unit = if q.metric_type == REQUEST_LATENCIES {
        "ms"
    } else {
        "1"
    };
    let mut out = json!({
        "metric": {"type": q.metric_type, "labels": labels(&s.fields, "metric.labels.")},
        "resource": {"type": s.fields.get("resource.type").cloned().unwrap_or_default(), "labels": labels(&s.fields, "resource.labels.")},
        "metricKind": kind,
        "valueType": value_type,
        "unit": unit,
    });
    if !q.headers_only {
        let period = if q.aligner == Aligner::None {
            q.sample_ms
        } else {
            q.period_ms
        };
        out["points"] = Value::Array(
            s.points
                .iter()
                .rev()
                .map(|(&end, v)| {
                    json!({
                        "interval": {"startTime": rfc3339(end - period), "endTime": rfc3339(end)},
                        "value": v.to_json(),
                    })
                })
                .collect(),
        );
    }
    out
}

async fn list(call: ApiCall) -> Result<Value, ApiError> {
    crate::run::settle_now(&call.app)?;
    let project = call.path("projectsId").to_string();
    if !call.app.project_exists(&project) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("Permission monitoring.timeSeries.list denied (or the resource may not exist) on projects/{project}."),
        ));
    }
    let q = parse_query(&call)?;
    let scale = call.app.time.scale;
    let selected = if known_metric(&q.metric_type).is_some() {
        let revisions = call
            .app
            .store
            .read(|d| synth::revisions(d, &project, scale));
        select(&q, &revisions)
    } else {
        select_written(&q, written::series(&call, &project, &q.metric_type))
    };
    let series = reduce(&q, selected);
    let rendered: Vec<Value> = series.iter().map(|s| render(&q, s)).collect();
    let mut page = crate::aip::page(rendered, "timeSeries", &call)?;
    if page["timeSeries"].as_array().is_some_and(Vec::is_empty) {
        // Google omits empty repeated fields.
        page = json!({});
    }
    if q.metric_type == REQUEST_LATENCIES {
        page["unit"] = json!("ms");
    }
    Ok(page)
}
