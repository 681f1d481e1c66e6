//! Google Cloud's rules for resource labels (Resource Manager's "Requirements for
//! labels"), checked before a request carries them: Compute, Cloud Run and Monitoring
//! all reject a label that breaks them, after other children may already exist.

use tfplugin::{AttributePath, Diagnostics, Value};

const MAX_LABELS: usize = 64;
const MAX_LEN: usize = 63;

/// Lower-case letters (international ones too), digits, `_` and `-`.
fn allowed(c: char) -> bool {
    c.is_lowercase() || c.is_ascii_digit() || c == '_' || c == '-'
}

fn key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("is empty")
    } else if key.chars().count() > MAX_LEN {
        Some("is longer than 63 characters")
    } else if !key.chars().next().is_some_and(char::is_lowercase) {
        Some("does not start with a lower-case letter")
    } else if !key.chars().all(allowed) {
        Some("holds characters other than lower-case letters, digits, `_` and `-`")
    } else {
        None
    }
}

fn value_problem(value: &str) -> Option<&'static str> {
    if value.chars().count() > MAX_LEN {
        Some("is longer than 63 characters")
    } else if !value.chars().all(allowed) {
        Some("holds characters other than lower-case letters, digits, `_` and `-`")
    } else {
        None
    }
}

/// Errors for the known entries of the labels map at `path` (unknown ones are checked
/// once known, at plan).
pub fn check(labels: &Value, path: &AttributePath) -> Diagnostics {
    let mut d = Diagnostics::new();
    let Some(map) = labels.as_map() else {
        return d;
    };
    if map.len() > MAX_LABELS {
        d.error_at(
            path.clone(),
            "Too many labels",
            format!(
                "{} labels are set; Google Cloud allows at most {MAX_LABELS} on a resource.",
                map.len()
            ),
        );
    }
    for (key, value) in map {
        let problem = key_problem(key)
            .map(|p| format!("The label key {key:?} {p}"))
            .or_else(|| {
                let v = value.as_str()?;
                value_problem(v).map(|p| format!("The value {v:?} of label {key:?} {p}"))
            });
        if let Some(problem) = problem {
            d.error_at(
                path.clone().key(key),
                "Invalid label",
                format!("{problem}. Google Cloud rejects it: keys start with a lower-case letter, keys and values hold at most 63 lower-case letters, digits, `_` or `-` (e.g. team = \"media-platform\")."),
            );
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(pairs: &[(&str, &str)]) -> usize {
        let labels = Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect(),
        );
        check(&labels, &AttributePath::root("labels")).0.len()
    }

    #[test]
    fn google_label_rules() {
        assert_eq!(
            errors(&[("team", "media-platform"), ("env", ""), ("zürich", "ß_1")]),
            0
        );
        assert_eq!(errors(&[("Team", "x")]), 1);
        assert_eq!(errors(&[("1team", "x")]), 1);
        assert_eq!(errors(&[("team", "Media")]), 1);
        assert_eq!(errors(&[("team", "a b")]), 1);
        assert_eq!(errors(&[(&"k".repeat(64), "x")]), 1);
        assert_eq!(errors(&[("k", &"v".repeat(64))]), 1);
    }
}
