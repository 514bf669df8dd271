//! Microsoft Entra sign-in for deskcheck.
//!
//! This crate has no Tauri dependency. The Graph client in `deskcheck-core`
//! asks a [`TokenSource`] for bearer tokens and never sees refresh tokens.
//!
//! An [`Authenticator`] runs the sign-in flows against the Entra v2.0
//! endpoints of an [`AuthConfig`]: the device code flow
//! ([`Authenticator::start_device_code`]) and the browser flow with PKCE
//! ([`Authenticator::sign_in_with_browser`]). A [`Session`] holds the
//! resulting tokens, refreshes them and keeps the refresh token in a
//! [`SecretStore`].

use async_trait::async_trait;

mod browser;
mod client;
mod config;
mod device;
mod error;
mod http;
mod problem;
mod protocol;
mod session;
mod store;
mod tokens;

pub use browser::{BrowserOpener, BrowserOptions, OpenError, SystemBrowser};
pub use client::Authenticator;
pub use config::{AuthConfig, Cloud, DEFAULT_SCOPES};
pub use device::{DeviceCodePrompt, DevicePoll};
pub use error::{AuthError, EntraError, StoreError, UnknownCloud};
pub use http::{HttpClient, HttpError};
pub use problem::SignInProblem;
pub use protocol::EntraErrorBody;
pub use session::{AuthState, Session, SignOutReason, DEFAULT_REFRESH_MARGIN};
pub use store::{
    open_secret_store, FileStore, KeyringStore, MemoryStore, SecretStore, StoredSignIn, Warning,
    KEYRING_SERVICE, TOKEN_FILE_NAME,
};
pub use tokens::{Account, RefreshToken, TokenSet};

/// A bearer token for Microsoft Graph. `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The token text, for the `Authorization` header only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Why no access token could be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TokenError {
    /// Nobody is signed in, or the stored sign-in was revoked or expired.
    #[error("not signed in: run `deskcheck login` or choose Sign in from the tray")]
    SignInRequired,
    /// The token endpoint failed in a way that may pass (network, 5xx).
    #[error("token refresh failed, will retry: {0}")]
    Transient(String),
    /// The token endpoint rejected the request in a way the person must fix.
    #[error("{0}")]
    Rejected(String),
}

/// A source of access tokens for the Graph client.
#[async_trait]
pub trait TokenSource: Send + Sync {
    /// Returns a token that is valid now, refreshing ahead of expiry.
    async fn access_token(&self) -> Result<AccessToken, TokenError>;

    /// Called when Graph answered 401 to `rejected`: refresh once and return
    /// a new token, or fail. The client retries its request at most once.
    async fn refresh_after_unauthorized(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, TokenError>;
}

/// A fixed token, for tests and tools that bring their own.
pub struct StaticToken(pub AccessToken);

#[async_trait]
impl TokenSource for StaticToken {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.0.clone())
    }

    async fn refresh_after_unauthorized(
        &self,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, TokenError> {
        Err(TokenError::SignInRequired)
    }
}
