//! A signed-in account: a short-lived access token in memory, the rotating refresh token in the
//! keychain.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use keychain::{names::MICROSOFT_REFRESH_TOKEN, Secret, SecretStore};
use oauth2::{RefreshToken, Scope};
use tokio::sync::Mutex;

use super::oauth::{entra_client, map_request_error, token_http, TokenGrant};
use super::AuthError;
use crate::config::{scopes, MicrosoftConfig, ScopeRequest};
use crate::timing::Timing;

/// Refresh this long before the access token expires, so a request never carries a token that
/// dies in flight (at most half the lifetime, so short-lived tokens are still used).
const EXPIRY_MARGIN: Duration = Duration::from_secs(120);

/// Permissions the current token carries (unqualified names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantedScopes(BTreeSet<String>);

impl GrantedScopes {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Self {
        Self(names.into_iter().map(Into::into).collect())
    }

    /// Case-insensitive, as Entra treats permission names.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.eq_ignore_ascii_case(name))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whose presence this token can read.
    pub fn presence_access(&self) -> PresenceAccess {
        if self.contains(scopes::PRESENCE_READ_ALL) {
            PresenceAccess::Colleagues
        } else if self.contains(scopes::PRESENCE_READ) || self.contains(scopes::PRESENCE_READ_WRITE)
        {
            PresenceAccess::OwnOnly
        } else {
            PresenceAccess::None
        }
    }

    pub fn can_set_presence(&self) -> bool {
        self.contains(scopes::PRESENCE_READ_WRITE)
    }
}

/// Whose presence can be read with the granted permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PresenceAccess {
    /// `Presence.Read.All`: colleagues and self.
    Colleagues,
    /// Only `Presence.Read` (tenant blocks user consent for `Presence.Read.All`).
    OwnOnly,
    None,
}

impl PresenceAccess {
    /// What the UI shows when colleague presence is unavailable.
    pub fn explanation(&self) -> Option<&'static str> {
        match self {
            Self::Colleagues => None,
            Self::OwnOnly => Some(
                "Colleagues' presence needs an administrator's consent for the permission \
                 Presence.Read.All in your organisation. Your own Teams status is still synced. \
                 See the Entra setup guide for the steps your admin has to take.",
            ),
            Self::None => Some("This sign-in has no permission to read presence. Sign in again."),
        }
    }
}

struct AccessToken {
    value: Secret,
    /// When to stop using it: the expiry minus a safety margin.
    refresh_at: SystemTime,
}

struct TokenState {
    access: Option<AccessToken>,
    granted: GrantedScopes,
}

