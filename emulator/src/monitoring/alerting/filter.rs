//! The `filter` of `notificationChannels.list` and `alertPolicies.list`
//! (Monitoring's "sorting and filtering" language), for the part callers use
//! to find what they own: `field = "v"` and `field != "v"` comparisons joined
//! by `AND`, with `user_labels.<key>` (or `user_label.<key>`), `labels.<key>`,
//! `type`, `display_name`, `name` and `enabled`. Anything else is rejected
//! with INVALID_ARGUMENT rather than silently matching everything.

use serde_json::Value;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
struct Term {
    /// JSON path into the resource, e.g. `["userLabels", "team"]`.
    path: Vec<String>,
    value: String,
    negated: bool,
}

/// A parsed filter: every term must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    terms: Vec<Term>,
}

fn invalid(filter: &str, why: &str) -> ApiError {
    ApiError::bad_field(
        "filter",
        format!("Field filter had an invalid value of \"{filter}\": {why}"),
    )
}

/// API field reference -> JSON path (snake_case references, camelCase JSON).
fn field_path(field: &str) -> Option<Vec<String>> {
    let map_key = |prefix: &str| {
        field
            .strip_prefix(prefix)
            .map(|k| k.trim_matches('"').to_owned())
            .filter(|k| !k.is_empty())
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

/// Splits on ` AND ` outside quoted strings.
fn conjuncts(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) => {
                if c == '\\' {
                    if let (Some(n), Some(s)) = (chars.get(i + 1), out.last_mut()) {
                        s.extend([c, *n]);
                        i += 2;
                        continue;
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if chars[i..].starts_with(&[' ', 'A', 'N', 'D', ' ']) => {
                out.push(String::new());
                i += 5;
                continue;
            }
            None => {}
        }
        if let Some(s) = out.last_mut() {
            s.push(c);
        }
        i += 1;
    }
    out
}

/// A quoted string literal (backslash escapes), or a bare word.
fn literal(text: &str) -> Option<String> {
    let text = text.trim();
    let Some(q) = text.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        let bare = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
        return bare.then(|| text.to_owned());
    };
    let inner = text.strip_prefix(q)?.strip_suffix(q)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            c if c == q => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

fn term(filter: &str, text: &str) -> Result<Term, ApiError> {
    let (field, value, negated) = if let Some((f, v)) = text.split_once("!=") {
        (f, v, true)
    } else if let Some((f, v)) = text.split_once('=') {
        (f, v, false)
    } else {
        return Err(invalid(
            filter,
            &format!("expected field = \"value\" in {text:?}"),
        ));
    };
    let field = field.trim();
    let path = field_path(field)
        .ok_or_else(|| invalid(filter, &format!("unsupported field {field:?}")))?;
    let value =
        literal(value).ok_or_else(|| invalid(filter, &format!("malformed value in {text:?}")))?;
    Ok(Term {
        path,
        value,
        negated,
    })
}

pub fn parse(text: &str) -> Result<Filter, ApiError> {
    if text.trim().is_empty() {
        return Ok(Filter::default());
    }
    let terms = conjuncts(text)
        .iter()
        .map(|t| term(text, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { terms })
}

impl Filter {
    pub fn matches(&self, resource: &Value) -> bool {
        self.terms.iter().all(|t| {
            let found = t.path.iter().try_fold(resource, |v, p| v.get(p));
            let text = match found {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Bool(b)) => Some(b.to_string()),
                _ => None,
            };
            (text.as_deref() == Some(t.value.as_str())) != t.negated
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
