//! The HTTP routes: Graph v1.0 under `/v1.0`, the Entra ID endpoints at
//! the root, and the request pipeline wrapped around all of them.

mod calendar;
mod checkins;
mod events;
mod odata;
mod pipeline;
mod places;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use http::{Method, Uri};

use crate::error::GraphError;
use crate::Tenant;

/// Builds the whole application router for `tenant`.
pub(crate) fn app(tenant: Tenant) -> Router {
    let graph = Router::new()
        .route("/me/calendarView", get(calendar::calendar_view))
        .route("/places/{place}", get(places::get_places))
        .route("/places/{place}/checkIns", post(checkins::create))
        .route("/places/{place}/checkIns/{event}", get(checkins::get))
        .route("/me/events/{id}/cancel", post(events::cancel))
        .route("/me/events/{id}/decline", post(events::decline))
        .with_state(tenant.clone());
    // Entra ID endpoints live at `/{tenant}/oauth2/v2.0/...`, so the
    // authority base URL is the server root.
    let sign_in = crate::identity::router(tenant.identity());
    Router::new()
        .nest("/v1.0", graph)
        .merge(sign_in)
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(tenant, pipeline::handle))
}

async fn unknown_route(method: Method, uri: Uri) -> GraphError {
    GraphError::new(
        http::StatusCode::NOT_FOUND,
        "ResourceNotFound",
        format!("Resource not found for {method} {}.", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> GraphError {
    GraphError::new(
        http::StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        format!("The method {method} is not allowed on {}.", uri.path()),
    )
}
