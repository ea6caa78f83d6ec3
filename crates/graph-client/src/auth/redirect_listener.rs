//! The one-shot loopback HTTP listener that receives the browser's redirect after sign-in.
//!
//! The redirect URI says `http://localhost:PORT/` because that is what admins register
//! ("Mobile and desktop", `http://localhost`; an `http://127.0.0.1` entry needs the manifest
//! editor) and Entra ignores the port for loopback URIs. A browser may resolve `localhost` to
//! `127.0.0.1` or to `::1`, so the listener holds the port on **both** loopbacks: otherwise
//! another local program could bind the free one and receive the redirect. Where the machine has
//! no IPv6 loopback, nobody can bind `::1` and IPv4 alone is enough.
//!
//! Browsers open speculative connections that never send anything, so connections are served
//! concurrently, but at most [`MAX_CONNECTIONS`] at a time: a flood of idle connections from a
//! local program costs a bounded amount of memory and cannot keep the real redirect out, because
//! each new connection pushes out the oldest one.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use super::AuthError;

/// A browser sends its request at once; anything slower is not our redirect.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// Connections served at once; a browser needs a handful.
pub(crate) const MAX_CONNECTIONS: usize = 32;
/// Attempts to find a port that is free on both loopbacks.
const BIND_ATTEMPTS: usize = 8;

pub(crate) struct RedirectListener {
    v4: TcpListener,
    /// `None` where the machine has no IPv6 loopback.
    v6: Option<TcpListener>,
    port: u16,
}

/// What the one valid redirect carried.
pub(crate) enum RedirectOutcome {
    Code(String),
    Error { error: String, description: String },
}

impl RedirectListener {
    pub async fn bind() -> Result<Self, AuthError> {
        let mut last_error = None;
        for _ in 0..BIND_ATTEMPTS {
            let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .await
                .map_err(AuthError::RedirectListener)?;
            let port = v4.local_addr().map_err(AuthError::RedirectListener)?.port();
            match TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await {
                Ok(v6) => {
                    return Ok(Self {
                        v4,
                        v6: Some(v6),
                        port,
                    })
                }
                // Someone holds this port on ::1: a redirect could reach them. Try another.
                Err(error) if error.kind() == ErrorKind::AddrInUse => last_error = Some(error),
                // No IPv6 loopback here: nobody can listen on ::1 either.
                Err(error) => {
                    tracing::debug!(%error, "no IPv6 loopback; sign-in redirect on 127.0.0.1 only");
                    return Ok(Self { v4, v6: None, port });
                }
            }
        }
        Err(AuthError::RedirectListener(last_error.unwrap_or_else(
            || std::io::Error::new(ErrorKind::AddrInUse, "no port free on both loopbacks"),
        )))
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Serves requests until one arrives on `/` with the expected `state`, or `timeout` passes.
    /// Requests with another path or a wrong `state` are answered and otherwise ignored, so a
    /// stray or forged request cannot end (or hijack) the sign-in.
    pub async fn wait(self, expected_state: &str, timeout: Duration) -> Result<String, AuthError> {
        let deadline = Instant::now() + timeout;
        let expected_state: Arc<str> = Arc::from(expected_state);
        let mut connections = JoinSet::new();
        // Oldest first; finished tasks are removed as they are joined.
        let mut live: VecDeque<AbortHandle> = VecDeque::new();
        loop {
            let accepted = tokio::select! {
                accepted = self.v4.accept() => accepted,
                accepted = accept(self.v6.as_ref()) => accepted,
                Some(joined) = connections.join_next_with_id(), if !connections.is_empty() => {
                    let id = match &joined {
                        Ok((id, _)) => *id,
                        Err(error) => error.id(),
                    };
                    live.retain(|handle| handle.id() != id);
                    if let Ok((_, Some(outcome))) = joined {
                        return match outcome {
                            RedirectOutcome::Code(code) => Ok(code),
                            RedirectOutcome::Error { error, description } => {
                                Err(AuthError::from_oauth(&error, &description))
                            }
                        };
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(deadline) => return Err(AuthError::TimedOut(timeout)),
            };
            if let Ok((stream, _)) = accepted {
                if live.len() >= MAX_CONNECTIONS {
                    if let Some(oldest) = live.pop_front() {
                        oldest.abort();
                    }
                }
                live.push_back(connections.spawn(handle(stream, expected_state.clone())));
            }
        }
    }
}

/// Accepts on `listener`, or never when there is none.
async fn accept(
    listener: Option<&TcpListener>,
) -> std::io::Result<(TcpStream, std::net::SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
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
