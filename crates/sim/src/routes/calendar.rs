//! `GET /v1.0/me/calendarView`: events overlapping a time range, with
//! recurring series expanded into occurrences.

use axum::extract::{RawQuery, State};
use axum::Json;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde_json::Value;

use super::odata::{self, QueryParams};
use crate::error::GraphError;
use crate::model::{select_properties, EmailAddress, RenderContext, EVENT_PROPERTIES};
use crate::time::{self, ResponseZone};
use crate::Tenant;

pub(crate) async fn calendar_view(
    State(tenant): State<Tenant>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, GraphError> {
    let params = QueryParams::parse(raw.as_deref());
    let (start, end) = range(&params)?;
    let zone = time::response_zone(&headers)
        .map_err(|message| GraphError::bad_request("ErrorTimeZoneNotSupported", message))?;
    let paging = params.paging()?;
    let select = params.select();
    if let Some(names) = &select {
        validate_select(names)?;
    }

    let state = tenant.state();
    let user = EmailAddress::new(&state.options.user_display_name, &state.options.mailbox);
    let items = render_events(&state, start, end, &zone, &user, select.as_deref());
    let page = odata::page(items, paging, state.options.calendar_page_size);
    tracing::debug!(%start, %end, zone = %zone.name, returned = page.items.len(), "calendar view");

    let base = odata::base_url(&headers);
    let next_link = page
        .next_skip
        .map(|skip| params.next_link(&base, "/v1.0/me/calendarView", skip));
    let context = format!(
        "{base}/v1.0/$metadata#users('{}')/calendarView",
        state.options.mailbox
    );
    Ok(Json(odata::collection_body(context, page.items, next_link)))
}

fn render_events(
    state: &crate::state::State,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: &ResponseZone,
    user: &EmailAddress,
    select: Option<&[String]>,
) -> Vec<Value> {
    let context = RenderContext { zone, user };
    state
        .events_in_range(start, end, zone)
        .into_iter()
        .map(|event| select_properties(event.to_json(&context), select, &["id"]))
        .collect()
}

/// Reads `startDateTime` and `endDateTime`, both required.
fn range(params: &QueryParams) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let start = required_time(params, "startDateTime")?;
    let end = required_time(params, "endDateTime")?;
    if end < start {
        return Err(odata::invalid_query(format!(
            "endDateTime {} is before startDateTime {}; swap the values",
            end.to_rfc3339(),
            start.to_rfc3339()
        )));
    }
    Ok((start, end))
}

fn required_time(params: &QueryParams, name: &str) -> Result<DateTime<Utc>, GraphError> {
    let Some(raw) = params.get(name) else {
        return Err(odata::invalid_query(format!(
            "this request requires the {name} query parameter; add it as an ISO 8601 date and time"
        )));
    };
    time::parse_query_date_time(raw)
        .map_err(|message| odata::invalid_query(format!("{name}: {message}")))
}

/// Rejects unknown `$select` names the way Outlook's URI parser does.
fn validate_select(names: &[String]) -> Result<(), GraphError> {
    let unknown = names.iter().find(|name| {
        !EVENT_PROPERTIES
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name))
    });
    match unknown {
        Some(name) => Err(GraphError::bad_request(
            "RequestBroker--ParseUri",
            format!("Could not find a property named '{name}' on type 'microsoft.graph.event'."),
        )),
        None => Ok(()),
    }
}
