//! Signing in as the application itself (OAuth 2.0 client credentials), for the presence relay.
//!
//! A desktop signs in as its user ([`crate::auth`]); the relay has no user. It proves it is the
//! registered app with either a **certificate** (an RS256-signed client assertion, the way
//! Microsoft recommends for daemons) or a **client secret**, and gets a token carrying the
//! application permissions an administrator granted (`Presence.Read.All`, `User.Read.All`).
//!
//! - [`AppCredential`]: the certificate (+ private key) or secret.
//! - [`client_assertion`]: the signed JWT Entra expects for certificate credentials.
//! - [`AppTokenSource`]: fetches and caches the app token, refreshed before it expires.
//! - [`AppGraphClient`]: the few Graph calls the relay makes (`getPresencesByUserId`,
//!   `/users/delta`), returning throttling to the caller instead of sleeping through it, because
//!   the relay paces the whole tenant's budget itself.
//! - [`UserDeltaPage`]: one page of a `/users/delta` round (joiners, changes, leavers).

mod assertion;
mod client;
mod credential;
mod delta;
mod token;

pub use assertion::{client_assertion, AssertionClaims, CLIENT_ASSERTION_LIFETIME};
pub use client::AppGraphClient;
pub use credential::{AppCredential, CertificateCredential, CredentialError};
pub use delta::{parse_user_delta_page, DirectoryEntry, UserDeltaPage};
pub use token::{AppTokenSource, CLIENT_ASSERTION_TYPE};
