//! Browser sign-in with PKCE against the simulated identity endpoints.

mod common;

use std::time::Duration;

use async_trait::async_trait;
use common::{FakeBrowser, SimIdentity, CLIENT_ID, TENANT};
use deskcheck_auth::{AuthError, BrowserOpener, BrowserOptions, OpenError};
use deskcheck_sim::identity::{AuthorizeBehavior, IdentityConfig};
use url::Url;

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
}

#[tokio::test]
async fn browser_flow_signs_in() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let browser = FakeBrowser::default();

    let tokens = auth
        .sign_in_with_browser(&browser, &BrowserOptions::default())
        .await
        .expect("browser sign-in");

    assert!(sim.accepts(tokens.access.secret()));
    assert!(tokens.refresh.is_some());
    let account = tokens.account.expect("account from the ID token");
    assert_eq!(account.username, "adele@contoso.example");
    assert_eq!(sim.identity.token_request_counts().authorization_code, 1);

    let visit = browser.visit().await;
    let authorize = visit.authorize_url.expect("authorize URL");
    assert_eq!(authorize.path(), format!("/{TENANT}/oauth2/v2.0/authorize"));
    assert_eq!(query(&authorize, "client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(
        query(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(query(&authorize, "response_type").as_deref(), Some("code"));
    let redirect_uri = query(&authorize, "redirect_uri").expect("redirect_uri");
    assert!(
        redirect_uri.starts_with("http://localhost:"),
        "{redirect_uri}"
    );
    let page = visit.page.expect("result page");
    assert!(page.contains("Signed in"), "{page}");
    assert!(!page.contains("<script"), "{page}");
}

#[tokio::test]
async fn browser_flow_rejects_wrong_state() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    sim.identity
        .set_authorize_behavior(AuthorizeBehavior::WrongState);
    let browser = FakeBrowser::default();

    let result = sim
        .authenticator()
        .sign_in_with_browser(&browser, &BrowserOptions::default())
        .await;

    assert!(
        matches!(result, Err(AuthError::StateMismatch)),
        "{result:?}"
    );
    assert_eq!(
        sim.identity.token_request_counts().authorization_code,
        0,
        "a code with the wrong state must not be redeemed"
    );
    let page = browser.visit().await.page.expect("result page");
    assert!(page.contains("Sign-in failed"), "{page}");
}

#[tokio::test]
async fn browser_flow_reports_access_denied() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    sim.identity.set_authorize_behavior(AuthorizeBehavior::Deny);
    let browser = FakeBrowser::default();

    let result = sim
        .authenticator()
        .sign_in_with_browser(&browser, &BrowserOptions::default())
        .await;

    match result {
        Err(AuthError::AuthorizationDenied { error, description }) => {
            assert_eq!(error, "access_denied");
            assert!(description.contains("AADSTS65004"), "{description}");
        }
        other => panic!("expected access_denied, got {other:?}"),
    }
    let page = browser.visit().await.page.expect("result page");
    assert!(page.contains("access_denied"), "{page}");
}

#[tokio::test]
async fn reused_code_is_rejected() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let browser = FakeBrowser::default();
    sim.authenticator()
        .sign_in_with_browser(&browser, &BrowserOptions::default())
        .await
        .expect("first redemption");
    let visit = browser.visit().await;
    let redirect = visit.redirect_url.expect("redirect");
    let code = query(&redirect, "code").expect("code");
    let redirect_uri = query(&visit.authorize_url.unwrap(), "redirect_uri").unwrap();

    // Replay the code the way an attacker who saw the redirect would. The
    // verifier is unknown to the attacker, but a redeemed code must fail
    // before the verifier is even compared.
    let token_url = sim.config().endpoint("token");
    let response = reqwest::Client::new()
        .post(token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("code_verifier", "x".repeat(43).as_str()),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 54005);
    let description = body["error_description"].as_str().unwrap();
    assert!(description.starts_with("AADSTS54005:"), "{description}");
}

#[tokio::test]
async fn claims_challenge_reaches_authorize() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let browser = FakeBrowser::default();
    let claims = r#"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#;
    let options = BrowserOptions {
        claims: Some(claims.to_owned()),
        login_hint: Some("adele@contoso.example".to_owned()),
        ..BrowserOptions::default()
    };

    sim.authenticator()
        .sign_in_with_browser(&browser, &options)
        .await
        .expect("sign-in");

    let authorize = browser.visit().await.authorize_url.unwrap();
    assert_eq!(query(&authorize, "claims").as_deref(), Some(claims));
    assert_eq!(
        query(&authorize, "login_hint").as_deref(),
        Some("adele@contoso.example")
    );
}

/// An opener that shows nothing, as when the person closes the browser.
struct IgnoringBrowser;

#[async_trait]
impl BrowserOpener for IgnoringBrowser {
    async fn open(&self, _url: &Url) -> Result<(), OpenError> {
        Ok(())
    }
}

/// An opener that fails, as when no browser is installed.
struct MissingBrowser;

#[async_trait]
impl BrowserOpener for MissingBrowser {
    async fn open(&self, _url: &Url) -> Result<(), OpenError> {
        Err("no browser found".into())
    }
}

#[tokio::test(start_paused = true)]
async fn browser_flow_times_out() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let options = BrowserOptions {
        timeout: Duration::from_secs(120),
        ..BrowserOptions::default()
    };
    let started = tokio::time::Instant::now();

    let result = sim
        .authenticator()
        .sign_in_with_browser(&IgnoringBrowser, &options)
        .await;

    assert!(
        matches!(result, Err(AuthError::BrowserTimeout { seconds: 120 })),
        "{result:?}"
    );
    assert!(started.elapsed() >= Duration::from_secs(120));
}

#[tokio::test]
async fn browser_open_failure_is_reported() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;

    let result = sim
        .authenticator()
        .sign_in_with_browser(&MissingBrowser, &BrowserOptions::default())
        .await;

    match result {
        Err(error @ AuthError::BrowserOpen(_)) => {
            assert!(error.to_string().contains("no browser found"));
            assert!(error.to_string().contains("device code"));
        }
        other => panic!("expected BrowserOpen, got {other:?}"),
    }
}
