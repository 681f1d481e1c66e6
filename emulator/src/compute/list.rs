//! Compute list semantics shared by every `*.list` method: `filter`,
//! `orderBy`, `maxResults`, `pageToken`.
//!
//! Supported filter subset: one or more `field OP value` expressions, each
//! optionally parenthesised, joined by whitespace or `AND` (no `OR`). `field`
//! may be a dotted path whose segments may hold `-` and `_` (label keys such
//! as `labels.my-team` are valid in Google's grammar). OP is `=`/`!=` (literal compare), `eq`/`ne` (RE2
//! full-match), or `<`/`>` (numeric when both sides are numbers). Values may
//! be quoted. `orderBy` takes one field with optional `asc`/`desc`.

use std::cmp::Ordering;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use regex::Regex;
use serde_json::{json, Value};

use super::self_link;
use crate::error::ApiError;
use crate::router::ApiCall;

const MAX_PAGE: usize = 500;

#[derive(Debug, Clone)]
enum Op {
    Eq,
    Ne,
    Matches(Regex),
    NotMatches(Regex),
    Less,
    Greater,
}

#[derive(Debug, Clone)]
struct Condition {
    field: String,
    op: Op,
    value: String,
}

impl Condition {
    fn holds(&self, item: &Value) -> bool {
        let actual = field_text(item, &self.field);
        match &self.op {
            Op::Eq => actual.as_deref() == Some(self.value.as_str()),
            Op::Ne => actual.as_deref() != Some(self.value.as_str()),
            Op::Matches(re) => actual.is_some_and(|a| re.is_match(&a)),
            Op::NotMatches(re) => !actual.is_some_and(|a| re.is_match(&a)),
            Op::Less => actual.is_some_and(|a| compare(&a, &self.value) == Ordering::Less),
            Op::Greater => actual.is_some_and(|a| compare(&a, &self.value) == Ordering::Greater),
        }
    }
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// A scalar field (by dotted path) rendered as text.
fn field_text(item: &Value, path: &str) -> Option<String> {
    let mut current = item;
    for part in path.split('.') {
        current = current.get(part)?;
    }
    match current {
        Value::String(s) => Some(s.clone()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// Parsed list parameters of a request.
#[derive(Debug, Clone)]
pub struct ListParams {
    conditions: Vec<Condition>,
    order: Option<(String, bool)>,
    max_results: usize,
    offset: usize,
}

fn invalid(field: &str, value: &str, why: &str) -> ApiError {
    ApiError::bad_field(
        field,
        format!("Invalid value for field '{field}': '{value}'. {why}"),
    )
}

fn expression_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\(?\s*([A-Za-z_][\w.\-]*)\s*(!=|=|>|<|\beq\b|\bne\b)\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s()]+)\s*\)?"#)
            .unwrap_or_else(|_| unreachable!("constant regex compiles"))
    })
}

fn parse_filter(filter: &str) -> Result<Vec<Condition>, ApiError> {
    let bad = |why: &str| invalid("filter", filter, why);
    let mut conditions = Vec::new();
    let mut leftover = String::new();
    let mut last = 0;
    for captures in expression_regex().captures_iter(filter) {
        let (Some(whole), Some(field), Some(op), Some(raw)) = (
            captures.get(0),
            captures.get(1),
            captures.get(2),
            captures.get(3),
        ) else {
            continue;
        };
        leftover.push_str(&filter[last..whole.start()]);
        last = whole.end();
        let value = unquote(raw.as_str());
        let regex = || {
            crate::regex_cache::regex(&format!("^(?:{value})$"))
                .map_err(|_| bad("Invalid regular expression."))
        };
        let op = match op.as_str() {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            "eq" => Op::Matches(regex()?),
            "ne" => Op::NotMatches(regex()?),
            "<" => Op::Less,
            _ => Op::Greater,
        };
        conditions.push(Condition {
            field: field.as_str().to_string(),
            op,
            value,
        });
    }
    leftover.push_str(&filter[last..]);
    let rest: String = leftover
        .split_whitespace()
        .filter(|w| *w != "AND")
        .collect();
    if !rest.is_empty() || (conditions.is_empty() && !filter.trim().is_empty()) {
        return Err(bad("Invalid list filter expression."));
    }
    Ok(conditions)
}

fn unquote(raw: &str) -> String {
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')));
    match inner {
        Some(text) => text.replace("\\\"", "\""),
        None => raw.to_string(),
    }
}

