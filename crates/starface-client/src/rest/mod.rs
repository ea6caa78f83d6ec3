//! STARFACE REST: login (nonce or OAuth), own user, DND via phone config, directory.
//!
//! Every request carries `X-Version: 2`. A `401` triggers exactly one fresh login and one retry.

pub mod decode;
mod directory;
mod dto;
mod error;

use std::sync::atomic::{AtomicU64, Ordering};

use keychain::Secret;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::{Duration, Instant};

use crate::config::{Credentials, OAuthSettings, PbxEndpoint, RestAuth};
use crate::http::{self, BodyError, MAX_BODY_BYTES};
use crate::login_secret;
use crate::oauth::discovery::{self, Discovery};

pub use directory::{AddressBookEntry, DirectoryEntry};
pub use dto::{Account, Attribute, Block, ContactList, ContactSummary, PhoneConfig, User};
pub use error::RestError;

use dto::LoginTemplate;

#[derive(Clone)]
enum Session {
    NonceToken(Secret),
    Bearer {
        access: Secret,
        expires_at: Instant,
        refresh: Option<Secret>,
    },
}

impl Session {
    fn same_as(&self, other: &Session) -> bool {
        match (self, other) {
            (Session::NonceToken(a), Session::NonceToken(b)) => a == b,
            (Session::Bearer { access: a, .. }, Session::Bearer { access: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// A logged-in (or lazily logging-in) REST connection to one PBX.
pub struct RestClient {
    http: reqwest::Client,
    endpoint: PbxEndpoint,
    credentials: Credentials,
    auth: RestAuth,
    session: Mutex<Option<Session>>,
    logins: AtomicU64,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base_url", &self.endpoint.base_url.as_str())
            .field("login", &self.credentials.login)
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// Builds the client (no network yet: the first call logs in).
    pub fn new(
        endpoint: PbxEndpoint,
        credentials: Credentials,
        auth: RestAuth,
    ) -> Result<Self, RestError> {
        let http = endpoint.http_client()?;
        Ok(Self {
            http,
            endpoint,
            credentials,
            auth,
            session: Mutex::new(None),
            logins: AtomicU64::new(0),
        })
    }

    pub fn endpoint(&self) -> &PbxEndpoint {
        &self.endpoint
    }

    pub fn login_id(&self) -> &str {
        &self.credentials.login
    }

    /// How many logins (nonce logins or OAuth password grants) this client has made.
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// Logs in now (also used by `doctor`); later calls reuse the session.
    pub async fn login(&self) -> Result<(), RestError> {
        let session = self.fresh_login().await?;
        *self.session.lock().await = Some(session);
        Ok(())
    }

    /// `DELETE /rest/login` for nonce sessions; OAuth sessions are simply dropped.
    pub async fn logout(&self) -> Result<(), RestError> {
        let session = self.session.lock().await.take();
        if let Some(Session::NonceToken(token)) = session {
            let response = self
                .raw(
                    Method::DELETE,
                    "rest/login",
                    None,
                    Some(&Session::NonceToken(token)),
                )
                .await?;
            if !response.status().is_success() {
                tracing::debug!(status = %response.status(), "logout was not acknowledged");
            }
        }
        Ok(())
    }

    /// A current OAuth access token (refreshed if needed) for UCI's `de.vertico.starface.jwt`;
    /// `None` with nonce logins.
    pub async fn bearer_token(&self) -> Result<Option<Secret>, RestError> {
        match self.current_session().await? {
            Session::Bearer { access, .. } => Ok(Some(access)),
            Session::NonceToken(_) => Ok(None),
        }
    }

    /// `GET /rest/users/me`.
    pub async fn me(&self) -> Result<User, RestError> {
        self.get_json("rest/users/me").await
    }

    /// The own phone config (`GET /rest/users/{me}/phoneconfig`).
    pub async fn phone_config(&self) -> Result<PhoneConfig, RestError> {
        let me = self.me().await?;
        self.get_json(&format!("rest/users/{}/phoneconfig", me.id))
            .await
    }

    /// Whether the own DND is on.
    pub async fn dnd(&self) -> Result<bool, RestError> {
        Ok(self.phone_config().await?.do_not_disturb)
    }

    /// Sets DND: GET the phone config, change only `doNotDisturb`, PUT the whole object back.
    /// The object is handled as raw JSON so fields this crate does not know survive too.
    pub async fn set_dnd(&self, on: bool) -> Result<(), RestError> {
        let me = self.me().await?;
        let path = format!("rest/users/{}/phoneconfig", me.id);
        let response = self.request(Method::GET, &path, None).await?;
        let config = decode::phone_config_with_dnd(&path, &response, on)?;
        self.request(Method::PUT, &path, Some(config)).await?;
        tracing::info!(dnd = on, "STARFACE DND set");
        Ok(())
    }

    /// `GET /rest/users` (optionally filtered).
    pub async fn users(&self, search_term: Option<&str>) -> Result<Vec<User>, RestError> {
        let path = match search_term {
            Some(term) => {
                let mut url = url::Url::parse("http://x/rest/users").expect("static URL");
                url.query_pairs_mut().append_pair("searchTerm", term);
                format!("rest/users?{}", url.query().unwrap_or_default())
            }
            None => "rest/users".to_owned(),
        };
        self.get_json(&path).await
    }

    /// `GET /rest/accounts`.
    pub async fn accounts(&self) -> Result<Vec<Account>, RestError> {
        self.get_json("rest/accounts").await
    }

    /// One page of `GET /rest/contacts` (pages count from 0).
    pub async fn contacts_page(&self, page: u32, pagesize: u32) -> Result<ContactList, RestError> {
        self.get_json(&format!("rest/contacts?page={page}&pagesize={pagesize}"))
            .await
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, RestError> {
        let body = self.request(Method::GET, path, None).await?;
        serde_json::from_slice(&body).map_err(|e| RestError::BadResponse {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// An authenticated call with exactly one re-login on `401`. Returns the body of a 2xx.
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Vec<u8>, RestError> {
        let session = self.current_session().await?;
        let mut response = self
            .raw(method.clone(), path, body.as_ref(), Some(&session))
            .await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            tracing::info!(path, "STARFACE session expired; logging in again");
            self.forget_session(&session).await;
            let session = self.current_session().await?;
            response = self
                .raw(method.clone(), path, body.as_ref(), Some(&session))
                .await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                return Err(RestError::Unauthorized {
                    path: path.to_owned(),
                });
            }
        }
        self.check_status(method, path, response).await
    }

    async fn check_status(
        &self,
        method: Method,
        path: &str,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, RestError> {
        let status = response.status();
        let bytes = self.read_body(path, response).await?;
        if status.is_success() {
            return Ok(bytes);
        }
        let message = error_message(&bytes);
        if status == StatusCode::FORBIDDEN {
            let (action, right) = error::right_for(path);
            return Err(RestError::MissingRight {
                login: self.credentials.login.clone(),
                action: action.to_owned(),
                right,
                server_message: message,
            });
        }
        Err(RestError::Http {
            method: method.to_string(),
            path: path.split('?').next().unwrap_or(path).to_owned(),
            status: status.as_u16(),
            message,
        })
    }

    async fn forget_session(&self, failed: &Session) {
        let mut slot = self.session.lock().await;
        // Another task may already have logged in again; keep its session.
        if slot.as_ref().is_some_and(|s| s.same_as(failed)) {
            *slot = None;
        }
    }

    /// The session to use: the stored one, a refreshed OAuth token, or a fresh login.
    async fn current_session(&self) -> Result<Session, RestError> {
        let mut slot = self.session.lock().await;
        match slot.clone() {
            Some(Session::Bearer {
                expires_at,
                refresh,
                ..
            }) if Instant::now() + self.refresh_margin() >= expires_at => {
                let refreshed = match refresh {
                    Some(refresh) => match self.oauth_refresh(&refresh).await {
                        Ok(session) => Some(session),
                        Err(error) => {
                            tracing::info!(%error, "OAuth refresh failed; logging in again");
                            None
                        }
                    },
                    None => None,
                };
                let session = match refreshed {
                    Some(session) => session,
                    None => self.fresh_login().await?,
                };
                *slot = Some(session.clone());
                Ok(session)
            }
            Some(session) => Ok(session),
            None => {
                let session = self.fresh_login().await?;
                *slot = Some(session.clone());
                Ok(session)
            }
        }
    }

    fn refresh_margin(&self) -> Duration {
        match &self.auth {
            RestAuth::OAuthPasswordGrant(settings) => settings.refresh_margin,
            RestAuth::NonceLogin => Duration::ZERO,
        }
    }

    async fn fresh_login(&self) -> Result<Session, RestError> {
        self.logins.fetch_add(1, Ordering::Relaxed);
        match &self.auth {
            RestAuth::NonceLogin => self.nonce_login().await,
            RestAuth::OAuthPasswordGrant(settings) => self.oauth_password_grant(settings).await,
        }
    }

    async fn nonce_login(&self) -> Result<Session, RestError> {
        let path = "rest/login";
        let response = self.raw(Method::GET, path, None, None).await?;
        let template: LoginTemplate =
            parse_json(path, self.check_status(Method::GET, path, response).await?)?;
        let login = &self.credentials.login;
        let secret = match template.login_type.as_str() {
            "ActiveDirectory" => login_secret::rest_active_directory_secret(
                login,
                &template.nonce,
                &self.credentials.password,
            ),
            _ => login_secret::rest_internal_secret(
                login,
                &template.nonce,
                &self.credentials.password,
            ),
        };
        // Send loginType exactly as received (pitfall 3).
        let body = serde_json::to_value(LoginTemplate {
            login_type: template.login_type,
            nonce: template.nonce,
            secret: Some(secret.expose().to_owned()),
        })
        .map_err(|e| RestError::BadResponse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let response = self.raw(Method::POST, path, Some(&body), None).await?;
        let status = response.status();
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED {
            let bytes = self.read_body(path, response).await.unwrap_or_default();
            return Err(RestError::LoginRejected {
                login: login.clone(),
                detail: error_message(&bytes),
            });
        }
        let token = decode::login_token(&self.check_status(Method::POST, path, response).await?)?;
        tracing::info!(login = %login, "logged in to STARFACE REST");
        Ok(Session::NonceToken(token))
    }

    /// The configured token endpoint, or the one OpenID discovery names (checked before the
    /// password goes there), or the documented path when the PBX has no discovery document.
    async fn token_endpoint(&self, settings: &OAuthSettings) -> Result<url::Url, RestError> {
        if let Some(url) = &settings.token_endpoint {
            return Ok(url.clone());
        }
        let found = discovery::discover(
            &self.http,
            &self.endpoint,
            settings.identity_host.as_deref(),
        )
        .await?;
        Ok(match found {
            Discovery::Found { token_endpoint, .. } => token_endpoint,
            Discovery::Absent(why) => {
                tracing::debug!(%why, "no OpenID discovery; using the documented token path");
                self.endpoint.url(discovery::DOCUMENTED_TOKEN_PATH)
            }
        })
    }

    async fn oauth_password_grant(&self, settings: &OAuthSettings) -> Result<Session, RestError> {
        let form = [
            ("grant_type", "password"),
            ("client_id", settings.client_id.as_str()),
            ("client_secret", settings.client_secret.expose()),
            ("scope", settings.scope.as_str()),
            ("username", self.credentials.login.as_str()),
            ("password", self.credentials.password.expose()),
        ];
        let session = self.oauth_token_request(settings, &form).await?;
        tracing::info!(login = %self.credentials.login, "logged in to STARFACE with OAuth");
        Ok(session)
    }

    async fn oauth_refresh(&self, refresh: &Secret) -> Result<Session, RestError> {
        let RestAuth::OAuthPasswordGrant(settings) = &self.auth else {
            return Err(RestError::BadResponse {
                path: "oauth".to_owned(),
                reason: "refresh without OAuth".to_owned(),
            });
        };
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", settings.client_id.as_str()),
            ("client_secret", settings.client_secret.expose()),
            ("refresh_token", refresh.expose()),
        ];
        self.oauth_token_request(settings, &form).await
    }

    async fn oauth_token_request(
        &self,
        settings: &OAuthSettings,
        form: &[(&str, &str)],
    ) -> Result<Session, RestError> {
        let url = self.token_endpoint(settings).await?;
        let path = url.path().to_owned();
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| self.unreachable(&path, e))?;
        if let Some(redirect) = http::redirect_of(&response) {
            return Err(RestError::Redirected { path, redirect });
        }
        let status = response.status();
        let bytes = self.read_body(&path, response).await?;
        if !status.is_success() {
            return Err(RestError::OAuthDenied {
                status: status.as_u16(),
                detail: decode::oauth_error(&bytes),
            });
        }
        let tokens = decode::oauth_tokens(&path, &bytes)?;
        Ok(Session::Bearer {
            access: tokens.access,
            expires_at: Instant::now() + tokens.lifetime,
            refresh: tokens.refresh,
        })
    }

    /// One HTTP exchange with the STARFACE headers; no retry, no status check.
    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        session: Option<&Session>,
    ) -> Result<reqwest::Response, RestError> {
        let url = self.endpoint.url(path);
        let mut request = self
            .http
            .request(method, url)
            .header("X-Version", "2")
            .header("Accept", "application/json")
            .header("Content-Type", "application/json");
        match session {
            Some(Session::NonceToken(token)) => {
                request = request.header("authToken", token.expose())
            }
            Some(Session::Bearer { access, .. }) => request = request.bearer_auth(access.expose()),
            None => {}
        }
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.unreachable(path, e))?;
        match http::redirect_of(&response) {
            Some(redirect) => Err(RestError::Redirected {
                path: path.split('?').next().unwrap_or(path).to_owned(),
                redirect,
            }),
            None => Ok(response),
        }
    }

    async fn read_body(
        &self,
        path: &str,
        response: reqwest::Response,
    ) -> Result<Vec<u8>, RestError> {
        http::read_body(response, MAX_BODY_BYTES)
            .await
            .map_err(|error| match error {
                BodyError::TooLarge { limit } => RestError::BodyTooLarge {
                    path: path.split('?').next().unwrap_or(path).to_owned(),
                    limit,
                },
                BodyError::Read(e) => self.unreachable(path, e),
            })
    }

    fn unreachable(&self, path: &str, error: reqwest::Error) -> RestError {
        // reqwest errors carry the URL but never headers, so no token can leak here.
        RestError::Unreachable {
            url: self.endpoint.url(path).to_string(),
            reason: error_chain(&error),
        }
    }
}

/// An error and its sources in one line.
pub(crate) fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut reason = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        reason = format!("{reason}: {inner}");
        source = inner.source();
    }
    reason
}

fn parse_json<T: DeserializeOwned>(path: &str, bytes: Vec<u8>) -> Result<T, RestError> {
    decode::json(path, &bytes)
}

fn error_message(bytes: &[u8]) -> String {
    decode::error_message(bytes)
}
