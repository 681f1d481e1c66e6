//! The `filter` of `notificationChannels.list` and `alertPolicies.list`: the
//! shared Monitoring filter language ([`crate::monitoring::filter`]) in its
//! list form (comparisons joined by `AND`) over `user_labels.<key>` (or
//! `user_label.<key>`), `labels.<key>`, `type`, `display_name`, `name` and
//! `enabled`. Anything else is rejected with INVALID_ARGUMENT rather than
//! silently matching everything.

use serde_json::Value;

use crate::error::ApiError;
use crate::monitoring::filter::{self as language, Expr, Grammar};

/// A parsed filter; field names stay as written (all known to [`field_path`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter(Expr);

/// API field reference -> JSON path (snake_case references, camelCase JSON).
fn field_path(field: &str) -> Option<Vec<String>> {
    let map_key = |prefix: &str| {
        field
            .strip_prefix(prefix)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
    };
    if let Some(k) = map_key("user_labels.").or_else(|| map_key("user_label.")) {
        return Some(vec!["userLabels".into(), k]);
    }
    if let Some(k) = map_key("labels.").or_else(|| map_key("label.")) {
        return Some(vec!["labels".into(), k]);
    }
    let json = match field {
        "type" => "type",
        "display_name" => "displayName",
        "name" => "name",
        "enabled" => "enabled",
        _ => return None,
    };
    Some(vec![json.into()])
}

pub fn parse(text: &str) -> Result<Filter, ApiError> {
    let expr = language::parse(text, Grammar::List)?;
    // Validate every field now; matching resolves the same paths again.
    expr.map_fields(&|f| field_path(f).map(|_| f.to_owned()))
        .map(Filter)
        .map_err(|f| language::invalid(text, &format!("unsupported field {f:?}")))
}

impl Filter {
    pub fn matches(&self, resource: &Value) -> bool {
        self.0.matches(&|field| {
            let path = field_path(field)?;
            match path.iter().try_fold(resource, |v, p| v.get(p))? {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_label_equalities_and_negation() {
        let r = json!({"type": "slack", "userLabels": {"guard": "b-1"}, "enabled": true});
        assert!(parse(r#"user_labels.guard = "b-1""#).unwrap().matches(&r));
        assert!(parse(r#"user_label."guard"="b-1" AND type="slack""#)
            .unwrap()
            .matches(&r));
        assert!(!parse(r#"user_labels.guard="b-2""#).unwrap().matches(&r));
        assert!(!parse(r#"type != "slack""#).unwrap().matches(&r));
        assert!(parse("enabled = true").unwrap().matches(&r));
        assert!(parse(r#"display_name = "a AND b""#)
            .unwrap()
            .matches(&json!({"displayName": "a AND b"})));
        assert!(parse("").unwrap().matches(&r));
    }

    #[test]
    fn unsupported_syntax_is_rejected() {
        for bad in [
            r#"conditions.size > 1"#,
            r#"user_labels.guard = "x" OR type = "y""#,
            r#"user_labels.guard = "unterminated"#,
            r#"mystery = "x""#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
