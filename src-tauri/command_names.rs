// The window's commands (docs/UI-CONTRACT.md), in one place: `include!`d by the build script
// (the app manifest, so each command needs an `allow-…` permission) and by `commands::NAMES`.
const COMMAND_NAMES: &[&str] = &[
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
    "save_starface_client_secret",
    "inspect_certificate",
    "trust_certificate",
    "show_card",
];
