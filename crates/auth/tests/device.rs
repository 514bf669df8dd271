//! Device code sign-in against the simulated identity endpoints, on the
//! paused tokio clock.

mod common;

use std::time::Duration;

use common::SimIdentity;
use deskcheck_auth::{AuthError, DevicePoll};
use deskcheck_sim::identity::{IdentityConfig, ScriptedError};
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn device_code_pending_slow_down_approved() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");
    assert_eq!(prompt.user_code.len(), 9);
    assert_eq!(prompt.interval, Duration::from_secs(5));
    assert_eq!(prompt.expires_in, Duration::from_secs(900));
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert!(
        prompt.message.contains(&prompt.user_code),
        "{}",
        prompt.message
    );

    let started = Instant::now();
    let mut requests = sim.identity.subscribe_token_requests();
    let poller = {
        let auth = auth.clone();
        let prompt = prompt.clone();
        tokio::spawn(async move { auth.wait_for_device_code(&prompt).await })
    };
    requests
        .wait_for(|counts| counts.device_code >= 1)
        .await
        .unwrap();
    sim.identity
        .script_token_error(ScriptedError::slow_down(), 1);
    requests
        .wait_for(|counts| counts.device_code >= 2)
        .await
        .unwrap();
    assert!(sim.identity.approve_device_code(&prompt.user_code));

    let tokens = poller.await.unwrap().expect("approved");
    assert!(sim.accepts(tokens.access.secret()));
    assert_eq!(sim.identity.token_request_counts().device_code, 3);
    // Polls at 5 s (pending), 10 s (slow_down), then 10 s later (approved).
    assert_eq!(started.elapsed(), Duration::from_secs(20));
}

#[tokio::test(start_paused = true)]
async fn device_code_declined() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");
    assert!(sim.identity.decline_device_code(&prompt.user_code));

    let result = auth.wait_for_device_code(&prompt).await;

    assert!(
        matches!(result, Err(AuthError::DeviceCodeDeclined)),
        "{result:?}"
    );
    assert_eq!(sim.identity.token_request_counts().device_code, 1);
}

#[tokio::test(start_paused = true)]
async fn device_code_expires_locally() {
    let config = IdentityConfig {
        device_code_lifetime: Duration::from_secs(12),
        ..IdentityConfig::default()
    };
    let sim = SimIdentity::start(config).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");

    let result = auth.wait_for_device_code(&prompt).await;

    assert!(
        matches!(result, Err(AuthError::DeviceCodeExpired)),
        "{result:?}"
    );
    assert_eq!(
        sim.identity.token_request_counts().device_code,
        2,
        "polls at 5 s and 10 s, none after expiry at 12 s"
    );
}

#[tokio::test(start_paused = true)]
async fn device_code_expired_token_from_server() {
    let config = IdentityConfig {
        device_code_lifetime: Duration::from_secs(12),
        ..IdentityConfig::default()
    };
    let sim = SimIdentity::start(config).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");
    tokio::time::advance(Duration::from_secs(13)).await;

    let result = auth.poll_device_code(&prompt).await;

    assert!(
        matches!(result, Err(AuthError::DeviceCodeExpired)),
        "{result:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn device_code_single_poll_outcomes() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");

    let first = auth.poll_device_code(&prompt).await;
    assert!(matches!(first, Ok(DevicePoll::Pending)), "{first:?}");
    // A second poll at once is too early, so the server returns slow_down.
    let second = auth.poll_device_code(&prompt).await;
    assert!(matches!(second, Ok(DevicePoll::SlowDown)), "{second:?}");

    sim.identity.script_token_error(
        ScriptedError::new(400, "bad_verification_code", 70000, "Unknown code."),
        1,
    );
    let third = auth.poll_device_code(&prompt).await;
    assert!(
        matches!(third, Err(AuthError::BadVerificationCode)),
        "{third:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn device_code_retries_server_errors() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");
    sim.identity
        .script_token_error(ScriptedError::temporarily_unavailable(), 2);
    assert!(sim.identity.approve_device_code(&prompt.user_code));

    let tokens = auth.wait_for_device_code(&prompt).await.expect("approved");

    assert!(sim.accepts(tokens.access.secret()));
    assert_eq!(sim.identity.token_request_counts().device_code, 3);
}

#[tokio::test(start_paused = true)]
async fn device_code_stops_on_public_client_disabled() {
    let sim = SimIdentity::start(IdentityConfig::default()).await;
    let auth = sim.authenticator();
    let prompt = auth.start_device_code().await.expect("device code");
    sim.identity
        .script_token_error(ScriptedError::public_client_disabled(), 1);

    let result = auth.wait_for_device_code(&prompt).await;

    let error = result.expect_err("rejected");
    let entra = error.entra().expect("an Entra error");
    assert_eq!(entra.error, "invalid_client");
    assert_eq!(entra.codes, vec![7000218]);
    assert!(
        error.to_string().contains("Allow public client flows"),
        "{error}"
    );
}
