//! Foundation: provider schema, authentication against the emulator, the two data sources,
//! configuration diagnostics, log hygiene and the "not run by terraform" message.

use std::process::Command;

use e2e::{
    for_each_terraform, release_binary, required_providers, CommandOutput, Emulator, HarnessError,
    Workspace, DEFAULT_PROJECT, DEFAULT_REGION, PROVIDER_BIN,
};
use serde_json::Value;

const PROVIDER_ADDRESS: &str = "registry.terraform.io/platform-eng/platform";

/// Config reading both data sources, with outputs the tests compare against the emulator.
fn data_sources_config(emu: &Emulator, provider_extra: &str) -> String {
    format!(
        r#"{required}
{provider}
data "platform_zones" "available" {{}}

data "platform_project" "current" {{}}

output "zones" {{
  value = data.platform_zones.available.names
}}

output "project_number" {{
  value = data.platform_project.current.number
}}

output "default_service_account" {{
  value = data.platform_project.current.default_service_account
}}
"#,
        required = required_providers(),
        provider = emu.provider_block(provider_extra),
    )
}

#[test]
fn providers_schema_describes_provider_configuration() {
    for_each_terraform(|tf| {
        let ws = Workspace::new(tf, &[("main.tf", &required_providers())])?;
        ws.init()?;
        let schema = ws.providers_schema()?;
        let provider = &schema["provider_schemas"][PROVIDER_ADDRESS];
        let attrs = &provider["provider"]["block"]["attributes"];
        assert!(
            attrs.is_object(),
            "no provider attributes in schema: {schema:#}"
        );

        for name in [
            "project",
            "region",
            "zone",
            "credentials",
            "access_token",
            "impersonate_service_account",
            "request_timeout",
            "default_labels",
            "billing_project",
            "user_project_override",
            "scopes",
            "compute_custom_endpoint",
            "cloud_run_v2_custom_endpoint",
            "monitoring_custom_endpoint",
            "billing_budgets_custom_endpoint",
            "pubsub_custom_endpoint",
            "resource_manager_v3_custom_endpoint",
            "iam_credentials_custom_endpoint",
        ] {
            let attr = &attrs[name];
            assert!(
                attr.is_object(),
                "provider attribute {name} missing: {attrs:#}"
            );
            // Everything has an environment or ADC fallback, so nothing may be required.
            assert_ne!(
                attr["required"],
                Value::Bool(true),
                "{name} must not be required"
            );
        }
        assert_eq!(attrs["project"]["type"], "string");
        assert_eq!(attrs["compute_custom_endpoint"]["type"], "string");
        assert_eq!(
            attrs["credentials"]["sensitive"], true,
            "credentials must be sensitive"
        );
        assert_eq!(
            attrs["access_token"]["sensitive"], true,
            "access_token must be sensitive"
        );
        assert_eq!(
            attrs["default_labels"]["type"],
            serde_json::json!(["map", "string"])
        );

        let data_sources = &provider["data_source_schemas"];
        for (name, list_attr) in [("platform_zones", "names"), ("platform_project", "number")] {
            let attr = &data_sources[name]["block"]["attributes"][list_attr];
            assert_eq!(
                attr["computed"], true,
                "{name}.{list_attr}: {data_sources:#}"
            );
        }
        Ok(())
    });
}

#[test]
fn data_sources_read_zones_and_project_through_service_account_auth() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &data_sources_config(&emu, ""))])?;
        ws.init()?;
        ws.apply()?;
        let outputs = ws.outputs()?;

        // Snapshot the request log before our own reads below add to it.
        let requests = emu.requests()?;
        let served = |method: &str, path: &str| {
            requests
                .iter()
                .any(|r| r.method == method && r.path == path && (200..300).contains(&r.status))
        };
        let log: Vec<String> = requests
            .iter()
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect();
        let project_path = format!("/compute/v1/projects/{DEFAULT_PROJECT}");
        let zones_path = format!("{project_path}/zones");
        assert!(
            served("POST", "/token"),
            "no JWT token exchange in {log:#?}"
        );
        assert!(served("GET", &project_path), "no projects.get in {log:#?}");
        assert!(served("GET", &zones_path), "no zones.list in {log:#?}");

        let zones = emu.google_get(&zones_path)?;
        let expected_zones = zones_in_region(&zones, DEFAULT_REGION);
        assert!(
            !expected_zones.is_empty(),
            "emulator lists no zones in {DEFAULT_REGION}: {zones:#}"
        );
        assert_eq!(outputs["zones"], serde_json::json!(expected_zones));

        let project = emu.google_get(&project_path)?;
        let number = as_plain_string(&project["id"]);
        assert!(!number.is_empty(), "project without id: {project:#}");
        assert_eq!(as_plain_string(&outputs["project_number"]), number);
        assert_eq!(
            outputs["default_service_account"], project["defaultServiceAccount"],
            "outputs: {outputs:#}"
        );
        Ok(())
    });
}

