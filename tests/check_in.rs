//! The exactly-once claim protocol against the simulated tenant.

use chrono::Duration;
use deskcheck_core::engine::CheckInOutcome;
use deskcheck_core::model::CheckInMethod;
use deskcheck_core::store::{ClaimStatus, Store};
use deskcheck_sim::{CheckInPathId, ClaimShape, EventSpec, FaultKind, RouteKind, TenantOptions};
use deskcheck_tests::{
    desk_booking_tenant, synced_desk_booking, test_now, write_dead_intent, Harness,
};

#[tokio::test(start_paused = true)]
async fn manual_check_in_posts_once() {
    let (harness, campus) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    let outcome = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(outcome, CheckInOutcome::Claimed { new: true, .. }),
        "{outcome:?}"
    );

    let posts = harness.tenant.check_in_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path_id, campus.desk.place_id);
    assert_eq!(posts[0].check_in_method.as_deref(), Some("manual"));
    let view = harness.view("Desk");
    assert_eq!(view.state, "checked_in");
    assert_eq!(view.claim.unwrap().method, CheckInMethod::Manual);

    let again = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(matches!(again, CheckInOutcome::Claimed { new: false, .. }));
    assert_eq!(harness.tenant.check_in_posts().len(), 1, "no second POST");
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_send_one_post() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    let other = harness.second_engine();
    other.sync().await.unwrap();
    harness.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::SlowResponse(std::time::Duration::from_millis(200)),
        1,
    );

    let (a, b, c) = tokio::join!(
        harness.engine.check_in(&key, CheckInMethod::Manual),
        harness.engine.check_in(&key, CheckInMethod::Manual),
        other.check_in(&key, CheckInMethod::Inferred),
    );
    let claimed = [&a, &b, &c]
        .iter()
        .filter(|result| matches!(result, Ok(CheckInOutcome::Claimed { new: true, .. })))
        .count();
    assert_eq!(
        claimed, 1,
        "exactly one request made the claim: {a:?} {b:?} {c:?}"
    );
    assert_eq!(harness.tenant.check_in_posts().len(), 1, "one POST in all");
    assert_eq!(harness.tenant.claims().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn crash_before_post_reconciles() {
    let (mut harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let view = harness.view("Desk");
    // An intent written by a run that died before its POST left.
    write_dead_intent(&harness, &view);
    harness.restart();
    harness.engine.sync().await.unwrap();
    assert!(
        harness.view("Desk").pending,
        "the intent survived the restart"
    );

    let shutdown = tokio_util::sync::CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let runner = tokio::spawn(async move { engine.run(stop).await });
    harness.tenant.wait_for_check_in_posts(1).await;
    shutdown.cancel();
    runner.await.unwrap();

    let reads = harness.tenant.request_count(RouteKind::CheckInGet);
    assert!(reads >= 1, "the claim was read back before posting");
    assert_eq!(harness.tenant.check_in_posts().len(), 1);
    assert_eq!(harness.tenant.claims().len(), 1);
    assert_eq!(harness.view("Desk").state, "checked_in");
}

#[tokio::test(start_paused = true)]
async fn crash_after_post_does_not_repost() {
    let (mut harness, campus) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    // The POST is applied, but the response is lost.
    harness
        .tenant
        .queue_fault(RouteKind::CheckInCreate, FaultKind::DropAfterApply, 1);
    harness
        .tenant
        .queue_fault(RouteKind::CheckInGet, FaultKind::DropConnection, 8);
    let outcome = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(outcome, CheckInOutcome::Pending { .. }),
        "{outcome:?}"
    );
    harness.tenant.clear_faults();
    assert_eq!(
        harness.tenant.claims().len(),
        1,
        "the tenant applied the claim"
    );

    harness.restart();
    harness.engine.sync().await.unwrap();
    let resumed = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(resumed, CheckInOutcome::Claimed { .. }),
        "{resumed:?}"
    );
    assert_eq!(
        harness.tenant.check_in_posts().len(),
        1,
        "no second POST after reading the claim"
    );
    assert_eq!(harness.tenant.claims()[0].place_id, campus.desk.place_id);
}

