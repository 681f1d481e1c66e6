//! A provider configuration that is unknown at plan (an aliased provider whose
//! `region` comes from a resource not created yet) on every Terraform version:
//! the plan succeeds with what depends on it unknown and what the resource sets
//! kept, and the apply creates both services with the final values (before:
//! "No location" at plan).

use e2e::{
    blue_green_service, for_each_terraform, required_providers, Emulator, HarnessError, Terraform,
    Workspace,
};
use serde_json::{json, Value};

fn root(emu: &Emulator) -> String {
    let late = emu.provider_block(
        "alias  = \"late\"\nregion = platform_blue_green_service.first.uri != \"\" ? \"us-central1\" : \"us-east1\"",
    );
    let second = blue_green_service(
        "img:v1",
        "  provider = platform.late\n  project  = \"platform-local\"",
    )
    .replace("\"api\" {", "\"second\" {")
    .replace(
        "name                = \"api\"",
        "name                = \"api2\"",
    );
    let first = blue_green_service("img:v1", "")
        .replace("\"api\" {", "\"first\" {")
        .replace(
            "name                = \"api\"",
            "name                = \"api1\"",
        );
    format!(
        "{}\n{}\n{late}\n{first}\n{second}",
        required_providers(),
        emu.provider_block("")
    )
}

fn deferred(tf: &Terraform) -> Result<(), HarnessError> {
    let emu = Emulator::start()?;
    emu.admin_post(
        "/_emulator/run/behaviors",
        &json!({"image": "img:v1", "rps": 100000}),
    )?;
    let ws = Workspace::new(tf, &[("main.tf", &root(&emu))])?;
    ws.init()?;
    let plan = ws.run(&["plan", "-no-color", "-out=tfplan"], &[])?;
    assert!(
        plan.success(),
        "an unknown provider region must not fail the plan:\n{plan}"
    );
    let shown = ws.run(&["show", "-json", "tfplan"], &[])?;
    let planned: Value = serde_json::from_str(&shown.stdout).unwrap_or_default();
    let second = planned["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|r| r["name"] == "second"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        second["change"]["after"]["project"], "platform-local",
        "{second}"
    );
    assert_eq!(second["change"]["after"]["name"], "api2", "{second}");
    assert_eq!(
        second["change"]["after_unknown"]["location"], true,
        "{second}"
    );
    let applied = ws.run(&["apply", "-no-color", "tfplan"], &[])?;
    assert!(applied.success(), "{applied}");
    let state = ws.show_json()?;
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let locations: Vec<(String, String)> = resources
        .iter()
        .map(|r| {
            (
                r["values"]["name"].as_str().unwrap_or_default().to_owned(),
                r["values"]["location"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        locations,
        vec![
            ("api1".into(), "us-central1".into()),
            ("api2".into(), "us-central1".into())
        ],
        "{state}"
    );
    // Known from now on: the next plan is empty.
    let again = ws.run(&["plan", "-no-color", "-detailed-exitcode"], &[])?;
    assert_eq!(again.code, Some(0), "{again}");
    Ok(())
}

#[test]
fn unknown_provider_configuration_defers_instead_of_failing() {
    for_each_terraform(deferred);
}
