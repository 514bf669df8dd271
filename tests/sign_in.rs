//! The engine's side of the token lifecycle: silent refresh during a sync,
//! and one sign-in prompt when the refresh token is dead.

use chrono::Duration;
use deskcheck_core::engine::Notice;
use deskcheck_sim::TenantOptions;
use deskcheck_tests::{synced_desk_booking, Harness};

async fn started() -> Harness {
    synced_desk_booking(TenantOptions::default()).await.0
}

#[tokio::test(start_paused = true)]
async fn expired_token_refreshes_silently() {
    let harness = started().await;
    let mut notices = harness.engine.notices();
    harness.tenant.identity().expire_all_access_tokens();
    harness.engine.sync().await.unwrap();
    assert!(harness.engine.snapshot().account.signed_in);
    assert!(notices.try_recv().is_err(), "nothing for the person to see");
    assert_eq!(harness.tenant.identity().token_request_counts().total(), 1);
}

#[tokio::test(start_paused = true)]
async fn token_expiry_ahead_of_time_refreshes() {
    let harness = started().await;
    // Past the access token's hour: the session refreshes before sending.
    harness.advance(Duration::minutes(58)).await;
    harness.engine.sync().await.unwrap();
    assert_eq!(harness.tenant.identity().token_request_counts().total(), 1);
    let rejected = harness
        .tenant
        .requests()
        .iter()
        .filter(|request| request.status == Some(401))
        .count();
    assert_eq!(rejected, 0, "no request went out with an expired token");
}

#[tokio::test(start_paused = true)]
async fn dead_refresh_token_prompts_once() {
    let harness = started().await;
    let mut notices = harness.engine.notices();
    harness.tenant.identity().revoke_refresh_tokens();
    harness.tenant.identity().expire_all_access_tokens();

    let error = harness.engine.sync().await.unwrap_err();
    assert!(error.to_string().contains("sign"), "{error}");
    let snapshot = harness.engine.snapshot();
    assert!(!snapshot.account.signed_in);
    assert_eq!(
        snapshot.reservations.len(),
        1,
        "cached reservations stay visible"
    );

    let token_requests = harness.tenant.identity().token_request_counts().total();
    for _ in 0..3 {
        let _ = harness.engine.sync().await;
    }
    assert_eq!(
        harness.tenant.identity().token_request_counts().total(),
        token_requests,
        "no token requests after the refresh token died"
    );

    let mut prompts = 0;
    while let Ok(notice) = notices.try_recv() {
        if matches!(notice, Notice::SignedOut { .. }) {
            prompts += 1;
        }
    }
    assert_eq!(prompts, 1, "exactly one sign-in prompt");
}
