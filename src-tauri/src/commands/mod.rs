//! Tauri commands of docs/UI-CONTRACT.md, one module per domain. Each command is thin: it
//! parses the contract's arguments, calls the app state or the bridge, and answers with the
//! window model's types.

pub mod accounts;
pub mod card;
pub mod directory;
pub mod hooks;
pub mod links;
pub mod settings;
pub mod state;
pub mod sync;

use tauri::Runtime;

include!("../../command_names.rs");

/// Every command name of the contract (shared with the build script's app manifest).
#[cfg_attr(not(test), allow(dead_code))]
pub const NAMES: &[&str] = COMMAND_NAMES;

/// The invoke handler with all contract commands, for runtime `R` (Wry in the app, the mock
/// runtime in tests).
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        state::get_state,
        state::get_translations,
        directory::search_directory,
        directory::set_favourite,
        directory::set_notify_when_available,
        directory::copy_sip,
        links::open_link,
        sync::pause_sync,
        sync::resume_sync,
        sync::sync_now,
        sync::decide_conflict,
        settings::get_settings,
        settings::save_settings,
        accounts::sign_in_microsoft,
        accounts::sign_out_microsoft,
        accounts::save_starface_password,
        accounts::save_starface_client_secret,
        accounts::inspect_certificate,
        accounts::trust_certificate,
        card::show_card,
        hooks::test_hook,
        hooks::save_hook_secret,
    ]
}

#[cfg(test)]
mod tests;
