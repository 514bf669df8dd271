//! Scripted faults over HTTP: throttling, server errors, slow and dropped
//! responses, malformed bodies, ambiguous failures and token expiry.

mod common;

use std::time::Duration;

use common::{assert_graph_error, client, fixture_tenant, options_without_auth, serve, Fixture};
use deskcheck_sim::{FaultKind, RouteKind, RunningTenant, TenantOptions};
use serde_json::{json, Value};

async fn start() -> (Fixture, RunningTenant) {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    (fixture, server)
}

fn desks_url(server: &RunningTenant) -> String {
    format!("{}/places/microsoft.graph.desk", server.graph_url())
}

async fn post_claim(
    client: &reqwest::Client,
    server: &RunningTenant,
    fixture: &Fixture,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!(
            "{}/places/{}/checkIns",
            server.graph_url(),
            fixture.desk.place_id
        ))
        .json(
            &json!({"calendarEventId": fixture.desk_booking.ical_uid.0, "checkInMethod": "manual"}),
        )
        .send()
        .await
}

#[tokio::test]
async fn throttling_and_server_errors_apply_once_each() {
    let (fixture, server) = start().await;
    let cases = [
        (
            FaultKind::TooManyRequests {
                retry_after_seconds: Some(7),
            },
            429,
            "TooManyRequests",
            Some("7"),
        ),
        (
            FaultKind::TooManyRequests {
                retry_after_seconds: None,
            },
            429,
            "TooManyRequests",
            None,
        ),
        (
            FaultKind::ServiceUnavailable {
                retry_after_seconds: None,
            },
            503,
            "serviceNotAvailable",
            None,
        ),
        (
            FaultKind::ServiceUnavailable {
                retry_after_seconds: Some(3),
            },
            503,
            "serviceNotAvailable",
            Some("3"),
        ),
        (FaultKind::GatewayTimeout, 504, "GatewayTimeout", None),
    ];
    for (kind, status, code, retry_after) in cases {
        fixture
            .tenant
            .queue_fault(RouteKind::Places, kind.clone(), 1);
        let failed = client().get(desks_url(&server)).send().await.unwrap();
        let header = failed
            .headers()
            .get("retry-after")
            .map(|value| value.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref(), retry_after, "{kind:?}");
        assert_graph_error(failed, status, code).await;

        let recovered = client().get(desks_url(&server)).send().await.unwrap();
        assert_eq!(recovered.status(), 200, "{kind:?} applies once");
    }
    assert_eq!(fixture.tenant.request_count(RouteKind::Places), 10);
    assert!(fixture.tenant.pending_faults().is_empty());
}

#[tokio::test]
async fn faults_match_route_kind_and_count() {
    let (fixture, server) = start().await;
    fixture.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::ServiceUnavailable {
            retry_after_seconds: None,
        },
        2,
    );
    let desks = client().get(desks_url(&server)).send().await.unwrap();
    assert_eq!(desks.status(), 200, "other routes are untouched");

    let http = client();
    for _ in 0..2 {
        let response = post_claim(&http, &server, &fixture).await.unwrap();
        assert_eq!(response.status(), 503);
    }
    let third = post_claim(&http, &server, &fixture).await.unwrap();
    assert_eq!(third.status(), 201);

    let statuses: Vec<Option<u16>> = fixture
        .tenant
        .check_in_posts()
        .iter()
        .map(|p| p.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(201)]);
    assert_eq!(fixture.tenant.request_count(RouteKind::CheckInCreate), 3);
    assert_eq!(fixture.tenant.request_count(RouteKind::Any), 4);
}

