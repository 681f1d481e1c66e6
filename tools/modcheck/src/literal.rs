//! Constant HCL expressions as JSON values (variable defaults, `optional()` defaults).

use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::template::Element;
use serde_json::{Map, Value};

/// The value of a constant expression; `None` when it refers to anything or calls a function.
pub fn to_json(expr: &Expression) -> Option<Value> {
    Some(match expr {
        Expression::Null(_) => Value::Null,
        Expression::Bool(b) => Value::Bool(*b.value()),
        Expression::Number(n) => serde_json::to_value(n.value()).ok()?,
        Expression::String(s) => Value::String(s.value().clone()),
        Expression::StringTemplate(t) => {
            let mut out = String::new();
            for element in t.iter() {
                match element {
                    Element::Literal(l) => out.push_str(l.value()),
                    _ => return None,
                }
            }
            Value::String(out)
        }
        Expression::Array(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        Expression::Object(object) => {
            let mut map = Map::new();
            for (key, value) in object.iter() {
                let key = match key {
                    ObjectKey::Ident(i) => i.value().as_str().to_string(),
                    ObjectKey::Expression(e) => match to_json(e)? {
                        Value::String(s) => s,
                        _ => return None,
                    },
                };
                map.insert(key, to_json(value.expr())?);
            }
            Value::Object(map)
        }
        Expression::Parenthesis(p) => to_json(p.inner())?,
        Expression::UnaryOp(op) if op.operator.value().as_str() == "-" => {
            match to_json(&op.expr)? {
                Value::Number(n) => serde_json::to_value(-n.as_f64()?).ok()?,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Compact single-line rendering of source text (for README tables).
pub fn one_line(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() && !out.ends_with(['(', '{', '[']) && !line.starts_with([')', '}', ']'])
        {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}
