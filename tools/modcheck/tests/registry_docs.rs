#![allow(clippy::unwrap_used)] // tests fail loudly by design
//! Registry pages in `docs/`: one per resource, data source and action, current with the schema,
//! built from the examples in their fixed places.

mod common;

use std::path::Path;

use common::{fixture, repo_root};
use modcheck::registry_docs::{self, DOCS_DIR};
use modcheck::Error;

#[test]
fn every_type_has_a_current_page_with_its_example() {
    let root = repo_root();
    let pages = registry_docs::pages(&root).unwrap();
    for (page, example) in [
        ("index.md", "examples/provider/provider.tf"),
        (
            "resources/livekit_cluster.md",
            "examples/resources/platform_livekit_cluster/resource.tf",
        ),
        (
            "resources/blue_green_service.md",
            "examples/resources/platform_blue_green_service/resource.tf",
        ),
        (
            "resources/budget_guard.md",
            "examples/resources/platform_budget_guard/resource.tf",
        ),
        (
            "data-sources/project.md",
            "examples/data-sources/platform_project/data-source.tf",
        ),
        (
            "data-sources/zones.md",
            "examples/data-sources/platform_zones/data-source.tf",
        ),
        (
            "actions/rollout_abort.md",
            "examples/actions/platform_rollout_abort/action.tf",
        ),
        (
            "actions/rollout_pause.md",
            "examples/actions/platform_rollout_pause/action.tf",
        ),
        (
            "actions/rollout_promote.md",
            "examples/actions/platform_rollout_promote/action.tf",
        ),
        (
            "list-resources/blue_green_service.md",
            "examples/list-resources/platform_blue_green_service/list-resource.tfquery.hcl",
        ),
        (
            "list-resources/livekit_cluster.md",
            "examples/list-resources/platform_livekit_cluster/list-resource.tfquery.hcl",
        ),
        (
            "list-resources/budget_guard.md",
            "examples/list-resources/platform_budget_guard/list-resource.tfquery.hcl",
        ),
    ] {
        let path = Path::new(DOCS_DIR).join(page);
        let page = pages.iter().find(|p| p.path == path).unwrap();
        let example = std::fs::read_to_string(root.join(example)).unwrap();
        assert!(
            page.text.contains(example.trim_end()),
            "{} lacks {example}",
            path.display()
        );
        let committed = std::fs::read_to_string(root.join(&path)).unwrap();
        assert_eq!(
            committed,
            page.text,
            "{} is stale: run `make docs`",
            path.display()
        );
    }
    assert_eq!(
        pages.len(),
        12,
        "a new resource, data source, action or list resource needs its row above"
    );
}

#[test]
fn resources_that_import_document_the_import_id() {
    let pages = registry_docs::pages(&repo_root()).unwrap();
    for name in ["livekit_cluster", "blue_green_service", "budget_guard"] {
        let path = Path::new(DOCS_DIR)
            .join("resources")
            .join(format!("{name}.md"));
        let page = pages.iter().find(|p| p.path == path).unwrap();
        assert!(
            page.text.contains(
                "## Import\n\nImport is supported using the following syntax:\n\n```shell\n"
            ),
            "{name}"
        );
        assert!(
            page.text
                .contains(&format!("terraform import platform_{name}.")),
            "{name}"
        );
    }
}

/// A copy of the repository's examples in a scratch root.
fn examples_fixture(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let root = repo_root();
    let mut files = Vec::new();
    let mut pending = vec![root.join("examples")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut all: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    all.extend_from_slice(extra);
    fixture(&all)
}

#[test]
fn update_writes_missing_pages_and_removes_pages_of_types_that_are_gone() {
    let dir = examples_fixture(&[("docs/resources/old_thing.md", "# gone\n")]);
    let root = dir.path();
    let stale = registry_docs::update(root, true).unwrap();
    assert_eq!(stale.len(), 13, "{stale:?}");
    assert!(stale.contains(&root.join("docs/resources/old_thing.md")));
    assert!(
        root.join("docs/resources/old_thing.md").is_file(),
        "check mode writes nothing"
    );

    registry_docs::update(root, false).unwrap();
    assert!(!root.join("docs/resources/old_thing.md").exists());
    assert!(registry_docs::update(root, true).unwrap().is_empty());
}

#[test]
fn a_missing_example_is_an_error_naming_the_file() {
    let dir = examples_fixture(&[]);
    let root = dir.path();
    std::fs::remove_file(root.join("examples/resources/platform_budget_guard/resource.tf"))
        .unwrap();
    let err = registry_docs::pages(root).unwrap_err();
    assert!(
        matches!(&err, Error::MissingExample { path } if path.ends_with("examples/resources/platform_budget_guard/resource.tf")),
        "{err}"
    );
}
