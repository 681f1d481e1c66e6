//! Reading Terraform type constraints: `object({ x = optional(number, 2) })` and friends.

use hcl::edit::expr::{Expression, ObjectKey};
use serde_json::Value;

use crate::literal::to_json;

fn call<'a>(expr: &'a Expression, name: &str) -> Option<Vec<&'a Expression>> {
    match expr {
        Expression::FuncCall(f) if f.name.name.as_str() == name => Some(f.args.iter().collect()),
        _ => None,
    }
}

/// The attribute type of `key` in an `object({...})` constraint.
fn object_attr<'a>(expr: &'a Expression, key: &str) -> Option<&'a Expression> {
    let args = call(expr, "object")?;
    let Expression::Object(object) = args.first()? else {
        return None;
    };
    object.iter().find_map(|(k, v)| {
        let name = match k {
            ObjectKey::Ident(i) => i.as_str(),
            ObjectKey::Expression(Expression::String(s)) => s.as_str(),
            ObjectKey::Expression(_) => return None,
        };
        (name == key).then(|| v.expr())
    })
}

/// The `optional()` default Terraform fills in at `path` of a value of this type, following
/// nested object types (an optional object's own default, if any, is consulted first).
pub fn optional_default(ty: &Expression, path: &[&str]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    let attr = object_attr(ty, first)?;
    match call(attr, "optional") {
        Some(args) => {
            let inner = args.first()?;
            let own = args.get(1).and_then(|d| to_json(d));
            if rest.is_empty() {
                return own;
            }
            own.as_ref()
                .and_then(|d| rest.iter().try_fold(d, |v, k| v.get(*k)).cloned())
                .or_else(|| optional_default(inner, rest))
        }
        None => optional_default(attr, rest),
    }
}

/// A type written on one line, shortened for tables: `object({…})`, `map(object({…}))`.
pub fn abbreviate(one_line: &str, max: usize) -> String {
    if one_line.chars().count() <= max {
        return one_line.to_string();
    }
    let Some(cut) = one_line.find("({").or_else(|| one_line.find('(')) else {
        return one_line.to_string();
    };
    let head = &one_line[..cut];
    let opener = if one_line[cut..].starts_with("({") {
        "({"
    } else {
        "("
    };
    let closers: String = head.chars().filter(|c| *c == '(').map(|_| ')').collect();
    let close = if opener == "({" { "})" } else { ")" };
    format!("{head}{opener}…{close}{closers}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use hcl::edit::parser::parse_expr;

    #[test]
    fn nested_optional_defaults_are_found() {
        let ty = parse_expr(
            "object({ image = string, scaling = optional(object({ min = optional(number, 2) }), {}) })",
        )
        .unwrap();
        assert_eq!(
            optional_default(&ty, &["scaling", "min"]),
            Some(Value::from(2))
        );
        assert_eq!(optional_default(&ty, &["image"]), None);
    }

    #[test]
    fn long_types_are_abbreviated() {
        assert_eq!(abbreviate("string", 10), "string");
        assert_eq!(
            abbreviate("map(object({ a = string, b = number }))", 10),
            "map(object({…}))"
        );
    }
}
