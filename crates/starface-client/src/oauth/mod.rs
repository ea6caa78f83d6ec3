//! STARFACE 10 OAuth (Keycloak realm `pbx`).

pub mod discovery;

use url::Url;

use crate::http::Redirect;
use crate::tls::TlsError;

pub use discovery::{
    check_token_endpoint, Discovery, DiscoveryAbsence, EndpointProblem, OpenIdDocument,
};

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("cannot reach the STARFACE sign-in at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "refusing to send the STARFACE password and client secret to the token endpoint \
         {endpoint} named by the PBX's OpenID configuration: {problem}"
    )]
    UntrustedTokenEndpoint {
        endpoint: String,
        problem: EndpointProblem,
    },
    #[error(
        "the STARFACE sign-in at {url} answered with a redirect ({}) to {}; redirects are not \
         followed so that credentials stay with the PBX. Check starface.url",
        redirect.status, redirect.target
    )]
    Redirected { url: String, redirect: Redirect },
    #[error("the answer of {url} is larger than {limit} bytes; refused")]
    BodyTooLarge { url: String, limit: usize },
}

impl OAuthError {
    pub(crate) fn unreachable(url: &Url, error: reqwest::Error) -> Self {
        OAuthError::Unreachable {
            url: without_query(url),
            reason: crate::rest::error_chain(&error),
        }
    }
}

fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.to_string()
}
