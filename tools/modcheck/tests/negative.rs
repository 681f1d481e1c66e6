#![allow(clippy::unwrap_used)] // tests fail loudly by design
//! The checks catch the mistakes they exist for, on small fixtures.

mod common;

use common::fixture;
use modcheck::{fields, wiring, FieldList, Module};

const FIELDS: &str = r#"{
  "source": "test",
  "resources": {
    "google_redis_instance": ["name", "tier", "memory_size_gb", "maintenance_policy.weekly_maintenance_window.day"]
  },
  "common": ["project"]
}"#;

fn field_findings(tf: &str) -> Vec<String> {
    let dir = fixture(&[("fields.json", FIELDS), ("m/main.tf", tf)]);
    let list = FieldList::load(&[&dir.path().join("fields.json")]).unwrap();
    let module = Module::load(&dir.path().join("m")).unwrap();
    fields::check(&module, &list)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn misspelt_argument_is_reported_with_line_and_suggestion() {
    let found = field_findings(
        "resource \"google_redis_instance\" \"r\" {\n  project = \"p\"\n  name    = \"r\"\n  memory_size_bg = 5\n}\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("main.tf:4:"), "{}", found[0]);
    assert!(found[0].contains("`memory_size_bg`"), "{}", found[0]);
    assert!(
        found[0].contains("did you mean `memory_size_gb`"),
        "{}",
        found[0]
    );
}

#[test]
fn nested_and_dynamic_blocks_are_checked_by_path() {
    let found = field_findings(
        r#"resource "google_redis_instance" "r" {
  count = 1
  maintenance_policy {
    dynamic "weekly_maintenance_window" {
      for_each = [1]
      content {
        dya = "SUNDAY"
      }
    }
  }
  lifecycle {
    ignore_changes = [tier]
  }
}
"#,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("main.tf:7:"), "{}", found[0]);
    assert!(
        found[0].contains("maintenance_policy.weekly_maintenance_window.dya"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("`day`"), "{}", found[0]);
}

#[test]
fn unknown_google_type_is_reported() {
    let found = field_findings("resource \"google_redis_instanse\" \"r\" {}\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("google_redis_instance"), "{}", found[0]);
}

fn wiring_findings(files: &[(&str, &str)]) -> Vec<String> {
    let dir = fixture(files);
    let module = Module::load(&dir.path().join("root")).unwrap();
    wiring::check(&module)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

const CHILD: &str = r#"
variable "name" { type = string }
variable "size" {
  type    = number
  default = 5
}
output "id" { value = var.name }
"#;

#[test]
fn missing_required_module_input_is_reported() {
    let found = wiring_findings(&[
        ("child/main.tf", CHILD),
        (
            "root/main.tf",
            "module \"c\" {\n  source = \"../child\"\n  size   = 3\n}\n",
        ),
    ]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("missing required input `name`"),
        "{}",
        found[0]
    );
}

#[test]
fn undeclared_module_input_and_output_are_reported() {
    let found = wiring_findings(&[
        ("child/main.tf", CHILD),
        (
            "root/main.tf",
            "module \"c\" {\n  source = \"../child\"\n  name   = \"x\"\n  sise   = 3\n}\noutput \"o\" { value = module.c.idd }\n",
        ),
    ]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found
        .iter()
        .any(|f| f.contains("main.tf:4:") && f.contains("`sise`") && f.contains("`size`")));
    assert!(found.iter().any(|f| f.contains("no output `idd`")));
}

#[test]
fn unknown_references_are_reported_and_scoped_names_are_not() {
    let found = wiring_findings(&[(
        "root/main.tf",
        r#"
variable "zones" { type = list(string) }
locals {
  names = [for z in var.zones : "${z}-${local.prefix}"]
  upper = { for k, v in var.zonez : k => v }
}
resource "google_thing" "t" {
  dynamic "zone" {
    for_each = var.zones
    content {
      name = zone.value
    }
  }
  other = google_thing.missing.id
}
output "o" { value = local.names }
"#,
    )]);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found
        .iter()
        .any(|f| f.contains("main.tf:4:") && f.contains("local value `prefix`")));
    assert!(found.iter().any(|f| f.contains("main.tf:5:")
        && f.contains("variable `zonez`")
        && f.contains("`zones`")));
    assert!(found
        .iter()
        .any(|f| f.contains("resource `google_thing.missing`")));
}

#[test]
fn google_type_that_adopt_cannot_find_is_reported() {
    let dir = fixture(&[(
        "m/main.tf",
        "resource \"google_compute_network\" \"vpc\" {\n  name = \"vpc\"\n}\n\nresource \"google_alloydb_cluster\" \"db\" {\n  cluster_id = \"db\"\n}\n",
    )]);
    let module = Module::load(&dir.path().join("m")).unwrap();
    let found: Vec<String> = modcheck::adoption::check(&module)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("main.tf:5:"), "{}", found[0]);
    assert!(found[0].contains("google_alloydb_cluster"), "{}", found[0]);
}
