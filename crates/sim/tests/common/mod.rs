//! Helpers shared by the integration tests: a small tenant with one
//! building and bookings, and a started server with a client.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use deskcheck_sim::{
    EventIds, EventSpec, PlaceIds, PlaceSpec, RunningTenant, Tenant, TenantOptions,
};

/// Places and events of [`fixture_tenant`].
pub struct Fixture {
    pub tenant: Tenant,
    pub building: PlaceIds,
    pub floor: PlaceIds,
    pub desk: PlaceIds,
    pub room: PlaceIds,
    pub pool: PlaceIds,
    /// Desk booking 2026-12-04 09:00–17:00 UTC, address in mixed case.
    pub desk_booking: EventIds,
    /// Room meeting 2026-12-04 13:00–14:00 UTC.
    pub room_meeting: EventIds,
}

pub fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .unwrap()
}

pub fn options_without_auth() -> TenantOptions {
    TenantOptions {
        require_auth: false,
        ..TenantOptions::default()
    }
}

pub fn fixture_tenant(options: TenantOptions) -> Fixture {
    let tenant = Tenant::with_options(options);
    let building = tenant.add_place(PlaceSpec::building("Contoso HQ")).unwrap();
    let floor = tenant
        .add_place(PlaceSpec::floor("Floor 4", &building))
        .unwrap();
    let desk = tenant
        .add_place(PlaceSpec::desk(
            "Desk 4.12",
            &floor,
            "desk-4.12@contoso.example",
        ))
        .unwrap();
    let room = tenant
        .add_place(PlaceSpec::room(
            "Room 4.01",
            &floor,
            "room-4.01@contoso.example",
        ))
        .unwrap();
    let pool = tenant
        .add_place(PlaceSpec::workspace(
            "Pool 4",
            &floor,
            "pool-4@contoso.example",
        ))
        .unwrap();
    let desk_booking = tenant
        .add_event(
            EventSpec::new("Desk 4.12", utc(2026, 12, 4, 9, 0), utc(2026, 12, 4, 17, 0))
                .at_place("Desk 4.12", "Desk-4.12@Contoso.example"),
        )
        .unwrap();
    let room_meeting = tenant
        .add_event(
            EventSpec::new(
                "Design review",
                utc(2026, 12, 4, 13, 0),
                utc(2026, 12, 4, 14, 0),
            )
            .at_place("Room 4.01", "room-4.01@contoso.example"),
        )
        .unwrap();
    Fixture {
        tenant,
        building,
        floor,
        desk,
        room,
        pool,
        desk_booking,
        room_meeting,
    }
}

pub async fn serve(tenant: &Tenant) -> RunningTenant {
    tenant.serve("127.0.0.1:0".parse().unwrap()).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

/// Asserts a Graph error body with `code` and the id headers.
pub async fn assert_graph_error(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status().as_u16(), status);
    let header_id = response
        .headers()
        .get("request-id")
        .expect("request-id header")
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(error["innerError"]["request-id"], header_id.as_str());
    assert!(error["innerError"]["date"].is_string(), "{body}");
    assert!(
        error["innerError"]["client-request-id"].is_string(),
        "{body}"
    );
}