/// The signed-in Microsoft account. Cheap to share (`Arc`); concurrent callers refresh once.
pub struct Credentials {
    config: MicrosoftConfig,
    requested: ScopeRequest,
    store: Arc<dyn SecretStore>,
    timing: Timing,
    http: reqwest::Client,
    state: Mutex<TokenState>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.config.client_id)
            .field("tenant", &self.config.tenant)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// The account saved by an earlier sign-in; nothing is sent until a token is needed.
    pub fn from_store(
        config: MicrosoftConfig,
        requested: ScopeRequest,
        store: Arc<dyn SecretStore>,
        timing: Timing,
    ) -> Self {
        Self {
            config,
            requested,
            store,
            timing,
            http: token_http(),
            state: Mutex::new(TokenState {
                access: None,
                granted: GrantedScopes::default(),
            }),
        }
    }

    /// After an interactive sign-in: persists the refresh token and keeps the access token.
    pub(crate) async fn from_grant(
        config: MicrosoftConfig,
        requested: ScopeRequest,
        store: Arc<dyn SecretStore>,
        timing: Timing,
        grant: TokenGrant,
    ) -> Result<Self, AuthError> {
        let credentials = Self::from_store(config, requested, store, timing);
        {
            let mut state = credentials.state.lock().await;
            credentials.accept(&mut state, grant).await?;
        }
        Ok(credentials)
    }

    pub fn config(&self) -> &MicrosoftConfig {
        &self.config
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    pub fn requested_scopes(&self) -> ScopeRequest {
        self.requested
    }

    /// Permissions of the last token obtained (empty before the first one).
    pub async fn granted_scopes(&self) -> GrantedScopes {
        self.state.lock().await.granted.clone()
    }

    /// Whether a refresh token is saved (without trying it).
    pub async fn has_saved_sign_in(&self) -> Result<bool, AuthError> {
        Ok(self.load_refresh_token().await?.is_some())
    }

    /// A valid access token, refreshed first when it is missing or about to expire.
    pub async fn access_token(&self) -> Result<Secret, AuthError> {
        let mut state = self.state.lock().await;
        if let Some(access) = &state.access {
            if self.timing.now() < access.refresh_at {
                return Ok(access.value.clone());
            }
        }
        self.refresh_locked(&mut state).await?;
        Ok(state
            .access
            .as_ref()
            .map(|a| a.value.clone())
            .expect("a successful refresh stores an access token"))
    }

    /// Refreshes now, e.g. after Graph rejected the current token with 401.
    pub async fn refresh(&self) -> Result<(), AuthError> {
        let mut state = self.state.lock().await;
        self.refresh_locked(&mut state).await
    }

    /// Like [`Self::refresh`], unless another caller already replaced `rejected` meanwhile.
    pub(crate) async fn refresh_unless_replaced(&self, rejected: &Secret) -> Result<(), AuthError> {
        let mut state = self.state.lock().await;
        if let Some(access) = &state.access {
            if access.value != *rejected && self.timing.now() < access.refresh_at {
                return Ok(());
            }
        }
        self.refresh_locked(&mut state).await
    }

    /// Forgets the account: the refresh token leaves the keychain, other secrets stay.
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        let mut state = self.state.lock().await;
        state.access = None;
        state.granted = GrantedScopes::default();
        self.delete_refresh_token().await
    }

    async fn refresh_locked(&self, state: &mut TokenState) -> Result<(), AuthError> {
        let Some(refresh_token) = self.load_refresh_token().await? else {
            return Err(AuthError::SignInRequired {
                reason: "no Microsoft 365 sign-in is saved on this computer".into(),
                aadsts: None,
            });
        };
        let client = entra_client(&self.config)?;
        let refresh_token = RefreshToken::new(refresh_token.expose().to_owned());
        let result = client
            .exchange_refresh_token(&refresh_token)
            .add_scopes(
                self.requested
                    .qualified(&self.config)
                    .into_iter()
                    .map(Scope::new),
            )
            .request_async(&self.http)
            .await;
        match result {
            Ok(response) => self.accept(state, response.into()).await,
            Err(error) => {
                let error = map_request_error(error);
                if error.needs_sign_in() {
                    // The refresh token is dead; keeping it would only repeat the failure.
                    // Settings and other secrets are untouched.
                    tracing::warn!(aadsts = ?error.aadsts(), "Microsoft refresh token rejected; sign-in required");
                    state.access = None;
                    self.delete_refresh_token().await?;
                } else {
                    tracing::warn!(%error, "token refresh failed");
                }
                Err(error)
            }
        }
    }

    async fn accept(&self, state: &mut TokenState, grant: TokenGrant) -> Result<(), AuthError> {
        // Entra rotates refresh tokens on every use; the old one stays valid until it expires,
        // but only the newest is kept so a leaked old copy is not renewed forever.
        if let Some(rotated) = grant.refresh_token {
            self.save_refresh_token(rotated).await?;
        }
        state.granted = match grant.scopes {
            Some(names) => GrantedScopes::new(names),
            None => GrantedScopes::new(self.requested.names()),
        };
        let margin = EXPIRY_MARGIN.min(grant.expires_in / 2);
        state.access = Some(AccessToken {
            value: grant.access_token,
            refresh_at: self.timing.now() + grant.expires_in - margin,
        });
        tracing::debug!(expires_in = ?grant.expires_in, "Microsoft access token obtained");
        Ok(())
    }

    async fn load_refresh_token(&self) -> Result<Option<Secret>, AuthError> {
        let store = self.store.clone();
        blocking(move || store.get(MICROSOFT_REFRESH_TOKEN)).await
    }

    async fn save_refresh_token(&self, token: Secret) -> Result<(), AuthError> {
        let store = self.store.clone();
        blocking(move || store.set(MICROSOFT_REFRESH_TOKEN, &token)).await
    }

    async fn delete_refresh_token(&self) -> Result<(), AuthError> {
        let store = self.store.clone();
        blocking(move || store.delete(MICROSOFT_REFRESH_TOKEN)).await
    }
}

/// Keychain calls block (D-Bus round trips); keep them off the async workers.
async fn blocking<T: Send + 'static>(
    call: impl FnOnce() -> Result<T, keychain::KeychainError> + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(call)
        .await
        .map_err(|e| AuthError::Protocol(format!("keychain task failed: {e}")))?
        .map_err(AuthError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_access_follows_the_granted_scopes() {
        let all = GrantedScopes::new(["User.Read", "presence.read.all"]);
        assert_eq!(all.presence_access(), PresenceAccess::Colleagues);
        let own = GrantedScopes::new(["User.Read", "Presence.Read"]);
        assert_eq!(own.presence_access(), PresenceAccess::OwnOnly);
        assert!(own
            .presence_access()
            .explanation()
            .unwrap()
            .contains("administrator"));
        assert_eq!(
            GrantedScopes::new(["User.Read"]).presence_access(),
            PresenceAccess::None
        );
        assert!(!own.can_set_presence());
    }
}
