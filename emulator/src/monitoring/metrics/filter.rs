//! The time-series filter: the whole shared Monitoring filter language
//! ([`crate::monitoring::filter`]) over a series' labels, with
//! `resource.label.x` read as `resource.labels.x`.

use std::collections::BTreeMap;

use crate::error::ApiError;
use crate::monitoring::filter::{self as language, Expr, Grammar};

/// A parsed `timeSeries.list` filter with canonical field names.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

/// The labels of one series, by filter field name (`metric.type`,
/// `resource.labels.revision_name`, ...).
pub type Fields = BTreeMap<String, String>;

impl Filter {
    pub fn matches(&self, fields: &Fields) -> bool {
        self.0.matches(&|f| fields.get(f).cloned())
    }

    /// The metric types an equality at the top level selects.
    pub fn metric_types(&self) -> Vec<String> {
        fn walk(e: &Expr) -> Vec<String> {
            match e {
                Expr::Eq(f, values) if f == "metric.type" => values.clone(),
                Expr::And(all) => all.iter().flat_map(walk).collect(),
                _ => Vec::new(),
            }
        }
        walk(&self.0)
    }
}

/// Accepts both `resource.label.x` and `resource.labels.x`.
pub fn canonical_field(field: &str) -> String {
    field
        .replacen("resource.label.", "resource.labels.", 1)
        .replacen("metric.label.", "metric.labels.", 1)
}

pub fn parse(text: &str) -> Result<Filter, ApiError> {
    let expr = language::parse(text, Grammar::TimeSeries)?;
    // Every field name is accepted (an unknown one matches no series).
    expr.map_fields(&|f| Some(canonical_field(f)))
        .map(Filter)
        .map_err(|f| language::invalid(text, &format!("unsupported field {f:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn parses_provider_queries() {
        let f = parse(r#"metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision" AND resource.labels.service_name = "api" AND (resource.labels.revision_name = "api-a" OR resource.label.revision_name = "api-b")"#).unwrap();
        assert_eq!(f.metric_types(), vec!["run.googleapis.com/request_count"]);
        let base = [
            ("metric.type", "run.googleapis.com/request_count"),
            ("resource.type", "cloud_run_revision"),
            ("resource.labels.service_name", "api"),
        ];
        let mut ok = fields(&base);
        ok.insert("resource.labels.revision_name".into(), "api-b".into());
        assert!(f.matches(&ok));
        ok.insert("resource.labels.revision_name".into(), "api-c".into());
        assert!(!f.matches(&ok));
    }

    #[test]
    fn one_of_not_and_errors() {
        let f = parse(r#"metric.labels.response_code_class = one_of("4xx", "5xx") AND NOT resource.labels.location = "x""#).unwrap();
        assert!(f.matches(&fields(&[
            ("metric.labels.response_code_class", "5xx"),
            ("resource.labels.location", "y")
        ])));
        assert!(parse("metric.type =").is_err());
        assert!(parse(r#"metric.type = "x" AND"#).is_err());
        assert!(parse(r#"(metric.type = "x""#).is_err());
        assert!(parse("").is_err());
    }
}
