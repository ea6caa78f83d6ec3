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
mod tests;
