//! Generates the OneHub client and server stubs from `proto/` with a pure-Rust parser
//! (`protox`), so no `protoc` is needed on any machine.

const PROTOS: &[&str] = &[
    "gamma/onehub/api/v1/types.proto",
    "gamma/onehub/api/v1/presence.proto",
    "gamma/onehub/api/v1/useridlookup.proto",
    "gamma/onehub/api/v1/me.proto",
    "gamma/onehub/api/v1/system.proto",
    "gamma/onehub/api/v1/health.proto",
    "gamma/onehub/api/v1/chat.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let files = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Our own connector and TLS: no `connect(url)` helpers on the generated clients.
        .build_transport(false)
        .include_file("onehub.rs")
        .compile_fds(files)?;
    Ok(())
}
