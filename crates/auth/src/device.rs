//! The device code flow (RFC 8628 as Entra implements it): request a code,
//! show the prompt, then poll the token endpoint at the given interval
//! until the person approves, declines or the code expires.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Authenticator;
use crate::error::AuthError;
use crate::http::{endpoint_name, json_error_detail};
use crate::protocol::{DeviceCodeBody, EntraErrorBody, EntraTokenResponse};
use crate::tokens::TokenSet;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Poll interval when Entra sends none (RFC 8628 section 3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// Added to the poll interval after each `slow_down` (RFC 8628 section 3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The device code, which only the token request may see.
#[derive(Clone)]
struct DeviceCode(String);

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceCode(<redacted>)")
    }
}

/// What to show the person: open `verification_uri` and enter `user_code`.
#[derive(Debug, Clone)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    /// Entra's own instructions, ready to print.
    pub message: String,
    /// How long the code stays valid after it was issued.
    pub expires_in: Duration,
    /// When the code expires, on the tokio clock.
    pub expires_at: Instant,
    /// The poll interval Entra asked for.
    pub interval: Duration,
    device_code: DeviceCode,
}

/// The result of one poll that did not end the flow with an error.
#[derive(Debug)]
pub enum DevicePoll {
    /// `authorization_pending`: nobody has entered the code yet.
    Pending,
    /// `slow_down`: poll less often.
    SlowDown,
    Approved(Box<TokenSet>),
}

impl Authenticator {
    /// Requests a device code for the configured scopes.
    pub async fn start_device_code(&self) -> Result<DeviceCodePrompt, AuthError> {
        let endpoint = self.config().endpoint("devicecode");
        let scope = self.config().scope_param();
        let form = [
            ("client_id", self.config().client_id.as_str()),
            ("scope", scope.as_str()),
        ];
        let response = self.http().post_form(&endpoint, &form).await?;
        if !response.status().is_success() {
            let error = self.error_from_body(&endpoint, response.body());
            tracing::warn!(%error, "device code request failed");
            return Err(error);
        }
        let body: DeviceCodeBody =
            serde_json::from_slice(response.body()).map_err(|error| AuthError::Protocol {
                endpoint: endpoint_name(&endpoint),
                detail: format!(
                    "invalid device code response: {}",
                    json_error_detail(&error)
                ),
            })?;
        let prompt = prompt_from_body(body);
        tracing::info!(
            expires_in_s = prompt.expires_in.as_secs(),
            interval_s = prompt.interval.as_secs(),
            "device code issued"
        );
        Ok(prompt)
    }

    /// Polls until the person approves the code, then returns the tokens.
    /// Network failures and 5xx responses are retried at the next interval
    /// until the code expires.
    pub async fn wait_for_device_code(
        &self,
        prompt: &DeviceCodePrompt,
    ) -> Result<TokenSet, AuthError> {
        let mut interval = prompt.interval;
        loop {
            tokio::time::sleep(interval).await;
            if Instant::now() >= prompt.expires_at {
                tracing::warn!("device code expired before approval");
                return Err(AuthError::DeviceCodeExpired);
            }
            match self.poll_device_code(prompt).await {
                Ok(DevicePoll::Approved(tokens)) => return Ok(*tokens),
                Ok(DevicePoll::Pending) => {}
                Ok(DevicePoll::SlowDown) => {
                    interval += SLOW_DOWN_STEP;
                    tracing::info!(
                        interval_s = interval.as_secs(),
                        "device code poll slowed down"
                    );
                }
                Err(error) if error.is_transient() => {
                    tracing::warn!(%error, "device code poll failed, retrying");
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Sends one device code token request.
    pub async fn poll_device_code(
        &self,
        prompt: &DeviceCodePrompt,
    ) -> Result<DevicePoll, AuthError> {
        let endpoint = self.config().endpoint("token");
        let form = [
            ("grant_type", DEVICE_GRANT),
            ("client_id", self.config().client_id.as_str()),
            ("device_code", prompt.device_code.0.as_str()),
        ];
        let response = self.http().post_form(&endpoint, &form).await?;
        if response.status().is_success() {
            let body: EntraTokenResponse =
                serde_json::from_slice(response.body()).map_err(|error| AuthError::Protocol {
                    endpoint: endpoint_name(&endpoint),
                    detail: format!("invalid token response: {}", json_error_detail(&error)),
                })?;
            let tokens = self.token_set(&endpoint, &body)?;
            tracing::info!(grant = "device_code", "token request succeeded");
            return Ok(DevicePoll::Approved(Box::new(tokens)));
        }
        self.poll_outcome(&endpoint, response.body())
    }

    fn poll_outcome(&self, endpoint: &url::Url, body: &[u8]) -> Result<DevicePoll, AuthError> {
        let Ok(error_body) = serde_json::from_slice::<EntraErrorBody>(body) else {
            return Err(self.error_from_body(endpoint, body));
        };
        tracing::debug!(error = %error_body.error, "device code poll answered");
        match error_body.error.as_str() {
            "authorization_pending" => Ok(DevicePoll::Pending),
            "slow_down" => Ok(DevicePoll::SlowDown),
            "authorization_declined" => Err(AuthError::DeviceCodeDeclined),
            "expired_token" => Err(AuthError::DeviceCodeExpired),
            "bad_verification_code" => Err(AuthError::BadVerificationCode),
            _ => {
                let error = AuthError::from(self.entra_error(error_body));
                tracing::warn!(%error, "device code poll rejected");
                Err(error)
            }
        }
    }

    /// Builds the error for a non-success response body.
    pub(crate) fn error_from_body(&self, endpoint: &url::Url, body: &[u8]) -> AuthError {
        match serde_json::from_slice::<EntraErrorBody>(body) {
            Ok(error_body) => AuthError::from(self.entra_error(error_body)),
            Err(_) => AuthError::Protocol {
                endpoint: endpoint_name(endpoint),
                detail: "the error response is not an Entra error body".to_owned(),
            },
        }
    }
}

fn prompt_from_body(body: DeviceCodeBody) -> DeviceCodePrompt {
    let expires_in = Duration::from_secs(body.expires_in);
    let interval = body
        .interval
        .filter(|seconds| *seconds > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_INTERVAL);
    let message = body.message.unwrap_or_else(|| {
        format!(
            "Open {} and enter the code {}.",
            body.verification_uri, body.user_code
        )
    });
    DeviceCodePrompt {
        user_code: body.user_code,
        verification_uri: body.verification_uri,
        message,
        expires_in,
        expires_at: Instant::now() + expires_in,
        interval,
        device_code: DeviceCode(body.device_code),
    }
}