#[tokio::test(start_paused = true)]
async fn path_takes_id_when_place_id_unknown() {
    let options = TenantOptions {
        check_in_path_id: CheckInPathId::Id,
        ..TenantOptions::default()
    };
    let (harness, campus) = synced_desk_booking(options).await;
    let key = harness.view("Desk").key;
    harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    let posts = harness.tenant.check_in_posts();
    assert_eq!(posts.len(), 2, "placeId first, then id");
    assert_eq!(posts[0].status, Some(404));
    assert_eq!(posts[1].path_id, campus.desk.id);
    assert_eq!(posts[1].status, Some(201));
    assert_eq!(harness.view("Desk").state, "checked_in");
}

#[tokio::test(start_paused = true)]
async fn learned_path_id_is_tried_first() {
    let options = TenantOptions {
        check_in_path_id: CheckInPathId::Id,
        ..TenantOptions::default()
    };
    let (tenant, campus) = desk_booking_tenant(options);
    let start = test_now() + Duration::minutes(5);
    tenant
        .add_event(
            EventSpec::new("Second desk", start, start + Duration::hours(8))
                .at_place("Desk", campus.second_desk.email_address.as_deref().unwrap()),
        )
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    harness
        .engine
        .check_in(&harness.view("Desk").key, CheckInMethod::Manual)
        .await
        .unwrap();
    harness
        .engine
        .check_in(&harness.view("Second desk").key, CheckInMethod::Manual)
        .await
        .unwrap();
    let posts = harness.tenant.check_in_posts();
    assert_eq!(
        posts.len(),
        3,
        "the second claim used the learned id at once"
    );
    assert_eq!(posts[2].path_id, campus.second_desk.id);
}

#[tokio::test(start_paused = true)]
async fn claim_read_in_both_shapes() {
    for shape in [ClaimShape::Wrapped, ClaimShape::Bare] {
        let options = TenantOptions {
            claim_shape: shape,
            ..TenantOptions::default()
        };
        let (harness, campus) = synced_desk_booking(options).await;
        // Another device claimed it; the POST conflicts and the GET reads it.
        harness
            .tenant
            .add_claim(
                &campus.desk.place_id,
                harness.view("Desk").ical_uid.as_str(),
                deskcheck_sim::CheckInMethod::Verified,
            )
            .unwrap();
        let key = harness.view("Desk").key;
        let outcome = harness
            .engine
            .check_in(&key, CheckInMethod::Manual)
            .await
            .unwrap();
        assert!(
            matches!(outcome, CheckInOutcome::Claimed { new: false, .. }),
            "{shape:?}: {outcome:?}"
        );
        let view = harness.view("Desk");
        assert_eq!(
            view.claim.unwrap().method,
            CheckInMethod::Verified,
            "{shape:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn unknown_method_value_parses() {
    let (harness, campus) = synced_desk_booking(TenantOptions::default()).await;
    harness
        .tenant
        .add_claim(
            &campus.desk.place_id,
            harness.view("Desk").ical_uid.as_str(),
            deskcheck_sim::CheckInMethod::UnknownFutureValue,
        )
        .unwrap();
    let key = harness.view("Desk").key;
    harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    let claim = harness.view("Desk").claim.unwrap();
    assert_eq!(
        claim.method,
        CheckInMethod::Other("unknownFutureValue".into())
    );
}

#[tokio::test(start_paused = true)]
async fn throttled_post_retries_after_header() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    harness.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::TooManyRequests {
            retry_after_seconds: Some(7),
        },
        1,
    );
    let before = tokio::time::Instant::now();
    harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    let waited = before.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(7),
        "waited {waited:?}"
    );
    assert!(
        waited < std::time::Duration::from_secs(8),
        "waited {waited:?}"
    );
    let posts = harness.tenant.check_in_posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].status, Some(429));
    assert_eq!(posts[1].status, Some(201));
}

