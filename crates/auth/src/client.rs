//! [`Authenticator`]: the Entra public client. It runs the refresh and
//! authorization code grants through `oauth2` and maps every failure into
//! [`AuthError`]. The device code and browser flows live in their own
//! modules as further `impl Authenticator` blocks.

use std::sync::Arc;

use oauth2::{AuthUrl, ClientId, RequestTokenError, Scope, TokenUrl};
use tokio::time::Instant;
use url::Url;

use crate::config::AuthConfig;
use crate::error::{AuthError, EntraError};
use crate::http::{endpoint_name, HttpClient, HttpError};
use crate::problem::SignInProblem;
use crate::protocol::{EntraErrorBody, EntraTokenResponse, OAuthClient};
use crate::tokens::{RefreshToken, TokenSet};

/// An Entra v2.0 public client for one tenant and app registration.
#[derive(Debug, Clone)]
pub struct Authenticator {
    config: Arc<AuthConfig>,
    http: HttpClient,
    oauth: OAuthClient,
}

impl Authenticator {
    /// Validates `config` and builds a client with its own HTTP client.
    pub fn new(config: AuthConfig) -> Result<Self, AuthError> {
        Self::with_http_client(config, HttpClient::new()?)
    }

    /// Validates `config` and builds a client that sends through `http`.
    pub fn with_http_client(config: AuthConfig, http: HttpClient) -> Result<Self, AuthError> {
        config.validate()?;
        let auth_url = AuthUrl::from_url(config.endpoint("authorize"));
        let token_url = TokenUrl::from_url(config.endpoint("token"));
        let oauth = oauth2::Client::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_token_uri(token_url);
        Ok(Self {
            config: Arc::new(config),
            http,
            oauth,
        })
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    pub(crate) fn http(&self) -> &HttpClient {
        &self.http
    }

    pub(crate) fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    pub(crate) fn scopes(&self) -> impl Iterator<Item = Scope> + '_ {
        self.config.scopes.iter().cloned().map(Scope::new)
    }

    /// Redeems a refresh token. On success the returned set carries the
    /// rotated refresh token, or the old one when Entra sent none.
    pub async fn refresh(&self, refresh: &RefreshToken) -> Result<TokenSet, AuthError> {
        let token = oauth2::RefreshToken::new(refresh.secret().to_owned());
        let result = self
            .oauth
            .exchange_refresh_token(&token)
            .add_scopes(self.scopes())
            .request_async(&self.http)
            .await;
        let mut tokens = self.finish_grant("refresh_token", result)?;
        if tokens.refresh.is_none() {
            tokens.refresh = Some(refresh.clone());
        }
        Ok(tokens)
    }

    /// Converts the outcome of an `oauth2` token request, logging it.
    pub(crate) fn finish_grant(
        &self,
        grant: &'static str,
        result: Result<EntraTokenResponse, RequestTokenError<HttpError, EntraErrorBody>>,
    ) -> Result<TokenSet, AuthError> {
        let endpoint = self.config.endpoint("token");
        let response = result.map_err(|error| self.map_token_error(&endpoint, error));
        let tokens = response.and_then(|response| self.token_set(&endpoint, &response));
        match &tokens {
            Ok(tokens) => tracing::info!(
                grant,
                has_refresh_token = tokens.refresh.is_some(),
                "token request succeeded"
            ),
            Err(error) => tracing::warn!(grant, %error, "token request failed"),
        }
        tokens
    }

    pub(crate) fn token_set(
        &self,
        endpoint: &Url,
        response: &EntraTokenResponse,
    ) -> Result<TokenSet, AuthError> {
        TokenSet::from_response(response, Instant::now()).ok_or_else(|| AuthError::Protocol {
            endpoint: endpoint_name(endpoint),
            detail: "the token response has no expires_in".to_owned(),
        })
    }

    fn map_token_error(
        &self,
        endpoint: &Url,
        error: RequestTokenError<HttpError, EntraErrorBody>,
    ) -> AuthError {
        match error {
            RequestTokenError::ServerResponse(body) => self.entra_error(body).into(),
            RequestTokenError::Request(error) => error.into_auth_error(endpoint),
            // The body of an unparsable response is dropped: it is not
            // shown to anyone and could echo request parameters.
            RequestTokenError::Parse(error, _body) => AuthError::Protocol {
                endpoint: endpoint_name(endpoint),
                detail: format!("invalid JSON at {}", error.path()),
            },
            RequestTokenError::Other(detail) => AuthError::Protocol {
                endpoint: endpoint_name(endpoint),
                detail,
            },
        }
    }

    /// Classifies an Entra error body for this configuration.
    pub(crate) fn entra_error(&self, body: EntraErrorBody) -> EntraError {
        EntraError {
            problem: SignInProblem::classify(&body, &self.config),
            error: body.error,
            codes: body.error_codes,
            description: body.error_description.unwrap_or_default(),
            trace_id: body.trace_id,
            correlation_id: body.correlation_id,
        }
    }
}
