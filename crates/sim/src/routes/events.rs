//! `POST /v1.0/me/events/{id}/cancel` (organizer only) and
//! `POST /v1.0/me/events/{id}/decline` (attendee only). Both return
//! `202 Accepted` with no body.

use axum::body::Bytes;
use axum::extract::{Path, State};
use http::StatusCode;
use serde_json::Value;

use crate::error::GraphError;
use crate::model::ResponseType;
use crate::Tenant;

pub(crate) async fn cancel(
    State(tenant): State<Tenant>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    let comment = parse_comment(&body)?;
    let mut state = tenant.state();
    let mailbox = state.options.mailbox.clone();
    let index = find_event(&state, &id)?;
    let event = &mut state.events[index];
    if !event.is_organized_by(&mailbox) {
        tracing::info!(event_id = %id, "cancel by a non-organizer rejected");
        return Err(GraphError::bad_request(
            "ErrorAccessDenied",
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        ));
    }
    event.spec.is_cancelled = true;
    event.cancel_comment = comment;
    tracing::info!(event_id = %id, "event cancelled");
    Ok(StatusCode::ACCEPTED)
}

pub(crate) async fn decline(
    State(tenant): State<Tenant>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, GraphError> {
    parse_comment(&body)?;
    let now = tenant.now();
    let mut state = tenant.state();
    let mailbox = state.options.mailbox.clone();
    let index = find_event(&state, &id)?;
    let event = &mut state.events[index];
    if event.is_organized_by(&mailbox) {
        tracing::info!(event_id = %id, "decline by the organizer rejected");
        return Err(GraphError::bad_request(
            "ErrorInvalidRequest",
            "Your request can't be completed. The organizer can't decline their own meeting; \
             cancel it instead.",
        ));
    }
    event.spec.response = ResponseType::Declined;
    event.spec.response_time = Some(now);
    tracing::info!(event_id = %id, "event declined");
    Ok(StatusCode::ACCEPTED)
}

fn find_event(state: &crate::state::State, id: &str) -> Result<usize, GraphError> {
    state.event_index(id).ok_or_else(|| {
        GraphError::not_found(format!(
            "The event '{id}' was not found in the mailbox; use the id from calendarView."
        ))
    })
}

/// Reads the optional `comment` from an empty or JSON object body.
fn parse_comment(body: &[u8]) -> Result<Option<String>, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        GraphError::bad_request(
            "BadRequest",
            format!("The request body is not valid JSON: {error}."),
        )
    })?;
    match value.get("comment") {
        None | Some(Value::Null) if value.is_object() => Ok(None),
        Some(Value::String(comment)) => Ok(Some(comment.clone())),
        _ => Err(GraphError::bad_request(
            "BadRequest",
            "The request body must be a JSON object whose 'comment' is a string.",
        )),
    }
}
