//! Error types of the sign-in flows and the token stores.

use std::fmt;
use std::path::PathBuf;

use crate::problem::SignInProblem;

/// Why a sign-in flow or a token refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// A setting is invalid before any request is sent.
    #[error("invalid {setting} {value:?}: {fix}")]
    InvalidConfig {
        setting: &'static str,
        value: String,
        fix: String,
    },
    /// The request did not reach the sign-in service or got no response.
    #[error("could not reach the sign-in service at {endpoint}: {detail}; check the network and try again")]
    Network { endpoint: String, detail: String },
    /// The sign-in service returned a 5xx status, which may pass.
    #[error("the sign-in service at {endpoint} returned HTTP {status}; try again later")]
    ServerUnavailable { endpoint: String, status: u16 },
    /// The response did not follow the Entra v2.0 protocol.
    #[error("unexpected response from the sign-in service at {endpoint}: {detail}")]
    Protocol { endpoint: String, detail: String },
    /// Entra rejected the request with an error body.
    #[error(transparent)]
    Entra(Box<EntraError>),
    #[error("the sign-in request was declined in the browser; run the sign-in again to retry")]
    DeviceCodeDeclined,
    #[error(
        "the sign-in code expired before it was entered; run the sign-in again for a new code"
    )]
    DeviceCodeExpired,
    #[error("the sign-in service did not recognise the device code; run the sign-in again")]
    BadVerificationCode,
    /// The redirect carried a `state` other than the one this flow sent,
    /// so it may come from another site and was rejected.
    #[error("the browser sign-in returned a state that does not match this request; run the sign-in again")]
    StateMismatch,
    /// The redirect carried an `error` instead of a code.
    #[error("the browser sign-in failed with {error}: {description}")]
    AuthorizationDenied { error: String, description: String },
    #[error("no browser sign-in completed within {seconds} s; run the sign-in again")]
    BrowserTimeout { seconds: u64 },
    #[error("could not open the browser: {0}; open the sign-in address by hand or use the device code sign-in")]
    BrowserOpen(String),
    /// The loopback listener that receives the browser redirect failed.
    #[error("the local listener for the browser sign-in failed: {0}")]
    Loopback(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<EntraError> for AuthError {
    fn from(error: EntraError) -> Self {
        Self::Entra(Box::new(error))
    }
}

impl AuthError {
    /// Returns the Entra error when Entra rejected the request.
    pub fn entra(&self) -> Option<&EntraError> {
        match self {
            Self::Entra(error) => Some(error),
            _ => None,
        }
    }

    /// Returns true when the failure may pass without anyone acting:
    /// network failures and 5xx responses.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Network { .. } | Self::ServerUnavailable { .. })
    }
}

/// An error body from the Entra token or device code endpoint, with its
/// meaning for the person signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraError {
    /// What the person or an admin must do next.
    pub problem: SignInProblem,
    /// The OAuth `error` value, such as `invalid_grant`.
    pub error: String,
    /// `error_codes`: the `AADSTS` numbers.
    pub codes: Vec<u32>,
    /// `error_description`, which starts with `AADSTS<number>:`.
    pub description: String,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
}

impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}", self.problem, self.error)?;
        for code in &self.codes {
            write!(f, ", AADSTS{code}")?;
        }
        if let Some(trace_id) = &self.trace_id {
            write!(f, ", trace id {trace_id}")?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for EntraError {}

/// A cloud name that [`crate::Cloud::from_str`](std::str::FromStr) does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown cloud {value:?}: use one of global, usgov-l4, usgov-l5, china")]
pub struct UnknownCloud {
    pub value: String,
}

/// Why the token store could not load, save or remove the sign-in.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not {action} the token file {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token file {path} is not valid ({detail}); sign out and sign in again")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the system keychain could not {action} the sign-in: {detail}")]
    Keychain {
        action: &'static str,
        detail: String,
    },
}
