use keychain::KeychainError;

use super::aadsts::{code_in, explain_aadsts, AadstsKind};

/// Why signing in or getting a token failed, grouped by what the user has to do.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The saved sign-in is gone or no longer valid (`invalid_grant`, `interaction_required`, no
    /// refresh token). Settings stay; only an interactive sign-in fixes it.
    #[error("sign in to Microsoft 365 again: {reason}")]
    SignInRequired { reason: String, aadsts: Option<u32> },
    /// Permissions were not granted (user declined, or the tenant needs an admin to approve).
    #[error("{explanation}")]
    ConsentRequired {
        needs_admin: bool,
        aadsts: Option<u32>,
        explanation: String,
    },
    /// The app registration or tenant setting is wrong (disabled app, single-tenant app used with
    /// `organizations`, public client flows off, redirect URI missing, unknown client ID).
    #[error("{explanation}")]
    AppRegistration { aadsts: u32, explanation: String },
    /// Any other OAuth error, with Microsoft's code and text.
    #[error("Microsoft sign-in failed ({error}): {description}")]
    Rejected {
        error: String,
        description: String,
        aadsts: Option<u32>,
    },
    #[error("the sign-in request was declined on the device-code page")]
    DeviceCodeDeclined,
    #[error("the device code expired before the sign-in was completed; start again")]
    DeviceCodeExpired,
    #[error("the browser sign-in was not completed within {0:?}")]
    TimedOut(std::time::Duration),
    #[error("cannot listen for the sign-in redirect on localhost: {0}")]
    RedirectListener(#[source] std::io::Error),
    #[error("cannot reach Microsoft's sign-in service: {0}")]
    Transport(String),
    #[error("unexpected answer from Microsoft's sign-in service: {0}")]
    Protocol(String),
    /// The token endpoint answered with more than [`crate::body::MAX_TOKEN_BODY`] bytes; nothing
    /// of it was used (a broken proxy or a server that is not Entra).
    #[error(
        "Microsoft's sign-in service sent an answer longer than {limit} bytes; it was not read"
    )]
    ResponseTooLarge { limit: usize },
    #[error(transparent)]
    Keychain(#[from] KeychainError),
}

impl AuthError {
    /// True when only an interactive sign-in can help (UI and doctor say "sign in again").
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            Self::SignInRequired { .. } | Self::DeviceCodeExpired | Self::TimedOut(_)
        )
    }

    /// The AADSTS code, when Microsoft sent one.
    pub fn aadsts(&self) -> Option<u32> {
        match self {
            Self::SignInRequired { aadsts, .. }
            | Self::ConsentRequired { aadsts, .. }
            | Self::Rejected { aadsts, .. } => *aadsts,
            Self::AppRegistration { aadsts, .. } => Some(*aadsts),
            _ => None,
        }
    }

    /// Maps an OAuth error response (`error`, `error_description`) onto what the user must do.
    pub(crate) fn from_oauth(error: &str, description: &str) -> Self {
        let aadsts = code_in(description);
        let explained = aadsts.and_then(explain_aadsts);
        match (error, explained) {
            (_, Some((AadstsKind::Consent { needs_admin }, text))) => Self::ConsentRequired {
                needs_admin,
                aadsts,
                explanation: text.to_owned(),
            },
            ("consent_required", _) => Self::ConsentRequired {
                needs_admin: false,
                aadsts,
                explanation: first_line(description),
            },
            (_, Some((AadstsKind::AppRegistration, text))) => Self::AppRegistration {
                aadsts: aadsts.unwrap_or_default(),
                explanation: text.to_owned(),
            },
            ("invalid_grant" | "interaction_required" | "login_required", explained)
            | (_, explained @ Some((AadstsKind::SignInAgain, _))) => Self::SignInRequired {
                reason: explained
                    .map(|(_, text)| text.to_owned())
                    .unwrap_or_else(|| first_line(description)),
                aadsts,
            },
            ("unauthorized_client" | "invalid_client", _) => Self::AppRegistration {
                aadsts: aadsts.unwrap_or_default(),
                explanation: first_line(description),
            },
            (_, explained) => Self::Rejected {
                error: error.to_owned(),
                description: explained
                    .map(|(_, text)| text.to_owned())
                    .unwrap_or_else(|| first_line(description)),
                aadsts,
            },
        }
    }
}

/// Microsoft appends trace and correlation IDs on further lines; the first line is the message.
fn first_line(description: &str) -> String {
    description
        .lines()
        .next()
        .unwrap_or(description)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_token_endpoint_errors() {
        let revoked = AuthError::from_oauth(
            "invalid_grant",
            "AADSTS50173: The provided grant has expired due to it being revoked.\r\nTrace ID: 1",
        );
        assert!(revoked.needs_sign_in());
        assert_eq!(revoked.aadsts(), Some(50173));

        let mfa = AuthError::from_oauth("interaction_required", "AADSTS50079: MFA");
        assert!(mfa.needs_sign_in());

        let consent = AuthError::from_oauth("invalid_grant", "AADSTS65001: no consent");
        assert!(matches!(
            consent,
            AuthError::ConsentRequired {
                needs_admin: false,
                ..
            }
        ));
        assert!(!consent.needs_sign_in());

        let admin = AuthError::from_oauth("access_denied", "AADSTS90094: admin approval");
        assert!(matches!(
            admin,
            AuthError::ConsentRequired {
                needs_admin: true,
                ..
            }
        ));

        let public_off =
            AuthError::from_oauth("invalid_client", "AADSTS7000218: body must contain");
        assert!(matches!(
            public_off,
            AuthError::AppRegistration {
                aadsts: 7000218,
                ..
            }
        ));
        assert!(public_off.to_string().contains("Allow public client flows"));

        let odd = AuthError::from_oauth("temporarily_unavailable", "AADSTS1234: busy\r\nTrace");
        assert!(
            matches!(odd, AuthError::Rejected { ref description, .. } if description == "AADSTS1234: busy")
        );
    }
}
