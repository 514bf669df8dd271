//! calendarView over HTTP: ranges, offsets, zones, paging, `$select`,
//! series, auth and error bodies.

mod common;

use chrono::{Duration, NaiveDate};
use common::{assert_graph_error, client, fixture_tenant, options_without_auth, serve, utc};
use deskcheck_sim::{EventSpec, SeriesSpec, SeriesUid, Tenant};
use serde_json::Value;

async fn view(url: &str, start: &str, end: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut query = vec![("startDateTime", start), ("endDateTime", end)];
    query.extend_from_slice(extra);
    client()
        .get(format!("{url}/me/calendarView"))
        .query(&query)
        .send()
        .await
        .unwrap()
}

fn subjects(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["subject"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn range_returns_overlapping_events() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let body: Value = view(&url, "2026-12-04T12:00:00Z", "2026-12-04T13:30:00Z", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(subjects(&body), ["Desk 4.12", "Design review"]);

    let body: Value = view(&url, "2026-12-04T17:00:00Z", "2026-12-05T00:00:00Z", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        subjects(&body).is_empty(),
        "an event ending at the range start does not overlap"
    );
}

#[tokio::test]
async fn offsets_are_honoured_and_bare_times_are_utc() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    // 14:30+01:00 is 13:30Z, inside the room meeting.
    let with_offset: Value = view(
        &url,
        "2026-12-04T14:30:00+01:00",
        "2026-12-04T14:45:00+01:00",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(subjects(&with_offset), ["Desk 4.12", "Design review"]);

    // Read as UTC, 14:30 is after the room meeting.
    let bare: Value = view(&url, "2026-12-04T14:30:00", "2026-12-04T14:45:00", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(subjects(&bare), ["Desk 4.12"]);
}

#[tokio::test]
async fn missing_or_invalid_range_is_rejected() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let missing = client()
        .get(format!("{url}/me/calendarView"))
        .query(&[("startDateTime", "2026-12-04T00:00:00Z")])
        .send()
        .await
        .unwrap();
    assert_graph_error(missing, 400, "ErrorInvalidParameter").await;

    let garbage = view(&url, "yesterday", "2026-12-04T00:00:00Z", &[]).await;
    assert_graph_error(garbage, 400, "ErrorInvalidParameter").await;

    // An unencoded '+' decodes to a space and must not be read as an offset.
    let raw = client()
        .get(format!(
            "{url}/me/calendarView?startDateTime=2026-12-04T00:00:00+01:00&endDateTime=2026-12-05T00:00:00Z"
        ))
        .send()
        .await
        .unwrap();
    assert_graph_error(raw, 400, "ErrorInvalidParameter").await;
}

#[tokio::test]
async fn times_use_seven_digits_and_default_utc() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;

    let body: Value = view(
        &server.graph_url(),
        "2026-12-04T00:00:00Z",
        "2026-12-05T00:00:00Z",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    let first = &body["value"][0];
    assert_eq!(first["start"]["dateTime"], "2026-12-04T09:00:00.0000000");
    assert_eq!(first["start"]["timeZone"], "UTC");
    assert_eq!(first["end"]["dateTime"], "2026-12-04T17:00:00.0000000");
}

#[tokio::test]
async fn prefer_header_sets_zone() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let cases = [
        ("UTC", "2026-12-04T09:00:00.0000000"),
        ("Europe/Berlin", "2026-12-04T10:00:00.0000000"),
        ("W. Europe Standard Time", "2026-12-04T10:00:00.0000000"),
        ("Pacific Standard Time", "2026-12-04T01:00:00.0000000"),
        ("Eastern Standard Time", "2026-12-04T04:00:00.0000000"),
    ];
    for (zone, expected) in cases {
        let body: Value = client()
            .get(format!("{}/me/calendarView", server.graph_url()))
            .query(&[
                ("startDateTime", "2026-12-04T00:00:00Z"),
                ("endDateTime", "2026-12-05T00:00:00Z"),
            ])
            .header("Prefer", format!("outlook.timezone=\"{zone}\""))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let start = &body["value"][0]["start"];
        assert_eq!(start["dateTime"], expected, "{zone}");
        assert_eq!(start["timeZone"], zone, "{zone}");
    }
}

#[tokio::test]
async fn unknown_zone_is_rejected() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let response = client()
        .get(format!("{}/me/calendarView", server.graph_url()))
        .query(&[
            ("startDateTime", "2026-12-04T00:00:00Z"),
            ("endDateTime", "2026-12-05T00:00:00Z"),
        ])
        .header("Prefer", "outlook.timezone=\"Mars/Olympus\"")
        .send()
        .await
        .unwrap();
    assert_graph_error(response, 400, "ErrorTimeZoneNotSupported").await;
}

