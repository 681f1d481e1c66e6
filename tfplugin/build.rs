//! Compiles the tfplugin6 and go-plugin protos with the vendored protoc so no
//! system protoc is needed.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?);
    let well_known = protoc_bin_vendored::include_path()?;
    println!("cargo:rerun-if-changed=proto");
    // The client is generated too: the in-process server tests speak to the
    // server through it, exactly as Terraform would.
    let protos = [
        PathBuf::from("proto/tfplugin6.proto"),
        PathBuf::from("proto/go_plugin.proto"),
    ];
    let includes = [PathBuf::from("proto"), well_known];
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_protos(&protos, &includes)?;
    Ok(())
}
