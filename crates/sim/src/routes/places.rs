//! `GET /v1.0/places/microsoft.graph.{type}` (lists by type) and
//! `GET /v1.0/places/{id}` (one place by `id` or `placeId`).

use axum::extract::{Path, RawQuery, State};
use axum::Json;
use http::HeaderMap;
use serde_json::Value;

use super::odata::{self, QueryParams};
use crate::error::GraphError;
use crate::model::{select_properties, PlaceKind};
use crate::Tenant;

pub(crate) async fn get_places(
    State(tenant): State<Tenant>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, GraphError> {
    let params = QueryParams::parse(raw.as_deref());
    match PlaceKind::from_segment(&segment) {
        Some(kind) => list(&tenant, kind, &headers, &params),
        None if segment.starts_with("microsoft.graph.") => Err(GraphError::bad_request(
            "BadRequest",
            format!(
                "'{segment}' is not a place type; use microsoft.graph.room, workspace, desk, \
                 building, floor or section"
            ),
        )),
        None => single(&tenant, &segment, &params),
    }
}

fn list(
    tenant: &Tenant,
    kind: PlaceKind,
    headers: &HeaderMap,
    params: &QueryParams,
) -> Result<Json<Value>, GraphError> {
    let paging = params.paging()?;
    let select = params.select();
    let state = tenant.state();
    let items: Vec<Value> = state
        .places
        .iter()
        .filter(|place| place.spec.kind == kind)
        .map(|place| select_properties(place.to_json(), select.as_deref(), &["id"]))
        .collect();
    let page = odata::page(items, paging, state.options.places_page_size);

    let omit_link = state.options.omit_places_next_link_with_top && paging.top.is_some();
    let base = odata::base_url(headers);
    let path = format!("/v1.0/places/microsoft.graph.{}", kind.type_name());
    let next_link = page
        .next_skip
        .filter(|_| !omit_link)
        .map(|skip| params.next_link(&base, &path, skip));
    tracing::debug!(
        kind = kind.type_name(),
        returned = page.items.len(),
        omit_link,
        "places list"
    );
    let context = format!(
        "{base}/v1.0/$metadata#places/microsoft.graph.{}",
        kind.type_name()
    );
    Ok(Json(odata::collection_body(context, page.items, next_link)))
}

fn single(tenant: &Tenant, id: &str, params: &QueryParams) -> Result<Json<Value>, GraphError> {
    let state = tenant.state();
    let Some(index) = state.place_index(id) else {
        return Err(GraphError::not_found(format!(
            "The place '{id}' was not found; use the id or placeId of an existing place."
        )));
    };
    let select = params.select();
    let json = select_properties(state.places[index].to_json(), select.as_deref(), &["id"]);
    Ok(Json(json))
}
