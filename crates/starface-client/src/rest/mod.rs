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

use crate::config::{Credentials, PbxEndpoint, RestAuth};
use crate::http::{self, BodyError, MAX_BODY_BYTES};
use crate::login_secret;
use crate::oauth::{AccessToken, OAuthError};
use crate::sign_in::{AuthMode, PbxSignIn};
use crate::timing::Timing;

pub use directory::{AddressBookEntry, DirectoryEntry};
pub use dto::{Account, Attribute, Block, ContactList, ContactSummary, PhoneConfig, User};
pub use error::RestError;

use dto::LoginTemplate;

#[derive(Clone)]
enum Session {
    NonceToken(Secret),
    Bearer(AccessToken),
}

/// A logged-in (or lazily logging-in) REST connection to one PBX.
pub struct RestClient {
    http: reqwest::Client,
    endpoint: PbxEndpoint,
    sign_in: PbxSignIn,
    /// The nonce login's token; OAuth tokens live in the sign-in's [`crate::oauth::TokenSource`].
    nonce_session: Mutex<Option<Secret>>,
    nonce_logins: AtomicU64,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("base_url", &self.endpoint.base_url.as_str())
            .field("login", &self.sign_in.credentials().login)
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
        let sign_in = match auth {
            RestAuth::NonceLogin => PbxSignIn::classic(endpoint.clone(), credentials),
            RestAuth::OAuthPasswordGrant(settings) => PbxSignIn::new(
                endpoint.clone(),
                credentials,
                AuthMode::OAuth,
                Some(settings),
                Timing::real(),
            )?,
        };
        Self::with_sign_in(endpoint, sign_in)
    }

    /// A client on a sign-in shared with the other channels.
    pub fn with_sign_in(endpoint: PbxEndpoint, sign_in: PbxSignIn) -> Result<Self, RestError> {
        let http = endpoint.http_client()?;
        Ok(Self {
            http,
            endpoint,
            sign_in,
            nonce_session: Mutex::new(None),
            nonce_logins: AtomicU64::new(0),
        })
    }

    pub fn endpoint(&self) -> &PbxEndpoint {
        &self.endpoint
    }

    pub fn sign_in(&self) -> &PbxSignIn {
        &self.sign_in
    }

    pub fn login_id(&self) -> &str {
        &self.sign_in.credentials().login
    }

    /// How many logins (nonce logins or OAuth password grants) this client has made.
    pub fn login_count(&self) -> u64 {
        let grants = self
            .sign_in
            .tokens()
            .map_or(0, |tokens| tokens.stats().password_grants);
        self.nonce_logins.load(Ordering::Relaxed) + grants
    }

    /// Logs in now (also used by `doctor`); later calls reuse the session. With OAuth this
    /// makes sure a fresh access token is there.
    pub async fn login(&self) -> Result<(), RestError> {
        match self.sign_in.oauth_tokens().await? {
            Some(tokens) => {
                tokens.fresh().await?;
            }
            None => {
                let token = self.nonce_login().await?;
                *self.nonce_session.lock().await = Some(token);
            }
        }
        Ok(())
    }

    /// `DELETE /rest/login` for nonce sessions; OAuth sessions are simply dropped.
    pub async fn logout(&self) -> Result<(), RestError> {
        let session = self.nonce_session.lock().await.take();
        if let Some(token) = session {
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

    /// A current OAuth access token (refreshed if needed); `None` with the classic login.
    pub async fn bearer_token(&self) -> Result<Option<Secret>, RestError> {
        match self.sign_in.oauth_tokens().await? {
            Some(tokens) => Ok(Some(tokens.fresh().await?.secret().clone())),
            None => Ok(None),
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

    /// An authenticated call with exactly one re-login (or token renewal) on `401`. Returns
    /// the body of a 2xx.
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
            let session = self.renew_session(&session).await?;
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
                login: self.sign_in.credentials().login.clone(),
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

    /// The session to use: the stored nonce token (logging in if there is none) or a fresh
    /// OAuth access token (refreshed about a minute before it expires).
    async fn current_session(&self) -> Result<Session, RestError> {
        if let Some(tokens) = self.sign_in.oauth_tokens().await? {
            return Ok(Session::Bearer(tokens.fresh().await?));
        }
        let mut slot = self.nonce_session.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(Session::NonceToken(token.clone()));
        }
        let token = self.nonce_login().await?;
        *slot = Some(token.clone());
        Ok(Session::NonceToken(token))
    }

    /// A new session after the PBX answered `401` to `failed` (unless another task already
    /// got one).
    async fn renew_session(&self, failed: &Session) -> Result<Session, RestError> {
        match failed {
            Session::Bearer(token) => {
                let tokens = self
                    .sign_in
                    .tokens()
                    .ok_or(RestError::OAuth(OAuthError::NoClientSecret))?;
                Ok(Session::Bearer(tokens.renew_after_rejection(token).await?))
            }
            Session::NonceToken(token) => {
                let mut slot = self.nonce_session.lock().await;
                if let Some(current) = slot.as_ref().filter(|current| *current != token) {
                    return Ok(Session::NonceToken(current.clone()));
                }
                let fresh = self.nonce_login().await?;
                *slot = Some(fresh.clone());
                Ok(Session::NonceToken(fresh))
            }
        }
    }

    async fn nonce_login(&self) -> Result<Secret, RestError> {
        self.nonce_logins.fetch_add(1, Ordering::Relaxed);
        let path = "rest/login";
        let response = self.raw(Method::GET, path, None, None).await?;
        let response = self.refuse_disabled_login(path, response).await?;
        let template: LoginTemplate =
            parse_json(path, self.check_status(Method::GET, path, response).await?)?;
        let credentials = self.sign_in.credentials();
        let login = &credentials.login;
        let secret = match template.login_type.as_str() {
            "ActiveDirectory" => login_secret::rest_active_directory_secret(
                login,
                &template.nonce,
                &credentials.password,
            ),
            _ => login_secret::rest_internal_secret(login, &template.nonce, &credentials.password),
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
        let response = self.refuse_disabled_login(path, response).await?;
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
        Ok(token)
    }

    /// `403` on `/rest/login`: the classic login is switched off on this PBX.
    async fn refuse_disabled_login(
        &self,
        path: &str,
        response: reqwest::Response,
    ) -> Result<reqwest::Response, RestError> {
        if response.status() != StatusCode::FORBIDDEN {
            return Ok(response);
        }
        let bytes = self.read_body(path, response).await.unwrap_or_default();
        Err(RestError::ClassicLoginDisabled {
            detail: error_message(&bytes),
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
            Some(Session::Bearer(access)) => {
                request = request.bearer_auth(access.secret().expose())
            }
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
            reason: crate::http::error_chain(&error),
        }
    }
}

fn parse_json<T: DeserializeOwned>(path: &str, bytes: Vec<u8>) -> Result<T, RestError> {
    decode::json(path, &bytes)
}

fn error_message(bytes: &[u8]) -> String {
    decode::error_message(bytes)
}
