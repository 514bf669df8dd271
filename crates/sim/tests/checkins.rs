//! Check-in claims, cancel, decline and unknown routes over HTTP.

mod common;

use common::{assert_graph_error, client, fixture_tenant, options_without_auth, serve, Fixture};
use deskcheck_sim::{CheckInMethod, CheckInPathId, ClaimShape, RunningTenant, TenantOptions};
use serde_json::{json, Value};

async fn post_claim(server: &RunningTenant, place: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/places/{place}/checkIns", server.graph_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn manual(calendar_event_id: &str) -> Value {
    json!({"calendarEventId": calendar_event_id, "checkInMethod": "manual"})
}

async fn start(options: TenantOptions) -> (Fixture, RunningTenant) {
    let fixture = fixture_tenant(options);
    let server = serve(&fixture.tenant).await;
    (fixture, server)
}

#[tokio::test]
async fn create_returns_claim() {
    let (fixture, server) = start(options_without_auth()).await;
    let uid = fixture.desk_booking.ical_uid.0.clone();
    let body = json!({
        "@odata.type": "#microsoft.graph.checkInClaim",
        "calendarEventId": uid,
        "checkInMethod": "verified",
    });
    let response = post_claim(&server, &fixture.desk.place_id, body).await;
    assert_eq!(response.status(), 201);
    let claim: Value = response.json().await.unwrap();
    assert_eq!(claim["@odata.type"], "#microsoft.graph.checkInClaim");
    assert_eq!(claim["calendarEventId"], uid.as_str());
    assert_eq!(claim["checkInMethod"], "verified");
    let created = claim["createdDateTime"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );

    let claims = fixture.tenant.claims();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].place_id, fixture.desk.place_id);
    assert_eq!(claims[0].method, CheckInMethod::Verified);

    let posts = fixture.tenant.check_in_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path_id, fixture.desk.place_id);
    assert_eq!(posts[0].calendar_event_id.as_deref(), Some(uid.as_str()));
    assert_eq!(posts[0].check_in_method.as_deref(), Some("verified"));
    assert_eq!(posts[0].status, Some(201));
}

#[tokio::test]
async fn path_id_rules() {
    let cases = [
        (CheckInPathId::PlaceId, 201, 404),
        (CheckInPathId::Id, 404, 201),
    ];
    for (rule, place_id_status, id_status) in cases {
        let (fixture, server) = start(TenantOptions {
            check_in_path_id: rule,
            ..options_without_auth()
        })
        .await;
        let uid = &fixture.room_meeting.ical_uid.0;
        let by_place_id = post_claim(&server, &fixture.room.place_id, manual(uid)).await;
        assert_eq!(
            by_place_id.status().as_u16(),
            place_id_status,
            "{rule:?} placeId"
        );
        let by_id = post_claim(&server, &fixture.room.id, manual(uid)).await;
        if id_status == 404 {
            assert_graph_error(by_id, 404, "ErrorItemNotFound").await;
        } else {
            assert_eq!(by_id.status().as_u16(), id_status, "{rule:?} id");
        }
    }

    let (fixture, server) = start(TenantOptions {
        check_in_path_id: CheckInPathId::Either,
        ..options_without_auth()
    })
    .await;
    let by_id = post_claim(
        &server,
        &fixture.room.id,
        manual(&fixture.room_meeting.ical_uid.0),
    )
    .await;
    assert_eq!(by_id.status(), 201);
    let by_place_id = post_claim(
        &server,
        &fixture.room.place_id,
        manual(&fixture.room_meeting.ical_uid.0),
    )
    .await;
    assert_eq!(by_place_id.status(), 409, "both ids name the same place");
}

#[tokio::test]
async fn duplicate_claim_conflicts() {
    let (fixture, server) = start(options_without_auth()).await;
    let uid = &fixture.desk_booking.ical_uid.0;
    let first = post_claim(&server, &fixture.desk.place_id, manual(uid)).await;
    assert_eq!(first.status(), 201);
    let second = post_claim(&server, &fixture.desk.place_id, manual(uid)).await;
    assert_graph_error(second, 409, "Conflict").await;
    assert_eq!(fixture.tenant.claims().len(), 1);
}

