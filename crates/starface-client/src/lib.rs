//! STARFACE PBX connector: REST (login, own DND, directory), UCI XML-RPC (call state, chat
//! message) and XMPP (chat status).
//!
//! # Pieces
//! - [`sign_in::PbxSignIn`]: how every channel signs in (classic nonce login, STARFACE 10 OAuth, or
//!   `auto`: OAuth where the PBX has Keycloak and a client secret is stored), shared by REST, UCI,
//!   XMPP and the OneHub client; [`sign_in::AuthChoice`] says which and why (for `doctor`).
//! - [`oauth::TokenSource`]: the one OAuth access token of an account, refreshed in one place
//!   about 60 s before expiry; rotation, silent re-login after a rejected refresh, typed errors
//!   that tell "ask the user" from "try again" ([`oauth::OAuthError::needs_user`]).
//! - [`rest::RestClient`]: nonce login (`authToken`) or STARFACE 10 OAuth (`Bearer`), `X-Version: 2`
//!   on every call, one re-login on `401`, DND via `GET`+`PUT /rest/users/{id}/phoneconfig`
//!   with all four fields preserved, directory, `403` mapped to the right the admin must grant.
//! - [`http`]: no redirects (an error naming the target) and answers capped at 1 MiB, on every
//!   channel, so credentials stay with the PBX.
//! - [`uci::UciClient`] and [`telephony_watch::TelephonyWatch`]: polled
//!   `userState.getUserState` (`telephonyState == ACTIVE` = on a call, cross-checked with
//!   `call.getCallIds`), login/logout, `ucp.v30` with `ucp.v22` fallback; the client sends
//!   `connection.keepAlive` every 45 s by itself and logs in again at once when it answers `false`.
//! - [`timing`]: the injected clock ([`timing::SimulatedTime`] runs minutes of keep-alives in a test).
//! - [`xmpp::XmppChatLink`]: the six chat states as XMPP presence over STARTTLS; reconnects
//!   with backoff and publishes the wanted status again after each reconnect.
//! - [`tls`]: verification always on; CA file or SHA-256 pin; fingerprint for `doctor`.
//! - [`doctor`]: structured checks.
//! - [`onehub`]: STARFACE 10's OneHub gRPC API: colleagues' phone state, pushed
//!   ([`onehub::OneHubWatch`]).
//! - [`roster_chat`]: colleagues' chat state from XMPP roster presence (STARFACE 9 and older,
//!   which have no OneHub and give no phone state).
//!
//! # Example
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use keychain::Secret;
//! use starface_client::*;
//!
//! let endpoint = PbxEndpoint::new("https://pbx.example.com".parse()?)
//!     .with_trust(TlsTrust::Pin("AB:CD:...".parse()?));
//! let credentials = Credentials::new("0001", Secret::new("password from the keychain"));
//! let rest = Arc::new(RestClient::new(endpoint.clone(), credentials.clone(), RestAuth::NonceLogin)?);
//! let dnd_on = rest.dnd().await?;
//! rest.set_dnd(!dnd_on).await?;
//!
//! let uci = Arc::new(UciClient::new(endpoint, UciAuth::legacy(&credentials))?);
//! let watch = TelephonyWatch::spawn(uci.clone(), TelephonyWatchSettings::default());
//! let mut calls = watch.subscribe();
//! calls.changed().await?;
//! let on_call = calls.borrow().as_ref().is_some_and(|s| s.in_call);
//! uci.set_chat_presence_message(if on_call { "On a call" } else { "" }).await?;
//!
//! let xmpp = XmppChatLink::start(XmppSettings::new("pbx.example.com", "192.0.2.10", "0001", credentials.password.clone()))?;
//! xmpp.set_chat_status(ChatStatus::new(ChatPresence::DoNotDisturb, Some("In a Teams meeting"))).await?;
//!
//! watch.stop().await;
//! xmpp.close().await;
//! rest.logout().await?;
//! # Ok(()) }
//! ```
//!
//! # The official desktop client overwrites the chat status
//! The STARFACE UCC desktop client periodically resets the user's chat status, even one set by
//! the mobile client. This crate does **not** fight it: [`xmpp::XmppChatLink`] sends a status
//! only when the *wanted* status changes (i.e. Teams changed) and after a reconnect, never in
//! reaction to a status observed from another resource. Observed statuses are exposed
//! ([`xmpp::XmppChatLink::observed_presences`]) so the app can show that the desktop client
//! won, but answering each overwrite would make two clients ping-pong forever. A higher
//! [`xmpp::XmppSettings::priority`] can make Openfire prefer this resource's presence.
//!
//! # Secrets
//! Passwords, tokens and client secrets are [`keychain::Secret`]s and never logged
//! (`tests/oauth_secrets_not_logged.rs` captures every log record of a whole OAuth life at TRACE
//! level and searches it for them); UCI errors have the URL (which carries the token) stripped.
//! The password and client secret go only to a token endpoint on the PBX's host (or the
//! configured identity host) over https.
//!
//! # Sharing the OAuth token with another client (OneHub gRPC)
//! ```no_run
//! # async fn demo(sign_in: starface_client::PbxSignIn) -> Result<(), starface_client::OAuthError> {
//! if let Some(tokens) = sign_in.oauth_tokens().await? {
//!     let tokens = tokens.clone(); // cheap; every clone shares the one token
//!     let token = tokens.fresh().await?; // refreshed if less than the margin is left
//!     let metadata = format!("Bearer {}", token.secret().expose());
//!     // A refused token (gRPC Unauthenticated): renew once, unless another channel already did.
//!     let token = tokens.renew_after_rejection(&token).await?;
//!     # let _ = (metadata, token);
//! }
//! # Ok(()) }
//! ```

pub mod certificate_details;
pub mod config;
pub mod doctor;
pub mod http;
pub mod login_secret;
pub mod oauth;
pub mod onehub;
pub mod presence_values;
pub mod rest;
pub mod roster_chat;
pub mod sign_in;
pub mod telephony_watch;
pub mod timing;
pub mod tls;
pub mod uci;
pub mod xmpp;
mod xmpp_connector;

pub use certificate_details::CertificateDetails;
pub use config::{Credentials, OAuthSettings, PbxEndpoint, RestAuth};
pub use oauth::{AccessToken, OAuthError, TokenSource};
pub use presence_values::{ChatPresence, TelephonyState};
pub use rest::{RestClient, RestError};
pub use sign_in::{AuthChoice, AuthMethod, AuthMode, AuthReason, PbxSignIn};
pub use telephony_watch::{CallStateSnapshot, TelephonyWatch, TelephonyWatchSettings};
pub use timing::{SimulatedTime, Timing};
pub use tls::{CertificatePin, TlsError, TlsTrust};
pub use uci::{UciAuth, UciClient, UciError, UciSessionOptions};
pub use xmpp::{ChatStatus, XmppChatLink, XmppError, XmppSettings};
pub use xmpp_connector::StartTlsConnector;
