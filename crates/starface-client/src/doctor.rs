//! Structured checks for the app's `doctor` command. Each returns a [`CheckReport`]; none
//! panics or logs secrets, and each is bounded in time.

use std::sync::Arc;
use std::time::Duration;

use crate::config::PbxEndpoint;
use crate::onehub::{
    ChannelSettings, OneHubClient, OneHubError, OneHubTarget, SignInBearer, TargetSource,
};
use crate::rest::RestClient;
use crate::sign_in::PbxSignIn;
use crate::tls::{self, TlsTrust};
use crate::uci::UciClient;
use crate::xmpp::{XmppChatLink, XmppSettings};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    /// Works, but the admin should look (e.g. plain http, untrusted certificate).
    Warning,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Short id such as `starface.rest.login`.
    pub check: &'static str,
    pub status: CheckStatus,
    /// One line for the user: what was found, or what to do.
    pub detail: String,
}

impl CheckReport {
    fn new(check: &'static str, status: CheckStatus, detail: impl Into<String>) -> Self {
        Self {
            check,
            status,
            detail: detail.into(),
        }
    }
}

/// Plain http is allowed only on request; say so every time.
pub fn check_transport(endpoint: &PbxEndpoint) -> CheckReport {
    const CHECK: &str = "starface.transport";
    match tls::check_scheme(&endpoint.base_url, endpoint.allow_plain_http) {
        Ok(()) if endpoint.base_url.scheme() == "http" => CheckReport::new(
            CHECK,
            CheckStatus::Warning,
            "plain http:// is enabled: the STARFACE password and tokens travel unencrypted",
        ),
        Ok(()) => CheckReport::new(CHECK, CheckStatus::Ok, "https"),
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    }
}

/// The certificate the PBX presents, with its SHA-256 fingerprint for pinning.
pub async fn check_tls_fingerprint(endpoint: &PbxEndpoint) -> CheckReport {
    const CHECK: &str = "starface.tls.certificate";
    if endpoint.base_url.scheme() != "https" {
        return CheckReport::new(
            CHECK,
            CheckStatus::Warning,
            "not using https: no certificate",
        );
    }
    let Some(host) = endpoint.host() else {
        return CheckReport::new(CHECK, CheckStatus::Failed, "the PBX URL has no host");
    };
    match tls::fetch_presented_certificate(
        &host,
        endpoint.port(),
        &endpoint.trust,
        Duration::from_secs(10),
    )
    .await
    {
        Ok(cert) if cert.trusted => CheckReport::new(
            CHECK,
            CheckStatus::Ok,
            format!(
                "trusted certificate{}, SHA-256 {}",
                described(&cert),
                cert.sha256
            ),
        ),
        Ok(cert) => {
            let hint = match endpoint.trust {
                TlsTrust::Pin(_) => {
                    "it is not the pinned certificate, so the connection is blocked. If the PBX \
                     got a new certificate, compare the fingerprint and pin it again; otherwise \
                     something between you and the PBX may be impersonating it"
                }
                _ => {
                    "it is not trusted (self-signed?). If this is your PBX's certificate, pin it \
                     in the window (Settings › Certificate) or the settings"
                }
            };
            CheckReport::new(
                CHECK,
                CheckStatus::Failed,
                format!(
                    "the PBX presents a certificate{} with SHA-256 {}; {hint}",
                    described(&cert),
                    cert.sha256
                ),
            )
        }
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    }
}

/// ` for CN=… (issued by …, valid … to …)`, or nothing when the certificate could not be read.
fn described(cert: &tls::PresentedCertificate) -> String {
    match &cert.details {
        Some(details) => format!(
            " for {} (issued by {}, {})",
            details.subject,
            details.issuer,
            details.validity_text()
        ),
        None => String::new(),
    }
}

/// Which sign-in method is in use and why (`starface.auth`, and for `auto` what the PBX
/// offers). Asks the PBX for its OpenID configuration when `auto` has not decided yet.
pub async fn check_sign_in(sign_in: &PbxSignIn) -> CheckReport {
    const CHECK: &str = "starface.sign_in";
    match sign_in.choice().await {
        Ok(choice) => CheckReport::new(CHECK, CheckStatus::Ok, format!("signing in with {choice}")),
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    }
}

/// Logs in (nonce or OAuth) and reads the own user; says which sign-in method it used.
pub async fn check_login(rest: &RestClient) -> CheckReport {
    const CHECK: &str = "starface.rest.login";
    let result = async {
        rest.login().await?;
        rest.me().await
    }
    .await;
    let method = match rest.sign_in().decided() {
        Some(choice) => format!(" with {choice}"),
        None => String::new(),
    };
    match result {
        Ok(me) => CheckReport::new(
            CHECK,
            CheckStatus::Ok,
            format!(
                "logged in as {} ({} {}){method}",
                me.login, me.first_name, me.family_name
            ),
        ),
        Err(error) => CheckReport::new(
            CHECK,
            CheckStatus::Failed,
            format!(
                "{error}{}",
                if method.is_empty() {
                    String::new()
                } else {
                    format!(" (tried{method})")
                }
            ),
        ),
    }
}

/// Reads DND from the phone config (proves the phone-settings right).
pub async fn check_dnd_read(rest: &RestClient) -> CheckReport {
    const CHECK: &str = "starface.rest.dnd";
    match rest.dnd().await {
        Ok(on) => CheckReport::new(
            CHECK,
            CheckStatus::Ok,
            format!("DND is {}", if on { "on" } else { "off" }),
        ),
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    }
}

