//! UCI over XML-RPC: own telephony state and chat presence (read), chat message (write).
//!
//! The XML-RPC format is done by `dxr`; this module only adds STARFACE's URL authentication,
//! the `ucp.v30` → `ucp.v22` fallback and the login/keep-alive/logout session.

use std::sync::{Arc, Mutex};

use dxr::{MethodCall, TryFromValue, Value};
use keychain::Secret;

use crate::config::{Credentials, PbxEndpoint};
use crate::login_secret;
use crate::presence_values::{ChatPresence, TelephonyState};
use crate::rest::{RestClient, RestError};
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum UciError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot reach UCI at the PBX: {0}")]
    Unreachable(String),
    #[error(
        "STARFACE refused the UCI login ({0}). Check login id and password, and that the user \
         may use UCI (STARFACE UCI / client access right)"
    )]
    AuthFailed(String),
    #[error("the UCI session ended ({0}); log in again")]
    NotLoggedIn(String),
    #[error("UCI method {method} failed with fault {code}: {message}")]
    Fault {
        method: String,
        code: i32,
        message: String,
    },
    #[error("UCI answered HTTP {0}")]
    Http(u16),
    #[error("unexpected UCI answer to {method}: {reason}")]
    BadResponse { method: String, reason: String },
    #[error("no OAuth token for UCI: {0}")]
    Rest(#[from] RestError),
}

/// How UCI requests authenticate (a query parameter on `/xml-rpc`).
#[derive(Clone)]
pub enum UciAuth {
    /// `de.vertico.starface.auth=login:sha512hex(login*sha512hex(password))`.
    LegacyToken(Secret),
    /// `de.vertico.starface.jwt=` with the current OAuth access token of a REST session
    /// (STARFACE 10), fetched before every call so refreshes are picked up.
    OAuthSession(Arc<RestClient>),
}

impl UciAuth {
    pub fn legacy(credentials: &Credentials) -> Self {
        UciAuth::LegacyToken(login_secret::uci_auth_token(
            &credentials.login,
            &credentials.password,
        ))
    }
}

impl std::fmt::Debug for UciAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UciAuth::LegacyToken(_) => f.write_str("UciAuth::LegacyToken(***)"),
            UciAuth::OAuthSession(_) => f.write_str("UciAuth::OAuthSession"),
        }
    }
}

/// The UCI method namespace the PBX answered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UciApiVersion {
    /// `ucp.v30.requests.*` (STARFACE 7.3 and later).
    V30,
    /// `ucp.v22.requests.*` (older PBXs).
    V22,
}

impl UciApiVersion {
    pub fn prefix(self) -> &'static str {
        match self {
            UciApiVersion::V30 => "ucp.v30.requests",
            UciApiVersion::V22 => "ucp.v22.requests",
        }
    }
}

/// `userState.getUserState` for the own user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    pub telephony: TelephonyState,
    /// `None` if the PBX sent a value this crate does not know.
    pub chat_presence: Option<ChatPresence>,
    pub chat_presence_message: String,
}

pub struct UciClient {
    http: reqwest::Client,
    endpoint: PbxEndpoint,
    auth: UciAuth,
    version: Mutex<UciApiVersion>,
}

impl std::fmt::Debug for UciClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UciClient")
            .field("base_url", &self.endpoint.base_url.as_str())
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

impl UciClient {
    pub fn new(endpoint: PbxEndpoint, auth: UciAuth) -> Result<Self, UciError> {
        Ok(Self {
            http: endpoint.http_client()?,
            endpoint,
            auth,
            version: Mutex::new(UciApiVersion::V30),
        })
    }