#[tokio::test(start_paused = true)]
async fn throttled_without_header_backs_off() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    harness.tenant.queue_fault(
        RouteKind::CalendarView,
        FaultKind::TooManyRequests {
            retry_after_seconds: None,
        },
        2,
    );
    let before = tokio::time::Instant::now();
    harness.engine.sync().await.unwrap();
    let waited = before.elapsed();
    // Two backoffs: at least half of 0.5 s and of 1 s, at most their sum.
    assert!(
        waited >= std::time::Duration::from_millis(750),
        "waited {waited:?}"
    );
    assert!(
        waited <= std::time::Duration::from_millis(1500),
        "waited {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_is_retried_for_reads() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    harness.tenant.queue_fault(
        RouteKind::CalendarView,
        FaultKind::ServiceUnavailable {
            retry_after_seconds: Some(2),
        },
        1,
    );
    harness.engine.sync().await.unwrap();
    assert_eq!(
        harness.tenant.request_count(RouteKind::CalendarView),
        3,
        "two syncs, one retried"
    );
}

#[tokio::test(start_paused = true)]
async fn persistent_outage_keeps_cached_state() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    harness.tenant.queue_fault(
        RouteKind::CalendarView,
        FaultKind::ServiceUnavailable {
            retry_after_seconds: None,
        },
        10,
    );
    let error = harness.engine.sync().await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    let snapshot = harness.engine.snapshot();
    assert!(snapshot.sync_error.is_some());
    assert_eq!(
        snapshot.reservations.len(),
        1,
        "the cached reservations stay"
    );
}

#[tokio::test(start_paused = true)]
async fn ambiguous_post_503_is_read_back() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    harness.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::ServiceUnavailable {
            retry_after_seconds: None,
        },
        1,
    );
    let outcome = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(outcome, CheckInOutcome::Pending { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        harness.tenant.request_count(RouteKind::CheckInGet),
        1,
        "read back, not re-posted blindly"
    );
    let retried = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(retried, CheckInOutcome::Claimed { new: true, .. }),
        "{retried:?}"
    );
    assert_eq!(harness.tenant.claims().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn dropped_connection_on_read_retries() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    harness
        .tenant
        .queue_fault(RouteKind::CalendarView, FaultKind::DropConnection, 2);
    harness.engine.sync().await.unwrap();
    assert_eq!(harness.engine.snapshot().sync_error, None);
}

#[tokio::test(start_paused = true)]
async fn slow_post_times_out_then_settles() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    harness.tenant.queue_fault(
        RouteKind::CheckInCreate,
        FaultKind::DelayAfterApply(std::time::Duration::from_secs(120)),
        1,
    );
    let outcome = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(outcome, CheckInOutcome::Claimed { .. }),
        "read back after the timeout: {outcome:?}"
    );
    assert_eq!(harness.tenant.check_in_posts().len(), 1);
    assert_eq!(harness.tenant.claims().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn expired_access_token_refreshes_once() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    let refreshes_before = harness.tenant.identity().token_request_counts().total();
    harness
        .tenant
        .queue_fault(RouteKind::CheckInCreate, FaultKind::ExpireAccessTokens, 1);
    harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    let refreshes = harness.tenant.identity().token_request_counts().total() - refreshes_before;
    assert_eq!(refreshes, 1, "one refresh");
    let posts = harness.tenant.check_in_posts();
    assert_eq!(posts.iter().filter(|p| p.status == Some(201)).count(), 1);
    assert_eq!(posts.iter().filter(|p| p.status == Some(401)).count(), 1);
}

#[tokio::test(start_paused = true)]
async fn inferred_not_after_release_deadline() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let key = harness.view("Desk").key;
    harness.advance(Duration::minutes(20)).await;
    let error = harness
        .engine
        .check_in(&key, CheckInMethod::Inferred)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("release deadline"), "{error}");
    assert!(harness.tenant.check_in_posts().is_empty());
    let store = Store::open(&harness.store_path()).unwrap();
    assert!(
        store.claim(&key).unwrap().is_none(),
        "no intent left behind"
    );
}

