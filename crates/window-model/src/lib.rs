//! What the window and the tray show, computed from the bridge's snapshot, without Tauri: the
//! data of docs/UI-CONTRACT.md (typed, so the compiler checks the contract), the tray's menu
//! model and status line, notification texts, the settings screen and its changes, the window's
//! colleague search, and the deep links behind the actions, all in English and German.
//!
//! The app crate (`src-tauri/`) is glue around this: it runs Tauri commands, renders the tray
//! model onto menu items, shows notifications and opens links. Everything here is plain data in,
//! plain data out, tested without a window (`cargo tree -p window-model` has no Tauri).
//!
//! * [`state`]: `State` (own status, sync, accounts, warnings, journal); [`warning`] and
//!   [`journal`] are its parts.
//! * [`colleague`]: `Colleague`, `Presence`, the `colleagues` event.
//! * [`free_busy`]: `FreeBusy` and how the card, the list, the tray and notifications say it.
//! * [`colleague_status`]: a colleague's merged Teams + phone status (`Status`) and its words.
//! * [`search`]: the colleague search over everyone the app knows.
//! * [`settings_view`]: `SettingsView` and `save_settings`' changes.
//! * [`hooks`]: the status hooks' last results (`HookResult`) and `test_hook`'s answer.
//! * [`sign_in`]: the STARFACE secret to enter and the certificate the PBX presents.
//! * [`tray`]: the tray's icon state, status line, menu model and its diff (colleagues with
//!   their status and actions, favourites or the most relevant people), the menu's actions.
//! * [`notification`]: titles and bodies of desktop notifications.
//! * [`links`]: Teams, e-mail, phone and SIP links, checked against the allowlist.
//! * [`navigate`]: the `navigate` event.
//! * [`pause`]: pause lengths.
//! * [`i18n`]: the UI's strings (`ui/i18n/*.json`) and the user's language.

pub mod colleague;
pub mod colleague_status;
pub mod free_busy;
pub mod hooks;
pub mod i18n;
pub mod journal;
pub mod links;
pub mod navigate;
pub mod notification;
pub mod pause;
pub mod presence_source;
pub mod search;
pub mod settings_view;
pub mod sign_in;
pub mod state;
pub mod tray;
pub mod warning;
