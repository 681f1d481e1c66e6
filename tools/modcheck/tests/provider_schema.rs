#![allow(clippy::unwrap_used)] // tests fail loudly by design
//! `platform_*` blocks are checked against the provider's real schema: the mistakes the
//! modules once had (a misnamed probe argument, a block written as an attribute, a missing
//! required block) and the ones a flat field list cannot see.

mod common;

use common::fixture;
use modcheck::{provider_schema, Module, ProviderSchemas};

fn schema_findings(tf: &str) -> Vec<String> {
    let dir = fixture(&[("m/main.tf", tf)]);
    let module = Module::load(&dir.path().join("m")).unwrap();
    provider_schema::check(&module, &ProviderSchemas::platform())
        .iter()
        .map(ToString::to_string)
        .collect()
}

const SERVICE: &str = r#"resource "platform_blue_green_service" "api" {
  for_each = toset(["a"])
  name     = "api"
  uri      = "https://x"
  rollout = {
    steps = [100]
  }
  template {
    containers {
      image = "img"
      dynamic "env" {
        for_each = { A = "1" }
        content {
          name  = env.key
          value = env.value
        }
      }
      startup_probe {
        http_path = "/health"
      }
    }
  }
  lifecycle {
    prevent_destroy = true
  }
}
"#;

#[test]
fn wrong_names_kinds_and_computed_attributes_are_reported() {
    let found = schema_findings(SERVICE);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("main.tf:4:")
            && f.contains("platform_blue_green_service.api")
            && f.contains("`uri` is computed")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("main.tf:5:") && f.contains("`rollout` is a block")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.contains("main.tf:19:")
            && f.contains("template.containers.startup_probe.http_path")
            && f.contains("`http_get_path`")),
        "{found:?}"
    );
}

#[test]
fn missing_required_arguments_and_blocks_are_reported() {
    let found = schema_findings(
        "resource \"platform_livekit_cluster\" \"lk\" {\n  name = \"lk\"\n  livekit {\n    redis_address = \"r:6379\"\n  }\n}\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .any(|f| f.contains("main.tf:1:") && f.contains("missing required argument `zones`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.contains("main.tf:3:")
            && f.contains("missing required argument `livekit.keys_secret`")),
        "{found:?}"
    );
}

#[test]
fn unknown_platform_type_is_reported() {
    let found = schema_findings("resource \"platform_budget_gaurd\" \"b\" {}\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("`platform_budget_guard`"), "{}", found[0]);
}
