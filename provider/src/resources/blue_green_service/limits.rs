//! What Cloud Run accepts in a service and its revision template, checked at
//! validate/plan time so a bad value fails before anything is created. The
//! rules are Cloud Run's documented limits (CPU and memory limits, request
//! timeout, service names, image references); the emulator enforces the same.

use std::sync::LazyLock;

use regex::Regex;

/// Millicores of a CPU limit Cloud Run accepts: 1, 2, 4, 6 or 8 CPUs, or a
/// fraction from 0.08 to 1 in steps of 0.01 (`"500m"`, `"0.5"`).
pub fn cpu_millis(cpu: &str) -> Result<u32, String> {
    let millis = match cpu.strip_suffix('m') {
        Some(m) => m.parse::<u32>().ok(),
        None => cpu
            .parse::<f64>()
            .ok()
            .filter(|c| c.is_finite() && *c >= 0.0)
            .map(|c| (c * 1000.0).round() as u32),
    };
    let valid = millis.filter(|m| {
        [1000, 2000, 4000, 6000, 8000].contains(m) || ((80..1000).contains(m) && m % 10 == 0)
    });
    valid.ok_or_else(|| {
        format!(
            "cpu {} is not a CPU limit Cloud Run accepts: use \"1\", \"2\", \"4\", \"6\" or \"8\", or a fraction between 0.08 and 1 such as \"500m\".",
            short(cpu)
        )
    })
}

/// MiB of a Kubernetes memory quantity (`512Mi`, `4Gi`, `1G`, `1000M`).
pub fn memory_mib(memory: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "memory {} is not a memory size: write a number and a unit, e.g. \"512Mi\" or \"4Gi\" (also k, M, G, Ki).",
            short(memory)
        )
    };
    let split = memory
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(memory.len());
    let (number, unit) = memory.split_at(split);
    let n: f64 = number.parse().map_err(|_| bad())?;
    let bytes_per_unit: f64 = match unit {
        "" => 1.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    Ok((n * bytes_per_unit / (1024.0 * 1024.0)).floor() as u64)
}

/// One broken rule: which input (`Cpu`, `Memory`, …) and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub field: Field,
    pub message: String,
}

/// The template input a [`Violation`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Cpu,
    Memory,
    Concurrency,
    ExecutionEnvironment,
}

/// A container's limits as configured (None: Cloud Run's default, 1 CPU / 512 MiB).
#[derive(Debug, Clone, Copy, Default)]
pub struct Sizing<'a> {
    pub cpu: Option<&'a str>,
    pub memory: Option<&'a str>,
    pub concurrency: Option<i64>,
    pub gen2: bool,
}