#[tokio::test]
async fn all_day_event_is_midnight_to_midnight() {
    let tenant = Tenant::with_options(options_without_auth());
    let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    tenant
        .add_event(EventSpec::all_day("Offsite", day, 1))
        .unwrap();
    let server = serve(&tenant).await;

    let body: Value = client()
        .get(format!("{}/me/calendarView", server.graph_url()))
        .query(&[
            ("startDateTime", "2026-12-07T08:00:00+01:00"),
            ("endDateTime", "2026-12-07T09:00:00+01:00"),
        ])
        .header("Prefer", "outlook.timezone=\"Europe/Berlin\"")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = &body["value"][0];
    assert_eq!(event["isAllDay"], true);
    assert_eq!(event["start"]["dateTime"], "2026-12-07T00:00:00.0000000");
    assert_eq!(event["end"]["dateTime"], "2026-12-08T00:00:00.0000000");
    assert_eq!(event["start"]["timeZone"], "Europe/Berlin");
}

#[tokio::test]
async fn event_json_has_documented_fields() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let body: Value = view(
        &server.graph_url(),
        "2026-12-04T09:00:00Z",
        "2026-12-04T10:00:00Z",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();

    let event = &body["value"][0];
    assert_eq!(event["id"], fixture.desk_booking.id.0.as_str());
    assert_eq!(event["iCalUId"], fixture.desk_booking.ical_uid.0.as_str());
    assert_eq!(event["type"], "singleInstance");
    assert_eq!(event["isCancelled"], false);
    assert_eq!(event["responseStatus"]["response"], "organizer");
    assert_eq!(event["showAs"], "busy");

    assert_eq!(
        event["location"]["locationEmailAddress"],
        "Desk-4.12@Contoso.example"
    );
    assert_eq!(event["locations"][0]["displayName"], "Desk 4.12");

    assert_eq!(event["attendees"][0]["type"], "resource");
    assert_eq!(
        event["attendees"][0]["emailAddress"]["address"],
        "Desk-4.12@Contoso.example"
    );
    assert_eq!(
        event["organizer"]["emailAddress"]["address"],
        "adele@contoso.example"
    );
    assert!(event["seriesMasterId"].is_null());
}

#[tokio::test]
async fn select_trims_fields_but_keeps_id() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();
    let body: Value = view(
        &url,
        "2026-12-04T09:00:00Z",
        "2026-12-04T10:00:00Z",
        &[("$select", "subject,iCalUId")],
    )
    .await
    .json()
    .await
    .unwrap();
    let event = body["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = event
        .keys()
        .map(String::as_str)
        .filter(|k| !k.starts_with('@'))
        .collect();
    keys.sort();
    assert_eq!(keys, ["iCalUId", "id", "subject"]);

    let unknown = view(
        &url,
        "2026-12-04T09:00:00Z",
        "2026-12-04T10:00:00Z",
        &[("$select", "subjekt")],
    )
    .await;
    assert_graph_error(unknown, 400, "RequestBroker--ParseUri").await;
}

#[tokio::test]
async fn paging_follows_absolute_next_links() {
    let tenant = Tenant::with_options(options_without_auth());
    for hour in 0..23 {
        let start = utc(2026, 12, 4, hour, 0);
        let subject = format!("Meeting {hour:02}");
        tenant
            .add_event(EventSpec::new(
                &subject,
                start,
                start + Duration::minutes(30),
            ))
            .unwrap();
    }
    let server = serve(&tenant).await;

    let first: Value = view(
        &server.graph_url(),
        "2026-12-04T00:00:00Z",
        "2026-12-05T00:00:00Z",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        first["value"].as_array().unwrap().len(),
        10,
        "default page size"
    );
    let mut link = first["@odata.nextLink"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&server.graph_url()), "{link}");
    assert!(link.contains("skip=10"), "{link}");

    let mut seen = subjects(&first);
    let mut pages = 1;
    loop {
        let page: Value = client()
            .get(&link)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(subjects(&page));
        pages += 1;
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..23).map(|hour| format!("Meeting {hour:02}")).collect();
    assert_eq!(seen, expected);

    let top: Value = view(
        &server.graph_url(),
        "2026-12-04T00:00:00Z",
        "2026-12-05T00:00:00Z",
        &[("$top", "20")],
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(top["value"].as_array().unwrap().len(), 20);
    let top_link = top["@odata.nextLink"].as_str().unwrap();
    assert!(top_link.contains("top=20"), "{top_link}");
}

