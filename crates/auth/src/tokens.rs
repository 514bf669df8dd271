//! Token values returned by the sign-in flows. Every secret has a `Debug`
//! impl that prints no part of it.

use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use oauth2::TokenResponse as _;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::protocol::EntraTokenResponse;
use crate::AccessToken;

/// A refresh token. Entra rotates it: each refresh returns a new one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RefreshToken(String);

impl RefreshToken {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// Returns the token text, for the token request only.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(<redacted>)")
    }
}

/// The signed-in account, read from the ID token for display only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `preferred_username`, usually the email address.
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `tid`, the tenant id.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// The tokens from one successful token response.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access: AccessToken,
    /// Absent when `offline_access` was not granted.
    pub refresh: Option<RefreshToken>,
    /// When the access token expires, on the tokio clock.
    pub expires_at: Instant,
    pub account: Option<Account>,
}

impl TokenSet {
    /// Builds a token set from a token response received at `received_at`.
    /// Returns `None` when the response has no `expires_in`.
    pub(crate) fn from_response(
        response: &EntraTokenResponse,
        received_at: Instant,
    ) -> Option<Self> {
        let expires_in = response.expires_in()?;
        let account = response
            .extra_fields()
            .id_token
            .as_deref()
            .and_then(account_from_id_token);
        Some(Self {
            access: AccessToken::new(response.access_token().secret().clone()),
            refresh: response
                .refresh_token()
                .map(|token| RefreshToken::new(token.secret().clone())),
            expires_at: received_at + expires_in,
            account,
        })
    }

    /// Returns true when the access token expires within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        Instant::now() + margin >= self.expires_at
    }
}

#[derive(Deserialize)]
struct IdTokenClaims {
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    tid: Option<String>,
}

/// Reads the account from an ID token's payload. The signature is not
/// checked, because the account is only shown and never trusted: the token
/// came straight from the token endpoint over TLS.
fn account_from_id_token(id_token: &str) -> Option<Account> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: IdTokenClaims = serde_json::from_slice(&bytes).ok()?;
    let username = claims.preferred_username.or(claims.upn)?;
    Some(Account {
        username,
        name: claims.name,
        tenant_id: claims.tid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_reads_id_token_payload() {
        let payload = URL_SAFE_NO_PAD
            .encode(r#"{"preferred_username":"ana@contoso.example","name":"Ana","tid":"t1"}"#);
        let token = format!("e30.{payload}.sig");
        let account = account_from_id_token(&token).unwrap();
        assert_eq!(account.username, "ana@contoso.example");
        assert_eq!(account.name.as_deref(), Some("Ana"));
        assert_eq!(account.tenant_id.as_deref(), Some("t1"));
        assert!(account_from_id_token("not-a-jwt").is_none());
    }

    #[test]
    fn refresh_token_debug_redacts() {
        let token = RefreshToken::new("very-secret-value");
        assert!(!format!("{token:?}").contains("very-secret"));
    }
}
