//! Reading response bodies with a ceiling, so a broken or hostile server (or a proxy in between)
//! cannot make the app buffer gigabytes.

/// The most a Graph response may hold. A presence page of 650 users is about 150 KiB and a
/// `getSchedule` answer for 20 people over two days far less; 4 MiB leaves room for the largest
/// pages Graph documents without letting a stream run on for ever.
pub const MAX_GRAPH_BODY: usize = 4 * 1024 * 1024;

/// The most a token endpoint answer may hold. Entra's answers (access, refresh and ID token) are a
/// few KiB; Graph refuses access tokens much longer than 16 KiB in a header anyway.
pub const MAX_TOKEN_BODY: usize = 256 * 1024;

/// The most of an error body that is read for its `code` and `message`.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than `limit` bytes (announced by `Content-Length` or counted while reading).
    TooLarge {
        limit: usize,
    },
    Transport(reqwest::Error),
}

/// The whole body, or [`BodyError::TooLarge`] as soon as it is clear it will not fit: a
/// `Content-Length` above `limit` is refused before a byte is read, a longer stream (chunked, or
/// lying about its length) when the limit is crossed.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
