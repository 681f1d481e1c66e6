//! Cloud Monitoring's filter language, shared by `timeSeries.list` and the
//! list filters of `notificationChannels` and `alertPolicies`: comparisons
//! `field = "v"`, `field != "v"`, `field = one_of("a", "b")`, parentheses,
//! `AND`, `OR` (OR binds tighter than AND, as in Cloud Monitoring) and `NOT`.
//! Each endpoint accepts a [`Grammar`] subset of it and rejects the rest with
//! INVALID_ARGUMENT, never silently matching everything.

use crate::error::ApiError;

/// A parsed filter; field names are as written (each endpoint maps them).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The field equals one of the values (one value unless `one_of`).
    Eq(String, Vec<String>),
    Ne(String, String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

/// The part of the language an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grammar {
    /// `timeSeries.list`: everything; values are quoted; never empty.
    TimeSeries,
    /// Resource list filters: comparisons joined by `AND`; values may also be
    /// bare words (`enabled = true`); an empty filter selects everything.
    List,
}

impl Expr {
    /// Evaluates against a resource; `get` returns a field's value as text.
    pub fn matches(&self, get: &dyn Fn(&str) -> Option<String>) -> bool {
        match self {
            Expr::Eq(f, values) => get(f).is_some_and(|v| values.contains(&v)),
            Expr::Ne(f, value) => get(f).as_ref() != Some(value),
            Expr::And(all) => all.iter().all(|x| x.matches(get)),
            Expr::Or(any) => any.iter().any(|x| x.matches(get)),
            Expr::Not(inner) => !inner.matches(get),
        }
    }

    /// Rewrites every field name; `None` from `map` names an unsupported field.
    pub fn map_fields(self, map: &dyn Fn(&str) -> Option<String>) -> Result<Expr, String> {
        let all = |xs: Vec<Expr>| {
            xs.into_iter()
                .map(|x| x.map_fields(map))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match self {
            Expr::Eq(f, v) => Expr::Eq(map(&f).ok_or(f)?, v),
            Expr::Ne(f, v) => Expr::Ne(map(&f).ok_or(f)?, v),
            Expr::And(xs) => Expr::And(all(xs)?),
            Expr::Or(xs) => Expr::Or(all(xs)?),
            Expr::Not(x) => Expr::Not(Box::new(x.map_fields(map)?)),
        })
    }
}

