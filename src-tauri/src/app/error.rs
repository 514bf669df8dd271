//! Errors of the tray app and of its commands.

use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Engine(#[from] deskcheck_core::Error),

    #[error("the desktop shell failed: {0}")]
    Tauri(#[from] tauri::Error),

    #[error("the autostart setting could not be changed: {0}")]
    Autostart(String),

    #[error("the tray icon image {name} is invalid: {reason}")]
    Icon { name: &'static str, reason: String },
}

/// Commands send the message to the window, which shows it as it is.
impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
