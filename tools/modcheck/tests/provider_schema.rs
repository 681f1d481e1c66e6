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

fn google_findings(tf: &str) -> Vec<String> {
    let dir = fixture(&[("modules/cache/main.tf", tf)]);
    let module = Module::load(&dir.path().join("modules/cache")).unwrap();
    provider_schema::check(&module, &ProviderSchemas::google().unwrap())
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// hashicorp/google's vendored schema judges types, required arguments, nesting and max items;
/// names stay with the 7.45 field list, and types not vendored are left to it.
#[test]
fn google_blocks_are_checked_against_the_vendored_schema() {
    let found = google_findings(
        r#"resource "google_redis_instance" "main" {
  name           = "cache"
  memory_size_gb = "five"
  redis_configs  = ["maxmemory-policy"]
  current_location_id = "us-central1-a"
  misspelt_name  = true
  persistence_config {
    persistence_mode = "RDB"
  }
  persistence_config {
    persistence_mode = "AOF"
  }
  maintenance_policy = {}
}

resource "google_storage_bucket" "site" {
  name = "site"
  dynamic "cors" {
    for_each = [1, 2]
    content {
      max_age_seconds = 3600
    }
  }
}

resource "google_not_vendored" "x" {
  anything = 1
}
"#,
    );
    let expect = [
        (
            "main.tf:3:",
            "`memory_size_gb`: expects a number, got a string",
        ),
        ("main.tf:4:", "`redis_configs`: expects a map, got a list"),
        (
            "main.tf:5:",
            "`current_location_id` is computed and cannot be set",
        ),
        (
            "main.tf:7:",
            "`persistence_config` allows at most 1 block(s), found 2",
        ),
        ("main.tf:13:", "`maintenance_policy` is a block"),
        ("main.tf:16:", "missing required argument `location`"),
    ];
    for (line, message) in expect {
        assert!(
            found.iter().any(|f| f.contains(line)
                && f.contains(message)
                && f.contains("modules/cache/main.tf")),
            "{line} {message}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}

#[test]
fn action_config_blocks_are_checked_against_the_action_schema() {
    let found = schema_findings(
        "action \"platform_rollout_pause\" \"api\" {\n  config {\n    id      = \"projects/p/locations/l/services/api\"\n    percnt  = 10\n  }\n}\n\naction \"platform_rollout_halt\" \"api\" {\n  config {\n    id = \"x\"\n  }\n}\n",
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found.iter().any(|f| f.contains("main.tf:4:")
            && f.contains("action.platform_rollout_pause.api")
            && f.contains("`percent`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("main.tf:1:") && f.contains("`percent`") && f.contains("required")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("action type `platform_rollout_halt` does not exist")),
        "{found:?}"
    );
}
