//! Device-code sign-in for terminals and headless machines
//! (`presence-bridge login microsoft --device-code`).

use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use oauth2::{DeviceAuthorizationResponse, RequestTokenError, Scope};
use oauth2::{DeviceCodeErrorResponseType, ExtraDeviceAuthorizationFields};
use serde::{Deserialize, Serialize};

use super::oauth::{entra_client, map_request_error, token_http};
use super::{AuthError, Credentials};
use crate::config::{MicrosoftConfig, ScopeRequest};
use crate::timing::Timing;

/// Entra's extra device-authorization field: a ready-made, localised instruction for the user.
#[derive(Debug, Serialize, Deserialize)]
struct MicrosoftDeviceFields {
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for MicrosoftDeviceFields {}

/// What the user must do, shown by the caller (CLI prints `message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePrompt {
    /// Microsoft's own instruction, e.g. "To sign in, use a web browser to open the page
    /// https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."
    pub message: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: Duration,
    pub interval: Duration,
}

#[derive(Debug, Clone, Default)]
pub struct DeviceCodeOptions {
    /// Give up earlier than Microsoft's `expires_in` (usually 15 minutes).
    pub timeout: Option<Duration>,
}

/// Runs the device-code flow: asks for a code, hands the prompt to `on_prompt`, then polls at
/// Microsoft's `interval` (plus 5 s after each `slow_down`) until the user finishes. Waiting uses
/// `timing`'s sleeper, so tests need not wait.
pub async fn device_code_sign_in(
    config: &MicrosoftConfig,
    scopes: ScopeRequest,
    store: Arc<dyn SecretStore>,
    timing: Timing,
    options: DeviceCodeOptions,
    on_prompt: impl FnOnce(&DevicePrompt),
) -> Result<Credentials, AuthError> {
    let client = entra_client(config)?;
    let http = token_http();
    let details: DeviceAuthorizationResponse<MicrosoftDeviceFields> = client
        .exchange_device_code()
        .add_scopes(scopes.qualified(config).into_iter().map(Scope::new))
        .request_async(&http)
        .await
        .map_err(map_request_error)?;
    let prompt = DevicePrompt {
        message: details.extra_fields().message.clone().unwrap_or_else(|| {
            format!(
                "To sign in, open {} and enter the code {}.",
                details.verification_uri().as_str(),
                details.user_code().secret()
            )
        }),
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().to_string(),
        expires_in: details.expires_in(),
        interval: details.interval(),
    };
    on_prompt(&prompt);

    let sleeper = timing.sleeper.clone();
    let result = client
        .exchange_device_access_token(&details)
        .request_async(&http, move |wait| sleeper.sleep(wait), options.timeout)
        .await;
    let response = match result {
        Ok(response) => response,
        Err(RequestTokenError::ServerResponse(response)) => {
            return Err(match response.error() {
                DeviceCodeErrorResponseType::AccessDenied => AuthError::DeviceCodeDeclined,
                DeviceCodeErrorResponseType::ExpiredToken => AuthError::DeviceCodeExpired,
                other if other.as_ref() == "authorization_declined" => {
                    AuthError::DeviceCodeDeclined
                }
                other => AuthError::from_oauth(
                    other.as_ref(),
                    response
                        .error_description()
                        .map(String::as_str)
                        .unwrap_or(""),
                ),
            })
        }
        Err(other) => return Err(map_request_error(other)),
    };
    tracing::info!("Microsoft device-code sign-in completed");
    Credentials::from_grant(config.clone(), scopes, store, timing, response.into()).await
}
