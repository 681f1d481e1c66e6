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
            eprintln!(
                "{}\nFrom a clone of this repository, `make install` builds it into a local filesystem mirror and prints the CLI configuration to use.",
                tfplugin::server::not_a_plugin_message("registry.terraform.io/platform-eng/platform")
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