#[tokio::test]
async fn claim_needs_a_booking_of_that_place() {
    let (fixture, server) = start(options_without_auth()).await;
    // The room meeting does not book the desk.
    let wrong_place = post_claim(
        &server,
        &fixture.desk.place_id,
        manual(&fixture.room_meeting.ical_uid.0),
    )
    .await;
    assert_graph_error(wrong_place, 400, "invalidRequest").await;
    let unknown = post_claim(
        &server,
        &fixture.desk.place_id,
        manual("040000008200E00074C5B7101A82E008"),
    )
    .await;
    assert_graph_error(unknown, 400, "invalidRequest").await;
    let unknown_place = post_claim(
        &server,
        "no-such-place",
        manual(&fixture.desk_booking.ical_uid.0),
    )
    .await;
    assert_graph_error(unknown_place, 404, "ErrorItemNotFound").await;
    assert!(fixture.tenant.claims().is_empty());
}

#[tokio::test]
async fn invalid_bodies_are_rejected() {
    let (fixture, server) = start(options_without_auth()).await;
    let uid = fixture.desk_booking.ical_uid.0.as_str();
    let place = fixture.desk.place_id.as_str();
    let bodies = [
        json!({"checkInMethod": "manual"}),
        json!({"calendarEventId": "", "checkInMethod": "manual"}),
        json!({"calendarEventId": uid}),
        json!({"calendarEventId": uid, "checkInMethod": "teleported"}),
        json!({"calendarEventId": uid, "checkInMethod": "Manual"}),
        json!({"calendarEventId": uid, "checkInMethod": 1}),
        json!({"calendarEventId": uid, "checkInMethod": "manual", "extra": true}),
        json!({"@odata.type": "#microsoft.graph.event", "calendarEventId": uid, "checkInMethod": "manual"}),
        json!(["not", "an", "object"]),
    ];
    for body in bodies {
        let response = post_claim(&server, place, body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        assert_graph_error(response, 400, "BadRequest").await;
    }

    let not_json = client()
        .post(format!("{}/places/{place}/checkIns", server.graph_url()))
        .header("Content-Type", "application/json")
        .body("{\"calendarEventId\": ")
        .send()
        .await
        .unwrap();
    assert_graph_error(not_json, 400, "BadRequest").await;

    let not_declared = client()
        .post(format!("{}/places/{place}/checkIns", server.graph_url()))
        .body(manual(uid).to_string())
        .send()
        .await
        .unwrap();
    assert_graph_error(not_declared, 415, "UnsupportedMediaType").await;
    assert!(fixture.tenant.claims().is_empty());
}

#[tokio::test]
async fn every_documented_method_is_accepted() {
    let (fixture, server) = start(options_without_auth()).await;
    for (index, method) in CheckInMethod::ALL.iter().enumerate() {
        let spec = deskcheck_sim::EventSpec::new(
            &format!("Desk {index}"),
            common::utc(2026, 12, 5, 9, 0),
            common::utc(2026, 12, 5, 10, 0),
        )
        .at_place("Desk 4.12", "desk-4.12@contoso.example");
        let ids = fixture.tenant.add_event(spec).unwrap();
        let body = json!({"calendarEventId": ids.ical_uid.0, "checkInMethod": method.as_str()});
        let response = post_claim(&server, &fixture.desk.place_id, body).await;
        assert_eq!(response.status(), 201, "{method:?}");
    }
}

#[tokio::test]
async fn get_claim_in_both_shapes() {
    for shape in [ClaimShape::Wrapped, ClaimShape::Bare] {
        let (fixture, server) = start(TenantOptions {
            claim_shape: shape,
            ..options_without_auth()
        })
        .await;
        let uid = &fixture.desk_booking.ical_uid.0;
        let url = format!(
            "{}/places/{}/checkIns/{uid}",
            server.graph_url(),
            fixture.desk.place_id
        );

        let none = client().get(&url).send().await.unwrap();
        assert_graph_error(none, 404, "ErrorItemNotFound").await;

        fixture
            .tenant
            .add_claim(&fixture.desk.id, uid, CheckInMethod::Inferred)
            .unwrap();
        let response = client().get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let claim = match shape {
            ClaimShape::Wrapped => &body["value"],
            ClaimShape::Bare => &body,
        };
        assert_eq!(claim["calendarEventId"], uid.as_str(), "{shape:?}");
        assert_eq!(claim["checkInMethod"], "inferred", "{shape:?}");
        assert_eq!(
            claim["@odata.type"], "#microsoft.graph.checkInClaim",
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn cancel_marks_event_cancelled() {
    let (fixture, server) = start(options_without_auth()).await;
    let id = &fixture.desk_booking.id;
    let response = client()
        .post(format!("{}/me/events/{id}/cancel", server.graph_url()))
        .json(&json!({"comment": "Not coming in today"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let event = fixture.tenant.event(id).unwrap();
    assert!(event.spec.is_cancelled);
    assert_eq!(event.cancel_comment.as_deref(), Some("Not coming in today"));

    let body: Value = client()
        .get(format!("{}/me/calendarView", server.graph_url()))
        .query(&[
            ("startDateTime", "2026-12-04T09:00:00Z"),
            ("endDateTime", "2026-12-04T10:00:00Z"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["value"][0]["isCancelled"], true);

    // A cancelled booking no longer accepts a check-in.
    let claim = post_claim(
        &server,
        &fixture.desk.place_id,
        manual(&fixture.desk_booking.ical_uid.0),
    )
    .await;
    assert_graph_error(claim, 400, "invalidRequest").await;
}

#[tokio::test]
async fn cancel_and_decline_check_the_organizer() {
    let fixture = fixture_tenant(options_without_auth());
    let invited = fixture
        .tenant
        .add_event(
            deskcheck_sim::EventSpec::new(
                "Review",
                common::utc(2026, 12, 4, 15, 0),
                common::utc(2026, 12, 4, 16, 0),
            )
            .organized_by(
                deskcheck_sim::EmailAddress::new("Megan Bowen", "megan@contoso.example"),
                deskcheck_sim::ResponseType::Accepted,
            ),
        )
        .unwrap();
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let cancel = client()
        .post(format!("{url}/me/events/{}/cancel", invited.id))
        .send()
        .await
        .unwrap();
    assert_graph_error(cancel, 400, "ErrorAccessDenied").await;

    let decline = client()
        .post(format!("{url}/me/events/{}/decline", invited.id))
        .json(&json!({"comment": "Out of office", "sendResponse": true}))
        .send()
        .await
        .unwrap();
    // `sendResponse` is a documented decline parameter, but this body
    // parser only reads `comment`.
    assert_eq!(decline.status(), 202);
    let event = fixture.tenant.event(&invited.id).unwrap();
    assert_eq!(event.spec.response, deskcheck_sim::ResponseType::Declined);

    let own = client()
        .post(format!(
            "{url}/me/events/{}/decline",
            fixture.desk_booking.id
        ))
        .send()
        .await
        .unwrap();
    assert_graph_error(own, 400, "ErrorInvalidRequest").await;

    let unknown = client()
        .post(format!("{url}/me/events/AAMk-missing=/cancel"))
        .send()
        .await
        .unwrap();
    assert_graph_error(unknown, 404, "ErrorItemNotFound").await;
}

#[tokio::test]
async fn unknown_routes_use_graph_errors() {
    let (fixture, server) = start(options_without_auth()).await;
    let url = server.graph_url();
    let unknown = client()
        .get(format!("{url}/me/messages"))
        .send()
        .await
        .unwrap();
    assert_graph_error(unknown, 404, "ResourceNotFound").await;

    let wrong_method = client()
        .delete(format!("{url}/me/calendarView"))
        .send()
        .await
        .unwrap();
    assert_graph_error(wrong_method, 405, "Request_BadRequest").await;

    let echoed = client()
        .get(format!("{url}/me/messages"))
        .header("client-request-id", "5c1b8f64-0000-4000-8000-000000000001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        echoed.headers()["client-request-id"],
        "5c1b8f64-0000-4000-8000-000000000001"
    );
    let body: Value = echoed.json().await.unwrap();
    assert_eq!(
        body["error"]["innerError"]["client-request-id"],
        "5c1b8f64-0000-4000-8000-000000000001"
    );

    let records = fixture.tenant.requests();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].path, "/v1.0/me/messages");
    assert_eq!(records[0].status, Some(404));
    assert_eq!(records[1].method, "DELETE");
}
