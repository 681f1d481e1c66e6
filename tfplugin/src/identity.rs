//! Resource identity (protocol 6.9, Terraform >= 1.12): a small, versioned
//! object of primitive attributes that names a remote object for its whole
//! life. Terraform stores it next to the state, imports by it
//! (`import { identity = {...} }`) and lists resources by it.
//!
//! The checks here are the ones Terraform core applies to every identity a
//! provider returns (`validateIdentity`, `validateIdentityKnown` in
//! `internal/terraform/node_resource_abstract_instance.go`); the server runs
//! them on what a resource produced, and the test client runs them again on
//! what arrived over the wire.

use std::collections::BTreeMap;

use crate::value::{Type, Value};

/// One identity attribute. Terraform allows only primitive types.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    /// The user must give it in `import { identity = {...} }`.
    pub required_for_import: bool,
    /// The user may give it; the provider can fill it in (e.g. the provider's project).
    pub optional_for_import: bool,
    /// Markdown.
    pub description: String,
}

impl IdentityAttribute {
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        IdentityAttribute {
            name: name.to_owned(),
            ty,
            required_for_import: true,
            optional_for_import: false,
            description: description.to_owned(),
        }
    }

    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        IdentityAttribute {
            required_for_import: false,
            optional_for_import: true,
            ..Self::required(name, ty, description)
        }
    }
}

/// The identity schema of a managed resource type.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentitySchema {
    /// Bumped whenever the attributes change; independent of the state schema version.
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

impl IdentitySchema {
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }

    /// What makes a schema unusable: Terraform rejects non-primitive identity
    /// attributes, and an empty or ambiguous identity names nothing.
    pub fn check(&self) -> Result<(), String> {
        if self.attributes.is_empty() {
            return Err("the identity schema has no attributes".to_owned());
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.attributes {
            if !seen.insert(a.name.as_str()) {
                return Err(format!("identity attribute {:?} is declared twice", a.name));
            }
            if !is_primitive(&a.ty) {
                return Err(format!(
                    "identity attribute {:?} has type {:?}; identities allow only string, number and bool",
                    a.name, a.ty
                ));
            }
            if a.required_for_import == a.optional_for_import {
                return Err(format!(
                    "identity attribute {:?} must be exactly one of required_for_import and optional_for_import",
                    a.name
                ));
            }
        }
        Ok(())
    }

    /// Check an identity value the way Terraform core does: an object with
    /// exactly the schema's attributes, each of its primitive type, wholly
    /// known unless `allow_unknown` (a plan for a create or a replacement).
    /// Required-for-import attributes must not be null, because such an
    /// identity could never be imported back.
    pub fn validate(&self, v: &Value, allow_unknown: bool) -> Result<(), String> {
        let Value::Object(fields) = v else {
            return Err(match v {
                Value::Null => "the identity is null".to_owned(),
                Value::Unknown if allow_unknown => return Ok(()),
                Value::Unknown => "the identity is unknown".to_owned(),
                _ => "the identity is not an object".to_owned(),
            });
        };
        let declared: BTreeMap<&str, &IdentityAttribute> = self
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a))
            .collect();
        if let Some(extra) = fields.keys().find(|k| !declared.contains_key(k.as_str())) {
            return Err(format!(
                "attribute {extra:?} is not in the identity schema (version {})",
                self.version
            ));
        }
        for a in &self.attributes {
            let value = fields.get(&a.name).unwrap_or(&Value::Null);
            match value {
                Value::Unknown if allow_unknown => {}
                Value::Unknown => return Err(format!("attribute {:?} is unknown", a.name)),
                Value::Null if a.required_for_import => {
                    return Err(format!("required attribute {:?} is null", a.name))
                }
                Value::Null => {}
                Value::String(_) if a.ty == Type::String => {}
                Value::Number(_) if a.ty == Type::Number => {}
                Value::Bool(_) if a.ty == Type::Bool => {}
                other => {
                    return Err(format!(
                        "attribute {:?} must be a {:?}, got {other:?}",
                        a.name, a.ty
                    ))
                }
            }
        }
        Ok(())
    }
}

/// Attributes known in `before` to which `after` gives another known value:
/// an identity must not change, but attributes `before` left null or unknown
/// may be filled in, and a null `after` is no identity at all.
pub fn changed_attributes<'a>(before: &'a Value, after: &Value) -> Vec<&'a str> {
    let (Value::Object(fields), false) = (before, after.is_null()) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|(name, old)| {
            let new = after.get(name);
            !old.is_null() && !old.is_unknown() && !new.is_unknown() && new != *old
        })
        .map(|(name, _)| name.as_str())
        .collect()
}

fn is_primitive(t: &Type) -> bool {
    matches!(t, Type::String | Type::Number | Type::Bool)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use super::*;

    fn schema() -> IdentitySchema {
        IdentitySchema {
            version: 1,
            attributes: vec![
                IdentityAttribute::optional("project", Type::String, ""),
                IdentityAttribute::required("name", Type::String, ""),
            ],
        }
    }

    #[test]
    fn schema_checks() {
        assert!(schema().check().is_ok());
        let mut s = schema();
        s.attributes[0].ty = Type::List(Box::new(Type::String));
        assert!(s.check().unwrap_err().contains("only string"));
        let mut s = schema();
        s.attributes
            .push(IdentityAttribute::required("name", Type::String, ""));
        assert!(s.check().unwrap_err().contains("twice"));
        let mut s = schema();
        s.attributes[0].optional_for_import = false;
        assert!(s.check().is_err());
        assert!(IdentitySchema {
            version: 0,
            attributes: vec![]
        }
        .check()
        .is_err());
    }

    #[test]
    fn values_are_checked_like_core() {
        let s = schema();
        let ok = Value::object([
            ("project", Value::string("p")),
            ("name", Value::string("n")),
        ]);
        assert!(s.validate(&ok, false).is_ok());
        let no_project = Value::object([("name", Value::string("n"))]);
        assert!(s.validate(&no_project, false).is_ok());
        let unknown = Value::object([("project", Value::string("p")), ("name", Value::Unknown)]);
        assert!(s.validate(&unknown, false).unwrap_err().contains("unknown"));
        assert!(s.validate(&unknown, true).is_ok());
        assert!(s.validate(&Value::Unknown, true).is_ok());
        let extra = Value::object([("name", Value::string("n")), ("zone", Value::string("z"))]);
        assert!(s.validate(&extra, false).unwrap_err().contains("zone"));
        let wrong = Value::object([("name", Value::from(3))]);
        assert!(s.validate(&wrong, false).is_err());
        let null_name = Value::object([("project", Value::string("p"))]);
        assert!(s.validate(&null_name, false).unwrap_err().contains("name"));
        assert!(s.validate(&Value::Null, false).is_err());
    }
}
