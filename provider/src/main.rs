//! The provider binary: Terraform starts it and speaks the plugin protocol over stdout.
//! With `-debug` it serves on its own and prints the `TF_REATTACH_PROVIDERS` value that
//! makes Terraform attach to it (for debuggers and extra logging).

use std::process::ExitCode;
use std::sync::Arc;

use platform_provider::PlatformProvider;

const ADDRESS: &str = "registry.terraform.io/platform-eng/platform";

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tfplugin::logging::init("provider.platform");
    let provider = Arc::new(PlatformProvider::new());
    let args: Vec<String> = std::env::args().skip(1).collect();
    let served = match args.as_slice() {
        [] => tfplugin::serve(provider).await,
        [flag] if flag == "-debug" || flag == "--debug" => {
            tfplugin::server::serve_debug(provider, ADDRESS, std::io::stdout()).await
        }
        _ => {
            eprintln!(
                "usage: terraform-provider-platform [-debug]\n  -debug  serve without Terraform and print the TF_REATTACH_PROVIDERS value to export"
            );
            return Ok(ExitCode::from(2));
        }
    };
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(tfplugin::ServeError::NotAPlugin) => {
            eprintln!(
                "{}\nFrom a clone of this repository, `make install` builds it into a local filesystem mirror and prints the CLI configuration to use.\nProvider developers: `-debug` serves without Terraform and prints TF_REATTACH_PROVIDERS.",
                tfplugin::server::not_a_plugin_message(ADDRESS)
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
