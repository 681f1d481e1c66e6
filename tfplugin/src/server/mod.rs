//! `serve`: the go-plugin handshake and the gRPC server Terraform talks to.

mod convert;
mod go_plugin;
mod grpc;
mod handshake;
mod listener;
mod tls;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap
mod protocol_tests;

use std::future::Future;
use std::io::Write;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::proto::{plugin as plugin_pb, tfplugin6 as pb};
use crate::provider::Provider;

pub use handshake::{
    handshake_line, not_a_plugin_message, reattach_providers, HandshakeConfig, MAGIC_COOKIE_KEY,
    MAGIC_COOKIE_VALUE, PROTOCOL_VERSION,
};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Started by hand rather than by Terraform (no magic cookie).
    #[error("this binary is a Terraform plugin and must be started by Terraform")]
    NotAPlugin,
    #[error("Terraform offered plugin protocol versions {offered:?}, but this provider speaks only version 6; use Terraform 1.0 or later")]
    UnsupportedProtocol { offered: String },
    #[error("invalid {name}={value:?}: {reason}")]
    InvalidEnv {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error("no free TCP port on 127.0.0.1 between {min} and {max}")]
    NoPortAvailable { min: u16, max: u16 },
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("writing the handshake failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serve `provider` to the Terraform process that started this one: read the
/// handshake from the environment, answer on stdout, serve until Terraform
/// asks the plugin to shut down.
pub async fn serve(provider: Arc<dyn Provider>) -> Result<(), ServeError> {
    let config = HandshakeConfig::from_env()?;
    ignore_interrupts();
    serve_with(provider, config, std::io::stdout(), std::future::pending()).await
}

/// Ctrl-C in a terminal sends SIGINT to Terraform and to its plugins alike (same
/// process group). Like go-plugin servers, swallow it: Terraform turns it into
/// StopProvider, so a long apply can stop cleanly and still return its state.
fn ignore_interrupts() {
    // tokio installs the handler (SIGINT on Unix, CTRL_C_EVENT on Windows) on first poll
    // and keeps it for the life of the process, replacing the default "terminate".
    tokio::spawn(async {
        loop {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::warn!(error = %e, "cannot intercept interrupts; Ctrl-C will end the provider at once");
                return;
            }
            tracing::debug!("interrupt ignored; Terraform stops the provider through StopProvider");
        }
    });
}

/// [`serve`] with explicit inputs: the handshake line goes to `out`; the
/// server also stops when `shutdown` completes.
pub async fn serve_with(
    provider: Arc<dyn Provider>,
    config: HandshakeConfig,
    out: impl Write,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    run(provider, config, handshake_line, out, shutdown).await
}

/// Debug mode (`-debug`, as terraform-plugin-go offers): serve without a parent Terraform
/// and print the `TF_REATTACH_PROVIDERS` value that makes Terraform attach to this process
/// instead of starting one, so a developer can run it under a debugger or with extra
/// logging. Plain TCP (go-plugin's reattach has no AutoMTLS); Ctrl-C ends it.
pub async fn serve_debug(
    provider: Arc<dyn Provider>,
    address: &str,
    out: impl Write,
) -> Result<(), ServeError> {
    let config = HandshakeConfig::debug();
    let announce = |addr, _cert: Option<&[u8]>| {
        format!(
            "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{}'\n\nPress Ctrl-C to stop the provider.",
            reattach_providers(address, addr, std::process::id())
        )
    };
    let interrupted = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot intercept interrupts; stop the provider by killing it");
            std::future::pending::<()>().await;
        }
    };
    run(provider, config, announce, out, interrupted).await
}

/// Binds, writes what `announce` makes of the address and certificate to `out`, and
/// serves until Terraform's GRPCController shuts the plugin down or `shutdown` completes.
async fn run(
    provider: Arc<dyn Provider>,
    config: HandshakeConfig,
    announce: impl FnOnce(std::net::SocketAddr, Option<&[u8]>) -> String,
    mut out: impl Write,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let listener = listener::bind(config.min_port, config.max_port).await?;
    let addr = listener.local_addr()?;
    let (tls, cert_der) = match &config.client_cert_pem {
        Some(pem) => {
            let identity = tls::ServerIdentity::generate()?;
            let server_config = tls::server_config(&identity, pem)?;
            (Some(Arc::new(server_config)), Some(identity.cert_der))
        }
        None => (None, None),
    };

    let stop = CancellationToken::new();
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(pb::provider_server::ProviderServer::new(
            grpc::ProviderService::new(provider, CancellationToken::new()),
        ))
        .add_service(
            plugin_pb::grpc_controller_server::GrpcControllerServer::new(go_plugin::Controller {
                shutdown: stop.clone(),
            }),
        )
        .add_service(plugin_pb::grpc_stdio_server::GrpcStdioServer::new(
            go_plugin::Stdio {
                shutdown: stop.clone(),
            },
        ))
        .add_service(plugin_pb::grpc_broker_server::GrpcBrokerServer::new(
            go_plugin::Broker {
                shutdown: stop.clone(),
            },
        ));
    let incoming = listener::incoming(listener, tls, stop.clone());

    writeln!(
        out,
        "{}",
        announce(addr, cert_der.as_ref().map(|c| c.as_ref()))
    )?;
    out.flush()?;
    tracing::info!(%addr, tls = cert_der.is_some(), "plugin server listening");

    let stop_signal = stop.clone();
    let signal = async move {
        tokio::select! {
            () = stop_signal.cancelled() => {}
            () = shutdown => stop_signal.cancel(),
        }
    };
    router
        .serve_with_incoming_shutdown(incoming, signal)
        .await?;
    tracing::info!("plugin server stopped");
    Ok(())
}
