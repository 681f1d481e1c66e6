//! The release provider binary under a Terraform-core stand-in, for what no
//! installed Terraform exercises (identity needs 1.12, list resources and
//! actions 1.14): the go-plugin start, handshake and AutoMTLS are the real
//! ones, and requests and response checks follow Terraform v1.14's
//! `internal/plugin6/grpc_provider.go` (see `tfplugin::client`).

use tfplugin::client::{Core, ProviderProcess};

use crate::paths::{release_binary, PROVIDER_BIN};
use crate::HarnessError;

/// Start the release `terraform-provider-platform` as Terraform does.
/// Stop it with [`ProviderProcess::shutdown`] (go-plugin's `Kill`).
pub async fn start_provider() -> Result<(ProviderProcess, Core), HarnessError> {
    start_provider_with(&[]).await
}

/// [`start_provider`] with extra environment, e.g. an emulator's
/// [`crate::Emulator::provider_env`] so an all-null provider block configures it.
pub async fn start_provider_with(
    env: &[(&str, &str)],
) -> Result<(ProviderProcess, Core), HarnessError> {
    let binary = release_binary(PROVIDER_BIN)?;
    let process = ProviderProcess::start(&binary, env).await?;
    let core = Core::new(process.channel.clone());
    Ok((process, core))
}
