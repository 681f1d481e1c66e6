//! Start a provider binary the way Terraform does (go-plugin `client.go`):
//! environment, handshake line on stdout, AutoMTLS connection, and
//! `GRPCController.Shutdown` (then a kill after 2 s) to stop it.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};

use super::tls::ClientIdentity;
use super::ClientError;
use crate::proto::plugin as plugin_pb;
use crate::server::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

/// go-plugin's default: a plugin that has not answered in a minute is broken.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// go-plugin `Kill()`: graceful shutdown gets 2 s, then the process is killed.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// A running provider process and the gRPC channel to it.
#[derive(Debug)]
pub struct ProviderProcess {
    child: Child,
    pub channel: Channel,
    /// The handshake line as the plugin wrote it.
    pub handshake: String,
    /// Everything the plugin wrote to stderr (its hclog JSON lines).
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl ProviderProcess {
    /// Start `binary` with AutoMTLS, as Terraform >= 1.0 does, plus `env`.
    pub async fn start(binary: &Path, env: &[(&str, &str)]) -> Result<Self, ClientError> {
        let identity = ClientIdentity::generate();
        let mut cmd = Command::new(binary);
        cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            // Terraform offers both protocols it speaks (in Go map order).
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000")
            .env("PLUGIN_CLIENT_CERT", identity.cert_pem())
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(ClientError::Spawn)?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        if let Some(err) = child.stderr.take() {
            let sink = stderr.clone();
            tokio::spawn(async move {
                let mut lines = BufReader::new(err).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
            });
        }
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| ClientError::Handshake("no stdout".to_owned()))?;
        let mut lines = BufReader::new(stdout).lines();
        let handshake = tokio::time::timeout(START_TIMEOUT, lines.next_line())
            .await
            .map_err(|_| {
                ClientError::Handshake("timeout waiting for the handshake line".to_owned())
            })?
            .map_err(ClientError::Spawn)?
            .ok_or_else(|| {
                ClientError::Handshake("the plugin exited before the handshake".to_owned())
            })?;
        // Later stdout output is ignored, as go-plugin does.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (addr, server_cert) = parse_handshake(&handshake)?;
        let server_cert = server_cert.ok_or_else(|| {
            ClientError::Handshake(
                "the plugin did not enable TLS although a client certificate was given".to_owned(),
            )
        })?;
        let channel = connect(addr, server_cert, &identity).await?;
        Ok(ProviderProcess {
            child,
            channel,
            handshake,
            stderr,
        })
    }

    /// go-plugin `Kill()`: ask for a graceful shutdown, wait 2 s, then kill.
    /// Returns whether the plugin exited on its own, successfully.
    pub async fn shutdown(mut self) -> Result<bool, ClientError> {
        let mut controller =
            plugin_pb::grpc_controller_client::GrpcControllerClient::new(self.channel.clone());
        let asked = controller.shutdown(plugin_pb::Empty {}).await.is_ok();
        match tokio::time::timeout(KILL_GRACE, self.child.wait()).await {
            Ok(status) => Ok(asked && status.map_err(ClientError::Spawn)?.success()),
            Err(_) => {
                self.child.kill().await.map_err(ClientError::Spawn)?;
                Ok(false)
            }
        }
    }
}

/// A gRPC channel over AutoMTLS to the plugin at `addr`, trusting only `server_cert`.
pub async fn connect(
    addr: std::net::SocketAddr,
    server_cert: CertificateDer<'static>,
    identity: &ClientIdentity,
) -> Result<Channel, ClientError> {
    let config = Arc::new(identity.client_config(server_cert)?);
    let connector = tokio_rustls::TlsConnector::from(config);
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let connector = connector.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(addr).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .map_err(ClientError::Transport)
}

/// `CORE|APP|NETWORK|ADDR|PROTOCOL|CERT` checked as go-plugin checks it.
pub fn parse_handshake(
    line: &str,
) -> Result<(std::net::SocketAddr, Option<CertificateDer<'static>>), ClientError> {
    let bad = |why: &str| ClientError::Handshake(format!("{why} in handshake line {line:?}"));
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    if parts.len() < 4 {
        return Err(bad("too few fields"));
    }
    if parts[0] != "1" {
        return Err(bad("core protocol is not 1"));
    }
    if parts[1] != "6" {
        return Err(bad("app protocol is not the offered 6"));
    }
    if parts[2] != "tcp" {
        return Err(bad("network is not tcp"));
    }
    let addr = parts[3].parse().map_err(|_| bad("bad address"))?;
    if parts.get(4).copied().unwrap_or("netrpc") != "grpc" {
        return Err(bad("Unsupported plugin protocol (not grpc)"));
    }
    // go-plugin reads the certificate only when the field is longer than 50 characters.
    let cert = match parts.get(5).filter(|c| c.len() > 50) {
        None => None,
        Some(b64) => Some(CertificateDer::from(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(b64)
                .map_err(|_| bad("certificate is not unpadded base64"))?,
        )),
    };
    Ok((addr, cert))
}
