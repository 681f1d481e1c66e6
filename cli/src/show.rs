//! A read-only view of `terraform show -json` output, for a saved plan or the
//! state: the resource instances with their values, and (plans only) the
//! changes. Unknown-at-plan values count as set, so a reference such as
//! `security_policy = google_compute_security_policy.x.id` is not a failure.

use serde_json::Value;

use crate::error::CliError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Plan,
    State,
}

/// One resource instance as it is (state) or will be (plan).
#[derive(Debug, Clone)]
pub struct ResourceView {
    pub address: String,
    pub resource_type: String,
    pub values: Value,
    /// Mirror of `values` with `true` where the value is known only after apply.
    pub unknown: Value,
}

/// One entry of `resource_changes`.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub address: String,
    pub module_address: Option<String>,
    pub resource_type: String,
    pub mode: String,
    pub actions: Vec<String>,
    pub before: Value,
    pub after: Value,
    pub after_unknown: Value,
    /// The import ID when this change imports an existing object (`import` blocks).
    pub importing_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ShowDoc {
    pub kind: DocKind,
    pub resources: Vec<ResourceView>,
    pub changes: Vec<ResourceChange>,
}

impl ShowDoc {
    /// `what` names the source in error messages (a file name or command).
    pub fn parse(bytes: &[u8], what: &str) -> Result<Self, CliError> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|source| CliError::ShowJson {
            what: what.to_string(),
            source,
        })?;
        let changes: Vec<ResourceChange> = doc
            .get("resource_changes")
            .and_then(Value::as_array)
            .map(|list| list.iter().map(parse_change).collect())
            .unwrap_or_default();
        let (kind, root) = if let Some(planned) = doc.get("planned_values") {
            (DocKind::Plan, planned.get("root_module"))
        } else {
            (
                DocKind::State,
                doc.get("values").and_then(|v| v.get("root_module")),
            )
        };
        let mut resources = Vec::new();
        if let Some(root) = root {
            collect_module(root, &changes, &mut resources);
        }
        Ok(Self {
            kind,
            resources,
            changes,
        })
    }

    /// Managed resources of one type, in document order.
    pub fn of_type<'a>(&'a self, resource_type: &'a str) -> impl Iterator<Item = &'a ResourceView> {
        self.resources
            .iter()
            .filter(move |r| r.resource_type == resource_type)
    }
}

fn parse_change(change: &Value) -> ResourceChange {
    let text = |key: &str| change.get(key).and_then(Value::as_str).map(str::to_string);
    let inner = change.get("change").cloned().unwrap_or(Value::Null);
    ResourceChange {
        address: text("address").unwrap_or_default(),
        module_address: text("module_address"),
        resource_type: text("type").unwrap_or_default(),
        mode: text("mode").unwrap_or_else(|| "managed".to_string()),
        actions: inner
            .get("actions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        before: inner.get("before").cloned().unwrap_or(Value::Null),
        after: inner.get("after").cloned().unwrap_or(Value::Null),
        after_unknown: inner.get("after_unknown").cloned().unwrap_or(Value::Null),
        importing_id: inner
            .get("importing")
            .and_then(|i| i.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

fn collect_module(module: &Value, changes: &[ResourceChange], out: &mut Vec<ResourceView>) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if resource.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let address = resource
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let unknown = changes
            .iter()
            .find(|c| c.address == address)
            .map(|c| c.after_unknown.clone())
            .unwrap_or(Value::Null);
        out.push(ResourceView {
            resource_type: resource
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            values: resource.get("values").cloned().unwrap_or(Value::Null),
            unknown,
            address,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_module(child, changes, out);
    }
}

/// Follows a dotted path such as `settings.0.availability_type`.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(value, |v, key| match key.parse::<usize>() {
            Ok(index) => v.get(index),
            Err(_) => v.get(key),
        })
}

/// Whether a JSON subtree contains any `true` leaf (an `after_unknown` mirror).
pub fn any_unknown(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_unknown),
        Value::Object(map) => map.values().any(any_unknown),
        _ => false,
    }
}

impl ResourceView {
    pub fn get(&self, path: &str) -> Option<&Value> {
        lookup(&self.values, path).filter(|v| !v.is_null())
    }

    pub fn str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    pub fn f64(&self, path: &str) -> Option<f64> {
        self.get(path).and_then(Value::as_f64)
    }

    pub fn bool(&self, path: &str) -> Option<bool> {
        self.get(path).and_then(Value::as_bool)
    }

    pub fn list(&self, path: &str) -> &[Value] {
        self.get(path)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Known after apply (plans only).
    pub fn is_unknown(&self, path: &str) -> bool {
        lookup(&self.unknown, path).is_some_and(any_unknown)
    }

    /// Has a value now or will have one after apply.
    pub fn is_set(&self, path: &str) -> bool {
        let present = match self.get(path) {
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
            None => false,
        };
        present || self.is_unknown(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walks_child_modules_and_marks_unknowns() {
        let plan = json!({
            "format_version": "1.2",
            "planned_values": {"root_module": {
                "resources": [{"address": "a.b", "mode": "managed", "type": "a", "values": {"x": 1}}],
                "child_modules": [{"address": "module.m", "resources": [
                    {"address": "module.m.c.d", "mode": "managed", "type": "c", "values": {"p": null}},
                    {"address": "module.m.data.e.f", "mode": "data", "type": "e", "values": {}}
                ]}]
            }},
            "resource_changes": [{"address": "module.m.c.d", "module_address": "module.m", "type": "c",
                "change": {"actions": ["create"], "before": null, "after": {"p": null}, "after_unknown": {"p": true}}}]
        });
        let doc = ShowDoc::parse(plan.to_string().as_bytes(), "test").unwrap();
        assert_eq!(doc.kind, DocKind::Plan);
        let addrs: Vec<_> = doc.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(addrs, ["a.b", "module.m.c.d"]);
        assert!(doc.resources[1].is_set("p"));
        assert!(!doc.resources[0].is_set("y"));
        assert_eq!(doc.changes[0].actions, ["create"]);
    }

    #[test]
    fn state_documents_use_values() {
        let state = json!({"values": {"root_module": {"resources": [
            {"address": "x.y", "mode": "managed", "type": "x", "values": {"s": [{"k": "v"}]}}]}}});
        let doc = ShowDoc::parse(state.to_string().as_bytes(), "state").unwrap();
        assert_eq!(doc.kind, DocKind::State);
        assert_eq!(doc.resources[0].str("s.0.k"), Some("v"));
    }

    #[test]
    fn empty_state_has_no_resources() {
        let doc = ShowDoc::parse(br#"{"format_version":"1.0"}"#, "state").unwrap();
        assert!(doc.resources.is_empty());
        assert!(ShowDoc::parse(b"not json", "x").is_err());
    }
}
