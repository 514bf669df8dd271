//! The HTTP client for the sign-in endpoints: one `reqwest` client, used
//! directly for the device code flow and through `oauth2`'s
//! [`AsyncHttpClient`] trait for the code and refresh grants.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::AsyncHttpClient;
use url::Url;

use crate::error::AuthError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A transport failure or a 5xx status from the sign-in service.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Transport(String),
    /// The service returned a 5xx status. These are reported as errors at
    /// this layer so that no 5xx body is parsed as an OAuth error.
    #[error("HTTP {0}")]
    Status(u16),
}

impl HttpError {
    pub(crate) fn into_auth_error(self, endpoint: &Url) -> AuthError {
        let endpoint = endpoint_name(endpoint);
        match self {
            Self::Transport(detail) => AuthError::Network { endpoint, detail },
            Self::Status(status) => AuthError::ServerUnavailable { endpoint, status },
        }
    }
}

/// Returns the endpoint URL without its query, for messages and logs.
pub(crate) fn endpoint_name(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// An HTTP client for the Entra endpoints.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    /// Builds a client that follows no redirects, because a token endpoint
    /// that redirects could forward the grant to another host.
    pub fn new() -> Result<Self, AuthError> {
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| AuthError::Network {
                endpoint: "(client setup)".to_owned(),
                detail: error.to_string(),
            })?;
        Ok(Self { inner })
    }

    /// Wraps an existing client. It should follow no redirects.
    pub fn from_reqwest(inner: reqwest::Client) -> Self {
        Self { inner }
    }

    /// Sends a request and collects the whole response.
    pub(crate) async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, HttpError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|error| HttpError::Transport(error.to_string()))?;
        let response = self
            .inner
            .execute(request)
            .await
            .map_err(|error| HttpError::Transport(describe_reqwest_error(&error)))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(HttpError::Status(status.as_u16()));
        }
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| HttpError::Transport(describe_reqwest_error(&error)))?;
        let mut builder = http::Response::builder().status(status);
        if let Some(target) = builder.headers_mut() {
            target.extend(headers);
        }
        builder
            .body(body.to_vec())
            .map_err(|error| HttpError::Transport(error.to_string()))
    }

    /// Posts a form and returns the status and body.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
    ) -> Result<http::Response<Vec<u8>>, AuthError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = http::Request::post(url.as_str())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(body.into_bytes())
            .map_err(|error| AuthError::Protocol {
                endpoint: endpoint_name(url),
                detail: error.to_string(),
            })?;
        self.send(request)
            .await
            .map_err(|error| error.into_auth_error(url))
    }
}

/// Describes a JSON error by its category and position only, because
/// serde's message can quote the value, and the value can be a token.
pub(crate) fn json_error_detail(error: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        error.classify(),
        error.line(),
        error.column()
    )
}

/// Describes a reqwest error without its URL, so that no query string
/// ends up in a message.
fn describe_reqwest_error(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let source = std::error::Error::source(error)
        .map(|source| format!(": {source}"))
        .unwrap_or_default();
    format!("{kind}{source}")
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future =
        Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
