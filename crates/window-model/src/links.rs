//! Deep links the app opens for the user: built here from directory data, URL-encoded, and checked
//! against an allowlist before anything reaches the OS opener. Pure functions, no Tauri.

use std::fmt::Write as _;

use presence_core::Person;
use serde::Deserialize;

/// What the window asks to open (`LinkAction` in docs/UI-CONTRACT.md).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    TeamsChat,
    TeamsCall,
    Email,
    Phone,
    Sip,
}

/// An action on one colleague, as the window names it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct LinkAction {
    pub kind: LinkKind,
    pub colleague_id: String,
    /// Index into the colleague's phones; absent: [`Person::default_phone`].
    #[serde(default)]
    pub phone: Option<usize>,
}

/// The checked URL that does `kind` for `person`, from what the directory says about them.
/// Teams links address the sign-in name (the e-mail address where it is unknown, which Teams
/// also accepts); a missing address is an error, never a guess.
pub fn url_for(person: &Person, kind: LinkKind, phone: Option<usize>) -> Result<String, LinkError> {
    let teams_address = || {
        person
            .user_principal_name
            .as_deref()
            .or(person.mail.as_deref())
            .ok_or(LinkError::Missing("Teams address"))
    };
    let url = match kind {
        LinkKind::TeamsChat => teams_chat(teams_address()?)?,
        LinkKind::TeamsCall => teams_call(teams_address()?)?,
        LinkKind::Email => mailto(
            person
                .mail
                .as_deref()
                .ok_or(LinkError::Missing("e-mail address"))?,
        )?,
        LinkKind::Sip => sip_of(person)?,
        LinkKind::Phone => {
            let number = match phone {
                Some(index) => person.phones.get(index).map(|phone| phone.number.as_str()),
                None => person.default_phone(),
            };
            tel(number.ok_or(LinkError::Missing("phone number"))?)?
        }
    };
    check_allowed(&url)?;
    Ok(url)
}

/// `sip:` with the SIP address the directory reports for `person` (never their e-mail).
pub fn sip_of(person: &Person) -> Result<String, LinkError> {
    sip(person
        .sip_address
        .as_deref()
        .ok_or(LinkError::Missing("SIP address"))?)
}

/// Why a link is not built or not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this colleague has no {0}")]
    Missing(&'static str),
    #[error("`{0}` is not a phone number")]
    BadPhone(String),
    #[error("refusing to open `{0}`: only Teams, e-mail, phone and SIP links are allowed")]
    NotAllowed(String),
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so `+`, `&`, `@`-free
/// injection and non-ASCII names cannot change the meaning of a query parameter.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            // Keeps addresses readable; `@` has no special meaning inside a query value.
            b'@' => out.push('@'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// `https://teams.microsoft.com/l/chat/0/0?users=<UPN>`.
pub fn teams_chat(upn: &str) -> Result<String, LinkError> {
    teams("chat", upn)
}

/// `https://teams.microsoft.com/l/call/0/0?users=<UPN>`.
pub fn teams_call(upn: &str) -> Result<String, LinkError> {
    teams("call", upn)
}

fn teams(kind: &str, upn: &str) -> Result<String, LinkError> {
    let upn = upn.trim();
    if upn.is_empty() {
        return Err(LinkError::Missing("Teams address"));
    }
    Ok(format!(
        "https://teams.microsoft.com/l/{kind}/0/0?users={}",
        encode_component(upn)
    ))
}

/// A Teams call to a phone number (PSTN): `users=4:+E164`, the `+` encoded as `%2B`.
/// Not used by the window contract yet (it calls phones with `tel:`); kept tested for a
/// "call with Teams" option.
pub fn teams_call_phone(number: &str) -> Result<String, LinkError> {
    let e164 = to_e164(number)?;
    Ok(format!(
        "https://teams.microsoft.com/l/call/0/0?users={}",
        encode_component(&format!("4:{e164}"))
    ))
}

/// `mailto:<address>`.
pub fn mailto(address: &str) -> Result<String, LinkError> {
    let address = address.trim();
    if address.is_empty() {
        return Err(LinkError::Missing("e-mail address"));
    }
    Ok(format!("mailto:{}", encode_component(address)))
}

/// `tel:+E164`.
pub fn tel(number: &str) -> Result<String, LinkError> {
    Ok(format!("tel:{}", to_e164(number)?))
}

/// `sip:<address>` (a leading `sip:` in the directory value is not doubled).
pub fn sip(address: &str) -> Result<String, LinkError> {
    let address = address.trim();
    let address = address.strip_prefix("sip:").unwrap_or(address);
    if address.is_empty() {
        return Err(LinkError::Missing("SIP address"));
    }
    Ok(format!("sip:{}", encode_component(address)))
}

/// Normalises a German-style number to E.164: `+49 40 123456-111` -> `+4940123456111`,
/// `0049 40 1234` -> `+49401234`, `040 1234` -> `+49401234`. Short internal extensions
/// (no leading 0 or +) stay as they are: the PBX dials them.
pub fn to_e164(number: &str) -> Result<String, LinkError> {
    let trimmed = number.trim();
    let bad = || LinkError::BadPhone(number.to_owned());
    let mut digits = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => digits.push('+'),
            ' ' | '-' | '/' | '(' | ')' | '.' => {}
            _ => return Err(bad()),
        }
    }
    let normalised = if let Some(rest) = digits.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = digits.strip_prefix('0') {
        // National format: the user's PBX is in Germany (STARFACE), so the country code is 49.
        format!("+49{rest}")
    } else {
        digits
    };
    let digit_count = normalised.trim_start_matches('+').len();
    if digit_count == 0 || digit_count > 15 || normalised.trim_start_matches('+').contains('+') {
        return Err(bad());
    }
    Ok(normalised)
}

