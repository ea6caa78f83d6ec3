/// The window's commands (docs/UI-CONTRACT.md); `commands::NAMES` in the app lists the same and
/// a unit test keeps the two, and the capability file, in step.
const COMMANDS: &[&str] = &[
    "get_state",
    "get_translations",
    "search_directory",
    "set_favourite",
    "set_notify_when_available",
    "open_link",
    "copy_sip",
    "pause_sync",
    "resume_sync",
    "sync_now",
    "decide_conflict",
    "get_settings",
    "save_settings",
    "sign_in_microsoft",
    "sign_out_microsoft",
    "save_starface_password",
    "trust_certificate",
];

fn main() {
    // Capabilities live under src-tauri/ while tauri.conf.json sits at the repository root.
    // The app manifest makes each command need an explicit `allow-…` permission in a capability.
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
