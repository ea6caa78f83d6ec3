//! Plain-language explanations for the AADSTS codes users actually run into.

/// What a code means for the user, which decides how the app reacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AadstsKind {
    /// The stored sign-in is no longer usable: sign in interactively again.
    SignInAgain,
    /// Permissions were not granted; an admin may have to approve them.
    Consent { needs_admin: bool },
    /// The app registration or the tenant setting is wrong; the admin has to fix it.
    AppRegistration,
    /// Anything else (shown with Microsoft's own text).
    Other,
}

/// The kind and an explanation for `code`, or `None` for codes we have no text for.
pub fn explain_aadsts(code: u32) -> Option<(AadstsKind, &'static str)> {
    use AadstsKind::*;
    let entry = match code {
        65001 => (
            Consent { needs_admin: false },
            "The permissions this app needs have not been granted yet. Sign in again and accept \
             the consent prompt; if your organisation does not allow that, ask an administrator \
             to grant consent.",
        ),
        65004 => (
            Consent { needs_admin: false },
            "Consent was declined on the Microsoft sign-in page, so the app cannot read presence.",
        ),
        90094 | 90095 => (
            Consent { needs_admin: true },
            "Your organisation requires an administrator to approve this app's permissions \
             (typically Presence.Read.All for colleagues' presence). Ask your IT admin to grant \
             admin consent (see the Entra setup guide). Your own status still works with \
             Presence.Read.",
        ),
        7000112 => (
            AppRegistration,
            "The app registration has been disabled by its owner or by Microsoft. Use your \
             organisation's own app registration (see the Entra setup guide).",
        ),
        50194 => (
            AppRegistration,
            "The app registration is single-tenant, so it cannot sign in through \
             'organizations' or 'common'. Set the tenant to your organisation's tenant ID.",
        ),
        700016 => (
            AppRegistration,
            "No app with this client ID exists in your organisation's directory. Check the client \
             ID and the tenant, or ask your admin to register the app.",
        ),
        7000218 => (
            AppRegistration,
            "Public client flows are not allowed for this app registration. An admin must set \
             Authentication -> Advanced settings -> 'Allow public client flows' to Yes.",
        ),
        50011 | 500112 | 500113 => (
            AppRegistration,
            "The redirect address is not registered. An admin must add the platform 'Mobile and \
             desktop applications' with the redirect URI http://localhost.",
        ),
        90002 => (
            AppRegistration,
            "The tenant was not found. Check the tenant ID or domain in the settings.",
        ),
        50020 => (
            AppRegistration,
            "This account does not belong to the configured tenant (guest or personal account). \
             Sign in with your work account.",
        ),
        53003 => (
            Other,
            "Sign-in was blocked by a Conditional Access policy of your organisation.",
        ),
        70011 => (
            Other,
            "Microsoft rejected the requested permissions as invalid.",
        ),
        50076 | 50079 => (
            SignInAgain,
            "Your organisation requires multi-factor authentication again. Sign in again.",
        ),
        50173 | 50133 => (
            SignInAgain,
            "The saved sign-in was revoked (for example after a password change). Sign in again.",
        ),
        700082 => (
            SignInAgain,
            "The saved sign-in expired after 90 days without use. Sign in again.",
        ),
        70008 | 54005 => (
            SignInAgain,
            "The sign-in code expired or was already used. Start the sign-in again.",
        ),
        50148 | 501481 => (
            SignInAgain,
            "The sign-in could not be verified (PKCE mismatch). Start the sign-in again.",
        ),
        _ => return None,
    };
    Some(entry)
}

/// The first `AADSTSnnnn` number in Microsoft's `error_description`.
pub(crate) fn code_in(description: &str) -> Option<u32> {
    let start = description.find("AADSTS")? + "AADSTS".len();
    let digits: String = description[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_code_and_classifies_the_common_ones() {
        assert_eq!(
            code_in(
                "AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: x"
            ),
            Some(700082)
        );
        assert_eq!(code_in("no code here"), None);
        assert_eq!(
            explain_aadsts(90094).unwrap().0,
            AadstsKind::Consent { needs_admin: true }
        );
        assert_eq!(
            explain_aadsts(7000218).unwrap().0,
            AadstsKind::AppRegistration
        );
        assert_eq!(explain_aadsts(700082).unwrap().0, AadstsKind::SignInAgain);
        assert!(explain_aadsts(1).is_none());
    }
}
