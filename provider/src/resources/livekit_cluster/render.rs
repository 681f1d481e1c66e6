//! Renders `livekit.yaml` and the node startup script from typed settings.
//!
//! The API keys are not rendered: the script fetches them from Secret Manager
//! with the VM's own identity at boot, so they never appear in metadata or state.

use std::fmt::Write as _;

use super::spec::{Livekit, Spec, Turn};

const CONFIG_DIR: &str = "/etc/livekit";
/// First comment of every script this module renders; import looks for it.
const MARKER: &str = "# Managed by platform_livekit_cluster; re-running is safe.";
const IMAGE: &str = "livekit/livekit-server:";
const SECRET_ACCESS: (&str, &str) = (
    "https://secretmanager.googleapis.com/v1/",
    "/versions/latest:access",
);

/// `livekit.yaml`: only keys LiveKit knows (it parses strictly).
pub fn livekit_yaml(lk: &Livekit, http_port: i64) -> String {
    let mut y = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(y, "port: {http_port}");
    let _ = writeln!(y, "bind_addresses: [\"\"]");
    let _ = writeln!(y, "key_file: {CONFIG_DIR}/keys.yaml");
    if let Some(port) = lk.prometheus_port {
        let _ = writeln!(y, "prometheus_port: {port}");
    }
    let _ = writeln!(y, "rtc:");
    let _ = writeln!(y, "  tcp_port: {}", lk.rtc.tcp_port);
    let _ = writeln!(y, "  port_range_start: {}", lk.rtc.port_range_start);
    let _ = writeln!(y, "  port_range_end: {}", lk.rtc.port_range_end);
    let _ = writeln!(y, "  use_external_ip: {}", lk.rtc.use_external_ip);
    if let Some(addr) = &lk.redis_address {
        let _ = writeln!(y, "redis:");
        let _ = writeln!(y, "  address: {addr:?}");
        if lk.redis_tls_ca.is_some() {
            let _ = writeln!(y, "  tls:");
            let _ = writeln!(y, "    enabled: true");
            let _ = writeln!(y, "    ca_cert_file: {CONFIG_DIR}/redis-ca.pem");
        }
    }
    if let Some(turn) = &lk.turn {
        let _ = writeln!(y, "turn:");
        let _ = writeln!(y, "  enabled: true");
        let _ = writeln!(y, "  domain: {:?}", turn.domain);
        let _ = writeln!(y, "  tls_port: {}", turn.tls_port);
        let _ = writeln!(y, "  udp_port: {}", turn.udp_port);
        let _ = writeln!(y, "  external_tls: true");
    }
    y
}

/// An idempotent boot script: installs Docker once, writes the config, fetches
/// the keys, and runs LiveKit under systemd with a stop timeout long enough to
/// drain (LiveKit finishes its rooms after SIGTERM).
pub fn startup_script(spec: &Spec) -> String {
    let lk = &spec.livekit;
    let drain_secs = spec.rollout.drain_timeout.as_secs().max(30);
    let mut s = format!("#!/bin/bash\n{MARKER}\nset -euo pipefail\n");
    let _ = writeln!(s, "mkdir -p {CONFIG_DIR} && chmod 0755 {CONFIG_DIR}");
    let _ = writeln!(
        s,
        "command -v docker >/dev/null || (apt-get update -q && apt-get install -yq docker.io)"
    );
    let _ = writeln!(
        s,
        "cat > {CONFIG_DIR}/livekit.yaml <<'LIVEKIT_YAML'\n{}LIVEKIT_YAML",
        livekit_yaml(lk, spec.lb.port)
    );
    if let Some(ca) = &lk.redis_tls_ca {
        let _ = writeln!(
            s,
            "cat > {CONFIG_DIR}/redis-ca.pem <<'REDIS_CA'\n{}\nREDIS_CA",
            ca.trim_end()
        );
    }
    let _ = writeln!(s, "TOKEN=$(curl -sf -H 'Metadata-Flavor: Google' http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')");
    let _ = writeln!(s, "umask 077");
    let (access_prefix, access_suffix) = SECRET_ACCESS;
    let _ = writeln!(s, "curl -sf -H \"Authorization: Bearer $TOKEN\" {access_prefix}{}{access_suffix} | sed -E 's/.*\"data\": *\"([^\"]+)\".*/\\1/' | base64 -d > {CONFIG_DIR}/keys.yaml.new", lk.keys_secret);
    let _ = writeln!(
        s,
        "mv {CONFIG_DIR}/keys.yaml.new {CONFIG_DIR}/keys.yaml && chmod 0600 {CONFIG_DIR}/keys.yaml"
    );
    let _ = writeln!(
        s,
        "cat > /etc/systemd/system/livekit.service <<'UNIT'\n[Unit]\nDescription=LiveKit server\nAfter=docker.service\nRequires=docker.service\n\n[Service]\nExecStartPre=-/usr/bin/docker rm -f livekit\nExecStart=/usr/bin/docker run --rm --name livekit --network host -v {CONFIG_DIR}:{CONFIG_DIR}:ro {IMAGE}{} --config {CONFIG_DIR}/livekit.yaml\nExecStop=/usr/bin/docker stop -t {drain_secs} livekit\nTimeoutStopSec={}\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\nUNIT",
        lk.version,
        drain_secs + 30
    );
    let _ = writeln!(s, "systemctl daemon-reload && systemctl enable livekit.service && systemctl restart livekit.service");
    if let Some(port) = lk.prometheus_port {
        s.push_str(&ops_agent(port));
    }
    s
}