impl ListParams {
    pub fn from_call(call: &ApiCall) -> Result<ListParams, ApiError> {
        let conditions = match call.query_one("filter") {
            Some(filter) => parse_filter(filter)?,
            None => Vec::new(),
        };
        let order = match call.query_one("orderBy") {
            Some(text) => {
                let mut words = text.split_whitespace();
                let field = words
                    .next()
                    .ok_or_else(|| invalid("orderBy", text, "Empty sort order."))?;
                let desc = match words.next() {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(_) => {
                        return Err(invalid("orderBy", text, "Sort order must be asc or desc."))
                    }
                };
                Some((field.to_string(), desc))
            }
            None => None,
        };
        // Discovery validation already guarantees a uint32.
        let max_results = call
            .query_one("maxResults")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(MAX_PAGE)
            .min(MAX_PAGE);
        let offset = match call.query_one("pageToken") {
            Some(token) if !token.is_empty() => URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
                .ok_or_else(|| invalid("pageToken", token, "Invalid page token."))?,
            _ => 0,
        };
        Ok(ListParams {
            conditions,
            order,
            max_results,
            offset,
        })
    }
}

/// Filters, sorts and pages `items` into a Compute list response.
pub fn list_response(
    kind: &str,
    collection: &str,
    items: Vec<Value>,
    params: &ListParams,
) -> Result<Value, ApiError> {
    let mut selected: Vec<Value> = items
        .into_iter()
        .filter(|item| params.conditions.iter().all(|c| c.holds(item)))
        .collect();
    let (field, desc) = params
        .order
        .clone()
        .unwrap_or_else(|| ("name".into(), false));
    selected.sort_by(|a, b| {
        let ord = compare(
            &field_text(a, &field).unwrap_or_default(),
            &field_text(b, &field).unwrap_or_default(),
        );
        if desc {
            ord.reverse()
        } else {
            ord
        }
    });
    let total = selected.len();
    let page: Vec<Value> = selected
        .into_iter()
        .skip(params.offset)
        .take(params.max_results)
        .collect();
    let mut response = json!({
        "kind": kind,
        "id": collection,
        "selfLink": self_link(collection),
    });
    let next = params.offset + page.len();
    if !page.is_empty() {
        response["items"] = Value::Array(page);
    }
    if next < total && params.max_results > 0 {
        response["nextPageToken"] = json!(URL_SAFE_NO_PAD.encode(format!("offset:{next}")));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str, region: &str, status: &str) -> Value {
        json!({"name": name, "region": self_link(&format!("projects/p/regions/{region}")), "status": status})
    }

    fn run(filter: &str) -> Vec<String> {
        let items = vec![
            zone("us-central1-a", "us-central1", "UP"),
            zone("us-central1-b", "us-central1", "DOWN"),
            zone("europe-west1-b", "europe-west1", "UP"),
        ];
        let params = ListParams {
            conditions: parse_filter(filter).unwrap(),
            order: None,
            max_results: 500,
            offset: 0,
        };
        let out = list_response("k", "projects/p/zones", items, &params).unwrap();
        out["items"].as_array().map_or(vec![], |a| {
            a.iter()
                .map(|i| i["name"].as_str().unwrap().to_string())
                .collect()
        })
    }

    #[test]
    fn filters() {
        assert_eq!(run(r#"name = "us-central1-a""#), vec!["us-central1-a"]);
        assert_eq!(
            run("name != us-central1-a"),
            vec!["europe-west1-b", "us-central1-b"]
        );
        assert_eq!(run("name eq us-.*"), vec!["us-central1-a", "us-central1-b"]);
        assert_eq!(run("name ne us-.*"), vec!["europe-west1-b"]);
        assert_eq!(
            run("region eq .*/us-central1 AND status = UP"),
            vec!["us-central1-a"]
        );
        assert_eq!(
            run(r#"(status = "UP") (name eq "europe.*")"#),
            vec!["europe-west1-b"]
        );
        assert!(run("name = nothing").is_empty());
        assert!(parse_filter("garbage").is_err());
        assert!(run("labels.owner-team = x").is_empty());
        assert_eq!(
            run("status = UP AND labels.owner-team ne x"),
            vec!["europe-west1-b", "us-central1-a"]
        );
        assert!(parse_filter("name = a OR name = b").is_err());
    }

    #[test]
    fn paging() {
        let items: Vec<Value> = (0..5).map(|i| json!({"name": format!("z{i}")})).collect();
        let mut params = ListParams {
            conditions: vec![],
            order: Some(("name".into(), true)),
            max_results: 2,
            offset: 0,
        };
        let first = list_response("k", "c", items.clone(), &params).unwrap();
        assert_eq!(first["items"][0]["name"], "z4");
        let token = first["nextPageToken"].as_str().unwrap();
        params.offset = URL_SAFE_NO_PAD
            .decode(token)
            .map(|b| String::from_utf8(b).unwrap())
            .unwrap()[7..]
            .parse()
            .unwrap();
        let second = list_response("k", "c", items.clone(), &params).unwrap();
        assert_eq!(second["items"][0]["name"], "z2");
        params.offset = 4;
        let last = list_response("k", "c", items, &params).unwrap();
        assert!(last.get("nextPageToken").is_none());
    }
}
