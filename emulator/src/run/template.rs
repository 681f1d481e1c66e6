//! Revision templates: the checks the Run API makes, the defaults it fills
//! in, and the Revision a template becomes.

use std::sync::LazyLock;

use serde_json::{json, Value};

use crate::clock::rfc3339;
use crate::error::ApiError;

/// CPU limits Cloud Run accepts (fractional CPU below 1 as millicores).
const CPU_VALUES: &[(&str, u32)] = &[
    ("1", 1000),
    ("2", 2000),
    ("4", 4000),
    ("6", 6000),
    ("8", 8000),
    ("1000m", 1000),
    ("2000m", 2000),
    ("4000m", 4000),
    ("6000m", 6000),
    ("8000m", 8000),
];

fn cpu_millis(cpu: &str) -> Option<u32> {
    if let Some((_, m)) = CPU_VALUES.iter().find(|(s, _)| *s == cpu) {
        return Some(*m);
    }
    // 0.08 .. 1 CPU in steps of 0.01, e.g. "500m" or "0.5".
    let millis = match cpu.strip_suffix('m') {
        Some(m) => m.parse::<u32>().ok()?,
        None => (cpu.parse::<f64>().ok()? * 1000.0).round() as u32,
    };
    ((80..=1000).contains(&millis) && millis % 10 == 0).then_some(millis)
}

/// The least CPU (millicores) a memory size needs, per Cloud Run's table.
fn cpu_needed_for(mib: u64) -> u32 {
    match mib {
        m if m > 24 * 1024 => 8000,
        m if m > 16 * 1024 => 6000,
        m if m > 8 * 1024 => 4000,
        m if m > 4 * 1024 => 2000,
        m if m > 1024 => 1000,
        m if m > 512 => 500,
        _ => 0,
    }
}

/// The least memory (MiB) a CPU count needs.
fn memory_needed_for(millis: u32) -> u64 {
    match millis {
        6000.. => 4096,
        4000.. => 2048,
        _ => 0,
    }
}

/// A Docker image reference: `[host[:port]/]path[:tag][@algorithm:hex]`.
static IMAGE_REFERENCE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    let domain_component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    // As Docker reads a reference: the first component is a host only when it has a
    // dot or a port or is `localhost`; otherwise it is part of the (lower-case) path.
    let domain = format!(
        r"(?:localhost(?::[0-9]+)?|{domain_component}(?:\.{domain_component})+(?::[0-9]+)?|{domain_component}:[0-9]+)"
    );
    let path_component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    regex::Regex::new(&format!(
        r"^(?:{domain}/)?{path_component}(?:/{path_component})*(?::[\w][\w.-]{{0,127}})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{{32,}})?$"
    ))
    .ok()
});

fn is_image_reference(image: &str) -> bool {
    let name_len = image.split(['@', ':']).next().map_or(0, str::len);
    name_len <= 255
        && IMAGE_REFERENCE
            .as_ref()
            .is_some_and(|re| re.is_match(image))
}

/// `value` quoted, cut short: error messages never echo huge inputs whole.
pub fn quoted(value: &str) -> String {
    let len = value.chars().count();
    if len <= 64 {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(64).collect();
        format!("{head:?}... ({len} characters)")
    }
}

/// Memory in MiB from `512Mi`, `4Gi`, `1G`, `512M`.
fn memory_mib(memory: &str) -> Option<u64> {
    let split = memory.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = memory.split_at(split);
    let n: u64 = n.parse().ok()?;
    match unit {
        "Mi" => Some(n),
        "Gi" => Some(n * 1024),
        "M" => Some(n * 1_000_000 / 1_048_576),
        "G" => Some(n * 1_000_000_000 / 1_048_576),
        _ => None,
    }
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::bad_field(format!("service.template.{field}"), message)
}

