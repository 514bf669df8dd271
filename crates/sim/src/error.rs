//! Error types: [`SimError`] for invalid tenant data passed to the builder
//! methods, and [`GraphError`] for Graph error responses.

use axum::response::{IntoResponse, Response};
use http::StatusCode;

/// Invalid data passed to a [`crate::Tenant`] builder method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("place id '{0}' is already used by another place; pick another id or leave it unset")]
    DuplicatePlaceId(String),
    #[error(
        "parent '{parent}' of place '{place}' does not exist; \
         add the parent first and pass its `id`"
    )]
    UnknownParent { place: String, parent: String },
    #[error("{kind} '{place}' has no email address; set `email_address` so events can book it")]
    MissingAddress { kind: &'static str, place: String },
    #[error("event id '{0}' is already used; pick another id or leave it unset")]
    DuplicateEventId(String),
    #[error("event '{subject}' ends at {end}, before its start at {start}; fix the times")]
    EndBeforeStart {
        subject: String,
        start: String,
        end: String,
    },
    #[error("series '{subject}' has a count of 0; set `count` to 1 or more")]
    EmptySeries { subject: String },
    #[error("all-day event '{subject}' lasts 0 days; set `days` to 1 or more")]
    EmptyAllDay { subject: String },
    #[error("place '{0}' does not exist; pass the `id` or `placeId` of an added place")]
    UnknownPlace(String),
}

/// A Graph error response. The request pipeline renders the body as
/// `{"error": {"code", "message", "innerError": {...}}}` and adds the
/// `request-id` values, so handlers only choose status, code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ErrorItemNotFound", message)
    }

    pub fn invalid_token(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }
}

/// Marker placed in a response's extensions; the pipeline replaces the
/// empty body of such a response with the full Graph error body.
#[derive(Debug, Clone)]
pub(crate) struct PendingGraphError {
    pub code: String,
    pub message: String,
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(PendingGraphError {
            code: self.code,
            message: self.message,
        });
        response
    }
}
