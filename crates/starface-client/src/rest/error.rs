use reqwest::StatusCode;

use crate::http::Redirect;
use crate::oauth::OAuthError;
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot reach the PBX at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("STARFACE rejected the login for user {login}: wrong login id or password ({detail})")]
    LoginRejected { login: String, detail: String },
    /// `/rest/login` answered 403: the PBX only lets users sign in with OAuth (STARFACE 10
    /// with the classic login switched off, or an external identity provider).
    #[error(
        "the PBX refuses the classic STARFACE login ({detail}); it signs in with OAuth only. Set \
         starface.auth = \"auto\" (or \"oauth\") and enter the OAuth client secret with \
         `presence-bridge login starface`"
    )]
    ClassicLoginDisabled { detail: String },
    #[error(
        "STARFACE answered 401 again after a fresh login for {path}; the session cannot be used"
    )]
    Unauthorized { path: String },
    /// 403: the message names the user right the admin must grant.
    #[error(
        "STARFACE refused {action} for user {login} (403: {server_message}). Ask your STARFACE \
         administrator to grant this user the right \"{right}\" (Admin → Benutzer → Rechte)."
    )]
    MissingRight {
        login: String,
        action: String,
        right: &'static str,
        server_message: String,
    },
    /// The OAuth sign-in was refused in a way only the user or admin can fix (password,
    /// client secret, the password-grant right): see [`OAuthError::needs_user`].
    #[error(transparent)]
    OAuthDenied(OAuthError),
    #[error("STARFACE answered {status} to {method} {path}: {message}")]
    Http {
        method: String,
        path: String,
        status: u16,
        message: String,
    },
    #[error("unexpected answer to {path}: {reason}")]
    BadResponse { path: String, reason: String },
    #[error(
        "STARFACE answered {path} with a redirect ({}) to {}; redirects are not followed so \
         that credentials stay with the PBX. Check starface.url (https, exact host name)",
        redirect.status, redirect.target
    )]
    Redirected { path: String, redirect: Redirect },
    #[error("the answer to {path} is larger than {limit} bytes; refused")]
    BodyTooLarge { path: String, limit: usize },
    /// Any other OAuth failure (network, an untrusted token endpoint, ...).
    #[error(transparent)]
    OAuth(OAuthError),
}

impl From<OAuthError> for RestError {
    fn from(error: OAuthError) -> Self {
        if error.needs_user() {
            RestError::OAuthDenied(error)
        } else {
            RestError::OAuth(error)
        }
    }
}

impl RestError {
    /// Whether the user must sign in again (or the admin act) before this can work: a refused
    /// password or client secret, a missing sign-in right, a PBX that only allows OAuth.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            RestError::LoginRejected { .. }
                | RestError::OAuthDenied(_)
                | RestError::ClassicLoginDisabled { .. }
        )
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            RestError::Http { status, .. } => StatusCode::from_u16(*status).ok(),
            RestError::MissingRight { .. } => Some(StatusCode::FORBIDDEN),
            RestError::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            _ => None,
        }
    }
}

/// What the user tried, in words, and the right STARFACE wants for it. The PBX's own 403 text
/// (e.g. "has no permission for quickdial") is shown next to it because right names differ
/// between versions.
pub(crate) fn right_for(path: &str) -> (&'static str, &'static str) {
    if path.contains("/phoneconfig") {
        (
            "reading or changing Do Not Disturb",
            "Telefonie-Einstellungen bearbeiten (phone settings / DND)",
        )
    } else if path.contains("/contacts") {
        ("reading the address book", "Adressbuch (addressbook)")
    } else if path.contains("/accounts") || path.ends_with("/users") {
        (
            "listing colleagues",
            "Benutzer einsehen (see other users / user list)",
        )
    } else {
        ("using the REST API", "REST-API / login")
    }
}
