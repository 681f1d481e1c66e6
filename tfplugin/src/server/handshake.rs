//! The go-plugin handshake: what Terraform tells us through the environment
//! and the one line we answer on stdout.

use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;

use super::ServeError;

/// Terraform sets this variable to [`MAGIC_COOKIE_VALUE`] when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The only application protocol this crate speaks.
pub const PROTOCOL_VERSION: u32 = 6;

const DEFAULT_MIN_PORT: u16 = 10000;
const DEFAULT_MAX_PORT: u16 = 25000;

/// What the plugin client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeConfig {
    pub min_port: u16,
    pub max_port: u16,
    /// PEM of Terraform's client certificate when AutoMTLS is on.
    pub client_cert_pem: Option<String>,
}

impl HandshakeConfig {
    pub fn from_env() -> Result<Self, ServeError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Debug mode: no parent Terraform, so no client certificate, default port range.
    pub fn debug() -> Self {
        HandshakeConfig {
            min_port: DEFAULT_MIN_PORT,
            max_port: DEFAULT_MAX_PORT,
            client_cert_pem: None,
        }
    }

    /// Parse the handshake variables through `lookup` (the environment in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ServeError> {
        if lookup(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(ServeError::NotAPlugin);
        }
        let offered = lookup("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_default();
        // go-plugin lists versions in Go map order, so the order means nothing.
        let speaks_6 = offered
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
        if !speaks_6 {
            return Err(ServeError::UnsupportedProtocol { offered });
        }
        let min_port = port(&lookup, "PLUGIN_MIN_PORT", DEFAULT_MIN_PORT)?;
        let max_port = port(&lookup, "PLUGIN_MAX_PORT", DEFAULT_MAX_PORT)?;
        if min_port > max_port {
            return Err(ServeError::InvalidEnv {
                name: "PLUGIN_MIN_PORT",
                value: min_port.to_string(),
                reason: format!("greater than PLUGIN_MAX_PORT ({max_port})"),
            });
        }
        let tls_disabled = lookup("TF_DISABLE_PLUGIN_TLS").is_some_and(|v| !v.is_empty());
        let client_cert_pem =
            lookup("PLUGIN_CLIENT_CERT").filter(|pem| !pem.is_empty() && !tls_disabled);
        Ok(HandshakeConfig {
            min_port,
            max_port,
            client_cert_pem,
        })
    }
}

fn port(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u16,
) -> Result<u16, ServeError> {
    match lookup(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| ServeError::InvalidEnv {
            name,
            value: v.clone(),
            reason: "not a port number".to_owned(),
        }),
    }
}

/// `CORE|APP|NETWORK|ADDR|PROTOCOL|CERT`; the cert field (base64 DER, no
/// padding) is empty when TLS is off.
pub fn handshake_line(addr: SocketAddr, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("1|{PROTOCOL_VERSION}|tcp|{addr}|grpc|{cert}")
}

/// The `TF_REATTACH_PROVIDERS` JSON for one provider served at `addr` by process `pid`
/// (go-plugin's ReattachConfig). `Test` keeps Terraform from stopping the process after
/// each command, so one debug session serves many runs.
pub fn reattach_providers(provider_address: &str, addr: SocketAddr, pid: u32) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "tcp", "String": addr.to_string() },
        }
    })
    .to_string()
}

/// What a person who runs the provider binary by hand should read.
pub fn not_a_plugin_message(provider_address: &str) -> String {
    format!(
        "This binary is a Terraform plugin ({provider_address}). Plugins are not meant to be executed directly.\n\
         Install it into a Terraform filesystem mirror (or a dev_overrides directory) and run `terraform init`;\n\
         Terraform will start it when it needs it."
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<HandshakeConfig, ServeError> {
        let env: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HandshakeConfig::from_lookup(|k| env.get(k).cloned())
    }

    const COOKIE: (&str, &str) = (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE);

    #[test]
    fn requires_magic_cookie() {
        assert!(matches!(
            cfg(&[("PLUGIN_PROTOCOL_VERSIONS", "6")]),
            Err(ServeError::NotAPlugin)
        ));
        assert!(matches!(
            cfg(&[
                (MAGIC_COOKIE_KEY, "nope"),
                ("PLUGIN_PROTOCOL_VERSIONS", "6")
            ]),
            Err(ServeError::NotAPlugin)
        ));
    }

    #[test]
    fn negotiates_version_6_in_any_order() {
        assert!(cfg(&[COOKIE, ("PLUGIN_PROTOCOL_VERSIONS", "6,5")]).is_ok());
        assert!(cfg(&[COOKIE, ("PLUGIN_PROTOCOL_VERSIONS", "5, 6")]).is_ok());
        let err = cfg(&[COOKIE, ("PLUGIN_PROTOCOL_VERSIONS", "4,5")]).unwrap_err();
        assert!(matches!(err, ServeError::UnsupportedProtocol { .. }));
        assert!(err.to_string().contains("4,5"));
        assert!(matches!(
            cfg(&[COOKIE]),
            Err(ServeError::UnsupportedProtocol { .. })
        ));
    }

    #[test]
    fn ports_and_tls() {
        let c = cfg(&[COOKIE, ("PLUGIN_PROTOCOL_VERSIONS", "6")]).unwrap();
        assert_eq!(
            (c.min_port, c.max_port, c.client_cert_pem),
            (10000, 25000, None)
        );
        let c = cfg(&[
            COOKIE,
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
            ("PLUGIN_MIN_PORT", "20000"),
            ("PLUGIN_MAX_PORT", "20010"),
            ("PLUGIN_CLIENT_CERT", "PEM"),
        ])
        .unwrap();
        assert_eq!(
            (c.min_port, c.max_port, c.client_cert_pem.as_deref()),
            (20000, 20010, Some("PEM"))
        );
        let c = cfg(&[
            COOKIE,
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
            ("PLUGIN_CLIENT_CERT", "PEM"),
            ("TF_DISABLE_PLUGIN_TLS", "1"),
        ])
        .unwrap();
        assert_eq!(c.client_cert_pem, None);
        assert!(cfg(&[
            COOKIE,
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
            ("PLUGIN_MIN_PORT", "x")
        ])
        .is_err());
        assert!(cfg(&[
            COOKIE,
            ("PLUGIN_PROTOCOL_VERSIONS", "6"),
            ("PLUGIN_MIN_PORT", "30000")
        ])
        .is_err());
    }

    #[test]
    fn reattach_config_is_go_plugins_shape() {
        let addr: SocketAddr = "127.0.0.1:12345".parse().unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&reattach_providers("registry.terraform.io/a/b", addr, 42))
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"registry.terraform.io/a/b": {
                "Protocol": "grpc", "ProtocolVersion": 6, "Pid": 42, "Test": true,
                "Addr": {"Network": "tcp", "String": "127.0.0.1:12345"}}})
        );
    }

    #[test]
    fn line_format() {
        let addr: SocketAddr = "127.0.0.1:12345".parse().unwrap();
        assert_eq!(handshake_line(addr, None), "1|6|tcp|127.0.0.1:12345|grpc|");
        // 4 bytes -> 6 base64 chars, no '=' padding.
        assert_eq!(
            handshake_line(addr, Some(&[1, 2, 3, 4])),
            "1|6|tcp|127.0.0.1:12345|grpc|AQIDBA"
        );
    }
}