pub fn invalid(filter: &str, why: &str) -> ApiError {
    ApiError::bad_field(
        "filter",
        format!("Field filter had an invalid value of \"{filter}\": {why}"),
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A field name or bare word; a quoted map key (`user_label."team"`) is
    /// folded in without its quotes.
    Ident(String),
    Str(String),
    Eq,
    Ne,
    LParen,
    RParen,
    Comma,
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-".contains(c)
}

/// A quoted string starting at `chars[*i]` (the quote), backslash escapes.
fn quoted(text: &str, chars: &[char], i: &mut usize) -> Result<String, ApiError> {
    let quote = chars[*i];
    let mut s = String::new();
    *i += 1;
    loop {
        match chars.get(*i) {
            None => return Err(invalid(text, "unterminated string")),
            Some('\\') => {
                if let Some(n) = chars.get(*i + 1) {
                    s.push(*n);
                }
                *i += 2;
            }
            Some(q) if *q == quote => {
                *i += 1;
                return Ok(s);
            }
            Some(ch) => {
                s.push(*ch);
                *i += 1;
            }
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, ApiError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let single = match chars[i] {
            '(' => Some(Token::LParen),
            ')' => Some(Token::RParen),
            ',' => Some(Token::Comma),
            '=' => Some(Token::Eq),
            _ => None,
        };
        if let Some(t) = single {
            out.push(t);
            i += 1;
            continue;
        }
        match chars[i] {
            c if c.is_whitespace() => i += 1,
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Token::Ne);
                i += 2;
            }
            '"' | '\'' => out.push(Token::Str(quoted(text, &chars, &mut i)?)),
            c if ident_char(c) => {
                let mut word = String::new();
                while let Some(&c) = chars.get(i) {
                    if ident_char(c) {
                        word.push(c);
                        i += 1;
                    } else if word.ends_with('.') && (c == '"' || c == '\'') {
                        word.push_str(&quoted(text, &chars, &mut i)?);
                    } else {
                        break;
                    }
                }
                out.push(Token::Ident(word));
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
    grammar: Grammar,
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

    /// Only [`Grammar::TimeSeries`] has `OR`, `NOT`, parentheses and `one_of`.
    fn require_full(&self, what: &str) -> Result<(), ApiError> {
        match self.grammar {
            Grammar::TimeSeries => Ok(()),
            Grammar::List => Err(invalid(
                self.text,
                &format!("{what} is not supported here; join comparisons with AND"),
            )),
        }
    }

    /// Terms separated by `word`, each parsed by `item`; one term stands alone.
    fn joined(
        &mut self,
        word: &str,
        item: fn(&mut Self) -> Result<Expr, ApiError>,
        wrap: fn(Vec<Expr>) -> Expr,
    ) -> Result<Expr, ApiError> {
        let mut terms = vec![item(self)?];
        while self.keyword(word) {
            if word != "AND" {
                self.require_full(word)?;
            }
            self.pos += 1;
            terms.push(item(self)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            wrap(terms)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, ApiError> {
        self.joined("AND", Self::or_expr, Expr::And)
    }

    fn or_expr(&mut self) -> Result<Expr, ApiError> {
        self.joined("OR", Self::unary, Expr::Or)
    }

    fn unary(&mut self) -> Result<Expr, ApiError> {
        if self.keyword("NOT") {
            self.require_full("NOT")?;
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.require_full("a parenthesis")?;
            self.pos += 1;
            let inner = self.and_expr()?;
            if self.next() != Some(Token::RParen) {
                return Err(invalid(self.text, "missing ')'"));
            }
            return Ok(inner);
        }
        let field = match self.next() {
            Some(Token::Ident(f)) => f,
            _ => return Err(invalid(self.text, "expected a field name")),
        };
        let bare = self.grammar == Grammar::List;
        match (self.next(), self.next()) {
            (Some(Token::Eq), Some(Token::Ident(f))) if f == "one_of" => {
                self.require_full("one_of")?;
                Ok(Expr::Eq(field, self.string_args()?))
            }
            (Some(Token::Eq), Some(Token::Str(v))) => Ok(Expr::Eq(field, vec![v])),
            (Some(Token::Ne), Some(Token::Str(v))) => Ok(Expr::Ne(field, v)),
            (Some(Token::Eq), Some(Token::Ident(v))) if bare => Ok(Expr::Eq(field, vec![v])),
            (Some(Token::Ne), Some(Token::Ident(v))) if bare => Ok(Expr::Ne(field, v)),
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

/// Parses `text` as `grammar` allows. An empty [`Grammar::List`] filter is an
/// empty conjunction, which matches everything.
pub fn parse(text: &str, grammar: Grammar) -> Result<Expr, ApiError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return match grammar {
            Grammar::List => Ok(Expr::And(Vec::new())),
            Grammar::TimeSeries => Err(invalid(text, "the filter is empty")),
        };
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        text,
        grammar,
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

    fn eq(f: &str, v: &str) -> Expr {
        Expr::Eq(f.into(), vec![v.into()])
    }

    #[test]
    fn quoted_map_keys_and_bare_words() {
        let f = parse(
            r#"user_label."team"='a b' AND enabled = true"#,
            Grammar::List,
        )
        .unwrap();
        assert_eq!(
            f,
            Expr::And(vec![eq("user_label.team", "a b"), eq("enabled", "true")])
        );
        assert!(parse("enabled = true", Grammar::TimeSeries).is_err());
    }

    #[test]
    fn list_grammar_rejects_what_only_time_series_take() {
        for only_full in [
            r#"a = "x" OR b = "y""#,
            r#"NOT a = "x""#,
            r#"(a = "x")"#,
            r#"a = one_of("x", "y")"#,
        ] {
            assert!(parse(only_full, Grammar::TimeSeries).is_ok(), "{only_full}");
            assert!(parse(only_full, Grammar::List).is_err(), "{only_full}");
        }
        assert_eq!(parse("  ", Grammar::List).unwrap(), Expr::And(vec![]));
    }

    #[test]
    fn evaluates_and_maps_fields() {
        let f = parse(
            r#"a = one_of("1", "2") AND NOT b != "3""#,
            Grammar::TimeSeries,
        )
        .unwrap()
        .map_fields(&|f| Some(f.to_uppercase()))
        .unwrap();
        let get = |k: &str| match k {
            "A" => Some("2".to_owned()),
            "B" => Some("3".to_owned()),
            _ => None,
        };
        assert!(f.matches(&get));
        assert!(!f.matches(&|_| None));
        let unknown = parse(r#"c = "x""#, Grammar::List)
            .unwrap()
            .map_fields(&|_| None);
        assert_eq!(unknown, Err("c".to_owned()));
    }
}
