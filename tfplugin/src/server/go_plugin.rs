//! go-plugin's own services, served next to the provider.

use std::pin::Pin;

use futures::{Stream, StreamExt as _};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin as pb;

type Idle<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// A stream that sends nothing and ends when the server shuts down (an open
/// stream would otherwise hold graceful shutdown forever).
fn idle_until<T: Send + 'static>(shutdown: &CancellationToken) -> Idle<T> {
    let token = shutdown.clone();
    Box::pin(
        futures::stream::once(async move { token.cancelled_owned().await })
            .filter_map(|()| async { None }),
    )
}

/// `Shutdown` asks the whole server to stop gracefully.
pub struct Controller {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        tracing::debug!("plugin shutdown requested");
        self.shutdown.cancel();
        Ok(Response::new(pb::Empty {}))
    }
}

/// Terraform discards forwarded stdio, and we never write to stdout after the
/// handshake anyway, so the stream stays silent.
pub struct Stdio {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = Idle<pb::StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(idle_until(&self.shutdown)))
    }
}

/// Providers never broker extra connections; accept the stream and idle.
pub struct Broker {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = Idle<pb::ConnInfo>;

    async fn start_stream(
        &self,
        _: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        Ok(Response::new(idle_until(&self.shutdown)))
    }
}
