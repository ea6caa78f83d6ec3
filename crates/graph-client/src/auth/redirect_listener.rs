//! The one-shot loopback HTTP listener that receives the browser's redirect after sign-in.
//!
//! Only 127.0.0.1 is bound; the redirect URI says `localhost` because that is what admins
//! register ("Mobile and desktop", `http://localhost`) and Entra ignores the port for loopback.

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::AuthError;

/// A browser sends its request at once; anything slower is not our redirect.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REQUEST_HEAD: usize = 16 * 1024;

pub(crate) struct RedirectListener {
    listener: TcpListener,
    port: u16,
}

/// What the one valid redirect carried.
pub(crate) enum RedirectOutcome {
    Code(String),
    Error { error: String, description: String },
}

impl RedirectListener {
    pub async fn bind() -> Result<Self, AuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(AuthError::RedirectListener)?;
        let port = listener
            .local_addr()
            .map_err(AuthError::RedirectListener)?
            .port();
        Ok(Self { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Serves requests until one arrives on `/` with the expected `state`, or `timeout` passes.
    /// Requests with another path or a wrong `state` are answered and otherwise ignored, so a
    /// stray or forged request cannot end (or hijack) the sign-in. Connections are served
    /// concurrently because browsers open speculative connections that never send anything.
    pub async fn wait(self, expected_state: &str, timeout: Duration) -> Result<String, AuthError> {
        let deadline = Instant::now() + timeout;
        let expected_state: Arc<str> = Arc::from(expected_state);
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        connections.spawn(handle(stream, expected_state.clone()));
                    }
                }
                Some(Ok(Some(outcome))) = connections.join_next(), if !connections.is_empty() => {
                    return match outcome {
                        RedirectOutcome::Code(code) => Ok(code),
                        RedirectOutcome::Error { error, description } => {
                            Err(AuthError::from_oauth(&error, &description))
                        }
                    };
                }
                _ = tokio::time::sleep_until(deadline) => return Err(AuthError::TimedOut(timeout)),
            }
        }
    }
}

async fn handle(mut stream: TcpStream, expected_state: Arc<str>) -> Option<RedirectOutcome> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => return None,
    };
    let target = head
        .lines()
        .next()
        .and_then(|line| {
            let mut parts = line.split_whitespace();
            (parts.next() == Some("GET")).then(|| parts.next())?
        })
        .unwrap_or("");
    let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
        respond(&mut stream, 400, "Bad request.").await;
        return None;
    };
    if url.path() != "/" {
        respond(&mut stream, 404, "Not found.").await;
        return None;
    }
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let state_ok = param("state").is_some_and(|s| same_secret(&s, &expected_state));
    if !state_ok {
        tracing::warn!("ignored a sign-in redirect with a missing or wrong state");
        respond(
            &mut stream,
            400,
            "This sign-in response does not belong to the sign-in Presence Bridge started. \
             You can close this tab.",
        )
        .await;
        return None;
    }
    if let Some(error) = param("error") {
        respond(
            &mut stream,
            200,
            "Sign-in did not complete. Return to Presence Bridge for details; you can close this tab.",
        )
        .await;
        return Some(RedirectOutcome::Error {
            error,
            description: param("error_description").unwrap_or_default(),
        });
    }
    match param("code") {
        Some(code) if !code.is_empty() => {
            respond(
                &mut stream,
                200,
                "Signed in to Presence Bridge. You can close this tab.",
            )
            .await;
            Some(RedirectOutcome::Code(code))
        }
        _ => {
            respond(&mut stream, 400, "The sign-in response has no code.").await;
            None
        }
    }
}

async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if buffer.windows(4).any(|w| w == b"\r\n\r\n") {
            return String::from_utf8(buffer).ok();
        }
        if buffer.len() > MAX_REQUEST_HEAD {
            return None;
        }
    }
}

async fn respond(stream: &mut TcpStream, status: u16, text: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Presence Bridge</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Compares in time independent of where the strings differ (hashing first also hides length).
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_comparison() {
        assert!(super::same_secret("abc", "abc"));
        assert!(!super::same_secret("abc", "abd"));
        assert!(!super::same_secret("abc", "abcd"));
    }
}
