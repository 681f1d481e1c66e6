//! The Monitoring filter grammar the time-series API accepts, as far as
//! selecting series goes: `field = "v"`, `field != "v"`,
//! `field = one_of("a", "b")`, parentheses, `AND`, `OR` (OR binds tighter
//! than AND, as in Cloud Monitoring) and `NOT`.

use std::collections::BTreeMap;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Eq(String, Vec<String>),
    Ne(String, String),
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
}

/// The labels of one series, by filter field name (`metric.type`,
/// `resource.labels.revision_name`, ...).
pub type Fields = BTreeMap<String, String>;

impl Filter {
    pub fn matches(&self, fields: &Fields) -> bool {
        match self {
            Filter::Eq(f, values) => {
                lookup(fields, f).is_some_and(|v| values.iter().any(|x| x == v))
            }
            Filter::Ne(f, value) => lookup(fields, f) != Some(value.as_str()),
            Filter::And(all) => all.iter().all(|x| x.matches(fields)),
            Filter::Or(any) => any.iter().any(|x| x.matches(fields)),
            Filter::Not(inner) => !inner.matches(fields),
        }
    }

    /// The metric types an equality at the top level selects.
    pub fn metric_types(&self) -> Vec<String> {
        match self {
            Filter::Eq(f, values) if f == "metric.type" => values.clone(),
            Filter::And(all) => all.iter().flat_map(Filter::metric_types).collect(),
            _ => Vec::new(),
        }
    }
}

/// Accepts both `resource.label.x` and `resource.labels.x`.
pub fn canonical_field(field: &str) -> String {
    field
        .replacen("resource.label.", "resource.labels.", 1)
        .replacen("metric.label.", "metric.labels.", 1)
}

fn lookup<'a>(fields: &'a Fields, field: &str) -> Option<&'a str> {
    fields.get(field).map(String::as_str)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Eq,
    Ne,
    LParen,
    RParen,
    Comma,
}

fn invalid(filter: &str, why: &str) -> ApiError {
    ApiError::bad_field(
        "filter",
        format!("Field filter had an invalid value of \"{filter}\": {why}"),
    )
}

fn tokenize(text: &str) -> Result<Vec<Token>, ApiError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' => {
                out.push(Token::LParen);
                i += 1;
            }
            ')' => {
                out.push(Token::RParen);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '=' => {
                out.push(Token::Eq);
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Token::Ne);
                i += 2;
            }
            '"' | '\'' => {
                let quote = c;
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(invalid(text, "unterminated string")),
                        Some('\\') => {
                            if let Some(n) = chars.get(i + 1) {
                                s.push(*n);
                            }
                            i += 2;
                        }
                        Some(q) if *q == quote => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(invalid(text, &format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(w)) if w == word)
    }

    fn and_expr(&mut self) -> Result<Filter, ApiError> {
        let mut terms = vec![self.or_expr()?];
        while self.keyword("AND") {
            self.pos += 1;
            terms.push(self.or_expr()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::And(terms)
        })
    }

    fn or_expr(&mut self) -> Result<Filter, ApiError> {
        let mut terms = vec![self.unary()?];
        while self.keyword("OR") {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::Or(terms)
        })
    }

    fn unary(&mut self) -> Result<Filter, ApiError> {
        if self.keyword("NOT") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.pos += 1;
            let inner = self.and_expr()?;
            if self.next() != Some(Token::RParen) {
                return Err(invalid(self.text, "missing ')'"));
            }
            return Ok(inner);
        }
        let field = match self.next() {
            Some(Token::Ident(f)) => canonical_field(&f),
            _ => return Err(invalid(self.text, "expected a field name")),
        };
        let op = self.next();
        let value = self.next();
        match (op, value) {
            (Some(Token::Eq), Some(Token::Str(v))) => Ok(Filter::Eq(field, vec![v])),
            (Some(Token::Ne), Some(Token::Str(v))) => Ok(Filter::Ne(field, v)),
            (Some(Token::Eq), Some(Token::Ident(f))) if f == "one_of" => {
                Ok(Filter::Eq(field, self.string_args()?))
            }
            _ => Err(invalid(self.text, &format!("expected {field} = \"value\""))),
        }
    }

    fn string_args(&mut self) -> Result<Vec<String>, ApiError> {
        if self.next() != Some(Token::LParen) {
            return Err(invalid(self.text, "expected '(' after one_of"));
        }
        let mut values = Vec::new();
        loop {
            match self.next() {
                Some(Token::Str(s)) => values.push(s),
                _ => return Err(invalid(self.text, "one_of takes quoted strings")),
            }
            match self.next() {
                Some(Token::Comma) => continue,
                Some(Token::RParen) => return Ok(values),
                _ => return Err(invalid(self.text, "expected ',' or ')' in one_of")),
            }
        }
    }
}

pub fn parse(text: &str) -> Result<Filter, ApiError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(invalid(text, "the filter is empty"));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        text,
    };
    let f = p.and_expr()?;
    if p.pos != p.tokens.len() {
        return Err(invalid(text, "unexpected trailing input"));
    }
    Ok(f)
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
