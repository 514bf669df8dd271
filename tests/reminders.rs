//! Reminders from the engine's run loop: when the window opens and before
//! the release deadline, once each, and none once claimed.

use chrono::Duration;
use deskcheck_core::engine::Notice;
use deskcheck_core::model::CheckInMethod;
use deskcheck_sim::{EventSpec, Tenant};
use deskcheck_tests::{test_now, Campus, Harness};
use tokio_util::sync::CancellationToken;

async fn booking_in(minutes: i64) -> Harness {
    let tenant = Tenant::new();
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(minutes);
    for (subject, desk) in [("Desk", &campus.desk), ("Second desk", &campus.second_desk)] {
        tenant
            .add_event(
                EventSpec::new(subject, start, start + Duration::hours(8))
                    .at_place(subject, desk.email_address.as_deref().unwrap()),
            )
            .unwrap();
    }
    Harness::start(tenant, test_now()).await
}

fn subject(notice: &Notice) -> (&'static str, String) {
    match notice {
        Notice::WindowOpened(view) => ("window_opened", view.subject.clone()),
        Notice::ReleaseSoon(view) => ("release_soon", view.subject.clone()),
        Notice::CheckedIn { reservation, .. } => ("checked_in", reservation.subject.clone()),
        other => ("other", format!("{other:?}")),
    }
}

#[tokio::test(start_paused = true)]
async fn window_and_release_reminders() {
    let harness = booking_in(20).await;
    let start = test_now() + Duration::minutes(20);
    let mut notices = harness.engine.notices();
    let shutdown = CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let runner = tokio::spawn(async move { engine.run(stop).await });

    let mut seen = Vec::new();
    while seen.len() < 2 {
        let notice = notices.recv().await.unwrap();
        assert_eq!(
            harness.engine.now(),
            start - Duration::minutes(15),
            "window reminders at window opening"
        );
        seen.push(subject(&notice));
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("window_opened", "Desk".to_owned()),
            ("window_opened", "Second desk".to_owned())
        ]
    );

    // Claim one; only the other gets the second reminder.
    let key = harness.view("Desk").key;
    harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    let claimed = notices.recv().await.unwrap();
    assert_eq!(subject(&claimed), ("checked_in", "Desk".to_owned()));

    let release = notices.recv().await.unwrap();
    assert_eq!(
        subject(&release),
        ("release_soon", "Second desk".to_owned())
    );
    assert_eq!(
        harness.engine.now(),
        start + Duration::minutes(5),
        "five minutes before the deadline"
    );

    // Hours later, nothing else was sent.
    harness.advance(Duration::hours(3)).await;
    assert!(notices.try_recv().is_err(), "each reminder once");
    shutdown.cancel();
    runner.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn reminders_not_repeated_after_restart() {
    let mut harness = booking_in(5).await;
    harness.engine.sync().await.unwrap();
    let mut notices = harness.engine.notices();
    let shutdown = CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let runner = tokio::spawn(async move { engine.run(stop).await });
    let _ = notices.recv().await.unwrap();
    let _ = notices.recv().await.unwrap();
    shutdown.cancel();
    runner.await.unwrap();

    harness.restart();
    let mut notices = harness.engine.notices();
    let shutdown = CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let runner = tokio::spawn(async move { engine.run(stop).await });
    // The first reminders after the restart are the second ones: the
    // window reminders went out before it.
    for _ in 0..2 {
        let notice = notices.recv().await.unwrap();
        assert_eq!(subject(&notice).0, "release_soon", "{notice:?}");
    }
    shutdown.cancel();
    runner.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn requested_sync_runs_at_once() {
    let harness = booking_in(120).await;
    let shutdown = CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let runner = tokio::spawn(async move { engine.run(stop).await });
    harness
        .tenant
        .wait_for_requests(deskcheck_sim::RouteKind::CalendarView, 1)
        .await;
    let asked_at = harness.engine.now();
    harness.engine.request_sync();
    harness
        .tenant
        .wait_for_requests(deskcheck_sim::RouteKind::CalendarView, 2)
        .await;
    let waited = harness.engine.now() - asked_at;
    assert!(
        waited < Duration::seconds(1),
        "synced {waited} after the request, not at the period"
    );
    shutdown.cancel();
    runner.await.unwrap();
}
