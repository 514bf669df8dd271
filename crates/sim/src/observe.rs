//! Records of what the server received, for test assertions.

use chrono::{DateTime, Utc};

use crate::faults::RouteKind;

/// One request as the server received it, with its response status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub route: RouteKind,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    /// Arrival time by the tenant clock.
    pub received: DateTime<Utc>,
    pub request_id: String,
    /// Name of the fault applied to the request, if any.
    pub fault: Option<String>,
}

/// One `POST /places/{placesId}/checkIns` as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInPost {
    /// The `{placesId}` path segment, as sent.
    pub path_id: String,
    /// `calendarEventId` from the body, if the body had one as a string.
    pub calendar_event_id: Option<String>,
    /// `checkInMethod` from the body, if the body had one as a string.
    pub check_in_method: Option<String>,
    /// `None` when the connection was dropped without a response.
    pub status: Option<u16>,
    pub received: DateTime<Utc>,
}

impl CheckInPost {
    /// Reads the fields of interest from a request body without
    /// validating it (validation is the handler's job).
    pub(crate) fn from_body(path_id: String, body: &[u8], received: DateTime<Utc>) -> Self {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let field = |name: &str| {
            parsed
                .as_ref()
                .and_then(|value| value.get(name))
                .and_then(|value| value.as_str())
                .map(str::to_owned)
        };
        Self {
            path_id,
            calendar_event_id: field("calendarEventId"),
            check_in_method: field("checkInMethod"),
            status: None,
            received,
        }
    }
}
