//! Reading reservations: paging, zones, all-day bookings, series,
//! cancelled and declined events, and address matching.

use chrono::{Duration, NaiveDate};
use deskcheck_sim::{
    AttendeeSpec, EventSpec, LocationSpec, ResponseType, SeriesSpec, SeriesUid, Tenant,
    TenantOptions,
};
use deskcheck_tests::{test_now, Campus, Harness};

#[tokio::test(start_paused = true)]
async fn events_and_places_page() {
    let tenant = Tenant::with_options(TenantOptions {
        places_page_size: 3,
        omit_places_next_link_with_top: true,
        ..TenantOptions::default()
    });
    let mut campuses = Vec::new();
    // More than one page of each: calendarView pages of 50, places of 100.
    for index in 0..110 {
        campuses.push(Campus::add_to(
            &tenant,
            &format!("Building {index}"),
            &format!("b{index}"),
        ));
    }
    let now = test_now();
    for (index, campus) in campuses.iter().take(60).enumerate() {
        let start = now + Duration::minutes(30 + index as i64);
        let address = campus.desk.email_address.clone().unwrap();
        tenant
            .add_event(
                EventSpec::new(
                    &format!("Booking {index:02}"),
                    start,
                    start + Duration::hours(1),
                )
                .at_place("Desk", &address),
            )
            .unwrap();
    }
    let harness = Harness::start(tenant, now).await;
    harness.engine.sync().await.unwrap();

    let snapshot = harness.engine.snapshot();
    assert_eq!(
        snapshot.reservations.len(),
        60,
        "every page of events was read"
    );
    assert_eq!(
        snapshot.places_known,
        110 * 4,
        "every page of places was read"
    );
    let last = harness.view("Booking 59");
    assert_eq!(last.place.building.as_deref(), Some("Building 59"));
    let calendar_pages = harness
        .tenant
        .request_count(deskcheck_sim::RouteKind::CalendarView);
    assert_eq!(calendar_pages, 2, "60 events come in two pages");
    assert!(
        harness
            .tenant
            .requests()
            .iter()
            .any(|r| r.query.as_deref().unwrap_or("").contains("skip")),
        "places without nextLink were paged with $skip"
    );
}

#[tokio::test(start_paused = true)]
async fn calendar_range_has_offsets() {
    let tenant = Tenant::new();
    Campus::add_to(&tenant, "HQ", "hq");
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let view = harness
        .tenant
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/me/calendarView"))
        .expect("calendarView was called");
    let query = view.query.unwrap_or_default();
    // Midnight in Paris is 23:00 UTC the day before, sent with its offset.
    assert!(
        query.contains("startDateTime=2026-12-02T23%3A00%3A00%2B00%3A00"),
        "{query}"
    );
}

#[tokio::test(start_paused = true)]
async fn all_day_booking_is_local_dates() {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    tenant
        .add_event(
            EventSpec::all_day("All day desk", day, 1)
                .at_place("Desk", campus.desk.email_address.as_deref().unwrap()),
        )
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let view = harness.view("All day desk");
    assert!(view.is_all_day);
    // Paris midnight, not UTC midnight.
    assert_eq!(view.start.to_rfc3339(), "2026-12-02T23:00:00+00:00");
    assert_eq!(view.end.to_rfc3339(), "2026-12-03T23:00:00+00:00");
}

#[tokio::test(start_paused = true)]
async fn timed_booking_in_utc() {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(10);
    tenant
        .add_event(
            EventSpec::new("Desk", start, start + Duration::hours(8))
                .at_place("Desk", campus.desk.email_address.as_deref().unwrap()),
        )
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let view = harness.view("Desk");
    assert_eq!(view.start, start);
    assert_eq!(view.end, start + Duration::hours(8));
    assert_eq!(view.state, "open");
    assert_eq!(view.window_opens, start - Duration::minutes(15));
    assert_eq!(view.release_deadline, start + Duration::minutes(10));
}

#[tokio::test(start_paused = true)]
async fn recurring_occurrences_are_separate() {
    for uid in [SeriesUid::Shared, SeriesUid::PerOccurrence] {
        let tenant = Tenant::new();
        let campus = Campus::add_to(&tenant, "HQ", "hq");
        let start = test_now() + Duration::minutes(10);
        let template = EventSpec::new("Daily desk", start, start + Duration::hours(8))
            .at_place("Desk", campus.desk.email_address.as_deref().unwrap());
        tenant
            .add_series(SeriesSpec {
                ical_uid: uid,
                ..SeriesSpec::daily(template, 4)
            })
            .unwrap();
        let harness = Harness::start(tenant, test_now()).await;
        harness.engine.sync().await.unwrap();
        let snapshot = harness.engine.snapshot();
        let occurrences: Vec<_> = snapshot
            .reservations
            .iter()
            .filter(|v| v.subject == "Daily desk")
            .collect();
        assert_eq!(
            occurrences.len(),
            4,
            "{uid:?}: one reservation per occurrence"
        );
        let mut keys: Vec<_> = occurrences.iter().map(|v| v.key.clone()).collect();
        keys.dedup();
        assert_eq!(keys.len(), 4, "{uid:?}: occurrences have distinct keys");
    }
}

