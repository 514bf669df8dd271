//! Every token, code and verifier that crosses the wire is kept out of the
//! logs, out of `Debug` output, and out of every file except the token
//! store, which holds only the current refresh token.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use common::{FakeBrowser, SimIdentity};
use deskcheck_auth::{BrowserOptions, FileStore, Session, TokenSource};
use deskcheck_sim::identity::IdentityConfig;

const REQUEST_SECRETS: &[&str] = &["code", "code_verifier", "refresh_token", "device_code"];
const RESPONSE_SECRETS: &[&str] = &["access_token", "refresh_token", "id_token", "device_code"];
const BODY_LIMIT: usize = 1 << 20;

/// Every secret value seen on the wire.
type Secrets = Arc<Mutex<Vec<String>>>;

async fn record_secrets(State(secrets): State<Secrets>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap();
    for (key, value) in url::form_urlencoded::parse(&bytes) {
        if REQUEST_SECRETS.contains(&key.as_ref()) {
            secrets.lock().unwrap().push(value.into_owned());
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;

    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap();
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        for key in RESPONSE_SECRETS {
            if let Some(value) = json[key].as_str() {
                secrets.lock().unwrap().push(value.to_owned());
            }
        }
    }
    if let Some(location) = parts.headers.get("location") {
        let location = url::Url::parse(location.to_str().unwrap()).unwrap();
        for (key, value) in location.query_pairs() {
            if key == "code" {
                secrets.lock().unwrap().push(value.into_owned());
            }
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            let contents = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            files.push((path, contents));
        }
    }
    files
}

fn assert_absent(text: &str, secrets: &[String], place: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{place} contains a secret of {} characters",
            secret.len()
        );
    }
}

#[tokio::test]
async fn no_secret_in_logs_or_files() {
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let secrets: Secrets = Arc::default();
    let sim = SimIdentity::start_with(IdentityConfig::default(), |router| {
        router.layer(middleware::from_fn_with_state(
            secrets.clone(),
            record_secrets,
        ))
    })
    .await;
    let data = tempfile::tempdir().unwrap();
    let store_path = data.path().join("sign-in.json");
    let auth = sim.authenticator();

    // Browser sign-in, then refreshes: the margin covers the whole token
    // lifetime, so every access_token call refreshes and rotates.
    let browser = FakeBrowser::default();
    let tokens = auth
        .sign_in_with_browser(&browser, &BrowserOptions::default())
        .await
        .expect("browser sign-in");
    browser.visit().await;
    let session = Session::signed_in(
        auth.clone(),
        Box::new(FileStore::new(store_path.clone())),
        tokens,
    )
    .unwrap()
    .with_refresh_margin(Duration::from_secs(7200));
    let first = session.access_token().await.unwrap();
    session.access_token().await.unwrap();
    sim.identity.expire_all_access_tokens();
    session.refresh_after_unauthorized(&first).await.unwrap();

    // Device code sign-in replaces the tokens. The clock is paused from
    // here, so the poll interval passes at once. The browser part runs on
    // the real clock because resolving `localhost` blocks on a thread, and
    // the paused clock would skip ahead while it waits.
    tokio::time::pause();
    sim.identity.set_auto_approve(true);
    let prompt = auth.start_device_code().await.unwrap();
    let device_tokens = auth.wait_for_device_code(&prompt).await.unwrap();
    let current_refresh = device_tokens.refresh.clone().unwrap();
    let debug_output = format!("{device_tokens:?} {prompt:?} {session:?}");
    session.complete_sign_in(device_tokens).await.unwrap();

    let all_secrets = secrets.lock().unwrap().clone();
    assert!(
        all_secrets.len() >= 10,
        "the wire carried {} secrets",
        all_secrets.len()
    );
    assert_absent(&debug_output, &all_secrets, "Debug output");
    let others: Vec<String> = all_secrets
        .iter()
        .filter(|secret| **secret != current_refresh.secret())
        .cloned()
        .collect();
    let files = files_under(data.path());
    assert_eq!(files.len(), 1, "only the token store is written");
    for (path, contents) in &files {
        assert_absent(contents, &others, &path.display().to_string());
        assert!(contents.contains(current_refresh.secret()));
    }

    // A revoked sign-in and a sign-out remove the last secret from disk.
    sim.identity.revoke_refresh_tokens();
    assert!(session.access_token().await.is_err());
    session.sign_out().await.unwrap();
    let all_secrets = secrets.lock().unwrap().clone();
    for (path, contents) in files_under(data.path()) {
        assert_absent(&contents, &all_secrets, &path.display().to_string());
    }

    let log_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        log_text.contains("token request succeeded"),
        "logs were captured"
    );
    assert!(
        log_text.contains("refresh token rejected"),
        "logs were captured"
    );
    assert_absent(&log_text, &all_secrets, "the log");
}