/// Cloud Run's CPU/memory combination rules for one container.
pub fn check_sizing(s: Sizing<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let v = |field, message: String| Violation { field, message };
    let cpu = match s.cpu.map(cpu_millis).transpose() {
        Ok(c) => c.unwrap_or(1000),
        Err(e) => {
            out.push(v(Field::Cpu, e));
            return out;
        }
    };
    let mib = match s.memory.map(memory_mib).transpose() {
        Ok(m) => m.unwrap_or(512),
        Err(e) => {
            out.push(v(Field::Memory, e));
            return out;
        }
    };
    let cpus = f64::from(cpu) / 1000.0;
    let memory = s.memory.unwrap_or("512Mi");
    let min_mib = if s.gen2 { 512 } else { 128 };
    if mib < min_mib || mib > 32 * 1024 {
        let env = if s.gen2 {
            " in the second generation"
        } else {
            ""
        };
        out.push(v(
            Field::Memory,
            format!("memory {memory} is outside what Cloud Run allows{env}: {min_mib}Mi to 32Gi."),
        ));
        return out;
    }
    // Memory above a size needs a minimum CPU ...
    let needed_for_memory = [
        (24 * 1024, 8000),
        (16 * 1024, 6000),
        (8 * 1024, 4000),
        (4 * 1024, 2000),
        (1024, 1000),
        (512, 500),
    ]
    .into_iter()
    .find(|(above, _)| mib > *above)
    .map(|(_, min_cpu)| min_cpu);
    if let Some(min_cpu) = needed_for_memory.filter(|m| cpu < *m) {
        out.push(v(
            Field::Memory,
            format!("memory {memory} needs at least {} CPU, but cpu is {cpus}. Raise cpu to {} or lower memory.", f64::from(min_cpu) / 1000.0, cpu_text(min_cpu)),
        ));
    }
    // ... and a CPU count needs a minimum memory.
    let needed_for_cpu = match cpu {
        4000 => Some(2048),
        6000 | 8000 => Some(4096),
        _ => None,
    };
    if let Some(min_mib) = needed_for_cpu.filter(|m| mib < *m) {
        out.push(v(
            Field::Memory,
            format!("cpu {cpus} needs at least {}Gi of memory, but memory is {memory}. Raise memory to \"{}Gi\" or lower cpu.", min_mib / 1024, min_mib / 1024),
        ));
    }
    if cpu < 1000 {
        if s.concurrency.is_some_and(|c| c > 1) {
            out.push(v(
                Field::Concurrency,
                format!("with less than 1 CPU (cpu {cpus}) Cloud Run allows only one request per instance: set max_instance_request_concurrency = 1 or cpu = \"1\"."),
            ));
        }
        if s.gen2 {
            out.push(v(
                Field::ExecutionEnvironment,
                format!("less than 1 CPU (cpu {cpus}) needs the first generation execution environment: set execution_environment = \"EXECUTION_ENVIRONMENT_GEN1\" or cpu = \"1\"."),
            ));
        }
    }
    out
}

fn cpu_text(millis: u32) -> String {
    if millis >= 1000 {
        format!("\"{}\"", millis / 1000)
    } else {
        format!("\"{millis}m\"")
    }
}

/// A request timeout as the API takes it: seconds with an `s`, 1 to 3600.
pub fn check_timeout(timeout: &str) -> Result<(), String> {
    let secs = timeout
        .strip_suffix('s')
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite());
    match secs {
        Some(s) if (1.0..=3600.0).contains(&s) => Ok(()),
        Some(_) => Err(format!(
            "timeout {} is outside 1s to 3600s (Cloud Run's longest request timeout is 60 minutes). Use e.g. \"300s\" or \"3600s\".",
            short(timeout)
        )),
        None => Err(format!(
            "timeout {} is not a duration in seconds: write it as seconds with an \"s\", e.g. \"300s\" (at most \"3600s\").",
            short(timeout)
        )),
    }
}

/// A Cloud Run service name: lower-case letters, digits and hyphens, starting
/// with a letter, not ending with a hyphen, at most 49 characters.
pub fn check_service_name(name: &str) -> Result<(), String> {
    static NAME: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$").ok());
    if NAME.as_ref().is_some_and(|re| re.is_match(name)) {
        return Ok(());
    }
    let len = name.chars().count();
    let why = if len > 49 {
        format!("it has {len} characters, at most 49 are allowed")
    } else {
        "use only lower-case letters, digits and hyphens, start with a letter and do not end with a hyphen".to_owned()
    };
    Err(format!(
        "The service name {} is not one Cloud Run accepts: {why}. Example: \"api\" or \"web-frontend\".",
        short(name)
    ))
}

/// A container image reference: `[host[:port]/]path[:tag][@algorithm:hex]`
/// (the Docker reference grammar Cloud Run parses).
pub fn check_image(image: &str) -> Result<(), String> {
    static REFERENCE: LazyLock<Option<Regex>> = LazyLock::new(|| {
        let domain_component = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        // As Docker reads a reference: the first component is a host only when it has a
        // dot or a port or is `localhost`; otherwise it is part of the (lower-case) path.
        let domain = format!(
            r"(?:localhost(?::[0-9]+)?|{domain_component}(?:\.{domain_component})+(?::[0-9]+)?|{domain_component}:[0-9]+)"
        );
        let path_component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
        let tag = r"[\w][\w.-]{0,127}";
        let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
        Regex::new(&format!(
            r"^(?:{domain}/)?{path_component}(?:/{path_component})*(?::{tag})?(?:@{digest})?$"
        ))
        .ok()
    });
    let name_len = image.split(['@', ':']).next().map_or(0, str::len);
    if name_len <= 255 && REFERENCE.as_ref().is_some_and(|re| re.is_match(image)) {
        return Ok(());
    }
    Err(format!(
        "image {} is not a container image reference. Write [HOST/]PATH[:TAG][@sha256:DIGEST] with a lower-case path, e.g. \"us-docker.pkg.dev/my-project/app/api:v2\" or \"…/api@sha256:…\".",
        short(image)
    ))
}