/// UCI login, one state read, logout.
pub async fn check_uci(uci: &UciClient) -> CheckReport {
    const CHECK: &str = "starface.uci";
    let result = async {
        let version = uci.login().await?;
        let state = uci.user_state().await;
        let _ = uci.logout().await;
        state.map(|s| (version, s))
    }
    .await;
    match result {
        Ok((version, state)) => CheckReport::new(
            CHECK,
            CheckStatus::Ok,
            format!(
                "UCI {} works; telephony state {:?}",
                version.prefix(),
                state.telephony
            ),
        ),
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    }
}

/// Connects to XMPP once and disconnects again.
pub async fn check_xmpp(settings: XmppSettings, timeout: Duration) -> CheckReport {
    const CHECK: &str = "starface.xmpp";
    let target = format!(
        "{}:{} as {}@{}",
        settings.host,
        settings.port,
        settings.login.user_hint(),
        settings.domain
    );
    let link = match XmppChatLink::start(settings) {
        Ok(link) => link,
        Err(error) => return CheckReport::new(CHECK, CheckStatus::Failed, error.to_string()),
    };
    let result = link.wait_online(timeout).await;
    link.close().await;
    match result {
        Ok(_) => CheckReport::new(
            CHECK,
            CheckStatus::Ok,
            format!("XMPP login works ({target})"),
        ),
        Err(error) => CheckReport::new(CHECK, CheckStatus::Failed, format!("{target}: {error}")),
    }
}

/// Colleagues' phone state (OneHub, STARFACE 10 with the OAuth sign-in): reachable, its server
/// version, and whether the user may subscribe presence (proved by subscribing the own id and
/// unsubscribing it again, the read the vendor's tools make); or why there is none. A missing
/// phone state is a warning, not a failure: the sync works without it.
pub async fn check_onehub(sign_in: &PbxSignIn) -> Vec<CheckReport> {
    const REACHABLE: &str = "starface.onehub";
    const PRESENCE: &str = "starface.onehub.presence";
    match sign_in.oauth_tokens().await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return vec![CheckReport::new(
                REACHABLE,
                CheckStatus::Warning,
                "no colleagues' phone state: the account signs in with the classic login \
                 (STARFACE 9 or older, or no OAuth client secret stored). Live phone state needs \
                 STARFACE 10 with the OAuth sign-in; on older PBXs colleagues show their STARFACE \
                 chat status only (through XMPP)",
            )]
        }
        Err(error) => {
            return vec![CheckReport::new(
                REACHABLE,
                CheckStatus::Warning,
                format!("not checked: the STARFACE sign-in method is not known ({error})"),
            )]
        }
    }
    let bearer = Arc::new(SignInBearer::new(sign_in.clone()));
    let settings = ChannelSettings::default();
    let connected = async {
        let target = OneHubTarget::discover(sign_in.endpoint()).await?;
        let client = OneHubClient::connect(&target, settings, bearer).await?;
        let version = client.server_version().await?;
        Ok::<_, OneHubError>((target, client, version))
    };
    let (target, client, version) = match tokio::time::timeout(ONEHUB_TIMEOUT, connected).await {
        Ok(Ok(connected)) => connected,
        Ok(Err(error)) => {
            return vec![CheckReport::new(
                REACHABLE,
                CheckStatus::Warning,
                format!(
                    "{error}; colleagues show no phone state{}",
                    onehub_hint(&error)
                ),
            )]
        }
        Err(_) => {
            return vec![CheckReport::new(
                REACHABLE,
                CheckStatus::Warning,
                format!(
                "OneHub did not answer within {ONEHUB_TIMEOUT:?}; colleagues show no phone state"
            ),
            )]
        }
    };
    let source = match target.source {
        TargetSource::OnPremises => "on the PBX",
        TargetSource::CloudGateway => "gateway named by the PBX's login config",
    };
    let mut reports = vec![CheckReport::new(
        REACHABLE,
        CheckStatus::Ok,
        format!(
            "OneHub at {} ({source}), server version {version}",
            target.url()
        ),
    )];
    let rights = match client.permissions().await {
        Ok(rights) if rights.is_empty() => "none listed".to_owned(),
        Ok(rights) => rights.join(", "),
        Err(error) => format!("not readable: {error}"),
    };
    let subscribed = async {
        let me = client.me().await?;
        let ids = [me.user_id];
        client.subscribe(&ids).await?;
        client.unsubscribe(&ids).await
    };
    reports.push(
        match tokio::time::timeout(ONEHUB_TIMEOUT, subscribed).await {
            Ok(Ok(())) => CheckReport::new(
                PRESENCE,
                CheckStatus::Ok,
                format!("may subscribe presence (rights: {rights})"),
            ),
            Ok(Err(error)) => CheckReport::new(
                PRESENCE,
                CheckStatus::Warning,
                format!("{error} (rights: {rights}); colleagues show no phone state"),
            ),
            Err(_) => CheckReport::new(
                PRESENCE,
                CheckStatus::Warning,
                format!("subscribing presence got no answer within {ONEHUB_TIMEOUT:?}"),
            ),
        },
    );
    reports
}

/// How long the OneHub checks may take each.
const ONEHUB_TIMEOUT: Duration = Duration::from_secs(20);

fn onehub_hint(error: &OneHubError) -> &'static str {
    match error {
        OneHubError::Unreachable { .. } => {
            ". OneHub listens on port 9092 of the PBX: it must be reachable from this computer"
        }
        OneHubError::NotSupported { .. } => ". OneHub needs STARFACE 10 or later",
        _ => "",
    }
}
