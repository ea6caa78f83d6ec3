//! Rules every HTTP exchange with the PBX follows, whatever the channel (REST, OAuth, UCI).
//!
//! - **No redirects.** A redirect would carry the `authToken` header, a 307/308 body (the login
//!   secret, a DND PUT) and, as `Referer`, the UCI URL with its token to wherever the PBX (or
//!   someone in between) points. The client built by [`crate::PbxEndpoint`] follows none; an
//!   answer in the 3xx range is an error that names the target (without its query, which may
//!   echo a token). Only OpenID discovery follows one redirect, and only within the PBX's own
//!   origin (see [`crate::oauth`]).
//! - **Bounded bodies.** An answer is read up to [`MAX_BODY_BYTES`]; a longer one is an error,
//!   not a memory spike.

use reqwest::Response;
use url::Url;

/// The most a STARFACE answer (REST, OAuth, UCI) may carry. The largest real answers (a user
/// list of a big PBX, a contacts page) are far below this.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why an answer's body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Longer than the limit (announced or seen while reading).
    TooLarge {
        limit: usize,
    },
    Read(reqwest::Error),
}

/// Reads the body, refusing one longer than `limit` bytes (checked against `Content-Length`
/// first, then while reading, as the length may be missing or wrong).
pub(crate) async fn read_body(mut response: Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|announced| announced > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A redirect the PBX answered with: its status and where it pointed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub status: u16,
    /// [`redirect_target`] of the `Location` header.
    pub target: String,
}

/// The redirect in `response`, if it is one.
pub(crate) fn redirect_of(response: &Response) -> Option<Redirect> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    Some(Redirect {
        status: response.status().as_u16(),
        target: redirect_target(response.url(), &location),
    })
}

/// Where a `Location` header points, resolved against the request URL, for error messages:
/// scheme, host, port and path only. Query, fragment and user info are left out: a server may
/// echo the UCI token there. Pure; never panics.
pub fn redirect_target(request_url: &Url, location: &str) -> String {
    if location.trim().is_empty() {
        return "(no Location header)".to_owned();
    }
    match request_url.join(location.trim()) {
        Ok(mut target) => {
            target.set_query(None);
            target.set_fragment(None);
            let _ = target.set_username("");
            let _ = target.set_password(None);
            target.to_string()
        }
        Err(_) => "(an invalid Location header)".to_owned(),
    }
}

/// An error and its sources in one line ("transport error: ...: invalid peer certificate ...").
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
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
    fn redirect_targets_lose_query_and_user_info() {
        let base = Url::parse("https://pbx.example.com/xml-rpc?de.vertico.starface.jwt=t").unwrap();
        assert_eq!(
            redirect_target(&base, "http://u:p@evil.example:8080/x?jwt=secret#f"),
            "http://evil.example:8080/x"
        );
        assert_eq!(
            redirect_target(&base, "/login?token=1"),
            "https://pbx.example.com/login"
        );
        assert_eq!(redirect_target(&base, ""), "(no Location header)");
        assert_eq!(
            redirect_target(&base, "http://[::1"),
            "(an invalid Location header)"
        );
    }
}
