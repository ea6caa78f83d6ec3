//! A signed-in account: a short-lived access token in memory, the rotating refresh token in the
//! keychain.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use keychain::{names::MICROSOFT_REFRESH_TOKEN, Secret, SecretStore};
use oauth2::{RefreshToken, Scope};
use tokio::sync::Mutex;

use super::oauth::{entra_client, map_request_error, token_http, TokenGrant, TokenHttp};
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

    /// Whether colleagues' free/busy may be read (`getSchedule`).
    pub fn free_busy_access(&self) -> FreeBusyAccess {
        let calendars = [
            scopes::CALENDARS_READ_BASIC,
            scopes::CALENDARS_READ,
            scopes::CALENDARS_READ_WRITE,
        ];
        if calendars.iter().any(|name| self.contains(name)) {
            FreeBusyAccess::Granted
        } else {
            FreeBusyAccess::NotGranted
        }
    }
}

/// Whether this sign-in can read colleagues' free/busy, and if not, why (the card says so; the
/// UI translates). Presence does not depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FreeBusyAccess {
    Granted,
    /// The token carries no calendar permission: never asked for, or the consent was declined
    /// or needs an administrator. Signing in again (with free/busy on) asks for it.
    NotGranted,
    /// The permission is there but Graph refuses (403): the organisation blocks it, e.g. by
    /// policy or because the user has no Exchange Online mailbox.
    Refused,
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
    /// Entra refused the optional permissions on a refresh (never consented): ask without them
    /// from then on, for this account.
    optional_refused: bool,
}

/// The signed-in Microsoft account. Cheap to share (`Arc`); concurrent callers refresh once.
pub struct Credentials {
    config: MicrosoftConfig,
    requested: ScopeRequest,
    store: Arc<dyn SecretStore>,
    timing: Timing,
    http: TokenHttp,
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
                optional_refused: false,
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
            credentials.accept(&mut state, grant, requested).await?;
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
        let mut scopes = if state.optional_refused {
            self.requested.without_optional()
        } else {
            self.requested
        };
        let mut result = self.exchange_refresh(&refresh_token, scopes).await;
        if matches!(result, Err(AuthError::ConsentRequired { .. }))
            && scopes != scopes.without_optional()
        {
            // Free/busy was switched on after this sign-in: keep presence working with what was
            // consented; the user is asked for the calendar permission at the next sign-in.
            tracing::info!(
                "calendar permission not consented for this sign-in; refreshing without it"
            );
            state.optional_refused = true;
            scopes = scopes.without_optional();
            result = self.exchange_refresh(&refresh_token, scopes).await;
        }
        match result {
            Ok(grant) => self.accept(state, grant, scopes).await,
            Err(error) => {
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

    async fn exchange_refresh(
        &self,
        refresh_token: &Secret,
        scopes: ScopeRequest,
    ) -> Result<TokenGrant, AuthError> {
        let client = entra_client(&self.config)?;
        let refresh_token = RefreshToken::new(refresh_token.expose().to_owned());
        client
            .exchange_refresh_token(&refresh_token)
            .add_scopes(scopes.qualified(&self.config).into_iter().map(Scope::new))
            .request_async(&self.http)
            .await
            .map(TokenGrant::from)
            .map_err(map_request_error)
    }

    /// Keeps `grant`; `asked` is what was requested (Entra does not always list what it granted).
    async fn accept(
        &self,
        state: &mut TokenState,
        grant: TokenGrant,
        asked: ScopeRequest,
    ) -> Result<(), AuthError> {
        // Entra rotates refresh tokens on every use; the old one stays valid until it expires,
        // but only the newest is kept so a leaked old copy is not renewed forever.
        if let Some(rotated) = grant.refresh_token {
            self.save_refresh_token(rotated).await?;
        }
        state.granted = match grant.scopes {
            Some(names) => GrantedScopes::new(names),
            None => GrantedScopes::new(asked.names()),
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