#[tokio::test]
async fn series_occurrences_carry_master_and_uids() {
    let tenant = Tenant::with_options(options_without_auth());
    let start = utc(2026, 12, 7, 8, 0);
    let template = EventSpec::new("Desk 4.14", start, start + Duration::hours(8));
    let distinct = tenant
        .add_series(SeriesSpec::daily(template.clone(), 3))
        .unwrap();
    let shared = tenant
        .add_series(SeriesSpec {
            ical_uid: SeriesUid::Shared,
            ..SeriesSpec::daily(
                EventSpec {
                    subject: "Pool".into(),
                    ..template
                },
                3,
            )
        })
        .unwrap();
    let server = serve(&tenant).await;

    let body: Value = view(
        &server.graph_url(),
        "2026-12-07T00:00:00Z",
        "2026-12-10T00:00:00Z",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    let events = body["value"].as_array().unwrap();
    assert_eq!(events.len(), 6);
    for event in events {
        assert_eq!(event["type"], "occurrence");
    }
    let uids = |master: &str| -> Vec<String> {
        events
            .iter()
            .filter(|event| event["seriesMasterId"] == master)
            .map(|event| event["iCalUId"].as_str().unwrap().to_owned())
            .collect()
    };
    let distinct_uids = uids(&distinct.master_id.0);
    assert_eq!(distinct_uids.len(), 3);
    assert_ne!(distinct_uids[0], distinct_uids[1]);
    let shared_uids = uids(&shared.master_id.0);
    assert_eq!(shared_uids.len(), 3);
    assert_eq!(shared_uids[0], shared_uids[2]);
    assert_ne!(distinct.occurrences[0].id, distinct.occurrences[1].id);
}

#[tokio::test]
async fn missing_token_is_rejected() {
    let fixture = fixture_tenant(deskcheck_sim::TenantOptions::default());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let anonymous = view(&url, "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", &[]).await;
    assert_graph_error(anonymous, 401, "InvalidAuthenticationToken").await;

    let bogus = client()
        .get(format!("{url}/me/calendarView"))
        .query(&[
            ("startDateTime", "2026-12-04T00:00:00Z"),
            ("endDateTime", "2026-12-05T00:00:00Z"),
        ])
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_graph_error(bogus, 401, "InvalidAuthenticationToken").await;

    let (access_token, _, _) = fixture.tenant.identity().issue_tokens_for_demo();
    let signed_in = client()
        .get(format!("{url}/me/calendarView"))
        .query(&[
            ("startDateTime", "2026-12-04T00:00:00Z"),
            ("endDateTime", "2026-12-05T00:00:00Z"),
        ])
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
}

#[tokio::test]
async fn demo_tenant_has_open_desk_booking() {
    let now = utc(2026, 12, 4, 8, 0);
    let tenant = deskcheck_sim::demo_tenant(now, chrono_tz::Europe::Berlin);
    tenant.update_options(|options| options.require_auth = false);
    let server = serve(&tenant).await;

    let body: Value = view(
        &server.graph_url(),
        "2026-12-04T00:00:00Z",
        "2026-12-11T00:00:00Z",
        &[("$top", "50")],
    )
    .await
    .json()
    .await
    .unwrap();
    let events = body["value"].as_array().unwrap();
    assert_eq!(events.len(), 12);
    let desk = &events[0];
    assert_eq!(desk["subject"], "Desk 4.12");
    assert_eq!(desk["start"]["dateTime"], "2026-12-04T08:05:00.0000000");
    assert_eq!(
        desk["location"]["locationEmailAddress"],
        "Desk-4.12@Contoso.example"
    );
    let cancelled = events.iter().filter(|e| e["isCancelled"] == true).count();
    assert_eq!(cancelled, 1);
    let declined = events
        .iter()
        .filter(|e| e["responseStatus"]["response"] == "declined")
        .count();
    assert_eq!(declined, 1);
    let occurrences = events.iter().filter(|e| e["type"] == "occurrence").count();
    assert_eq!(occurrences, 5);
    assert!(events
        .iter()
        .any(|e| e["location"]["displayName"] == "Microsoft Teams Meeting"));
    assert_eq!(tenant.places().len(), 15);
}
