//! The registry docs' examples (`examples/provider`, `examples/resources/<type>`,
//! `examples/data-sources/<type>`) are shown verbatim on the registry pages, so a user who
//! copies one must get a configuration that works: each passes `terraform validate` with
//! the real provider, and every resource and data source example applies against the
//! emulator (serving the examples' project) and then plans clean, on every Terraform
//! version found. From Terraform 1.5 on, each resource example's objects are imported
//! again into an empty configuration with `import` blocks and `-generate-config-out`:
//! the generated configuration must plan "0 to change" and stay clean after the import.

use std::path::{Path, PathBuf};

use std::io::Write;

use serde_json::json;

use e2e::{
    for_each_terraform, hcl_string, required_providers, workspace_root, Emulator, HarnessError,
    Terraform, Workspace,
};

/// The project the examples are written for (`examples/provider/provider.tf`).
const EXAMPLE_PROJECT: &str = "acme-platform-prod";

/// Snippets shown on the registry pages that no configuration here can run on its own:
/// `import { identity }` needs Terraform 1.12, a `moved` from hashicorp/google needs a
/// state holding the google resource (both are exercised in `protocol.rs` and `moved.rs`).
const DOCS_ONLY: [&str; 2] = ["import-by-identity.tf", "moved.tf"];

/// An example folder with its `*.tf` files (name, text).
type Example = (PathBuf, Vec<(String, String)>);

/// Every example folder.
fn examples() -> Result<Vec<Example>, HarnessError> {
    let base = workspace_root().join("examples");
    let mut dirs = vec![base.join("provider")];
    for kind in ["resources", "data-sources"] {
        let parent = base.join(kind);
        for entry in
            std::fs::read_dir(&parent).map_err(HarnessError::io(parent.display().to_string()))?
        {
            dirs.push(
                entry
                    .map_err(HarnessError::io(parent.display().to_string()))?
                    .path(),
            );
        }
    }
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let mut files = Vec::new();
            for entry in
                std::fs::read_dir(&dir).map_err(HarnessError::io(dir.display().to_string()))?
            {
                let path = entry
                    .map_err(HarnessError::io(dir.display().to_string()))?
                    .path();
                if path.extension().is_some_and(|e| e == "tf")
                    && !DOCS_ONLY.contains(&file_name(&path).as_str())
                {
                    let text = std::fs::read_to_string(&path)
                        .map_err(HarnessError::io(path.display().to_string()))?;
                    files.push((file_name(&path), text));
                }
            }
            Ok((dir, files))
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn registry_examples_apply_plan_clean_and_reimport_with_generated_config() {
    let examples = examples().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        examples.len() >= 6,
        "expected the provider, 3 resource and 2 data source examples: {examples:?}"
    );
    for_each_terraform(|tf| {
        for (dir, files) in &examples {
            assert!(!files.is_empty(), "{} has no *.tf file", dir.display());
            let mut all: Vec<(&str, &str)> = files
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            // Resource and data source examples leave the provider's source to the reader's
            // configuration; provider.tf declares it itself.
            let versions = required_providers();
            if !files.iter().any(|(_, t)| t.contains("required_providers")) {
                all.push(("versions.tf", &versions));
            }
            if dir.ends_with("provider") {
                assert!(
                    files.iter().any(|(_, t)| t.contains(EXAMPLE_PROJECT)),
                    "the provider example names {EXAMPLE_PROJECT}"
                );
                let ws = Workspace::new(tf, &all)?;
                ws.init()?;
                let out = ws.run_ok(&["validate"], &[])?;
                assert!(out.stdout.contains("The configuration is valid"), "{out}");
                continue;
            }
            // The example as written, pointed at an emulator that serves its project.
            let emu = Emulator::start_with(&["--project", EXAMPLE_PROJECT])?;
            example_network(&emu)?;
            let provider = emu.provider_block(&format!("project = \"{EXAMPLE_PROJECT}\""));
            all.push(("provider.tf", &provider));
            let ws = Workspace::new(tf, &all)?;
            ws.init()?;
            ws.run_ok(&["validate"], &[])?;
            ws.apply()?;
            let plan = ws.run(&["plan", "-detailed-exitcode"], &[])?;
            assert_eq!(
                plan.code,
                Some(0),
                "{}: not clean after apply\n{plan}",
                dir.display()
            );
            if dir.parent().is_some_and(|p| p.ends_with("resources")) {
                import_with_generated_config(tf, &ws, &provider)?;
            }
        }
        Ok(())
    });
}

/// The VPC the examples place nodes in, as the network module would create it.
fn example_network(emu: &Emulator) -> Result<(), HarnessError> {
    let project = format!("/compute/v1/projects/{EXAMPLE_PROJECT}");
    emu.compute_mutate(
        &format!("{project}/global/networks"),
        &json!({"name": "platform-vpc", "autoCreateSubnetworks": false}),
    )?;
    emu.compute_mutate(
        &format!("{project}/regions/us-central1/subnetworks"),
        &json!({"name": "platform-subnet", "network": "global/networks/platform-vpc", "ipCidrRange": "10.10.0.0/20"}),
    )?;
    Ok(())
}

/// Imports what `applied` created into a fresh workspace with an `import` block,
/// letting Terraform write the configuration from the imported state.
fn import_with_generated_config(
    tf: &Terraform,
    applied: &Workspace,
    provider: &str,
) -> Result<(), HarnessError> {
    if !tf.at_least("1.5") {
        // Direct write: libtest would swallow eprintln! output of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "terraform {}: import blocks and -generate-config-out need >= 1.5; checked on newer versions",
            tf.version
        );
        return Ok(());
    }
    let state = applied.show_json()?;
    let resource = &state["values"]["root_module"]["resources"][0];
    let (address, id) = (
        resource["address"].as_str().unwrap_or_default(),
        resource["values"]["id"].as_str().unwrap_or_default(),
    );
    assert!(!address.is_empty() && !id.is_empty(), "{state:#}");
    let imports = format!(
        "import {{\n  to = {address}\n  id = {}\n}}\n",
        hcl_string(id)
    );
    let versions = required_providers();
    let ws = Workspace::new(
        tf,
        &[
            ("versions.tf", &versions),
            ("provider.tf", provider),
            ("imports.tf", &imports),
        ],
    )?;
    ws.init()?;
    let plan = ws.run_ok(&["plan", "-generate-config-out=generated.tf"], &[])?;
    assert!(
        plan.stdout
            .contains("1 to import, 0 to add, 0 to change, 0 to destroy"),
        "{address}: the generated configuration must describe what exists\n{plan}"
    );
    ws.apply()?;
    let after = ws.run(&["plan", "-detailed-exitcode"], &[])?;
    assert_eq!(
        after.code,
        Some(0),
        "{address}: not clean after the import\n{after}"
    );
    Ok(())
}
