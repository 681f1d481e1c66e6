//! Where a root sets the name of what it would create, so an adopted object
//! keeps the name it has. The plan's configuration is followed from the
//! resource's name argument to the root variable that feeds it (through one
//! module call), and `adopt.auto.tfvars` sets that variable.

use std::collections::BTreeMap;

use serde_json::Value;

/// The root variable that sets one object's name: the whole value, or one
/// key of a map when the resource is one `for_each` instance of many.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameVar {
    pub variable: String,
    pub key: Option<String>,
}

/// `module.m.type.name["k"]` → (module call, resource address, instance key).
/// Deeper module paths are not followed.
fn split_address(address: &str) -> Option<(Option<&str>, &str, Option<String>)> {
    let (call, rest) = match address.strip_prefix("module.") {
        Some(r) => {
            let (call, rest) = r.split_once('.')?;
            (Some(call), rest)
        }
        None => (None, address),
    };
    if rest.starts_with("module.") || call.is_some_and(|c| c.contains('[')) {
        return None;
    }
    let (resource, key) = match rest.split_once('[') {
        Some((r, k)) => {
            let key: Value = serde_json::from_str(k.strip_suffix(']')?).ok()?;
            (r, Some(key.as_str()?.to_owned()))
        }
        None => (rest, None),
    };
    Some((call, resource, key))
}

fn references(expression: &Value) -> Vec<&str> {
    expression
        .get("references")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The one variable an expression reads whole (`var.x`, not `var.x.attr`).
fn whole_variable<'a>(refs: &[&'a str]) -> Option<&'a str> {
    let var = refs.iter().find_map(|r| {
        r.strip_prefix("var.")
            .filter(|v| !v.contains('.') && !v.contains('['))
    })?;
    let attribute = format!("var.{var}.");
    (!refs.iter().any(|r| r.starts_with(&attribute))).then_some(var)
}

