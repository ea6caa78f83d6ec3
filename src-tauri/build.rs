include!("command_names.rs");

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/command_names.rs");
    // Capabilities live under src-tauri/ while tauri.conf.json sits at the repository root.
    // The app manifest makes each command need an explicit `allow-…` permission in a capability.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMAND_NAMES)),
    )
    .expect("tauri build script failed");
}
