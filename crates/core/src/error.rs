//! Errors of the engine and its parts.

use crate::ids::ICalUid;
use std::path::PathBuf;
use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error body from Graph, with the parts a caller acts on or logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphErrorBody {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl std::fmt::Display for GraphErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Graph returned {} {}: {}",
            self.status, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request-id {id})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Graph returned an error status and body.
    #[error("{0}")]
    Graph(GraphErrorBody),

    /// Graph kept returning 429 or 503 past the retry budget.
    #[error("Graph is throttling requests; retry after {retry_after:?}")]
    Throttled { retry_after: Option<Duration> },

    /// The request may or may not have reached Graph (timeout or dropped
    /// connection after sending). Only a read can tell.
    #[error("no answer from Graph for {what}: {reason}")]
    Ambiguous { what: String, reason: String },

    /// No connection could be made, or it broke before the request was sent.
    #[error("could not reach Graph at {url}: {reason}")]
    Unreachable { url: String, reason: String },

    /// Graph sent a body that does not parse.
    #[error("Graph sent a response that could not be read ({what}): {reason}")]
    Malformed { what: String, reason: String },

    #[error(transparent)]
    Token(#[from] deskcheck_auth::TokenError),

    #[error("invalid configuration in {}: {message}", file.display())]
    Config { file: PathBuf, message: String },

    #[error("invalid environment variable: {message}")]
    Environment { message: String },

    #[error("the local store at {} failed: {source}", path.display())]
    Store {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error(
        "cannot open the local store at {}: {reason}; check that its directory exists \
         and is writable, or set XDG_DATA_HOME to a writable directory",
        path.display()
    )]
    StoreOpen { path: PathBuf, reason: String },

    #[error("no reservation matches {0}; run `deskcheck status` to list them")]
    UnknownReservation(String),

    #[error("{0}")]
    NothingToCheckIn(String),

    #[error("check-in to {place} is not allowed now: {reason}")]
    NotAllowed {
        /// The booked place's name, for the message.
        place: String,
        ical_uid: ICalUid,
        reason: String,
    },

    #[error("a check-in for {0} is already being sent by another deskcheck process")]
    ClaimInProgress(ICalUid),

    #[error("network detection failed: {0}")]
    Network(#[from] deskcheck_net::NetError),

    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Whether retrying later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Throttled { .. } | Error::Unreachable { .. } | Error::Ambiguous { .. } => true,
            Error::Graph(body) => matches!(body.status, 429 | 500 | 502 | 503 | 504),
            Error::Token(deskcheck_auth::TokenError::Transient(_)) => true,
            _ => false,
        }
    }

    /// The Graph error code, when Graph sent one.
    pub fn graph_code(&self) -> Option<&str> {
        match self {
            Error::Graph(body) => Some(&body.code),
            _ => None,
        }
    }
}