    pub fn api_version(&self) -> UciApiVersion {
        *self.version.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `connection.login`, trying `ucp.v30` first and `ucp.v22` if the PBX does not know it.
    pub async fn login(&self) -> Result<UciApiVersion, UciError> {
        let mut last_error = None;
        for version in [UciApiVersion::V30, UciApiVersion::V22] {
            match self.call_as(version, "connection.login", Vec::new()).await {
                Ok(Value::Boolean(true)) => {
                    *self.version.lock().unwrap_or_else(|p| p.into_inner()) = version;
                    tracing::info!(api = version.prefix(), "logged in to STARFACE UCI");
                    return Ok(version);
                }
                Ok(_) => {
                    return Err(UciError::AuthFailed(
                        "connection.login returned false".into(),
                    ))
                }
                Err(
                    error @ (UciError::AuthFailed(_) | UciError::Unreachable(_) | UciError::Tls(_)),
                ) => return Err(error),
                Err(error) => {
                    tracing::debug!(api = version.prefix(), %error, "UCI login failed; trying older API");
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| UciError::AuthFailed("no UCI API answered".into())))
    }

    /// `connection.keepAlive`; `false` means the session is gone and a new login is needed.
    pub async fn keep_alive(&self) -> Result<bool, UciError> {
        let value = self.call("connection.keepAlive", Vec::new()).await?;
        bool::try_from_value(&value).map_err(|e| bad("connection.keepAlive", e))
    }

    pub async fn logout(&self) -> Result<(), UciError> {
        self.call("connection.logout", Vec::new()).await.map(|_| ())
    }

    /// `userState.getUserState`: telephony state (ACTIVE = on a call), chat presence and text.
    pub async fn user_state(&self) -> Result<UserState, UciError> {
        const METHOD: &str = "userState.getUserState";
        user_state_from(&self.call(METHOD, Vec::new()).await?)
    }

    /// `userState.setChatPresenceMessage(text)`.
    pub async fn set_chat_presence_message(&self, text: &str) -> Result<(), UciError> {
        self.call(
            "userState.setChatPresenceMessage",
            vec![Value::String(text.to_owned())],
        )
        .await
        .map(|_| ())
    }

    /// `call.getCallIds`: the calls the user holds (a cross-check for `telephonyState`).
    pub async fn call_ids(&self) -> Result<Vec<String>, UciError> {
        call_ids_from(&self.call("call.getCallIds", Vec::new()).await?)
    }

    async fn call(&self, method: &str, params: Vec<Value>) -> Result<Value, UciError> {
        self.call_as(self.api_version(), method, params).await
    }

    async fn call_as(
        &self,
        version: UciApiVersion,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Value, UciError> {
        let name = format!("{}.{method}", version.prefix());
        let body = dxr_client::utils::request_to_body(&MethodCall {
            name: name.as_str().into(),
            params,
        })
        .map_err(|e| bad(method, e))?;
        let mut url = self.endpoint.url("xml-rpc");
        match &self.auth {
            UciAuth::LegacyToken(token) => {
                url.query_pairs_mut()
                    .append_pair("de.vertico.starface.auth", token.expose());
            }
            UciAuth::OAuthSession(rest) => {
                let jwt = rest.bearer_token().await?.ok_or_else(|| {
                    UciError::AuthFailed("the REST session does not use OAuth".to_owned())
                })?;
                url.query_pairs_mut()
                    .append_pair("de.vertico.starface.jwt", jwt.expose());
            }
        }
        // The URL carries the credential: strip it from every error before it can be logged.
        let response = self
            .http
            .post(url)
            .header("Content-Type", "text/xml")
            .body(body)
            .send()
            .await
            .map_err(|e| UciError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(UciError::Http(status.as_u16()));
        }
        let text = response
            .text()
            .await
            .map_err(|e| UciError::Unreachable(e.without_url().to_string()))?;
        decode_response(method, &text)
    }
}

/// An XML-RPC response body as the value it returns, or the classified fault. Pure, so fuzz
/// tests run exactly what the client runs on the PBX's answer.
pub fn decode_response(method: &str, text: &str) -> Result<Value, UciError> {
    match dxr_client::utils::response_to_result(text) {
        Ok(Ok(response)) => Ok(response.value),
        Ok(Err(fault)) => Err(classify_fault(
            method,
            fault.fault.code(),
            fault.fault.string(),
        )),
        Err(error) => Err(bad(method, error)),
    }
}

/// The `userState.getUserState` struct as a [`UserState`]; unknown chat presences become `None`.
pub fn user_state_from(value: &Value) -> Result<UserState, UciError> {
    const METHOD: &str = "userState.getUserState";
    let Value::Struct(fields) = value else {
        return Err(bad(METHOD, "not a struct"));
    };
    let text = |key: &str| match fields.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let telephony = text("telephonyState").ok_or_else(|| bad(METHOD, "no telephonyState"))?;
    Ok(UserState {
        telephony: TelephonyState::from_uci_name(&telephony),
        chat_presence: text("chatPresence").and_then(|p| ChatPresence::from_uci_name(&p)),
        chat_presence_message: text("chatPresenceMessage").unwrap_or_default(),
    })
}

/// The `call.getCallIds` array.
pub fn call_ids_from(value: &Value) -> Result<Vec<String>, UciError> {
    Vec::<String>::try_from_value(value).map_err(|e| bad("call.getCallIds", e))
}

/// Fault codes are undocumented; the javadoc exception names in the text are what is stable.
fn classify_fault(method: &str, code: i32, message: &str) -> UciError {
    if message.contains("IllegalAccess") || message.to_lowercase().contains("authentication") {
        UciError::AuthFailed(message.to_owned())
    } else if message.contains("NotConnected") || message.to_lowercase().contains("not logged in") {
        UciError::NotLoggedIn(message.to_owned())
    } else {
        UciError::Fault {
            method: method.to_owned(),
            code,
            message: message.to_owned(),
        }
    }
}

fn bad(method: &str, error: impl std::fmt::Display) -> UciError {
    UciError::BadResponse {
        method: method.to_owned(),
        reason: error.to_string(),
    }
}
