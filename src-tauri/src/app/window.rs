//! The deskcheck window, created on demand and destroyed when closed, so an
//! idle tray app keeps no webview in memory.

use deskcheck_core::model::ReservationKey;
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

pub const WINDOW_LABEL: &str = "main";

/// The window event that switches an open window to another view.
pub const NAVIGATE_EVENT: &str = "navigate";

/// View of the window to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum View {
    Main,
    /// Asks before cancelling the booking behind this key.
    ConfirmRelease(ReservationKey),
    Account,
}

impl View {
    /// Builds the URL fragment that `ui/app.js` reads to pick the view.
    pub fn fragment(&self) -> String {
        match self {
            View::Main => "main".into(),
            View::Account => "account".into(),
            View::ConfirmRelease(key) => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(key.as_str().as_bytes()).collect();
                format!("confirm-release={encoded}")
            }
        }
    }
}

/// Shows the window on `view`, creating it if it is closed.
pub fn open<R: Runtime>(app: &AppHandle<R>, view: View) {
    if let Err(error) = show(app, &view) {
        tracing::warn!(?view, %error, "opening the window failed");
    }
}

fn show<R: Runtime>(app: &AppHandle<R>, view: &View) -> tauri::Result<()> {
    if let Some(window) = app.get_webview_window(WINDOW_LABEL) {
        tracing::debug!(?view, "window already open; switching view");
        window.emit(NAVIGATE_EVENT, view.fragment())?;
        window.unminimize()?;
        window.show()?;
        return window.set_focus();
    }
    tracing::info!(?view, "creating the window");
    let url = WebviewUrl::App(format!("index.html#{}", view.fragment()).into());
    WebviewWindowBuilder::new(app, WINDOW_LABEL, url)
        .title("deskcheck")
        .inner_size(520.0, 640.0)
        .min_inner_size(380.0, 420.0)
        .build()?;
    Ok(())
}