#[tokio::test(start_paused = true)]
async fn cancelled_and_declined_are_skipped() {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(10);
    let desk = campus.desk.email_address.clone().unwrap();
    let mut cancelled =
        EventSpec::new("Cancelled", start, start + Duration::hours(1)).at_place("Desk", &desk);
    cancelled.is_cancelled = true;
    tenant.add_event(cancelled).unwrap();
    let mut declined =
        EventSpec::new("Declined", start, start + Duration::hours(1)).at_place("Desk", &desk);
    declined.response = ResponseType::Declined;
    tenant.add_event(declined).unwrap();
    let mut room_declined = EventSpec::new("Room said no", start, start + Duration::hours(1));
    room_declined.attendees.push(AttendeeSpec {
        response: ResponseType::Declined,
        ..AttendeeSpec::resource("Room", campus.room.email_address.as_deref().unwrap())
    });
    tenant.add_event(room_declined).unwrap();
    tenant
        .add_event(
            EventSpec::new("Kept", start, start + Duration::hours(1)).at_place("Desk", &desk),
        )
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    assert_eq!(harness.subjects(), vec!["Kept".to_owned()]);
}

#[tokio::test(start_paused = true)]
async fn non_place_locations_are_ignored() {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(10);
    let mut teams = EventSpec::new("Teams call", start, start + Duration::hours(1));
    teams
        .locations
        .push(LocationSpec::named("Microsoft Teams Meeting"));
    tenant.add_event(teams).unwrap();
    let mut outside = EventSpec::new("Cafe", start, start + Duration::hours(1));
    outside
        .locations
        .push(LocationSpec::place("Cafe", "cafe@fabrikam.example"));
    tenant.add_event(outside).unwrap();
    let mut person = EventSpec::new("One to one", start, start + Duration::hours(1));
    person
        .attendees
        .push(AttendeeSpec::person("Megan", "megan@contoso.example"));
    tenant.add_event(person).unwrap();
    let room = campus.room.email_address.clone().unwrap();
    let mut meeting = EventSpec::new("Room meeting", start, start + Duration::hours(1));
    meeting
        .attendees
        .push(AttendeeSpec::resource("Room", &room));
    tenant.add_event(meeting).unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    assert_eq!(harness.subjects(), vec!["Room meeting".to_owned()]);
    assert_eq!(harness.view("Room meeting").place.kind, "room");
}

#[tokio::test(start_paused = true)]
async fn addresses_match_ignoring_case() {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(10);
    let shouting = campus.pool.email_address.clone().unwrap().to_uppercase();
    tenant
        .add_event(
            EventSpec::new("Pool", start, start + Duration::hours(1)).at_place("Pool", &shouting),
        )
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let view = harness.view("Pool");
    assert_eq!(view.place.kind, "workspace");
    assert_eq!(view.place.building.as_deref(), Some("HQ"));
}

#[tokio::test(start_paused = true)]
async fn tenant_without_places_says_so() {
    let tenant = Tenant::new();
    let start = test_now() + Duration::minutes(10);
    let mut meeting = EventSpec::new("Room meeting", start, start + Duration::hours(1));
    meeting
        .attendees
        .push(AttendeeSpec::resource("Room", "room@contoso.example"));
    tenant.add_event(meeting).unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let snapshot = harness.engine.snapshot();
    assert_eq!(snapshot.places_known, 0);
    assert!(snapshot.last_sync.is_some());
    assert!(snapshot.reservations.is_empty());
}

#[tokio::test(start_paused = true)]
async fn places_cached_for_a_day() {
    let tenant = Tenant::new();
    Campus::add_to(&tenant, "HQ", "hq");
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let first = harness
        .tenant
        .request_count(deskcheck_sim::RouteKind::Places);
    assert_eq!(first, 6, "one request per place kind");
    harness.advance(Duration::hours(2)).await;
    harness.engine.sync().await.unwrap();
    assert_eq!(
        harness
            .tenant
            .request_count(deskcheck_sim::RouteKind::Places),
        first,
        "cache used"
    );
    harness.advance(Duration::hours(23)).await;
    harness.engine.sync().await.unwrap();
    assert_eq!(
        harness
            .tenant
            .request_count(deskcheck_sim::RouteKind::Places),
        first * 2,
        "refreshed after a day"
    );
}
