//! Signing in and out from the tray and the window, on the same session
//! the engine takes its tokens from.

use std::sync::Arc;

use deskcheck_auth::{BrowserOptions, Session, SystemBrowser};
use deskcheck_core::engine::Engine;
use serde::Serialize;

/// What the window shows for a device-code sign-in.
#[derive(Clone, Debug, Serialize)]
pub struct DeviceCodeView {
    pub user_code: String,
    pub verification_uri: String,
    pub message: String,
}

/// Signs in through the system browser, then syncs.
pub async fn sign_in_with_browser(session: &Arc<Session>, engine: &Engine) -> Result<(), String> {
    let tokens = session
        .authenticator()
        .sign_in_with_browser(&SystemBrowser, &BrowserOptions::default())
        .await
        .map_err(|error| error.to_string())?;
    session
        .complete_sign_in(tokens)
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!("signed in through the browser");
    engine.request_sync();
    Ok(())
}

/// Starts a device-code sign-in and returns the code to show; the wait for
/// its approval goes on in the background.
pub async fn start_device_code(
    session: &Arc<Session>,
    engine: &Engine,
) -> Result<DeviceCodeView, String> {
    let prompt = session
        .authenticator()
        .start_device_code()
        .await
        .map_err(|error| error.to_string())?;
    let view = DeviceCodeView {
        user_code: prompt.user_code.clone(),
        verification_uri: prompt.verification_uri.clone(),
        message: prompt.message.clone(),
    };
    let session = session.clone();
    let engine = engine.clone();
    tauri::async_runtime::spawn(async move {
        let signed_in = match session.authenticator().wait_for_device_code(&prompt).await {
            Ok(tokens) => session
                .complete_sign_in(tokens)
                .await
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        match signed_in {
            Ok(()) => {
                tracing::info!("signed in with a device code");
                engine.request_sync();
            }
            Err(error) => tracing::warn!(%error, "device-code sign-in failed"),
        }
    });
    Ok(view)
}

/// Signs out: removes the stored tokens and the cached reservations.
pub async fn sign_out(session: &Arc<Session>, engine: &Engine) -> Result<(), String> {
    session
        .sign_out()
        .await
        .map_err(|error| error.to_string())?;
    engine
        .forget_account_data()
        .map_err(|error| error.to_string())?;
    tracing::info!("signed out from the app");
    Ok(())
}
