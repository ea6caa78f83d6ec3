//! Checks serde cannot express: ranges, URL shapes, GUIDs, fingerprints.

use crate::schema::{Settings, SyncSettings};

pub(crate) use crate::problem::{range_reason, Problem};

pub(crate) fn problems(settings: &Settings) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut check = |key: &str, ok: bool, reason: String| {
        if !ok {
            found.push((key.to_owned(), reason));
        }
    };

    let sync = &settings.sync;
    check(
        "sync.poll_interval_secs",
        SyncSettings::POLL_INTERVAL_RANGE.contains(&sync.poll_interval_secs),
        range_reason(sync.poll_interval_secs, &SyncSettings::POLL_INTERVAL_RANGE),
    );
    check(
        "sync.debounce_secs",
        SyncSettings::DEBOUNCE_RANGE.contains(&sync.debounce_secs),
        range_reason(sync.debounce_secs, &SyncSettings::DEBOUNCE_RANGE),
    );

    // The messages' language does not change what is valid.
    if let Err(error) = settings
        .engine_config(presence_core::MessageLanguage::English)
        .validate()
    {
        check("sync", false, error.to_string());
    }

    let ms = &settings.microsoft;
    if let Some(id) = &ms.client_id {
        check(
            "microsoft.client_id",
            is_guid(id),
            format!("`{id}` is not an application (client) ID; expected a GUID such as 00000000-0000-0000-0000-000000000000"),
        );
    }
    check(
        "microsoft.tenant",
        !ms.tenant.trim().is_empty()
            && ms
                .tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')),
        format!(
            "`{}` is not a tenant; use `organizations`, `common`, a tenant ID or a domain",
            ms.tenant
        ),
    );
    for (key, value) in [
        ("microsoft.authority", &ms.authority),
        ("microsoft.graph_base", &ms.graph_base),
    ] {
        // Plain http only to this computer (the built-in simulators, a local test proxy).
        if let Err(reason) = https_url(value, is_loopback_url(value)) {
            check(key, false, reason);
        }
    }

    let sf = &settings.starface;
    if let Some(url) = &sf.url {
        if let Err(reason) = https_url(url, sf.allow_insecure_http) {
            check("starface.url", false, reason);
        }
    }
    if let Some(login) = &sf.login {
        check(
            "starface.login",
            !login.trim().is_empty() && !login.contains(char::is_whitespace),
            "the login ID must not be empty or contain spaces".into(),
        );
    }
    if let Some(pin) = &sf.certificate_pin {
        check(
            "starface.certificate_pin",
            normalized_fingerprint(pin).is_some(),
            "expected a SHA-256 fingerprint: 64 hex digits, colons allowed".into(),
        );
    }
    check(
        "starface.xmpp_port",
        sf.xmpp_port != 0,
        "port 0 is not a port".into(),
    );
    let oauth = &sf.oauth;
    check(
        "starface.oauth.client_secret",
        oauth.secret_in_file.is_none(),
        "the OAuth client secret is kept in the keychain only, never in a settings or policy \
         file: remove this line and enter it with `presence-bridge login starface`"
            .into(),
    );
    check(
        "starface.oauth.client_id",
        is_token(&oauth.client_id),
        format!(
            "`{}` is not an OAuth client id (letters, digits and -._~ only, not empty)",
            oauth.client_id
        ),
    );
    check(
        "starface.oauth.scope",
        oauth.scope.split(' ').all(is_scope_token),
        format!(
            "`{}` is not an OAuth scope: space-separated words without quotes or backslashes (e.g. `login`)",
            oauth.scope
        ),
    );
    if let Some(host) = &oauth.identity_host {
        check(
            "starface.oauth.identity_host",
            is_host_name(host),
            format!("`{host}` is not a host name; give only the host (e.g. `sso.example.com`), no scheme, port or path"),
        );
    }

    let relay = &settings.relay;
    for (i, server) in relay.servers.iter().enumerate() {
        check(
            &format!("relay.servers[{i}]"),
            is_nats_url(server),
            format!("`{server}` is not a NATS server URL; expected tls://host:port (credentials belong in relay.user and the policy's relay.password, never in the URL)"),
        );
    }
    if relay.is_configured() {
        check(
            "relay.user",
            !relay.user.trim().is_empty(),
            "the read-only NATS user must not be empty".into(),
        );
    }
    if let Some(ca) = &relay.ca_file {
        check(
            "relay.ca_file",
            !ca.trim().is_empty(),
            "the CA file path must not be empty".into(),
        );
    }

    for (i, fav) in settings.ui.favourites.iter().enumerate() {
        check(
            &format!("ui.favourites[{i}]"),
            fav.contains('@') && !fav.contains(char::is_whitespace),
            format!("`{fav}` is not an e-mail address"),
        );
    }
    found.extend(crate::hooks::problems(&settings.hooks));
    found
}

