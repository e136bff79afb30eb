//! Compiles every contract under `proto/` with a vendored `protoc`, so a fresh clone builds
//! with nothing installed.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; tonic-prost-build reads PROTOC.
    unsafe { std::env::set_var("PROTOC", protoc) };
    let services = [
        "common",
        "product",
        "inventory",
        "auth",
        "user",
        "cart",
        "order",
        "payment",
        "recommendation",
        "event",
        "notification",
    ];
    let files: Vec<PathBuf> = services
        .iter()
        .map(|s| root.join(format!("vici/{s}/v1/{s}.proto")))
        .collect();
    // RPCs a later issue implements answer UNIMPLEMENTED until a service overrides them.
    tonic_prost_build::configure()
        .generate_default_stubs(true)
        .compile_protos(&files, std::slice::from_ref(&root))?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}
