//! The provider binary: Terraform starts it and speaks the plugin protocol over stdout.

use std::process::ExitCode;
use std::sync::Arc;

use platform_provider::PlatformProvider;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tfplugin::logging::init("provider.platform");
    match tfplugin::serve(Arc::new(PlatformProvider::new())).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(tfplugin::ServeError::NotAPlugin) => {
            // Run by hand: stdout is free here because there is no handshake to protect.
            eprintln!(
                "This binary is a Terraform plugin for platform-eng/platform and is not meant to be run directly.\n\
                 Install it into a filesystem mirror with `make install` (or use the registry release),\n\
                 reference it in `required_providers`, then run `terraform init`."
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