/// `value` quoted, cut to a readable length (a 10,000-character value must not
/// become 10,000 characters of diagnostic).
pub fn short(value: &str) -> String {
    const MAX: usize = 64;
    let len = value.chars().count();
    if len <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head:?}… ({len} characters)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizing(cpu: &str, memory: &str) -> Vec<Field> {
        check_sizing(Sizing {
            cpu: Some(cpu),
            memory: Some(memory),
            ..Sizing::default()
        })
        .into_iter()
        .map(|v| v.field)
        .collect()
    }

    #[test]
    fn cpu_and_memory_follow_cloud_runs_table() {
        for (cpu, memory) in [
            ("1", "512Mi"),
            ("2", "4Gi"),
            ("2", "8Gi"),
            ("4", "2Gi"),
            ("4", "16Gi"),
            ("6", "4Gi"),
            ("8", "32Gi"),
            ("500m", "1Gi"),
            ("0.25", "256Mi"),
            ("1000m", "1G"),
        ] {
            assert!(sizing(cpu, memory).is_empty(), "{cpu}/{memory}");
        }
        for (cpu, memory, field) in [
            ("3", "4Gi", Field::Cpu),
            ("12", "4Gi", Field::Cpu),
            ("0.05", "128Mi", Field::Cpu),
            ("0.555", "128Mi", Field::Cpu),
            ("1", "4 gigs", Field::Memory),
            ("1", "8Gi", Field::Memory),
            ("2", "9Gi", Field::Memory),
            ("4", "1Gi", Field::Memory),
            ("8", "2Gi", Field::Memory),
            ("1", "64Mi", Field::Memory),
            ("8", "33Gi", Field::Memory),
            ("250m", "1Gi", Field::Memory),
        ] {
            assert_eq!(sizing(cpu, memory), vec![field], "{cpu}/{memory}");
        }
        let fractional = check_sizing(Sizing {
            cpu: Some("500m"),
            memory: Some("512Mi"),
            concurrency: Some(80),
            gen2: true,
        });
        let fields: Vec<Field> = fractional.iter().map(|v| v.field).collect();
        assert_eq!(
            fields,
            vec![Field::Concurrency, Field::ExecutionEnvironment],
            "{fractional:?}"
        );
    }

    #[test]
    fn timeouts_names_and_images() {
        assert!(check_timeout("300s").is_ok() && check_timeout("3600s").is_ok());
        assert!(check_timeout("3601s").unwrap_err().contains("3600s"));
        assert!(check_timeout("5m").unwrap_err().contains("seconds"));
        assert!(check_service_name("api").is_ok());
        assert!(check_service_name("Api_1").is_err());
        let long = check_service_name(&"a".repeat(10_000)).unwrap_err();
        assert!(
            long.len() < 300 && long.contains("10000 characters"),
            "{long}"
        );
        for ok in [
            "img:v1",
            "nginx",
            "us-central1-docker.pkg.dev/p/app/api:v2",
            "localhost:5000/a/b_c__d-e:1.0",
            "gcr.io/p/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(check_image(ok).is_ok(), "{ok}");
        }
        for bad in [
            "not an image!",
            "UPPER/case",
            "a:b:c",
            "img:",
            "-img",
            "img@sha256:12",
        ] {
            assert!(check_image(bad).is_err(), "{bad}");
        }
    }
}