fn is_loopback_url(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|url| {
        matches!(url.host(), Some(url::Host::Domain("localhost")))
            || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
    })
}

/// An OAuth client id as STARFACE and Keycloak use them.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
}

/// RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c == '\x21' || ('\x23'..='\x5b').contains(&c) || ('\x5d'..='\x7e').contains(&c)
        })
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty() && url::Host::parse(s).is_ok() && !s.contains(['/', ':', '@', '?', '#', ' '])
}

/// `tls://host:port` or `nats://host:port` (TLS is required either way), without credentials.
fn is_nats_url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("tls://")
        .or_else(|| value.strip_prefix("nats://"))
    else {
        return false;
    };
    let Some((host, port)) = rest.rsplit_once(':') else {
        return false;
    };
    !host.is_empty() && !host.contains(['/', '@', ' ']) && port.parse::<u16>().is_ok_and(|p| p != 0)
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn https_url(value: &str, allow_http: bool) -> Result<(), String> {
    let url = url::Url::parse(value).map_err(|e| format!("`{value}` is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(format!(
                "`{value}` is not encrypted; use https:// (or set starface.allow_insecure_http = true if you really mean it)"
            ))
        }
        other => return Err(format!("`{value}`: scheme `{other}` is not supported, use https://")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{value}` has no host"));
    }
    Ok(())
}

/// A pin as 64 lower-case hex digits, or `None` when it is not a SHA-256 fingerprint.
pub fn normalized_fingerprint(pin: &str) -> Option<String> {
    let hex: String = pin
        .trim()
        .trim_start_matches("sha256:")
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_no_problems() {
        assert!(problems(&Settings::default()).is_empty());
    }

    #[test]
    fn guid_check() {
        assert!(is_guid("0b7a8c8e-1111-4222-8333-944445555666"));
        assert!(!is_guid("0b7a8c8e-1111-4222-8333-94444555566"));
        assert!(!is_guid("not-a-guid"));
    }

    #[test]
    fn fingerprint_forms() {
        let colons = (0..32).map(|_| "AB").collect::<Vec<_>>().join(":");
        assert_eq!(normalized_fingerprint(&colons), Some("ab".repeat(32)));
        assert_eq!(normalized_fingerprint("abc"), None);
    }

    #[test]
    fn oauth_keys_are_checked() {
        let mut s = Settings::default();
        s.starface.oauth.client_id = "rest client".into();
        s.starface.oauth.scope = "login \"x\"".into();
        s.starface.oauth.identity_host = Some("https://sso.example.com".into());
        let keys: Vec<String> = problems(&s).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "starface.oauth.client_id",
                "starface.oauth.scope",
                "starface.oauth.identity_host"
            ]
        );
        s.starface.oauth.client_id = "rest-client-headless".into();
        s.starface.oauth.scope = "openid pbx-login".into();
        s.starface.oauth.identity_host = Some("sso.example.com".into());
        assert!(problems(&s).is_empty());
    }

    #[test]
    fn http_needs_explicit_permission() {
        let mut s = Settings::default();
        s.starface.url = Some("http://pbx.local".into());
        assert_eq!(problems(&s)[0].0, "starface.url");
        s.starface.allow_insecure_http = true;
        assert!(problems(&s).is_empty());
    }
}