/// Validates `template` and returns it with the server-side defaults filled.
pub fn normalize(template: &Value, default_service_account: &str) -> Result<Value, ApiError> {
    let mut t = template.clone();
    let gen2 =
        t.get("executionEnvironment").and_then(Value::as_str) == Some("EXECUTION_ENVIRONMENT_GEN2");
    let t_concurrency = t
        .get("maxInstanceRequestConcurrency")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let mut fractional = false;
    let containers = t
        .get_mut("containers")
        .and_then(Value::as_array_mut)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad("containers", "At least one container is required.".into()))?;
    for (i, c) in containers.iter_mut().enumerate() {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        if image.is_empty() {
            return Err(bad(
                &format!("containers[{i}].image"),
                "Container image is required.".into(),
            ));
        }
        if !is_image_reference(image) {
            return Err(bad(
                &format!("containers[{i}].image"),
                format!("Expected an image path like [host/]repo-path[:tag and/or @digest], but obtained {}.", quoted(image)),
            ));
        }
        let limits = c
            .pointer("/resources/limits")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let cpu = limits.get("cpu").and_then(Value::as_str).unwrap_or("1000m");
        let memory = limits
            .get("memory")
            .and_then(Value::as_str)
            .unwrap_or("512Mi");
        let millis = cpu_millis(cpu).ok_or_else(|| {
            bad(
                &format!("containers[{i}].resources.limits.cpu"),
                format!("Invalid value specified for cpu. {cpu:?} is not a supported value; use 1, 2, 4, 6, 8 or a value below 1 such as 500m."),
            )
        })?;
        let mib = memory_mib(memory).ok_or_else(|| {
            bad(
                &format!("containers[{i}].resources.limits.memory"),
                format!("Invalid value specified for memory: {memory:?}."),
            )
        })?;
        let min_mib = if gen2 { 512 } else { 128 };
        if !(min_mib..=32 * 1024).contains(&mib) {
            return Err(bad(
                &format!("containers[{i}].resources.limits.memory"),
                format!(
                    "Invalid value specified for memory. {memory} is outside {min_mib}Mi..32Gi."
                ),
            ));
        }
        let needed = memory_needed_for(millis);
        if mib < needed {
            return Err(bad(
                &format!("containers[{i}].resources.limits.memory"),
                format!("Invalid value specified for memory. For {cpu} CPU, memory must be at least {}Gi.", needed / 1024),
            ));
        }
        if millis < cpu_needed_for(mib) {
            return Err(bad(
                &format!("containers[{i}].resources.limits.cpu"),
                format!("Invalid value specified for cpu. Total memory {memory} requires at least {} CPU.", f64::from(cpu_needed_for(mib)) / 1000.0),
            ));
        }
        if millis < 1000 {
            if t_concurrency > 1 {
                return Err(bad(
                    "maxInstanceRequestConcurrency",
                    format!("Invalid value specified for container concurrency. With CPU {cpu} (less than 1), concurrency must be 1."),
                ));
            }
            if gen2 {
                return Err(bad(
                    "executionEnvironment",
                    format!("CPU {cpu} (less than 1) is not supported with the second generation execution environment."),
                ));
            }
            fractional = true;
        }
        let resources = c
            .as_object_mut()
            .map(|o| o.entry("resources").or_insert_with(|| json!({})));
        if let Some(r) = resources {
            r["limits"] = json!({"cpu": cpu, "memory": memory});
        }
        if c.get("ports")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
        {
            c["ports"] = json!([{"name": "http1", "containerPort": 8080}]);
        }
    }
    let concurrency = t
        .get("maxInstanceRequestConcurrency")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if !(0..=1000).contains(&concurrency) {
        return Err(bad(
            "maxInstanceRequestConcurrency",
            "Concurrency must be between 1 and 1000.".into(),
        ));
    }
    if concurrency == 0 {
        // Below one CPU an instance takes one request at a time.
        t["maxInstanceRequestConcurrency"] = json!(if fractional { 1 } else { 80 });
    }
    let timeout = t.get("timeout").and_then(Value::as_str).unwrap_or("300s");
    let secs = timeout
        .strip_suffix('s')
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| (1.0..=3600.0).contains(s))
        .ok_or_else(|| {
            bad(
                "timeout",
                format!("Invalid timeout {timeout:?}: must be between 1s and 3600s."),
            )
        })?;
    t["timeout"] = json!(format!("{}s", secs));
    let min = t
        .pointer("/scaling/minInstanceCount")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let max = t
        .pointer("/scaling/maxInstanceCount")
        .and_then(Value::as_i64)
        .unwrap_or(100);
    if min < 0 || max < 1 || min > max {
        return Err(bad(
            "scaling",
            format!("minInstanceCount ({min}) must be between 0 and maxInstanceCount ({max})."),
        ));
    }
    t["scaling"] = json!({"minInstanceCount": min, "maxInstanceCount": max});
    if t.get("serviceAccount")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        t["serviceAccount"] = json!(default_service_account);
    }
    Ok(t)
}

