//! The Graph calls the relay makes with its app-only token.
//!
//! Unlike [`crate::GraphClient`], nothing here sleeps through throttling: a 429/503/504 comes
//! back at once as [`GraphError::Throttled`] with Graph's `Retry-After`, because the relay's
//! pacer owns the tenant-wide budget and decides when the next request may go.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::delta::{parse_user_delta_page, UserDeltaPage};
use super::token::AppTokenSource;
use crate::auth::AuthError;
use crate::graph::{
    is_object_id, parse_presence_batch, parse_retry_after, GraphError, PresenceRecord,
    MAX_IDS_PER_PRESENCE_REQUEST,
};

/// The properties the relay reads from `/users/delta` (the fewer, the smaller each page).
pub const USER_DELTA_SELECT: &str = "id,displayName,mail,userPrincipalName,accountEnabled";

/// Graph with the app's own token. Cheap to clone.
#[derive(Clone)]
pub struct AppGraphClient {
    http: reqwest::Client,
    tokens: Arc<AppTokenSource>,
}

impl std::fmt::Debug for AppGraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppGraphClient")
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl AppGraphClient {
    /// `request_timeout` bounds each request, so a hung connection cannot stall the poll cycle.
    pub fn new(tokens: Arc<AppTokenSource>, request_timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(request_timeout)
            // Delta links are followed by URL; never let a redirect take the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a reqwest client without custom TLS settings always builds");
        Self { http, tokens }
    }

    pub fn tokens(&self) -> &Arc<AppTokenSource> {
        &self.tokens
    }

    /// `POST /communications/getPresencesByUserId` for at most 650 object ids.
    pub async fn presence_batch(&self, ids: &[String]) -> Result<Vec<PresenceRecord>, GraphError> {
        if ids.is_empty() || ids.len() > MAX_IDS_PER_PRESENCE_REQUEST {
            return Err(GraphError::InvalidRequest(format!(
                "a presence batch needs 1 to {MAX_IDS_PER_PRESENCE_REQUEST} ids, not {}",
                ids.len()
            )));
        }
        if let Some(bad) = ids.iter().find(|id| !is_object_id(id)) {
            return Err(GraphError::InvalidRequest(format!(
                "`{bad}` is not a user object id"
            )));
        }
        let url = self
            .tokens
            .config()
            .graph_url("communications/getPresencesByUserId");
        let body = self
            .send(Method::POST, &url, Some(json!({ "ids": ids })))
            .await?;
        parse_presence_batch(&body)
    }

    /// One page of `/users/delta`: the first page of a full round when `link` is `None`, else
    /// the `@odata.nextLink` or `@odata.deltaLink` Graph gave last time (it must point at the
    /// configured Graph host).
    pub async fn users_delta(&self, link: Option<&str>) -> Result<UserDeltaPage, GraphError> {
        let config = self.tokens.config();
        let url = match link {
            None => format!(
                "{}?$select={USER_DELTA_SELECT}",
                config.graph_url("users/delta")
            ),
            Some(link) => {
                let parsed = url::Url::parse(link).map_err(|e| {
                    GraphError::InvalidRequest(format!("unusable delta link `{link}`: {e}"))
                })?;
                if parsed.origin() != config.graph_base.origin() {
                    return Err(GraphError::InvalidRequest(format!(
                        "the delta link `{link}` points away from the configured Graph host"
                    )));
                }
                link.to_owned()
            }
        };
        let body = self.send(Method::GET, &url, None).await?;
        parse_user_delta_page(&body)
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        body: Option<serde_json::Value>,
    ) -> Result<Vec<u8>, GraphError> {
        let mut retried_auth = false;
        loop {
            let token = self.tokens.access_token().await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token.expose());
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| GraphError::Transport(e.to_string()))?;
            let status = response.status();
            if status.is_success() {
                return response
                    .bytes()
                    .await
                    .map(Vec::from)
                    .map_err(|e| GraphError::Transport(e.to_string()));
            }
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let text = response.text().await.unwrap_or_default();
            let error = crate::graph::parse_error_body(&text);
            if status == StatusCode::UNAUTHORIZED && !retried_auth {
                // Expired early or revoked: fetch a fresh app token once.
                self.tokens.discard(&token).await;
                retried_auth = true;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED {
                return Err(GraphError::Auth(AuthError::Rejected {
                    error: error.code,
                    description: format!("Graph rejects a fresh app token: {}", error.message),
                    aadsts: None,
                }));
            }
            if matches!(status.as_u16(), 429 | 503 | 504) {
                return Err(GraphError::Throttled {
                    status: status.as_u16(),
                    retry_after,
                });
            }
            return Err(GraphError::Api {
                status: status.as_u16(),
                code: if error.code.is_empty() {
                    status.canonical_reason().unwrap_or("Error").to_owned()
                } else {
                    error.code
                },
                message: error.message,
                request_id: error.inner.and_then(|i| i.request_id),
            });
        }
    }
}
