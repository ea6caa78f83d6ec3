//! The webhook hook: an HTTPS POST of the signed status document.
//!
//! No redirects are followed (a 3xx is an error naming the target), TLS is always verified,
//! 5xx answers, 408/429, timeouts and lost connections are retried a bounded number of times with
//! backoff, and a newer status ends the retries of an older one.

use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use serde::Serialize;
use settings::WebhookSettings;
use time::OffsetDateTime;
use url::Url;

use crate::hook_task::{now_in_seconds, read_secret, Backoff, HookContext, Interruption, Job};
use crate::report::{HookError, Occasion};
use crate::signature::{sign, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use crate::status::Published;
use crate::tls;

/// The first pause before a retry; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The request body (docs/HOOKS.md): the status wrapped with what makes each request unique.
#[derive(Serialize)]
struct Envelope<'a> {
    version: u32,
    /// `status` or `test`.
    event: &'static str,
    /// A new id per delivery, the same for its retries: receivers drop duplicates by it.
    delivery: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
    status: &'a Published,
}

pub(crate) async fn run(
    settings: WebhookSettings,
    secrets: Arc<dyn SecretStore>,
    mut ctx: HookContext,
) {
    let Some(url) = settings.url.as_deref().and_then(|url| Url::parse(url).ok()) else {
        // Settings validation requires a URL for an enabled webhook.
        return ctx.idle_until_stopped(HookError::Off).await;
    };
    let client = match client(&settings) {
        Ok(client) => client,
        Err(error) => {
            ctx.record(Occasion::Connection, Err(error.clone()));
            return ctx.idle_until_stopped(error).await;
        }
    };
    let webhook = Webhook {
        target: origin(&url),
        url,
        client,
        timeout_secs: u64::from(settings.timeout_secs),
        retries: settings.retries,
    };
    while let Some(job) = ctx.next_job().await {
        // Read for every delivery, so a new secret from the window applies at once.
        let secret = match read_secret(secrets.clone(), keychain::names::HOOKS_WEBHOOK_SECRET).await
        {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                let entry = keychain::names::HOOKS_WEBHOOK_SECRET;
                ctx.finish(job, Err(HookError::MissingSecret { entry }));
                continue;
            }
            Err(error) => {
                ctx.finish(job, Err(error));
                continue;
            }
        };
        let result = webhook
            .deliver(&job, secret.expose().as_bytes(), &mut ctx)
            .await;
        ctx.finish(job, result);
    }
}

struct Webhook {
    url: Url,
    /// Scheme, host and port: what errors and logs name (the path may hold a token).
    target: String,
    client: reqwest::Client,
    timeout_secs: u64,
    retries: u32,
}

/// How one request ended.
enum Sent {
    Delivered,
    Failed { error: HookError, retry: bool },
}

impl Webhook {
    /// Sends `job`, retrying as configured (a test is sent once). Gives up early when a newer
    /// status arrives (the context then hands that one out next) or the hooks stop.
    async fn deliver(
        &self,
        job: &Job,
        secret: &[u8],
        ctx: &mut HookContext,
    ) -> Result<(), HookError> {
        let delivery = uuid::Uuid::new_v4().to_string();
        let event = if job.is_test() { "test" } else { "status" };
        let body = serde_json::to_vec(&Envelope {
            version: crate::DOCUMENT_VERSION,
            event,
            delivery: &delivery,
            sent_at: now_in_seconds(),
            status: &job.published,
        })
        .expect("the envelope serialises");
        let signature = sign(secret, &body);
        let attempts = if job.is_test() { 1 } else { 1 + self.retries };
        let mut backoff = Backoff::new(FIRST_BACKOFF, MAX_BACKOFF);
        let mut attempt = 1;
        loop {
            let request = self
                .client
                .post(self.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, &signature)
                .header(DELIVERY_HEADER, &delivery)
                .header(EVENT_HEADER, event)
                .body(body.clone());
            let sent = tokio::select! {
                sent = self.send(request) => sent,
                _ = ctx.interruption(false) => return Err(HookError::Stopped),
            };
            let error = match sent {
                Sent::Delivered => return Ok(()),
                Sent::Failed { error, retry } if retry && attempt < attempts => error,
                Sent::Failed { error, .. } => return Err(error),
            };
            attempt += 1;
            let delay = backoff.next_delay();
            tracing::debug!(target = %self.target, %error, ?delay, attempt, "webhook: retrying");
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                interruption = ctx.interruption(!job.is_test()) => match interruption {
                    Interruption::Superseded => return Err(error),
                    Interruption::Stopping => return Err(HookError::Stopped),
                },
            }
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Sent {
        let failed = |error, retry| Sent::Failed { error, retry };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                return failed(
                    HookError::Timeout {
                        target: self.target.clone(),
                        seconds: self.timeout_secs,
                    },
                    true,
                )
            }
            Err(error) => {
                return failed(
                    HookError::Connect {
                        target: self.target.clone(),
                        reason: error_chain(&error.without_url()),
                    },
                    true,
                )
            }
        };
        let status = response.status();
        if status.is_success() {
            Sent::Delivered
        } else if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(|location| redirect_target(&self.url, location))
                .unwrap_or_else(|| "(no Location header)".to_owned());
            failed(
                HookError::Redirect {
                    target: self.target.clone(),
                    status: status.as_u16(),
                    location,
                },
                false,
            )
        } else {
            let retry = status.is_server_error()
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
            failed(
                HookError::HttpStatus {
                    target: self.target.clone(),
                    status: status.as_u16(),
                },
                retry,
            )
        }
    }
}

fn client(settings: &WebhookSettings) -> Result<reqwest::Client, HookError> {
    let tls = tls::client_config(settings.ca_file.as_deref())?;
    reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(u64::from(settings.timeout_secs)))
        .user_agent(concat!("presence-bridge/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| HookError::Connect {
            target: "(HTTP client)".to_owned(),
            reason: error_chain(&error),
        })
}

/// `https://host:port`: the URL without path, query and credentials.
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Where a redirect points, without its query (which may carry a token).
fn redirect_target(base: &Url, location: &str) -> String {
    match base.join(location) {
        Ok(mut target) => {
            target.set_query(None);
            target.set_fragment(None);
            target.to_string()
        }
        Err(_) => location.split('?').next().unwrap_or_default().to_owned(),
    }
}

/// An error with its causes: reqwest's own message alone ("error sending request") says little.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_never_show_paths_or_queries() {
        let url = Url::parse("https://ha.example.com:8123/api/webhook/s3cr3t-id?x=1").unwrap();
        assert_eq!(origin(&url), "https://ha.example.com:8123");
        assert_eq!(
            redirect_target(&url, "/login?token=abc"),
            "https://ha.example.com:8123/login"
        );
        assert_eq!(
            redirect_target(&url, "https://elsewhere.example/x?y"),
            "https://elsewhere.example/x"
        );
    }
}
