//! Which per-series aligner Monitoring accepts for which metric kind and value
//! type (the `Aggregation.Aligner` reference), so an alert policy that could
//! never evaluate is rejected at create time, as Google does.

use crate::error::ApiError;

const GAUGE: &[&str] = &["GAUGE"];
const GAUGE_DELTA: &[&str] = &["GAUGE", "DELTA"];
const CUMULATIVE_DELTA: &[&str] = &["CUMULATIVE", "DELTA"];
const NUMERIC: &[&str] = &["INT64", "DOUBLE"];
const NUMERIC_BOOL: &[&str] = &["INT64", "DOUBLE", "BOOL"];
const NUMERIC_DIST: &[&str] = &["INT64", "DOUBLE", "DISTRIBUTION"];
const BOOL: &[&str] = &["BOOL"];
const DIST: &[&str] = &["DISTRIBUTION"];

/// (metric kinds, value types) an aligner applies to; `None` for names the
/// API does not define. `ALIGN_NONE` applies to everything.
fn applies_to(aligner: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match aligner {
        "ALIGN_NONE" => (
            &["GAUGE", "DELTA", "CUMULATIVE"],
            &["INT64", "DOUBLE", "BOOL", "DISTRIBUTION", "STRING", "MONEY"],
        ),
        "ALIGN_DELTA" => (CUMULATIVE_DELTA, NUMERIC_DIST),
        "ALIGN_RATE" => (CUMULATIVE_DELTA, NUMERIC),
        "ALIGN_INTERPOLATE" => (GAUGE, NUMERIC),
        "ALIGN_NEXT_OLDER" => (GAUGE, NUMERIC_BOOL),
        "ALIGN_MIN" | "ALIGN_MAX" | "ALIGN_MEAN" | "ALIGN_STDDEV" | "ALIGN_PERCENT_CHANGE" => {
            (GAUGE_DELTA, NUMERIC)
        }
        "ALIGN_COUNT" => (GAUGE_DELTA, NUMERIC_BOOL),
        "ALIGN_SUM" => (GAUGE_DELTA, NUMERIC_DIST),
        "ALIGN_COUNT_TRUE" | "ALIGN_COUNT_FALSE" | "ALIGN_FRACTION_TRUE" => (GAUGE, BOOL),
        "ALIGN_PERCENTILE_99"
        | "ALIGN_PERCENTILE_95"
        | "ALIGN_PERCENTILE_50"
        | "ALIGN_PERCENTILE_05" => (GAUGE_DELTA, DIST),
        _ => return None,
    })
}

/// Checks one aggregation of a threshold condition. `metric` is the watched
/// metric's (kind, value type) when the emulator knows its descriptor; an
/// unknown custom metric only gets the kind-independent checks.
pub fn check(
    field: &str,
    aligner: &str,
    reducer: Option<&str>,
    metric: Option<(&str, &str)>,
) -> Result<(), ApiError> {
    let aligner_field = format!("{field}.perSeriesAligner");
    let Some((kinds, value_types)) = applies_to(aligner) else {
        return Err(ApiError::bad_field(
            aligner_field,
            format!("Invalid value at 'perSeriesAligner': \"{aligner}\"."),
        ));
    };
    if aligner == "ALIGN_NONE" && reducer.is_some_and(|r| r != "REDUCE_NONE") {
        return Err(ApiError::bad_field(
            aligner_field,
            "A per-series aligner other than ALIGN_NONE is required with a cross-series reducer.",
        ));
    }
    if let Some((kind, value_type)) = metric {
        if !kinds.contains(&kind) || !value_types.contains(&value_type) {
            return Err(ApiError::bad_field(
                aligner_field,
                format!(
                    "Field aggregation.perSeriesAligner had an invalid value of \"{aligner}\": \
                     The aligner cannot be applied to metrics with kind {kind} and value type {value_type}."
                ),
            ));
        }
    }
    Ok(())
}

/// The `metric.type` a condition filter selects, if it names one.
pub fn filtered_metric_type(filter: &str) -> Option<&str> {
    let rest = &filter[filter.find("metric.type")? + "metric.type".len()..];
    let rest = rest
        .trim_start()
        .strip_prefix('=')?
        .trim_start()
        .strip_prefix('"')?;
    rest.split_once('"').map(|(t, _)| t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_needs_a_cumulative_or_delta_metric() {
        assert!(check(
            "a",
            "ALIGN_DELTA",
            Some("REDUCE_SUM"),
            Some(("CUMULATIVE", "DOUBLE"))
        )
        .is_ok());
        let err = check("a", "ALIGN_DELTA", None, Some(("GAUGE", "DOUBLE"))).unwrap_err();
        assert!(err.message.contains("kind GAUGE"), "{}", err.message);
    }

    #[test]
    fn max_needs_a_gauge_or_delta_metric() {
        assert!(check("a", "ALIGN_MAX", None, Some(("GAUGE", "DOUBLE"))).is_ok());
        assert!(check("a", "ALIGN_MAX", None, Some(("CUMULATIVE", "DOUBLE"))).is_err());
        assert!(check("a", "ALIGN_MAX", None, Some(("DELTA", "DISTRIBUTION"))).is_err());
    }

    #[test]
    fn unknown_metrics_still_get_kind_independent_checks() {
        assert!(check("a", "ALIGN_SUM", Some("REDUCE_SUM"), None).is_ok());
        assert!(check("a", "ALIGN_NONE", Some("REDUCE_SUM"), None).is_err());
        assert!(check("a", "ALIGN_NONE", Some("REDUCE_NONE"), None).is_ok());
        assert!(check("a", "ALIGN_BOGUS", None, None).is_err());
    }

    #[test]
    fn metric_type_is_read_from_the_filter() {
        let f = r#"metric.type = "custom.googleapis.com/x" AND metric.labels.tenant="a""#;
        assert_eq!(filtered_metric_type(f), Some("custom.googleapis.com/x"));
        assert_eq!(filtered_metric_type("resource.type=\"global\""), None);
    }
}
