//! Bodies that do not parse and configuration that does not validate give
//! clear errors and leave the store as it was.

use deskcheck_core::config::{Overrides, Settings};
use deskcheck_core::engine::CheckInOutcome;
use deskcheck_core::error::Error;
use deskcheck_core::model::CheckInMethod;
use deskcheck_core::store::{ClaimStatus, Store};
use deskcheck_sim::{FaultKind, RouteKind, TenantOptions};
use deskcheck_tests::{synced_desk_booking, Harness};

async fn one_booking() -> Harness {
    synced_desk_booking(TenantOptions::default()).await.0
}

#[tokio::test(start_paused = true)]
async fn malformed_calendar_keeps_cache() {
    let harness = one_booking().await;
    harness
        .tenant
        .queue_fault(RouteKind::CalendarView, FaultKind::MalformedJson, 1);
    let error = harness.engine.sync().await.unwrap_err();
    assert!(matches!(error, Error::Malformed { .. }), "{error:?}");
    assert!(error.to_string().contains("calendarView"), "{error}");
    let snapshot = harness.engine.snapshot();
    assert_eq!(snapshot.reservations.len(), 1, "cached reservations kept");
    assert!(snapshot
        .sync_error
        .as_deref()
        .unwrap()
        .contains("could not be read"));

    // A restart still finds the reservation in the store.
    let mut harness = harness;
    harness.restart();
    assert_eq!(harness.engine.snapshot().reservations.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn malformed_claim_answer_is_read_back() {
    let harness = one_booking().await;
    let key = harness.view("Desk").key;
    harness
        .tenant
        .queue_fault(RouteKind::CheckInCreate, FaultKind::MalformedJson, 1);
    let first = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(matches!(first, CheckInOutcome::Pending { .. }), "{first:?}");
    assert_eq!(
        harness.tenant.request_count(RouteKind::CheckInGet),
        1,
        "read back"
    );
    let store = Store::open(&harness.store_path()).unwrap();
    assert_eq!(
        store.claim(&key).unwrap().unwrap().status,
        ClaimStatus::Intent,
        "intent kept"
    );

    let second = harness
        .engine
        .check_in(&key, CheckInMethod::Manual)
        .await
        .unwrap();
    assert!(
        matches!(second, CheckInOutcome::Claimed { new: true, .. }),
        "{second:?}"
    );
    assert_eq!(harness.tenant.claims().len(), 1);
}

#[test]
fn malformed_config_names_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let cases = [
        (
            "[check_in]\nwindow_opens_minutes = \"soon\"\n",
            "window_opens_minutes",
        ),
        ("timezone = \"Mars/Olympus\"\n", "Mars/Olympus"),
        ("graph_url = \"http://graph.example/v1.0\"\n", "graph_url"),
        ("colud = \"global\"\n", "colud"),
        ("[check_in\n", "config.toml"),
    ];
    for (text, needle) in cases {
        std::fs::write(&path, text).unwrap();
        let error = Settings::load(&path, true, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("config.toml"), "{text:?}: {error}");
        assert!(error.contains(needle), "{text:?}: {error}");
    }
}

#[test]
fn missing_explicit_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let error = Settings::load(&path, true, &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("absent.toml"), "{error}");
    assert!(
        Settings::load(&path, false, &Overrides::default()).is_ok(),
        "default file may be absent"
    );
}
