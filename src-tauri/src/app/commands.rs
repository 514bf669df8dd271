//! Commands the window invokes: thin wrappers over the engine and the
//! autostart plugin.

use deskcheck_core::engine::{CheckInOutcome, Snapshot};
use deskcheck_core::model::{CheckInMethod, ReservationKey};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;

use super::{AppError, AppState};

/// The invoke handler with every command registered.
pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        get_snapshot,
        get_settings,
        check_in,
        release,
        set_automatic,
        pause_today,
        set_autostart,
        get_autostart,
        sync_now,
        sign_in,
        sign_in_with_code,
        sign_out,
        add_current_network,
    ]
}

/// Adds the network this machine is on as an office in the config file and
/// starts matching it at once. Returns the office's signals.
#[tauri::command]
pub async fn add_current_network(
    state: State<'_, AppState>,
    name: String,
    building: String,
) -> Result<deskcheck_net::RawOffice, String> {
    let fingerprint = deskcheck_net::read_fingerprint()
        .await
        .map_err(|error| error.to_string())?;
    let (raw, _) = deskcheck_net::office_from_network(&fingerprint, name.trim(), building.trim())
        .map_err(|error| error.to_string())?;
    let settings = state.engine.settings();
    let file = settings
        .file
        .clone()
        .ok_or("no configuration file is in use")?;
    let offices =
        deskcheck_core::config::append_office(&file, &raw).map_err(|error| error.to_string())?;
    state.engine.set_offices(offices);
    Ok(raw)
}

/// The session, or an error that says how to configure sign-in.
fn session_of(state: &AppState) -> Result<std::sync::Arc<deskcheck_auth::Session>, String> {
    state.session.clone().ok_or_else(|| {
        "no client id is configured: set `client_id` in the config file (see the README's app \
         registration steps)"
            .to_owned()
    })
}

#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>) -> Result<(), String> {
    super::account::sign_in_with_browser(&session_of(&state)?, &state.engine).await
}

#[tauri::command]
pub async fn sign_in_with_code(
    state: State<'_, AppState>,
) -> Result<super::account::DeviceCodeView, String> {
    super::account::start_device_code(&session_of(&state)?, &state.engine).await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), String> {
    super::account::sign_out(&session_of(&state)?, &state.engine).await
}

#[tauri::command]
pub fn get_snapshot(state: State<'_, AppState>) -> Snapshot {
    (*state.engine.snapshot()).clone()
}

/// Settings the window shows read-only, in minutes.
#[derive(Debug, Serialize)]
pub struct SettingsView {
    pub window_opens_before_minutes: i64,
    pub reminder_before_release_minutes: i64,
    pub release_after_desk_minutes: i64,
    pub release_after_room_minutes: i64,
    pub release_after_workspace_minutes: i64,
    pub sync_every_seconds: u64,
    pub timezone: String,
    pub demo: bool,
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> SettingsView {
    let settings = state.engine.settings();
    let policy = &settings.policy;
    SettingsView {
        window_opens_before_minutes: policy.window_opens_before.num_minutes(),
        reminder_before_release_minutes: policy.reminder_before_release.num_minutes(),
        release_after_desk_minutes: policy.release_after_desk.num_minutes(),
        release_after_room_minutes: policy.release_after_room.num_minutes(),
        release_after_workspace_minutes: policy.release_after_workspace.num_minutes(),
        sync_every_seconds: settings.sync_every.as_secs(),
        timezone: settings.timezone.name().to_owned(),
        demo: state.demo,
    }
}

/// Posts a `manual` claim for the reservation behind `key`.
#[tauri::command]
pub async fn check_in(state: State<'_, AppState>, key: String) -> Result<CheckInOutcome, AppError> {
    let key = ReservationKey::from_stored(key);
    tracing::info!(%key, "check-in requested from the window");
    Ok(state.engine.check_in(&key, CheckInMethod::Manual).await?)
}

/// Cancels the booking behind `key`. The window shows a confirmation first.
#[tauri::command]
pub async fn release(state: State<'_, AppState>, key: String) -> Result<(), AppError> {
    let key = ReservationKey::from_stored(key);
    tracing::info!(%key, "release confirmed in the window");
    Ok(state.engine.release(&key).await?)
}

#[tauri::command]
pub async fn set_automatic(state: State<'_, AppState>, enabled: bool) -> Result<(), AppError> {
    Ok(state.engine.set_automatic(enabled).await?)
}

#[tauri::command]
pub async fn pause_today(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine.pause_automatic_today().await?)
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), AppError> {
    Ok(state.engine.sync().await?)
}

#[tauri::command]
pub fn get_autostart<R: Runtime>(app: AppHandle<R>) -> Result<bool, AppError> {
    app.autolaunch()
        .is_enabled()
        .map_err(|err| AppError::Autostart(err.to_string()))
}

/// Starts deskcheck at login, or stops doing so.
#[tauri::command]
pub fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool, AppError> {
    let launcher = app.autolaunch();
    let result = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    result.map_err(|err| AppError::Autostart(err.to_string()))?;
    tracing::info!(enabled, "autostart at login changed");
    launcher
        .is_enabled()
        .map_err(|err| AppError::Autostart(err.to_string()))
}

#[cfg(test)]
mod tests;