/// Installs Google's Ops Agent once and points its Prometheus receiver at
/// LiveKit's metrics port on the node itself, so Cloud Monitoring stores them
/// as `prometheus.googleapis.com/livekit_*`.
fn ops_agent(port: i64) -> String {
    format!(
        "dpkg -s google-cloud-ops-agent >/dev/null 2>&1 || (curl -sSO https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh && bash add-google-cloud-ops-agent-repo.sh --also-install)
cat > /etc/google-cloud-ops-agent/config.yaml <<'OPS_AGENT'
metrics:
  receivers:
    livekit:
      type: prometheus
      config:
        scrape_configs:
          - job_name: livekit
            scrape_interval: 30s
            static_configs:
              - targets: [\"localhost:{port}\"]
  service:
    pipelines:
      livekit:
        receivers: [livekit]
OPS_AGENT
systemctl restart google-cloud-ops-agent
"
    )
}

/// The `livekit` settings a script rendered by [`startup_script`] carries, read
/// back for import. `keys_secret` is the full secret resource name.
#[derive(Debug, PartialEq)]
pub struct ReadBack {
    pub version: String,
    pub prometheus_port: Option<i64>,
    pub redis_address: Option<String>,
    pub redis_tls_ca: Option<String>,
    pub keys_secret: String,
    pub turn: Option<Turn>,
}

/// Reads back what [`startup_script`] rendered; `None` for any other script
/// (a hand-built node's), whose settings stay with the configuration.
pub fn read_back(script: &str) -> Option<ReadBack> {
    if !script.lines().any(|l| l == MARKER) {
        return None;
    }
    let between = |start: &str, end: &str| -> Option<&str> {
        let from = script.find(start)? + start.len();
        let len = script[from..].find(end)?;
        Some(&script[from..from + len])
    };
    let version = between(IMAGE, " ")?.to_owned();
    let keys_secret = between(SECRET_ACCESS.0, SECRET_ACCESS.1)?.to_owned();
    let redis_tls_ca = between("<<'REDIS_CA'\n", "\nREDIS_CA").map(str::to_owned);
    let yaml = between("<<'LIVEKIT_YAML'\n", "LIVEKIT_YAML")?;
    // `section.key` → value, for the two-level YAML `livekit_yaml` writes.
    let mut fields = std::collections::BTreeMap::new();
    let mut section = "";
    for line in yaml.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if line.starts_with("  ") && !line.starts_with("    ") {
            fields.insert(format!("{section}.{}", key.trim()), value.trim());
        } else if !line.starts_with(' ') {
            section = key;
            fields.insert(format!(".{key}"), value.trim());
        }
    }
    // Strings were written with `{:?}`, which for these values is JSON quoting.
    let text = |k: &str| -> Option<String> { serde_json::from_str(fields.get(k)?).ok() };
    let number = |k: &str| -> Option<i64> { fields.get(k)?.parse().ok() };
    let turn = match text("turn.domain") {
        Some(domain) => Some(Turn {
            domain,
            tls_port: number("turn.tls_port")?,
            udp_port: number("turn.udp_port")?,
        }),
        None => None,
    };
    Some(ReadBack {
        version,
        prometheus_port: number(".prometheus_port"),
        redis_address: text("redis.address"),
        redis_tls_ca,
        keys_secret,
        turn,
    })
}
