//! Check-in claims: `POST /v1.0/places/{placesId}/checkIns` and
//! `GET /v1.0/places/{placesId}/checkIns/{calendarEventId}`.
//!
//! Graph documents only the success cases. The error responses below are
//! choices of this simulation:
//! - a path id the tenant's [`CheckInPathId`] rule does not accept, or an
//!   unknown place: 404 `ErrorItemNotFound`;
//! - no live event with that iCalUId books the place: 400 `invalidRequest`;
//! - a second claim for the same place and event: 409 `Conflict`;
//! - a body that is not JSON, misses a field, has an unknown property or
//!   an unknown `checkInMethod`: 400 `BadRequest`;
//! - a `Content-Type` other than JSON: 415 `UnsupportedMediaType`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{HeaderMap, StatusCode};
use serde_json::{json, Map, Value};

use super::odata;
use crate::error::GraphError;
use crate::model::{CheckInMethod, Claim};
use crate::state::State as TenantState;
use crate::{CheckInPathId, ClaimShape, Tenant};

const CLAIM_PROPERTIES: &[&str] = &["@odata.type", "calendarEventId", "checkInMethod"];

/// A validated create request.
struct ClaimRequest {
    calendar_event_id: String,
    method: CheckInMethod,
}

pub(crate) async fn create(
    State(tenant): State<Tenant>,
    Path(place): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GraphError> {
    require_json(&headers)?;
    let request = parse_request(&body)?;
    let created = tenant.now();

    let mut state = tenant.state();
    let rule = state.options.check_in_path_id;
    let place_index = state
        .resolve_check_in_place(&place)
        .ok_or_else(|| place_not_found(&place, rule))?;
    check_claimable(&state, place_index, &place, &request.calendar_event_id)?;

    let claim = Claim {
        place_index,
        calendar_event_id: request.calendar_event_id,
        method: request.method,
        created,
    };
    let mut body = claim.to_json();
    body["@odata.context"] = json!(entity_context(&headers, &place));
    state.claims.push(claim);
    tracing::info!(
        place,
        method = request.method.as_str(),
        "check-in claim created"
    );
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub(crate) async fn get(
    State(tenant): State<Tenant>,
    Path((place, calendar_event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, GraphError> {
    let state = tenant.state();
    let rule = state.options.check_in_path_id;
    let place_index = state
        .resolve_check_in_place(&place)
        .ok_or_else(|| place_not_found(&place, rule))?;
    let Some(index) = state.claim_index(place_index, &calendar_event_id) else {
        return Err(GraphError::not_found(format!(
            "No check-in for event '{calendar_event_id}' exists at place '{place}'."
        )));
    };
    let claim = state.claims[index].to_json();
    let context = entity_context(&headers, &place);
    let body = match state.options.claim_shape {
        ClaimShape::Wrapped => json!({"@odata.context": context, "value": claim}),
        ClaimShape::Bare => {
            let mut bare = claim;
            bare["@odata.context"] = json!(context);
            bare
        }
    };
    Ok(Json(body))
}

/// Rejects a claim for a place that no live event with this iCalUId
/// books, and a second claim for the same place and event.
fn check_claimable(
    state: &TenantState,
    place_index: usize,
    place: &str,
    calendar_event_id: &str,
) -> Result<(), GraphError> {
    if !state.has_booking(place_index, calendar_event_id) {
        tracing::info!(
            place,
            calendar_event_id,
            "check-in without a booking rejected"
        );
        return Err(GraphError::bad_request(
            "invalidRequest",
            format!(
                "No reservation with iCalUId '{calendar_event_id}' exists for place '{place}'; \
                 send the iCalUId of an event that books this place."
            ),
        ));
    }
    if state.claim_index(place_index, calendar_event_id).is_some() {
        tracing::info!(place, calendar_event_id, "duplicate check-in rejected");
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Conflict",
            format!(
                "A check-in for event '{calendar_event_id}' at place '{place}' already exists."
            ),
        ));
    }
    Ok(())
}

fn entity_context(headers: &HeaderMap, place: &str) -> String {
    format!(
        "{}/v1.0/$metadata#places('{place}')/checkIns/$entity",
        odata::base_url(headers)
    )
}

fn place_not_found(place: &str, rule: CheckInPathId) -> GraphError {
    tracing::info!(place, ?rule, "check-in path id not accepted");
    GraphError::not_found(format!("The place '{place}' was not found."))
}

fn require_json(headers: &HeaderMap) -> Result<(), GraphError> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let is_json = content_type
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        return Ok(());
    }
    Err(GraphError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UnsupportedMediaType",
        format!("The Content-Type '{content_type}' is not supported; send application/json."),
    ))
}

fn bad_request(message: String) -> GraphError {
    GraphError::bad_request("BadRequest", message)
}

fn parse_request(body: &[u8]) -> Result<ClaimRequest, GraphError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| bad_request(format!("The request body is not valid JSON: {error}.")))?;
    let Value::Object(object) = value else {
        return Err(bad_request(
            "The request body must be a JSON object.".into(),
        ));
    };
    check_properties(&object)?;
    let calendar_event_id =
        match object.get("calendarEventId") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            _ => return Err(bad_request(
                "The property 'calendarEventId' is missing or not a non-empty string; set it to \
                 the event's iCalUId."
                    .into(),
            )),
        };
    let method = parse_method(object.get("checkInMethod"))?;
    Ok(ClaimRequest {
        calendar_event_id,
        method,
    })
}

fn check_properties(object: &Map<String, Value>) -> Result<(), GraphError> {
    if let Some(unknown) = object
        .keys()
        .find(|key| !CLAIM_PROPERTIES.contains(&key.as_str()))
    {
        return Err(bad_request(format!(
            "The property '{unknown}' does not exist on type 'microsoft.graph.checkInClaim'; \
             remove it."
        )));
    }
    match object.get("@odata.type") {
        None => Ok(()),
        Some(Value::String(odata_type))
            if odata_type.trim_start_matches('#') == "microsoft.graph.checkInClaim" =>
        {
            Ok(())
        }
        Some(other) => Err(bad_request(format!(
            "The @odata.type {other} is not valid here; use #microsoft.graph.checkInClaim."
        ))),
    }
}

fn parse_method(value: Option<&Value>) -> Result<CheckInMethod, GraphError> {
    let allowed = CheckInMethod::ALL.map(CheckInMethod::as_str).join(", ");
    match value {
        Some(Value::String(raw)) => CheckInMethod::parse(raw).ok_or_else(|| {
            bad_request(format!(
                "The value '{raw}' is not valid for checkInMethod; use one of {allowed}."
            ))
        }),
        Some(other) => Err(bad_request(format!(
            "The value {other} is not valid for checkInMethod; use one of {allowed}."
        ))),
        None => Err(bad_request(format!(
            "The property 'checkInMethod' is missing; set it to one of {allowed}."
        ))),
    }
}