#[tokio::test(start_paused = true)]
async fn rejected_claim_shows_graph_code() {
    let (harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let view = harness.view("Desk");
    // The booking is cancelled elsewhere after the sync, so the tenant
    // rejects the claim for good.
    let (token, _, _) = harness.tenant.identity().issue_tokens_for_demo();
    let cancel = format!(
        "{}/me/events/{}/cancel",
        harness.server.graph_url(),
        view.event_id
    );
    let status = reqwest::Client::new()
        .post(cancel)
        .bearer_auth(token)
        .json(&serde_json::json!({"comment": "moved"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 202);

    let error = harness
        .engine
        .check_in(&view.key, CheckInMethod::Manual)
        .await
        .unwrap_err();
    assert_eq!(error.graph_code(), Some("invalidRequest"), "{error}");
    let after = harness.view("Desk");
    assert!(
        after
            .error
            .as_deref()
            .unwrap_or("")
            .contains("invalidRequest"),
        "{after:?}"
    );
    assert!(!after.pending);
    let row = Store::open(&harness.store_path())
        .unwrap()
        .claim(&view.key)
        .unwrap()
        .unwrap();
    assert_eq!(row.status, ClaimStatus::Failed);
}

#[tokio::test(start_paused = true)]
async fn shared_series_uid_not_mistaken() {
    let (tenant, campus) = desk_booking_tenant(TenantOptions::default());
    let start = test_now() + Duration::minutes(5);
    let template = EventSpec::new("Daily", start, start + Duration::hours(8))
        .at_place("Desk", campus.second_desk.email_address.as_deref().unwrap());
    tenant
        .add_series(deskcheck_sim::SeriesSpec {
            ical_uid: deskcheck_sim::SeriesUid::Shared,
            ..deskcheck_sim::SeriesSpec::daily(template, 2)
        })
        .unwrap();
    let harness = Harness::start(tenant, test_now()).await;
    harness.engine.sync().await.unwrap();
    let today = harness
        .engine
        .snapshot()
        .reservations
        .iter()
        .find(|v| v.subject == "Daily")
        .unwrap()
        .key
        .clone();
    harness
        .engine
        .check_in(&today, CheckInMethod::Manual)
        .await
        .unwrap();

    harness.advance(Duration::days(1)).await;
    harness.engine.sync().await.unwrap();
    let tomorrow = harness
        .engine
        .snapshot()
        .reservations
        .iter()
        .find(|v| v.subject == "Daily" && v.state == "open")
        .expect("the second occurrence is open")
        .key
        .clone();
    assert_ne!(tomorrow, today);
    let error = harness
        .engine
        .check_in(&tomorrow, CheckInMethod::Manual)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("earlier") || error.to_string().contains("occurrence"),
        "{error}"
    );
    let view = harness
        .engine
        .snapshot()
        .reservations
        .iter()
        .find(|v| v.key == tomorrow)
        .cloned()
        .unwrap();
    assert!(
        view.claim.is_none(),
        "yesterday's claim is not shown as today's"
    );
    assert!(view.error.is_some());
}

#[tokio::test(start_paused = true)]
async fn pending_claim_is_selected() {
    let (mut harness, _) = synced_desk_booking(TenantOptions::default()).await;
    let view = harness.view("Desk");
    write_dead_intent(&harness, &view);
    harness.restart();
    let key = harness.engine.select_for_check_in(None).unwrap();
    assert_eq!(key, view.key);
    let by_key = harness
        .engine
        .select_for_check_in(Some(&deskcheck_core::ids::ICalUid::new(view.key.as_str())))
        .unwrap();
    assert_eq!(by_key, view.key);
    let outcome = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(outcome, CheckInOutcome::Claimed { new: true, .. }),
        "{outcome:?}"
    );
    assert_eq!(harness.tenant.claims().len(), 1);
}
