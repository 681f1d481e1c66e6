//! Compiles the tfplugin6 and go-plugin protos with the vendored protoc so no
//! system protoc is needed.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    let well_known = protoc_bin_vendored::include_path()?;
    println!("cargo:rerun-if-changed=proto");
    // The client is generated too: the in-process server tests and the
    // `client` feature (a Terraform-core stand-in) speak to the server through it.
    let includes = [PathBuf::from("proto"), well_known];
    // tfplugin6 gets default stubs: every RPC the server does not implement
    // answers UNIMPLEMENTED, which Terraform reads as "not supported".
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .generate_default_stubs(true)
        .compile_protos(&[PathBuf::from("proto/tfplugin6.proto")], &includes)?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(&[PathBuf::from("proto/go_plugin.proto")], &includes)?;
    Ok(())
}
