//! The token endpoint's answers, decoded: public so that fuzz tests exercise exactly the shipped
//! code (`crates/hardening/tests/fuzz_starface.rs`). Never panics on a malformed body.

use std::time::Duration;

use keychain::Secret;
use serde::Deserialize;

/// Keycloak's documented default access-token lifetime, assumed when the answer omits it.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(300);
/// Longest lifetime believed. A PBX (or a proxy in front of it) may send any number; adding an
/// absurd one to `Instant::now()` overflows and panics, and trusting it would never refresh.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// Longest refresh-token lifetime believed (same reason).
pub const MAX_REFRESH_LIFETIME: Duration = Duration::from_secs(400 * 24 * 60 * 60);

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    refresh_expires_in: Option<u64>,
}

/// A successful OAuth token answer.
#[derive(Debug)]
pub struct OAuthTokens {
    pub access: Secret,
    /// `expires_in`, defaulted and capped at [`MAX_TOKEN_LIFETIME`].
    pub lifetime: Duration,
    pub refresh: Option<Secret>,
    /// `refresh_expires_in`, capped like the lifetime; `None` when not sent (or `0`, which
    /// Keycloak sends for offline tokens that do not expire by time).
    pub refresh_lifetime: Option<Duration>,
}

/// Decodes a successful answer of the OAuth token endpoint.
pub fn tokens(bytes: &[u8]) -> Result<OAuthTokens, serde_json::Error> {
    let answer: TokenResponse = serde_json::from_slice(bytes)?;
    let lifetime = answer
        .expires_in
        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs)
        .min(MAX_TOKEN_LIFETIME);
    let refresh_lifetime = answer
        .refresh_expires_in
        .filter(|secs| *secs > 0)
        .map(|secs| Duration::from_secs(secs).min(MAX_REFRESH_LIFETIME));
    Ok(OAuthTokens {
        access: Secret::new(answer.access_token),
        lifetime,
        refresh: answer.refresh_token.map(Secret::new),
        refresh_lifetime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_token_lifetimes_are_capped() {
        // Found by fuzzing: u64::MAX seconds made `Instant::now() + lifetime` panic.
        let body = br#"{"access_token":"a","expires_in":18446744073709551615}"#;
        assert_eq!(tokens(body).unwrap().lifetime, MAX_TOKEN_LIFETIME);
        let body = br#"{"access_token":"a"}"#;
        assert_eq!(tokens(body).unwrap().lifetime, DEFAULT_TOKEN_LIFETIME);
        let body = br#"{"access_token":"a","refresh_expires_in":18446744073709551615}"#;
        assert_eq!(
            tokens(body).unwrap().refresh_lifetime,
            Some(MAX_REFRESH_LIFETIME)
        );
        let body = br#"{"access_token":"a","refresh_expires_in":0}"#;
        assert_eq!(tokens(body).unwrap().refresh_lifetime, None);
    }
}