#[test]
fn bad_provider_configuration_is_reported_against_the_attribute() {
    let cases = [
        (
            "credentials",
            "credentials = \"/nonexistent/e2e/key.json\"".to_string(),
        ),
        ("region", "region = \"Not A Region!\"".to_string()),
        (
            "compute_custom_endpoint",
            "compute_custom_endpoint = \"not a url\"".to_string(),
        ),
    ];
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        for (attribute, extra) in &cases {
            let ws = Workspace::new(tf, &[("main.tf", &data_sources_config(&emu, extra))])?;
            ws.init()?;
            let out = ws.run(&["plan"], &[])?;
            assert!(!out.success(), "plan with bad {attribute} succeeded: {out}");
            assert!(
                out.stderr.contains("Error") && out.stderr.contains(attribute),
                "diagnostic for bad {attribute} does not name it: {out}"
            );
        }
        // Configuration is validated before any API call is attempted.
        let compute_calls: Vec<String> = emu
            .requests()?
            .into_iter()
            .filter(|r| r.path.starts_with("/compute/"))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(
            compute_calls.is_empty(),
            "bad configs reached the API: {compute_calls:?}"
        );
        // Control: the same configuration with valid values plans cleanly.
        let ws = Workspace::new(tf, &[("main.tf", &data_sources_config(&emu, ""))])?;
        ws.init()?;
        ws.plan()?;
        Ok(())
    });
}

#[test]
fn debug_log_shows_requests_but_never_secrets() {
    for_each_terraform(|tf| {
        let emu = Emulator::start()?;
        let ws = Workspace::new(tf, &[("main.tf", &data_sources_config(&emu, ""))])?;
        ws.init()?;
        let out = ws.run_ok(&["apply", "-auto-approve"], &[("TF_LOG", "DEBUG")])?;
        let all = out.combined();

        let zones_path = format!("/compute/v1/projects/{DEFAULT_PROJECT}/zones");
        assert!(
            all.lines()
                .any(|l| l.contains("provider.terraform-provider-platform")
                    && l.contains("GET")
                    && l.contains(&zones_path)),
            "no provider request log line for GET {zones_path}: {out}"
        );

        let key_body = private_key_body(&emu)?;
        assert!(key_body.len() > 200, "unexpectedly short key body");
        let key_slice = &key_body[100..160];
        for (what, needle) in [
            ("an access token", "ya29."),
            ("a private key header", "BEGIN PRIVATE KEY"),
            ("private key material", key_slice),
        ] {
            assert!(!all.contains(needle), "TF_LOG=DEBUG output leaks {what}");
        }
        Ok(())
    });
}

#[test]
fn provider_binary_run_directly_explains_itself() {
    let binary = release_binary(PROVIDER_BIN).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(&binary)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", binary.display()));
    let output = CommandOutput {
        command: binary.display().to_string(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(output.code, Some(1), "{output}");
    let text = output.combined().to_lowercase();
    assert!(
        text.contains("terraform") && text.contains("plugin"),
        "message does not say it is a Terraform plugin: {output}"
    );
}

/// Names of the zones in `region`, sorted, from a `compute#zoneList`.
fn zones_in_region(list: &Value, region: &str) -> Vec<String> {
    let suffix = format!("/regions/{region}");
    let mut names: Vec<String> = list["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|z| z["region"].as_str().is_some_and(|r| r.ends_with(&suffix)))
        .filter_map(|z| z["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Numbers and numeric strings compare equal (Google sends int64 as strings).
fn as_plain_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The base64 body of the emulator-issued service-account key.
fn private_key_body(emu: &Emulator) -> Result<String, HarnessError> {
    let path = emu.credentials_path();
    let text = std::fs::read_to_string(&path)
        .map_err(HarnessError::io(format!("reading {}", path.display())))?;
    let key: Value = serde_json::from_str(&text).map_err(|e| HarnessError::BadOutput {
        command: format!("read {}", path.display()),
        detail: e.to_string(),
    })?;
    Ok(key["private_key"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect())
}
