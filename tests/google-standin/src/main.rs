//! `terraform-provider-google` for tests only: a stand-in for hashicorp/google that serves
//! the vendored 6.50 resource schemas over this repository's own protocol layer, so
//! Terraform validates and plans the google-based modules against the real interface.
//! It plans like the real provider (planned = proposed, unset computed attributes unknown),
//! applies by filling those with plausible values in Google's formats, reads back the prior
//! state and passes stored state through unchanged, so it can also be the *source* provider
//! of cross-type `moved` tests. No network, no storage outside Terraform state.

use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    tfplugin::logging::init("provider.google");
    let provider = google_standin::provider::StandIn::new().map_err(anyhow::Error::msg)?;
    match tfplugin::serve(Arc::new(provider)).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(tfplugin::ServeError::NotAPlugin) => {
            eprintln!(
                "{}\nThis is the test stand-in for hashicorp/google; the e2e harness installs it.",
                tfplugin::server::not_a_plugin_message("registry.terraform.io/hashicorp/google")
            );
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}
