//! STARFACE OneHub (gRPC, STARFACE 10 and later): colleagues' phone state, live.
//!
//! OneHub is the API the vendor's own desktop app uses, on port 9092 of the PBX (or a cloud
//! gateway). It is undocumented: this module follows the wire facts collected for it and
//! decodes defensively (unknown enum numbers stay unknown, unknown event variants are ignored).
//!
//! # Pieces
//! - [`OneHubWatch`]: the running part. Give it where OneHub is ([`OneHubLocation`]), a token
//!   source ([`BearerSource`]) and the accounts to watch ([`OneHubWatch::set_watched`]); it
//!   pushes a [`PhoneBook`] (account → [`PhoneState`]) and a [`OneHubStatus`].
//! - [`OneHubClient`]: one connection and the typed calls (also for `doctor`: server version,
//!   own user, rights, health).
//! - [`OneHubTarget`]: host and port (`login-config` for cloud PBXs), [`ChannelSettings`]
//!   (keep-alive pings).
//! - [`OneHubError`]: failures typed by what can be done about them.
//!
//! # Example
//! ```no_run
//! # async fn demo(rest: std::sync::Arc<starface_client::RestClient>) {
//! use starface_client::onehub::{AccountId, OneHubLocation, OneHubWatch, OneHubWatchSettings};
//! use starface_client::TelephonyState;
//! let location = OneHubLocation::FromPbx(rest.endpoint().clone());
//! let watch = OneHubWatch::spawn(location, rest.clone(), OneHubWatchSettings::default());
//! watch.set_watched([AccountId(1004), AccountId(1007)]);
//! let mut phones = watch.phones();
//! while phones.changed().await.is_ok() {
//!     let on_the_phone = phones.borrow().values().filter(|p| p.telephony == TelephonyState::Active).count();
//!     println!("{on_the_phone} colleagues on the phone");
//! }
//! # }
//! ```

mod bearer;
mod client;
mod error;
mod phone;
mod target;
mod watch;

pub use bearer::{BearerError, BearerFuture, BearerSource, SignInBearer};
pub use client::{OneHubClient, OneHubUser, OpeningEvents, UserIds};
pub use error::OneHubError;
pub use phone::{AccountId, PhoneBook, PhoneState};
pub use target::{ChannelSettings, OneHubTarget, TargetSource, ONEHUB_PORT};
pub use watch::{OneHubLocation, OneHubStatus, OneHubWatch, OneHubWatchSettings};