/// The root variable that sets `attribute` of the resource instance at
/// `address`, from `terraform show -json` of a plan (`doc`).
pub fn name_var(doc: &Value, address: &str, attribute: &str) -> Option<NameVar> {
    let (call, resource, key) = split_address(address)?;
    let root = doc.get("configuration")?.get("root_module")?;
    let module = match call {
        Some(c) => root.get("module_calls")?.get(c)?.get("module")?,
        None => root,
    };
    let config = module
        .get("resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(Value::as_str) == Some(resource))?;
    let refs = references(&config["expressions"][attribute]);
    let var = whole_variable(&refs)?;
    let keyed = refs.contains(&"each.key");
    let variable = match call {
        None => var.to_owned(),
        Some(c) => {
            let input = references(&root["module_calls"][c]["expressions"][var]);
            match input.as_slice() {
                [_] => whole_variable(&input)?.to_owned(),
                _ => return None,
            }
        }
    };
    let key = match (keyed, key) {
        (true, Some(k)) => Some(k),
        (true, None) => return None,
        (false, _) => None,
    };
    Some(NameVar { variable, key })
}

/// An HCL quoted string: JSON escapes, plus Terraform's template sequences.
fn quoted(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// `adopt.auto.tfvars` setting every name in `names`. A map variable keeps
/// the entries its current value (`variables` of the plan) has, and every
/// variable the `previous` file set keeps its current value: a run that finds
/// one more name must not drop the names an earlier run wrote.
pub fn tfvars(doc: &Value, names: &[(NameVar, String)], previous: &str) -> String {
    let current = |var: &str| &doc["variables"][var]["value"];
    // A map variable's current entries (its string values).
    let entries = |var: &str| -> BTreeMap<String, String> {
        current(var)
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect()
    };
    let mut scalars: BTreeMap<&str, &str> = BTreeMap::new();
    let mut maps: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    for var in previously_set(previous) {
        match current(var) {
            Value::String(name) => {
                scalars.insert(var, name);
            }
            Value::Object(_) => {
                maps.insert(var, entries(var));
            }
            _ => {}
        }
    }
    for (var, name) in names {
        match &var.key {
            None => {
                scalars.insert(&var.variable, name);
            }
            Some(key) => {
                maps.entry(&var.variable)
                    .or_insert_with(|| entries(&var.variable))
                    .insert(key.clone(), name.clone());
            }
        }
    }
    let mut out = String::from(
        "# Written by `platform adopt`: the names existing objects have, so the plan takes\n# them over instead of creating twins. Keep this file as long as the names differ\n# from the modules' defaults.\n",
    );
    for (var, name) in scalars {
        out.push_str(&format!("\n{var} = {}\n", quoted(name)));
    }
    for (var, entries) in maps {
        out.push_str(&format!("\n{var} = {{\n"));
        for (k, v) in entries {
            out.push_str(&format!("  {} = {}\n", quoted(&k), quoted(&v)));
        }
        out.push_str("}\n");
    }
    out
}

/// The variables a tfvars file this module wrote assigns (`name = ...` at
/// the start of a line; map entries are indented and quoted).
fn previously_set(previous: &str) -> impl Iterator<Item = &str> {
    previous.lines().filter_map(|line| {
        let (var, _) = line.split_once(" = ")?;
        (!var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(var)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shape `terraform show -json` gives a root like examples/local.
    fn doc() -> Value {
        json!({
            "variables": {"service_names": {"value": {"worker": "legacy-worker"}}},
            "configuration": {"root_module": {
                "resources": [
                    {"address": "platform_budget_guard.prod",
                     "expressions": {"display_name": {"references": ["var.budget_name"]}}},
                    {"address": "platform_blue_green_service.literal",
                     "expressions": {"name": {"constant_value": "api"}}}
                ],
                "module_calls": {
                    "services": {
                        "expressions": {"names": {"references": ["var.service_names"]}},
                        "module": {"resources": [{
                            "address": "platform_blue_green_service.service",
                            "expressions": {"name": {"references":
                                ["var.names", "each.key", "each.value.name", "each.value"]}}
                        }]}
                    },
                    "livekit": {
                        "expressions": {"name": {"constant_value": "livekit"},
                                        "cluster": {"references": ["var.cluster"]}},
                        "module": {"resources": [{
                            "address": "platform_livekit_cluster.main",
                            "expressions": {"name": {"references": ["var.name"]}}
                        }, {
                            "address": "platform_livekit_cluster.old",
                            "expressions": {"name": {"references": ["var.cluster.name", "var.cluster"]}}
                        }]}
                    }
                }
            }}
        })
    }

    #[test]
    fn names_are_traced_to_the_root_variable_that_sets_them() {
        let d = doc();
        assert_eq!(
            name_var(
                &d,
                "module.services.platform_blue_green_service.service[\"api\"]",
                "name"
            ),
            Some(NameVar {
                variable: "service_names".into(),
                key: Some("api".into())
            })
        );
        assert_eq!(
            name_var(&d, "platform_budget_guard.prod", "display_name"),
            Some(NameVar {
                variable: "budget_name".into(),
                key: None
            })
        );
        // A literal, a module input given a literal, an object attribute: no variable to set.
        assert_eq!(
            name_var(&d, "platform_blue_green_service.literal", "name"),
            None
        );
        assert_eq!(
            name_var(&d, "module.livekit.platform_livekit_cluster.main", "name"),
            None
        );
        assert_eq!(
            name_var(&d, "module.livekit.platform_livekit_cluster.old", "name"),
            None
        );
        assert_eq!(
            name_var(&d, "module.a.module.b.platform_budget_guard.x", "name"),
            None
        );
    }

    #[test]
    fn tfvars_keep_the_maps_other_entries_and_escape_templates() {
        let d = doc();
        let text = tfvars(
            &d,
            &[
                (
                    NameVar {
                        variable: "service_names".into(),
                        key: Some("api".into()),
                    },
                    "api-prod-service".into(),
                ),
                (
                    NameVar {
                        variable: "budget_name".into(),
                        key: None,
                    },
                    "Spend ${x}".into(),
                ),
            ],
            "",
        );
        assert!(text.contains("\nbudget_name = \"Spend $${x}\"\n"), "{text}");
        assert!(
            text.contains(
                "\nservice_names = {\n  \"api\" = \"api-prod-service\"\n  \"worker\" = \"legacy-worker\"\n}\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn tfvars_keep_what_an_earlier_run_wrote() {
        let d = json!({"variables": {
            "network_name": {"value": "platform-prod-vpc"},
            "service_names": {"value": {"api": "api-prod-service"}},
            "region": {"value": "us-central1"}
        }});
        let previous = "# Written by `platform adopt`\n\nnetwork_name = \"platform-prod-vpc\"\n\nservice_names = {\n  \"api\" = \"api-prod-service\"\n}\n";
        let text = tfvars(
            &d,
            &[(
                NameVar {
                    variable: "redis_name".into(),
                    key: None,
                },
                "platform-prod-redis".into(),
            )],
            previous,
        );
        for line in [
            "\nnetwork_name = \"platform-prod-vpc\"\n",
            "\nredis_name = \"platform-prod-redis\"\n",
            "\nservice_names = {\n  \"api\" = \"api-prod-service\"\n}\n",
        ] {
            assert!(text.contains(line), "{line}: {text}");
        }
        assert!(!text.contains("region"), "{text}");
    }
}
