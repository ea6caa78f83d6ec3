//! Real services for tests, private to one test and torn down on drop (also when it panics):
//!
//! - [`DesktopSession`]: Xvfb, a private D-Bus session bus, optionally an unlocked gnome-keyring
//!   (Secret Service) and dunst (notifications).
//! - [`ProsodyServer`]: a real Prosody XMPP server on a free loopback port (needs the Debian
//!   package `prosody` and root).
//! - With the feature `xmpp`: `xmpp_peer::XmppPeer`, a second XMPP client that watches the
//!   chat status a test's link publishes, and `ProsodyServer::cert_pin`.
//! - With the feature `nats`: `nats::NatsCluster`, real `nats-server` processes on loopback (one
//!   node or three) with TLS and the presence relay's two users (needs the Debian package
//!   `nats-server`).
//!
//! Used by the keychain's Secret Service tests, the STARFACE client's XMPP tests, the soak and
//! the app's tests (command tests, `tests/*.rs`, the end-to-end test), instead of copies per crate.

mod desktop;
#[cfg(feature = "nats")]
pub mod nats;
mod prosody;
#[cfg(feature = "xmpp")]
pub mod xmpp_peer;

pub use desktop::DesktopSession;
pub use prosody::ProsodyServer;
