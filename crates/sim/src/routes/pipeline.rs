//! The middleware every request passes through: request ids, counters and
//! records, scripted faults, bearer checks, and rendering of Graph error
//! bodies.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::StatusCode;
use serde_json::json;

use crate::error::{GraphError, PendingGraphError};
use crate::faults::{FaultKind, RouteKind};
use crate::identity::BearerRejection;
use crate::observe::{CheckInPost, RequestRecord};
use crate::Tenant;

const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Largest check-in body read for the post record; Graph bodies here are
/// a few hundred bytes.
const MAX_RECORDED_BODY: usize = 64 * 1024;

/// Ids that tie a response to its request.
struct RequestIds {
    request_id: String,
    client_request_id: String,
}

/// Runs one request through faults, the bearer check and the handler, and
/// records it.
pub(crate) async fn handle(State(tenant): State<Tenant>, request: Request, next: Next) -> Response {
    let received = tenant.now();
    let route = RouteKind::classify(request.method(), request.uri().path());
    let ids = request_ids(&request);
    let mut record = RequestRecord {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        route,
        status: None,
        received,
        request_id: ids.request_id.clone(),
        fault: None,
    };
    let (request, post) = capture_check_in_post(route, request, received).await;
    let fault = take_fault(&tenant, route);
    record.fault = fault.as_ref().map(|kind| format!("{kind:?}"));

    if let Some(FaultKind::SlowResponse(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    if fault == Some(FaultKind::ExpireAccessTokens) {
        tenant.identity().expire_all_access_tokens();
    }
    if fault == Some(FaultKind::DropConnection) {
        finish(&tenant, record, post, None);
        drop_connection();
    }
    let response = match fault.as_ref().and_then(fault_response) {
        Some(response) => response,
        None => match reject_bearer(&tenant, &record.path, &request) {
            None => next.run(request).await,
            Some(rejection) => rejection,
        },
    };
    let response = finalize(response, &ids);
    // A response dropped after the handler ran never reaches the client,
    // so it is recorded without a status.
    let delivered = fault != Some(FaultKind::DropAfterApply);
    let status = delivered.then(|| response.status().as_u16());
    finish(&tenant, record, post, status);
    after_apply(fault).await;
    response
}

fn request_ids(request: &Request) -> RequestIds {
    let request_id = crate::model::guid(&format!("request-{}", rand::random::<u64>()));
    let client_request_id = request
        .headers()
        .get(CLIENT_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| request_id.clone());
    RequestIds {
        request_id,
        client_request_id,
    }
}

/// Reads the body of a check-in POST for the post record and puts it back
/// for the handler.
async fn capture_check_in_post(
    route: RouteKind,
    request: Request,
    received: DateTime<Utc>,
) -> (Request, Option<CheckInPost>) {
    if route != RouteKind::CheckInCreate {
        return (request, None);
    }
    let path_id = request
        .uri()
        .path()
        .split('/')
        .nth(3)
        .unwrap_or_default()
        .to_owned();
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_RECORDED_BODY)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "check-in body could not be read");
            Bytes::new()
        });
    let post = CheckInPost::from_body(path_id, &bytes, received);
    (Request::from_parts(parts, Body::from(bytes)), Some(post))
}

fn take_fault(tenant: &Tenant, route: RouteKind) -> Option<FaultKind> {
    let mut state = tenant.state();
    *state.counters.entry(route).or_default() += 1;
    let fault = state.faults.take(route);
    if let Some(kind) = &fault {
        tracing::info!(?route, ?kind, "applying scripted fault");
    }
    fault
}

/// Builds the response of a fault that replaces the handler's response.
fn fault_response(kind: &FaultKind) -> Option<Response> {
    let response = match kind {
        FaultKind::TooManyRequests {
            retry_after_seconds,
        } => with_retry_after(
            GraphError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests were sent for this mailbox; wait and retry.",
            ),
            *retry_after_seconds,
        ),
        FaultKind::ServiceUnavailable {
            retry_after_seconds,
        } => with_retry_after(
            GraphError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable; retry after a delay.",
            ),
            *retry_after_seconds,
        ),
        FaultKind::GatewayTimeout => GraphError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "GatewayTimeout",
            "The gateway timed out waiting for the backend; retry after a delay.",
        )
        .into_response(),
        FaultKind::MalformedJson => malformed_json(),
        FaultKind::Unauthorized => {
            invalid_token("Lifetime validation failed, the token is expired.", true)
        }
        FaultKind::SlowResponse(_)
        | FaultKind::DropConnection
        | FaultKind::DropAfterApply
        | FaultKind::DelayAfterApply(_)
        | FaultKind::ExpireAccessTokens => return None,
    };
    Some(response)
}

