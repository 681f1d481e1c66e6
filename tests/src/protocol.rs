//! The release provider binary under a Terraform-core stand-in, for what no
//! installed Terraform exercises (identity needs 1.12, list resources and
//! actions 1.14): the go-plugin start, handshake and AutoMTLS are the real
//! ones, and requests and response checks follow Terraform v1.14's
//! `internal/plugin6/grpc_provider.go` (see `tfplugin::client`).

use tfplugin::client::{Core, InvokeResult, ProviderProcess};
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

/// `terraform apply -invoke=action.<action>.x` as Terraform 1.14 runs it: the
/// plan's provider process validates the configuration, is configured and
/// plans the action (any diagnostic there is an error: Terraform would stop);
/// the apply's fresh process is configured and invokes it.
pub async fn invoke_as_terraform(
    emu: &Emulator,
    action: &str,
    config: &Value,
) -> Result<InvokeResult, HarnessError> {
    let refused = |rpc: &str, d: tfplugin::Diagnostics| HarnessError::BadOutput {
        command: format!("{rpc} {action}"),
        detail: format!("{d:?}"),
    };
    let (process, mut core) = start_configured(emu).await?;
    let validated = core.validate_action_config(action, config).await?;
    if !validated.is_empty() {
        return Err(refused("ValidateActionConfig", validated));
    }
    let planned = core.plan_action(action, config).await?;
    if !planned.is_empty() {
        return Err(refused("PlanAction", planned));
    }
    process.shutdown().await?;
    let (process, mut core) = start_configured(emu).await?;
    let invoked = core.invoke_action(action, config).await?;
    process.shutdown().await?;
    Ok(invoked)
}
