//! The commands through Tauri's IPC with the mock runtime, against a real
//! engine and the simulated tenant on loopback.

use super::*;
use crate::app::testing;
use chrono::Utc;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct Fixture {
    demo: testing::Demo,
    window: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let demo = tauri::async_runtime::block_on(async {
        let demo = testing::start(Utc::now(), chrono_tz::Tz::UTC, &store)
            .await
            .unwrap();
        demo.engine.sync().await.unwrap();
        demo
    });
    let app = mock_builder()
        .manage(AppState {
            session: None,
            engine: demo.engine.clone(),
            demo: true,
        })
        .invoke_handler(handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Fixture {
        demo,
        window,
        _app: app,
        _dir: dir,
    }
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|body| body.deserialize::<Value>().unwrap())
}

fn open_key(snapshot: &Value) -> String {
    let open: Vec<&Value> = snapshot["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|view| view["can_check_in"] == json!(true))
        .collect();
    assert_eq!(open.len(), 1, "the demo has one open reservation: {open:?}");
    open[0]["key"].as_str().unwrap().to_owned()
}

#[test]
fn get_snapshot_lists_demo_bookings() {
    let fixture = fixture();
    let snapshot = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    let names: Vec<&str> = snapshot["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|view| view["place"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Desk 4.12"), "{names:?}");
    assert!(snapshot["account"]["signed_in"].as_bool().unwrap());
}

#[test]
fn check_in_posts_one_manual_claim() {
    let fixture = fixture();
    let snapshot = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    let key = open_key(&snapshot);

    let outcome = invoke(&fixture.window, "check_in", json!({ "key": key })).unwrap();
    assert_eq!(outcome["outcome"], json!("claimed"));
    assert_eq!(outcome["new"], json!(true));

    let posts = fixture.demo.tenant.tenant().check_in_posts();
    assert_eq!(posts.len(), 1);
    let claims = fixture.demo.tenant.tenant().claims();
    assert_eq!(claims.len(), 1);
    assert_eq!(claims[0].method, deskcheck_sim::CheckInMethod::Manual);

    let after = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    let view = after["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|view| view["key"] == json!(key))
        .unwrap()
        .clone();
    assert_eq!(view["claim"]["method"], json!("manual"));
    assert_eq!(view["can_check_in"], json!(false));
}

#[test]
fn check_in_twice_posts_once() {
    let fixture = fixture();
    let key = open_key(&invoke(&fixture.window, "get_snapshot", json!({})).unwrap());
    invoke(&fixture.window, "check_in", json!({ "key": key })).unwrap();
    let second = invoke(&fixture.window, "check_in", json!({ "key": key })).unwrap();
    assert_eq!(second["new"], json!(false));
    assert_eq!(fixture.demo.tenant.tenant().check_in_posts().len(), 1);
}

#[test]
fn unknown_key_is_an_error_message() {
    let fixture = fixture();
    let error = invoke(&fixture.window, "check_in", json!({ "key": "no-such-key" })).unwrap_err();
    let message = error.as_str().unwrap();
    assert!(message.contains("no-such-key"), "{message}");
    assert!(fixture.demo.tenant.tenant().check_in_posts().is_empty());
}

#[test]
fn set_automatic_updates_snapshot() {
    let fixture = fixture();
    invoke(&fixture.window, "set_automatic", json!({ "enabled": true })).unwrap();
    let on = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    assert_eq!(on["automatic"]["enabled"], json!(true));
    invoke(
        &fixture.window,
        "set_automatic",
        json!({ "enabled": false }),
    )
    .unwrap();
    let off = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    assert_eq!(off["automatic"]["enabled"], json!(false));
}

#[test]
fn pause_today_sets_paused_until() {
    let fixture = fixture();
    invoke(&fixture.window, "set_automatic", json!({ "enabled": true })).unwrap();
    invoke(&fixture.window, "pause_today", json!({})).unwrap();
    let snapshot = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    assert!(
        snapshot["automatic"]["paused_until"].is_string(),
        "{snapshot}"
    );
}

#[test]
fn sync_now_reads_calendar() {
    let fixture = fixture();
    let before = fixture.demo.tenant.tenant().requests().len();
    invoke(&fixture.window, "sync_now", json!({})).unwrap();
    assert!(fixture.demo.tenant.tenant().requests().len() > before);
}

#[test]
fn release_cancels_organized_booking() {
    let fixture = fixture();
    let snapshot = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    let releasable = snapshot["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|view| view["can_release"] == json!(true))
        .expect("the demo has a booking the person organizes")
        .clone();
    let key = releasable["key"].as_str().unwrap();
    invoke(&fixture.window, "release", json!({ "key": key })).unwrap();
    let after = invoke(&fixture.window, "get_snapshot", json!({})).unwrap();
    let still_there = after["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|view| view["key"] == json!(key));
    assert!(!still_there);
}

#[test]
fn get_settings_reports_policy() {
    let fixture = fixture();
    let settings = invoke(&fixture.window, "get_settings", json!({})).unwrap();
    assert_eq!(settings["window_opens_before_minutes"], json!(15));
    assert_eq!(settings["demo"], json!(true));
}

#[test]
fn sign_out_without_client_id_explains() {
    let fixture = fixture();
    let error = invoke(&fixture.window, "sign_out", json!({})).unwrap_err();
    assert!(
        error.as_str().unwrap_or_default().contains("client_id"),
        "{error}"
    );
}

#[test]
fn sign_out_forgets_reservations() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let (demo, session) = tauri::async_runtime::block_on(async {
        let demo = testing::start(Utc::now(), chrono_tz::Tz::UTC, &store)
            .await
            .unwrap();
        demo.engine.sync().await.unwrap();
        let authority: url::Url = demo.tenant.authority_url().parse().unwrap();
        let config =
            deskcheck_auth::AuthConfig::new(authority, "contoso.example", "deskcheck-demo");
        let auth = deskcheck_auth::Authenticator::new(config).unwrap();
        let (access, refresh, expires_in) = demo.tenant.tenant().identity().issue_tokens_for_demo();
        let tokens = deskcheck_auth::TokenSet {
            access: deskcheck_auth::AccessToken::new(access),
            refresh: Some(deskcheck_auth::RefreshToken::new(refresh)),
            expires_at: tokio::time::Instant::now() + std::time::Duration::from_secs(expires_in),
            account: None,
        };
        let session = deskcheck_auth::Session::signed_in(
            auth,
            Box::new(deskcheck_auth::MemoryStore::default()),
            tokens,
        )
        .unwrap();
        (demo, std::sync::Arc::new(session))
    });
    let app = mock_builder()
        .manage(AppState {
            session: Some(session.clone()),
            engine: demo.engine.clone(),
            demo: true,
        })
        .invoke_handler(handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    assert!(!demo.engine.snapshot().reservations.is_empty());

    invoke(&window, "sign_out", json!({})).unwrap();
    assert!(
        demo.engine.snapshot().reservations.is_empty(),
        "cached reservations deleted"
    );
    assert!(
        matches!(session.state(), deskcheck_auth::AuthState::SignedOut { .. }),
        "tokens removed"
    );
}
