//! Signing in to Microsoft Entra as a public client (no secret) and keeping tokens fresh.
//!
//! ```no_run
//! # async fn demo(store: std::sync::Arc<dyn keychain::SecretStore>) -> Result<(), graph_client::AuthError> {
//! use graph_client::{auth, MicrosoftConfig, ScopeRequest, Timing};
//! let config = MicrosoftConfig::new("11111111-2222-3333-4444-555555555555").unwrap();
//! let pending = auth::begin_pkce_sign_in(&config, ScopeRequest::default(), auth::PkceOptions::default()).await?;
//! println!("open {}", pending.authorize_url());
//! let credentials = pending.complete(store, Timing::real()).await?;
//! # Ok(()) }
//! ```

mod aadsts;
mod credentials;
mod device;
mod error;
mod oauth;
mod pkce;
mod redirect_listener;

pub use aadsts::{explain_aadsts, AadstsKind};
pub use credentials::{Credentials, FreeBusyAccess, GrantedScopes, PresenceAccess};
pub use device::{device_code_sign_in, DeviceCodeOptions, DevicePrompt};
pub use error::AuthError;
pub use oauth::{decode_token_response, TokenGrant, MAX_TOKEN_LIFETIME};
pub(crate) use oauth::{token_http, TokenHttp, TokenHttpError};
pub use pkce::{begin_pkce_sign_in, PendingBrowserSignIn, PkceOptions};
