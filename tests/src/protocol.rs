//! The release provider binary under a Terraform-core stand-in, for what no
//! installed Terraform exercises (identity needs 1.12, list resources and
//! actions 1.14): the go-plugin start, handshake and AutoMTLS are the real
//! ones, and requests and response checks follow Terraform v1.14's
//! `internal/plugin6/grpc_provider.go` (see `tfplugin::client`).

use tfplugin::client::{Core, ProviderProcess};
use tfplugin::{Type, Value};

use crate::paths::{release_binary, PROVIDER_BIN};
use crate::{Emulator, HarnessError};

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

/// An object of `ty` with every attribute null (a provider block that leaves
/// everything to the environment, [`Emulator::provider_env`]; a block to fill in).
pub fn null_object(ty: &Type) -> Value {
    match ty {
        Type::Object(fields) => Value::object(fields.keys().map(|k| (k.clone(), Value::Null))),
        _ => Value::Null,
    }
}

/// [`start_provider_with`] `emu`'s environment (and its default project and
/// region), configured with an all-null provider block as Terraform sends it.
pub async fn start_configured(emu: &Emulator) -> Result<(ProviderProcess, Core), HarnessError> {
    let mut env = emu.provider_env();
    env.push(("GOOGLE_PROJECT".into(), crate::DEFAULT_PROJECT.into()));
    env.push(("GOOGLE_REGION".into(), crate::DEFAULT_REGION.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (process, mut core) = start_provider_with(&env).await?;
    let ty = core.schemas().await?.provider.clone();
    let configured = core.configure(&null_object(&ty)).await?;
    if configured.has_errors() {
        return Err(HarnessError::BadOutput {
            command: "ConfigureProvider".to_owned(),
            detail: format!("{configured:?}"),
        });
    }
    Ok((process, core))
}
