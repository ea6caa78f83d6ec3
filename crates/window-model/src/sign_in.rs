//! The STARFACE sign-in as the window shows it: which secret to enter and why, and the
//! certificate the PBX presents (`StarfaceSecretNeeded`, `Certificate` in docs/UI-CONTRACT.md).
//! Below `warning` and `state`, which both use it.

use bridge::secrets::{SecretNeed, StarfaceSecret};
use bridge::CertificateDetails;
use serde::Serialize;

/// Which STARFACE secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    Password,
    ClientSecret,
}

impl From<StarfaceSecret> for SecretKind {
    fn from(secret: StarfaceSecret) -> Self {
        match secret {
            StarfaceSecret::Password => SecretKind::Password,
            StarfaceSecret::OAuthClientSecret => SecretKind::ClientSecret,
        }
    }
}

/// Why it has to be entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedKind {
    Missing,
    /// The stored one belongs to another server than the settings name now.
    StoredForAnotherServer,
    /// The PBX signs in with OAuth only.
    ClassicLoginDisabled,
}

/// A secret to enter, with the details of why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretNeeded {
    pub secret: SecretKind,
    pub need: NeedKind,
    /// With `stored_for_another_server`: whom and where the stored one is for.
    pub stored_for: Option<String>,
    /// With `classic_login_disabled`: the PBX's words.
    pub detail: Option<String>,
}

impl SecretNeeded {
    pub fn new(secret: StarfaceSecret, need: &SecretNeed) -> Self {
        let (kind, stored_for, detail) = match need {
            SecretNeed::Missing => (NeedKind::Missing, None, None),
            SecretNeed::StoredForAnotherServer { stored_for } => (
                NeedKind::StoredForAnotherServer,
                Some(stored_for.clone()),
                None,
            ),
            SecretNeed::ClassicLoginDisabled { detail } => {
                (NeedKind::ClassicLoginDisabled, None, Some(detail.clone()))
            }
        };
        Self {
            secret: secret.into(),
            need: kind,
            stored_for,
            detail,
        }
    }
}

/// The certificate the PBX presents, for the user to judge before trusting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// SHA-256, `AA:BB:…`.
    pub fingerprint: String,
    /// Subject and issuer distinguished names; `null` when the certificate could not be read.
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// Validity, wall clock (ms).
    pub not_before: Option<u64>,
    pub not_after: Option<u64>,
    /// Whether the configured trust (pin, CA file or system roots) accepts it.
    pub trusted: bool,
}

impl Certificate {
    pub fn new(fingerprint: String, details: Option<&CertificateDetails>, trusted: bool) -> Self {
        let ms = |seconds: i64| u64::try_from(seconds).unwrap_or(0).saturating_mul(1000);
        Self {
            fingerprint,
            subject: details.map(|d| d.subject.clone()),
            issuer: details.map(|d| d.issuer.clone()),
            not_before: details.map(|d| ms(d.not_before)),
            not_after: details.map(|d| ms(d.not_after)),
            trusted,
        }
    }
}
