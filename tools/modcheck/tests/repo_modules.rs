#![allow(clippy::unwrap_used)] // tests fail loudly by design
//! The repository's own modules and examples pass every offline check.

mod common;

use common::repo_root;

#[test]
fn modules_use_only_existing_google_fields() {
    let findings = modcheck::check_fields(&repo_root()).unwrap();
    let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{}", text.join("\n"));
}

#[test]
fn modules_are_wired_consistently() {
    let findings = modcheck::check_wiring(&repo_root()).unwrap();
    let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{}", text.join("\n"));
}

#[test]
fn readme_tables_are_current() {
    let stale = modcheck::update_docs(&repo_root(), true).unwrap();
    assert!(
        stale.is_empty(),
        "stale READMEs (run `cargo run -p modcheck -- docs`): {stale:?}"
    );
}

#[test]
fn every_module_has_the_expected_files() {
    let root = repo_root();
    for name in [
        "network",
        "database",
        "redis",
        "services",
        "edge",
        "frontend",
        "livekit",
        "monitoring",
        "budget",
        "compliance",
        "service-identity",
        "livekit-edge",
        "commitments",
    ] {
        for file in ["versions.tf", "variables.tf", "outputs.tf", "README.md"] {
            let path = root.join("modules").join(name).join(file);
            assert!(path.is_file(), "missing {}", path.display());
        }
    }
}