/// Whether the app may hand `url` to the OS: Teams deep links on teams.microsoft.com, and the
/// `msteams:`, `mailto:`, `tel:`, `sip:` and `im:` schemes. Everything else (`javascript:`,
/// `file:`, `http:`, other hosts) is refused.
pub fn check_allowed(url: &str) -> Result<(), LinkError> {
    let refuse = || LinkError::NotAllowed(url.to_owned());
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refuse());
    }
    let parsed = url::Url::parse(url).map_err(|_| refuse())?;
    match parsed.scheme() {
        "https" => {
            let ok = parsed.host_str() == Some("teams.microsoft.com")
                && parsed.port().is_none()
                && parsed.username().is_empty()
                && parsed.password().is_none()
                && parsed.path().starts_with("/l/");
            if ok {
                Ok(())
            } else {
                Err(refuse())
            }
        }
        "msteams" | "mailto" | "tel" | "sip" | "im" => Ok(()),
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_links_encode_the_upn() {
        assert_eq!(
            teams_chat("anna.berg@contoso.de").unwrap(),
            "https://teams.microsoft.com/l/chat/0/0?users=anna.berg@contoso.de"
        );
        assert_eq!(
            teams_chat("anna+sales@contoso.de").unwrap(),
            "https://teams.microsoft.com/l/chat/0/0?users=anna%2Bsales@contoso.de"
        );
        assert_eq!(
            teams_call("a&b=c@contoso.de").unwrap(),
            "https://teams.microsoft.com/l/call/0/0?users=a%26b%3Dc@contoso.de"
        );
        assert_eq!(
            teams_chat("jürgen.öz@contoso.de").unwrap(),
            "https://teams.microsoft.com/l/chat/0/0?users=j%C3%BCrgen.%C3%B6z@contoso.de"
        );
        assert!(teams_chat("  ").is_err());
        for url in [
            teams_chat("anna+sales@contoso.de").unwrap(),
            teams_call("a&b@contoso.de").unwrap(),
        ] {
            check_allowed(&url).unwrap();
        }
    }

    #[test]
    fn pstn_call_encodes_the_plus() {
        assert_eq!(
            teams_call_phone("+49 40 123456-111").unwrap(),
            "https://teams.microsoft.com/l/call/0/0?users=4%3A%2B4940123456111"
        );
    }

    #[test]
    fn phone_numbers_become_e164() {
        assert_eq!(to_e164("+49 40 123456-111").unwrap(), "+4940123456111");
        assert_eq!(to_e164("0401234").unwrap(), "+49401234");
        assert_eq!(to_e164("0049 (40) 1234/56").unwrap(), "+4940123456");
        assert_eq!(to_e164("111").unwrap(), "111");
        assert_eq!(tel("040 1234").unwrap(), "tel:+49401234");
        assert!(to_e164("+49 40 12; drop").is_err());
        assert!(to_e164("").is_err());
        assert!(to_e164("+49+40").is_err());
    }

    #[test]
    fn mailto_and_sip() {
        assert_eq!(mailto("a+b@x.de").unwrap(), "mailto:a%2Bb@x.de");
        assert_eq!(sip("sip:anna@contoso.de").unwrap(), "sip:anna@contoso.de");
        assert_eq!(sip("anna@contoso.de").unwrap(), "sip:anna@contoso.de");
    }

    #[test]
    fn allowlist() {
        for ok in [
            "https://teams.microsoft.com/l/chat/0/0?users=a@b.de",
            "msteams:/l/chat/0/0?users=a@b.de",
            "mailto:a@b.de",
            "tel:+49401234",
            "sip:a@b.de",
            "im:a@b.de",
        ] {
            check_allowed(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "file:///etc/passwd",
            "http://teams.microsoft.com/l/chat/0/0",
            "https://evil.example/l/chat",
            "https://teams.microsoft.com.evil.example/l/chat",
            "https://user@teams.microsoft.com/l/chat",
            "https://teams.microsoft.com/settings",
            "https://teams.microsoft.com:8443/l/chat",
            "data:text/html,hi",
            "tel:+49 40",
            "",
        ] {
            assert!(check_allowed(bad).is_err(), "{bad} must be refused");
        }
    }

    fn anna() -> Person {
        use presence_core::{Phone, PhoneKind, StarfaceAccount};
        Person {
            mail: Some("anna.berg@contoso.de".into()),
            user_principal_name: Some("anna@contoso.onmicrosoft.com".into()),
            sip_address: Some("anna.sip@contoso.de".into()),
            phones: vec![
                Phone::new(PhoneKind::Mobile, "0171 5550101"),
                Phone::new(PhoneKind::Business, "040 5550101"),
            ],
            starface: Some(StarfaceAccount {
                user_id: 7,
                login: "0007".into(),
                account_id: None,
                internal_number: Some("107".into()),
            }),
            ..Person::new("a", "Anna Berg")
        }
    }

    #[test]
    fn actions_use_what_the_directory_says() {
        let anna = anna();
        let url = |kind, phone| url_for(&anna, kind, phone).unwrap();
        assert_eq!(
            url(LinkKind::TeamsChat, None),
            "https://teams.microsoft.com/l/chat/0/0?users=anna@contoso.onmicrosoft.com"
        );
        assert_eq!(url(LinkKind::Email, None), "mailto:anna.berg@contoso.de");
        assert_eq!(url(LinkKind::Sip, None), "sip:anna.sip@contoso.de");
        assert_eq!(url(LinkKind::Phone, None), "tel:107");
        assert_eq!(url(LinkKind::Phone, Some(0)), "tel:+491715550101");
        assert_eq!(
            url_for(&anna, LinkKind::Phone, Some(5)),
            Err(LinkError::Missing("phone number"))
        );
    }

    #[test]
    fn nothing_missing_is_made_up() {
        let mut ben = Person::new("b", "Ben Cho");
        ben.mail = Some("ben@contoso.de".into());
        // Teams accepts the e-mail address where the sign-in name is unknown.
        assert_eq!(
            url_for(&ben, LinkKind::TeamsCall, None).unwrap(),
            "https://teams.microsoft.com/l/call/0/0?users=ben@contoso.de"
        );
        // No SIP address is made of the e-mail address.
        assert_eq!(sip_of(&ben), Err(LinkError::Missing("SIP address")));
        assert_eq!(
            url_for(&ben, LinkKind::Phone, None),
            Err(LinkError::Missing("phone number"))
        );
        let nobody = Person::new("c", "Carl");
        assert_eq!(
            url_for(&nobody, LinkKind::TeamsChat, None),
            Err(LinkError::Missing("Teams address"))
        );
        assert_eq!(
            url_for(&nobody, LinkKind::Email, None),
            Err(LinkError::Missing("e-mail address"))
        );
    }
}