#[tokio::test]
async fn any_skips_sign_in_routes() {
    let (fixture, server) = start().await;
    fixture
        .tenant
        .queue_fault(RouteKind::Any, FaultKind::GatewayTimeout, 1);
    let token = client()
        .post(format!(
            "{}/contoso.example/oauth2/v2.0/token",
            server.authority_url()
        ))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "unknown"),
            ("client_id", "c"),
        ])
        .send()
        .await
        .unwrap();
    assert_ne!(token.status(), 504);
    let calendar = client()
        .get(format!("{}/me/calendarView", server.graph_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(calendar.status(), 504);
}

#[tokio::test(start_paused = true)]
async fn slow_response_waits_on_tokio_clock() {
    let (fixture, server) = start().await;
    fixture.tenant.queue_fault(
        RouteKind::Places,
        FaultKind::SlowResponse(Duration::from_secs(30)),
        1,
    );
    let started = tokio::time::Instant::now();
    let response = client().get(desks_url(&server)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_secs(30));

    fixture.tenant.queue_fault(
        RouteKind::Places,
        FaultKind::SlowResponse(Duration::from_secs(30)),
        1,
    );
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let error = impatient.get(desks_url(&server)).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn dropped_connection_has_no_response() {
    let (fixture, server) = start().await;
    fixture
        .tenant
        .queue_fault(RouteKind::CheckInCreate, FaultKind::DropConnection, 1);
    let error = post_claim(&client(), &server, &fixture).await.unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert!(error.status().is_none(), "{error}");
    assert!(
        fixture.tenant.claims().is_empty(),
        "the request was not applied"
    );
    let posts = fixture.tenant.check_in_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, None);

    let retry = post_claim(&client(), &server, &fixture).await.unwrap();
    assert_eq!(retry.status(), 201, "the server keeps serving");
}

#[tokio::test]
async fn drop_after_apply_keeps_the_claim() {
    let (fixture, server) = start().await;
    fixture
        .tenant
        .queue_fault(RouteKind::CheckInCreate, FaultKind::DropAfterApply, 1);
    let error = post_claim(&client(), &server, &fixture).await.unwrap_err();
    assert!(error.status().is_none(), "{error}");
    assert_eq!(fixture.tenant.claims().len(), 1);
    assert_eq!(fixture.tenant.check_in_posts()[0].status, None);
}

#[tokio::test]
async fn malformed_json_has_status_200() {
    let (fixture, server) = start().await;
    fixture
        .tenant
        .queue_fault(RouteKind::Places, FaultKind::MalformedJson, 1);
    let response = client().get(desks_url(&server)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let parsed: Result<Value, _> = response.json().await;
    assert!(parsed.is_err());
}

#[tokio::test(start_paused = true)]
async fn delay_after_apply_makes_failure_ambiguous() {
    let (fixture, server) = start().await;
    fixture.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::DelayAfterApply(Duration::from_secs(60)),
        1,
    );
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let request = {
        let url = format!(
            "{}/places/{}/checkIns",
            server.graph_url(),
            fixture.desk.place_id
        );
        let body =
            json!({"calendarEventId": fixture.desk_booking.ical_uid.0, "checkInMethod": "manual"});
        tokio::spawn(async move { impatient.post(url).json(&body).send().await })
    };
    let posts = fixture.tenant.wait_for_check_in_posts(1).await;
    assert_eq!(posts[0].status, Some(201));
    assert_eq!(
        fixture.tenant.claims().len(),
        1,
        "applied before the client gave up"
    );

    let error = request.await.unwrap().unwrap_err();
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn unauthorized_fault_rejects_one_request() {
    let fixture = fixture_tenant(TenantOptions::default());
    let server = serve(&fixture.tenant).await;
    let (token, _, _) = fixture.tenant.identity().issue_tokens_for_demo();
    fixture
        .tenant
        .queue_fault(RouteKind::Places, FaultKind::Unauthorized, 1);

    let rejected = client()
        .get(desks_url(&server))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(rejected.headers().contains_key("www-authenticate"));
    assert_graph_error(rejected, 401, "InvalidAuthenticationToken").await;
    let accepted = client()
        .get(desks_url(&server))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn expire_tokens_fault_needs_a_new_token() {
    let fixture = fixture_tenant(TenantOptions::default());
    let server = serve(&fixture.tenant).await;
    let (old_token, _, _) = fixture.tenant.identity().issue_tokens_for_demo();
    fixture
        .tenant
        .queue_fault(RouteKind::CalendarView, FaultKind::ExpireAccessTokens, 1);

    let url = format!(
        "{}/me/calendarView?startDateTime=2026-12-04T00:00:00Z&endDateTime=2026-12-05T00:00:00Z",
        server.graph_url()
    );
    let expired = client()
        .get(&url)
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_graph_error(expired, 401, "InvalidAuthenticationToken").await;
    let still_expired = client()
        .get(&url)
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap();
    assert_eq!(still_expired.status(), 401);

    let (new_token, _, _) = fixture.tenant.identity().issue_tokens_for_demo();
    let accepted = client()
        .get(&url)
        .bearer_auth(&new_token)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
}

#[tokio::test]
async fn request_log_records_faults() {
    let (fixture, server) = start().await;
    fixture
        .tenant
        .queue_fault(RouteKind::Places, FaultKind::GatewayTimeout, 1);
    client()
        .get(format!("{}?$top=5", desks_url(&server)))
        .send()
        .await
        .unwrap();
    fixture.tenant.wait_for_requests(RouteKind::Places, 1).await;
    let records = fixture.tenant.requests();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].method, "GET");
    assert_eq!(records[0].path, "/v1.0/places/microsoft.graph.desk");
    assert_eq!(records[0].query.as_deref(), Some("$top=5"));
    assert_eq!(records[0].status, Some(504));
    assert_eq!(records[0].fault.as_deref(), Some("GatewayTimeout"));
}