fn with_retry_after(error: GraphError, seconds: Option<u64>) -> Response {
    match seconds {
        Some(seconds) => ([(RETRY_AFTER, seconds.to_string())], error).into_response(),
        None => error.into_response(),
    }
}

fn malformed_json() -> Response {
    (
        StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        r#"{"value": [{"id": "AAMkAGSim"#,
    )
        .into_response()
}

fn invalid_token(message: &str, expired: bool) -> Response {
    let challenge = if expired {
        r#"Bearer realm="", error="invalid_token", error_description="The access token has expired""#
    } else {
        r#"Bearer realm="", error="invalid_token""#
    };
    (
        [(WWW_AUTHENTICATE, challenge)],
        GraphError::invalid_token(message),
    )
        .into_response()
}

/// Checks the bearer token of a Graph request when the tenant requires it,
/// and returns the 401 response for a rejected token.
fn reject_bearer(tenant: &Tenant, path: &str, request: &Request) -> Option<Response> {
    if !path.starts_with("/v1.0") || !tenant.options().require_auth {
        return None;
    }
    let header = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let rejection = tenant.identity().check_bearer(header).err()?;
    tracing::info!(?rejection, path, "bearer token rejected");
    let response = match rejection {
        BearerRejection::Missing => invalid_token("Access token is empty.", false),
        BearerRejection::Invalid => invalid_token(
            "Access token validation failure: the token is not a token this tenant issued.",
            false,
        ),
        BearerRejection::Expired => {
            invalid_token("Lifetime validation failed, the token is expired.", true)
        }
    };
    Some(response)
}

/// Adds the id headers and, for a [`GraphError`], the Graph error body.
fn finalize(mut response: Response, ids: &RequestIds) -> Response {
    if let Some(pending) = response.extensions_mut().remove::<PendingGraphError>() {
        let body = json!({
            "error": {
                "code": pending.code,
                "message": pending.message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                },
            },
        });
        *response.body_mut() = Body::from(body.to_string());
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (REQUEST_ID, &ids.request_id),
        (CLIENT_REQUEST_ID, &ids.client_request_id),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

/// Stores the request record (and check-in post record) and wakes waiters.
fn finish(
    tenant: &Tenant,
    mut record: RequestRecord,
    post: Option<CheckInPost>,
    status: Option<u16>,
) {
    record.status = status;
    tracing::info!(
        method = %record.method,
        path = %record.path,
        status,
        request_id = %record.request_id,
        "request handled"
    );
    {
        let mut state = tenant.state();
        state.requests.push(record);
        if let Some(mut post) = post {
            post.status = status;
            state.posts.push(post);
        }
    }
    tenant.notify_change();
}

/// Applies the part of a fault that comes after the handler ran.
async fn after_apply(fault: Option<FaultKind>) {
    match fault {
        Some(FaultKind::DelayAfterApply(delay)) => delay_response(delay).await,
        Some(FaultKind::DropAfterApply) => drop_connection(),
        _ => {}
    }
}

async fn delay_response(delay: Duration) {
    tracing::debug!(?delay, "holding an applied response");
    tokio::time::sleep(delay).await;
}

/// Closes the client's TCP connection without a response.
///
/// axum serves each connection in its own tokio task, and hyper polls the
/// handler inside that task. Unwinding here ends the task, which drops the
/// socket, so the client sees the connection close mid-request.
/// `resume_unwind` skips the panic hook, so nothing is printed.
fn drop_connection() -> ! {
    tracing::info!("dropping the connection without a response");
    std::panic::resume_unwind(Box::new("simulated dropped connection"))
}