/// Template content that defines a revision (the name itself excluded), for
/// "same name, different template" checks.
pub fn fingerprint(template: &Value) -> Value {
    let mut t = template.clone();
    if let Some(o) = t.as_object_mut() {
        o.remove("revision");
        o.remove("client");
        o.remove("clientVersion");
    }
    t
}

/// The first image of a template (what per-image behaviours key on).
pub fn image(template: &Value) -> String {
    template
        .pointer("/containers/0/image")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The Revision resource for `template`, not yet reconciled.
pub fn revision(service: &str, short: &str, template: &Value, now: i64) -> Value {
    let mut r = json!({
        "name": format!("{service}/revisions/{short}"),
        "uid": uuid::Uuid::new_v4().to_string(),
        "generation": "1",
        "service": service,
        "createTime": rfc3339(now),
        "updateTime": rfc3339(now),
        "launchStage": "GA",
        "reconciling": true,
        "conditions": [{"type": "Ready", "state": "CONDITION_RECONCILING", "lastTransitionTime": rfc3339(now)}],
        "etag": format!("\"{}\"", uuid::Uuid::new_v4().simple()),
    });
    for field in [
        "containers",
        "scaling",
        "timeout",
        "serviceAccount",
        "maxInstanceRequestConcurrency",
        "executionEnvironment",
        "vpcAccess",
        "sessionAffinity",
        "labels",
        "annotations",
    ] {
        if let Some(v) = template.get(field) {
            r[field] = v.clone();
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_limits(cpu: &str, memory: &str) -> Value {
        json!({"containers": [{"image": "img", "resources": {"limits": {"cpu": cpu, "memory": memory}}}]})
    }

    #[test]
    fn fills_defaults() {
        let t = normalize(&json!({"containers": [{"image": "img"}]}), "sa@x").unwrap();
        assert_eq!(t["timeout"], "300s");
        assert_eq!(t["maxInstanceRequestConcurrency"], 80);
        assert_eq!(t["scaling"]["maxInstanceCount"], 100);
        assert_eq!(t["containers"][0]["resources"]["limits"]["cpu"], "1000m");
        assert_eq!(t["containers"][0]["ports"][0]["containerPort"], 8080);
        assert_eq!(t["serviceAccount"], "sa@x");
    }

    #[test]
    fn rejects_what_run_rejects() {
        assert!(normalize(&json!({"containers": []}), "sa").is_err());
        assert!(normalize(&with_limits("3", "4Gi"), "sa").is_err());
        let e = normalize(&with_limits("4", "1Gi"), "sa").unwrap_err();
        assert!(e.message.contains("at least 2Gi"), "{}", e.message);
        assert!(normalize(&with_limits("2", "4Gi"), "sa").is_ok());
        assert!(normalize(&with_limits("500m", "256Mi"), "sa").is_ok());
        let t = json!({"containers": [{"image": "i"}], "timeout": "7200s"});
        assert!(normalize(&t, "sa").is_err());
        let t = json!({"containers": [{"image": "i"}], "scaling": {"minInstanceCount": 5, "maxInstanceCount": 2}});
        assert!(normalize(&t, "sa").is_err());
        for (cpu, memory) in [
            ("1", "8Gi"),
            ("2", "9Gi"),
            ("8", "2Gi"),
            ("250m", "1Gi"),
            ("0.555", "256Mi"),
            ("1", "4 gigs"),
        ] {
            assert!(
                normalize(&with_limits(cpu, memory), "sa").is_err(),
                "{cpu}/{memory}"
            );
        }
        let fractional = normalize(&with_limits("500m", "512Mi"), "sa").unwrap();
        assert_eq!(fractional["maxInstanceRequestConcurrency"], 1);
        let crowded = json!({"maxInstanceRequestConcurrency": 80, "containers": [{"image": "i", "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}}}]});
        assert!(normalize(&crowded, "sa").is_err());
        for image in ["not an image!", "UPPER/case", "img:"] {
            let t = json!({"containers": [{"image": image}]});
            let e = normalize(&t, "sa").unwrap_err();
            assert!(
                e.message.contains("Expected an image path"),
                "{image}: {}",
                e.message
            );
        }
    }
}
