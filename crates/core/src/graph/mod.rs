//! A typed Microsoft Graph client for the calls deskcheck makes.
//!
//! Every request goes through [`Client::send`], which adds the bearer
//! token, keeps at most four requests in flight (Outlook's documented limit
//! per mailbox and app), retries throttling and transient failures within a
//! bounded budget, and turns Graph's error body into [`GraphErrorBody`].

mod calendar;
mod checkins;
mod places;
pub mod retry;
pub mod wire;

pub use calendar::CalendarRange;
pub use checkins::PostOutcome;

use crate::error::{Error, GraphErrorBody, Result};
use deskcheck_auth::{AccessToken, TokenSource};
use reqwest::{Method, StatusCode};
use retry::{parse_retry_after, RetryPolicy};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tracing::{debug, warn};
use url::Url;

/// Outlook allows four concurrent requests per mailbox per app.
const MAX_IN_FLIGHT: usize = 4;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<dyn TokenSource>,
    in_flight: Arc<Semaphore>,
    retry: RetryPolicy,
}

/// Whether a request may be sent again after a response that leaves its
/// effect unknown. Reads may; a check-in POST may not, because a second
/// POST could create a second claim: its caller reads the claim back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    Safe,
    Unsafe,
}

pub struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Option<serde_json::Value>,
    pub replay: Replay,
    /// Names the call in logs and errors, e.g. `calendarView`.
    pub what: &'static str,
}

impl Client {
    /// Creates a client for the Graph root `base`, e.g. `https://graph.microsoft.com/v1.0`.
    pub fn new(http: reqwest::Client, base: Url, tokens: Arc<dyn TokenSource>) -> Self {
        Self {
            http,
            base,
            tokens,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            retry: RetryPolicy::default(),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the HTTP client every deskcheck request shares.
    pub fn http_client() -> reqwest::Client {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("deskcheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the TLS backend is compiled in")
    }

    /// Builds a URL below the Graph root; `path` starts with `/`.
    pub fn url(&self, path: &str) -> Url {
        let mut text = self.base.as_str().trim_end_matches('/').to_owned();
        text.push_str(path);
        Url::parse(&text).expect("Graph root plus an escaped path is a valid URL")
    }

    /// Checks that a `@odata.nextLink` points at the same origin as the
    /// Graph root before the bearer token is sent to it.
    fn same_origin(&self, link: &str, what: &str) -> Result<Url> {
        let url = Url::parse(link).map_err(|err| Error::Malformed {
            what: what.to_owned(),
            reason: format!("invalid @odata.nextLink {link:?}: {err}"),
        })?;
        if url.origin() != self.base.origin() {
            return Err(Error::Malformed {
                what: what.to_owned(),
                reason: format!("@odata.nextLink {link:?} leaves {}", self.base),
            });
        }
        Ok(url)
    }

    /// Sends `request` and parses a JSON response.
    pub async fn send_json<T: DeserializeOwned>(&self, request: Request) -> Result<T> {
        let what = request.what;
        let response = self.send(request).await?;
        let bytes = response.bytes().await.map_err(|err| Error::Ambiguous {
            what: what.to_owned(),
            reason: format!("the response body broke off: {err}"),
        })?;
        serde_json::from_slice(&bytes).map_err(|err| Error::Malformed {
            what: what.to_owned(),
            reason: err.to_string(),
        })
    }

    /// Sends `request`, retrying within the policy, and returns the first
    /// response with a success status.
    pub async fn send(&self, request: Request) -> Result<reqwest::Response> {
        let _permit = self
            .in_flight
            .acquire()
            .await
            .expect("semaphore is never closed");
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&request, &token).await;
            let retry_after = match outcome {
                Attempt::Done(response) => return Ok(response),
                Attempt::Failed(error) => return Err(error),
                Attempt::Unauthorized(body) => {
                    if refreshed {
                        return Err(Error::Graph(body));
                    }
                    debug!(
                        what = request.what,
                        "Graph rejected the access token; refreshing once"
                    );
                    token = self.tokens.refresh_after_unauthorized(&token).await?;
                    refreshed = true;
                    attempt -= 1;
                    continue;
                }
                Attempt::Retry { error, retry_after } => {
                    if attempt >= self.retry.max_attempts {
                        warn!(what = request.what, attempts = attempt, %error, "giving up");
                        return Err(match error {
                            Error::Graph(body) if body.status == 429 || body.status == 503 => {
                                Error::Throttled { retry_after }
                            }
                            other => other,
                        });
                    }
                    let delay = self.retry.delay(attempt, retry_after);
                    debug!(what = request.what, attempt, ?delay, %error, "retrying");
                    delay
                }
            };
            tokio::time::sleep(retry_after).await;
        }
    }

    async fn attempt(&self, request: &Request, token: &AccessToken) -> Attempt {
        let mut builder = self
            .http
            .request(request.method.clone(), request.url.clone())
            .bearer_auth(token.secret())
            .header("Prefer", "outlook.timezone=\"UTC\"");
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = match builder.send().await {
            Ok(response) => response,
            Err(err) => return self.transport_failure(request, err),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Done(response);
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_retry_after);
        let body = read_error_body(response, status).await;
        match status {
            StatusCode::UNAUTHORIZED => Attempt::Unauthorized(body),
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry {
                error: Error::Graph(body),
                retry_after,
            },
            // A POST that got 503 or 504 may still have been applied: only
            // a read can tell, so the caller decides.
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
                if request.replay == Replay::Safe =>
            {
                Attempt::Retry {
                    error: Error::Graph(body),
                    retry_after,
                }
            }
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
                Attempt::Failed(Error::Ambiguous {
                    what: request.what.to_owned(),
                    reason: body.to_string(),
                })
            }
            _ => Attempt::Failed(Error::Graph(body)),
        }
    }

    fn transport_failure(&self, request: &Request, err: reqwest::Error) -> Attempt {
        let reason = error_chain(&err);
        if err.is_connect() {
            return Attempt::Retry {
                error: Error::Unreachable {
                    url: request.url.origin().ascii_serialization(),
                    reason,
                },
                retry_after: None,
            };
        }
        let error = Error::Ambiguous {
            what: request.what.to_owned(),
            reason,
        };
        match request.replay {
            Replay::Safe => Attempt::Retry {
                error,
                retry_after: None,
            },
            Replay::Unsafe => Attempt::Failed(error),
        }
    }
}

enum Attempt {
    Done(reqwest::Response),
    Failed(Error),
    Unauthorized(GraphErrorBody),
    Retry {
        error: Error,
        retry_after: Option<Duration>,
    },
}

async fn read_error_body(response: reqwest::Response, status: StatusCode) -> GraphErrorBody {
    let header_request_id = response
        .headers()
        .get("request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<wire::ErrorEnvelope>(&bytes) {
        Ok(envelope) => GraphErrorBody {
            status: status.as_u16(),
            code: envelope.error.code,
            message: envelope.error.message,
            request_id: envelope
                .error
                .inner_error
                .and_then(|inner| inner.request_id)
                .or(header_request_id),
        },
        Err(_) => GraphErrorBody {
            status: status.as_u16(),
            code: status.canonical_reason().unwrap_or("unknown").to_owned(),
            message: String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            request_id: header_request_id,
        },
    }
}

/// Formats an error with its sources, for logs and messages.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
