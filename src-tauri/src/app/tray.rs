//! The tray icon: its image and tooltip per state, and the menu built from
//! [`menu_model`], replaced as a whole whenever the snapshot changes.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use deskcheck_core::engine::{Engine, Snapshot};
use deskcheck_core::model::CheckInMethod;
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio_util::sync::CancellationToken;

use super::menu::{escape_mnemonic, menu_model, todays_reservations, MenuAction, MenuEntry};
use super::{window, AppError, AppState};

pub const TRAY_ID: &str = "deskcheck";

/// The window event that carries each new snapshot.
pub const SNAPSHOT_EVENT: &str = "snapshot";

/// Labels change with the clock ("check-in from 08:45") even when the
/// snapshot does not, so the menu is also rebuilt on this period.
const CLOCK_REFRESH: Duration = Duration::from_secs(60);

/// Tray icon states, from most to least urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrayState {
    SignedOut,
    Error,
    CheckInOpen,
    CheckedIn,
    NothingToday,
}

impl TrayState {
    /// Picks the state for `snapshot` at its local day.
    pub fn of(snapshot: &Snapshot, tz: Tz) -> Self {
        if !snapshot.account.signed_in {
            return TrayState::SignedOut;
        }
        let today = todays_reservations(snapshot, snapshot.generated_at, tz);
        if snapshot.sync_error.is_some() || today.iter().any(|view| view.error.is_some()) {
            return TrayState::Error;
        }
        if today.iter().any(|view| view.can_check_in) {
            return TrayState::CheckInOpen;
        }
        if today
            .iter()
            .any(|view| view.claim.is_some() && view.state != "ended")
        {
            return TrayState::CheckedIn;
        }
        TrayState::NothingToday
    }

    fn icon_bytes(self) -> (&'static str, &'static [u8]) {
        match self {
            TrayState::SignedOut => (
                "signed-out",
                include_bytes!("../../../icons/tray/signed-out.png"),
            ),
            TrayState::Error => ("error", include_bytes!("../../../icons/tray/error.png")),
            TrayState::CheckInOpen => (
                "check-in-open",
                include_bytes!("../../../icons/tray/check-in-open.png"),
            ),
            TrayState::CheckedIn => (
                "checked-in",
                include_bytes!("../../../icons/tray/checked-in.png"),
            ),
            TrayState::NothingToday => ("idle", include_bytes!("../../../icons/tray/idle.png")),
        }
    }

    pub fn icon(self) -> Result<Image<'static>, AppError> {
        let (name, bytes) = self.icon_bytes();
        Image::from_bytes(bytes).map_err(|err| AppError::Icon {
            name,
            reason: err.to_string(),
        })
    }

    /// Builds the tooltip sentence (the panel title on Linux).
    pub fn tooltip(self, snapshot: &Snapshot, tz: Tz) -> String {
        let today = todays_reservations(snapshot, snapshot.generated_at, tz);
        let open: Vec<&str> = today
            .iter()
            .filter(|view| view.can_check_in)
            .map(|view| view.place.name.as_str())
            .collect();
        let text = match self {
            TrayState::SignedOut => "signed out".to_owned(),
            TrayState::Error => "a sync or check-in failed; open the menu for details".to_owned(),
            TrayState::CheckInOpen => format!("check in to {}", open.join(", ")),
            TrayState::CheckedIn => "checked in".to_owned(),
            TrayState::NothingToday => "nothing booked today".to_owned(),
        };
        format!("deskcheck: {text}")
    }
}

/// Parses the snapshot's zone for local times, falling back to UTC for an
/// unknown name.
pub fn snapshot_zone(snapshot: &Snapshot) -> Tz {
    snapshot.timezone.parse().unwrap_or_else(|_| {
        tracing::warn!(zone = %snapshot.timezone, "unknown time zone in snapshot; showing UTC");
        Tz::UTC
    })
}

/// Creates the tray icon with the menu for `snapshot`.
pub fn create<R: Runtime>(
    app: &AppHandle<R>,
    snapshot: &Snapshot,
    demo: bool,
) -> Result<TrayIcon<R>, AppError> {
    let tz = snapshot_zone(snapshot);
    let state = TrayState::of(snapshot, tz);
    let menu = build_menu(app, &menu_model(snapshot, Utc::now(), tz, demo))?;
    let tray = TrayIconBuilder::with_id(TRAY_ID)
        .icon(state.icon()?)
        .tooltip(state.tooltip(snapshot, tz))
        .title("deskcheck")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu_event(app, event))
        .build(app)?;
    tracing::info!(?state, "tray icon created");
    Ok(tray)
}

/// Turns menu entries into a Tauri menu.
pub fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[MenuEntry],
) -> Result<Menu<R>, AppError> {
    let menu = Menu::new(app)?;
    for (index, entry) in entries.iter().enumerate() {
        match entry {
            MenuEntry::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
            MenuEntry::Info(text) => {
                let id = format!("info:{index}");
                menu.append(&MenuItem::with_id(
                    app,
                    id,
                    escape_mnemonic(text),
                    false,
                    None::<&str>,
                )?)?
            }
            MenuEntry::Action { action, label } => {
                let item = MenuItem::with_id(
                    app,
                    action.id(),
                    escape_mnemonic(label),
                    true,
                    None::<&str>,
                )?;
                menu.append(&item)?
            }
        }
    }
    Ok(menu)
}

/// Rebuilds the tray and pushes snapshots to the window until `shutdown`.
pub async fn watch_snapshots<R: Runtime>(
    app: AppHandle<R>,
    engine: Engine,
    demo: bool,
    shutdown: CancellationToken,
) {
    let mut snapshots = engine.subscribe();
    let mut clock = tokio::time::interval(CLOCK_REFRESH);
    let mut last_model: Vec<MenuEntry> = Vec::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = clock.tick() => {}
        }
        let snapshot: Arc<Snapshot> = snapshots.borrow_and_update().clone();
        if let Err(error) = refresh(&app, &snapshot, demo, &mut last_model) {
            tracing::warn!(%error, "tray refresh failed");
        }
        if let Err(error) = app.emit(SNAPSHOT_EVENT, &*snapshot) {
            tracing::warn!(%error, "sending the snapshot to the window failed");
        }
    }
    tracing::debug!("tray watcher stopped");
}

/// Replaces the whole menu (never patching items in place, so a menu that
/// was open during the change shows no stale item when opened again).
fn refresh<R: Runtime>(
    app: &AppHandle<R>,
    snapshot: &Snapshot,
    demo: bool,
    last_model: &mut Vec<MenuEntry>,
) -> Result<(), AppError> {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    let tz = snapshot_zone(snapshot);
    let model = menu_model(snapshot, Utc::now(), tz, demo);
    let state = TrayState::of(snapshot, tz);
    tray.set_icon(Some(state.icon()?))?;
    tray.set_tooltip(Some(state.tooltip(snapshot, tz)))?;
    if model != *last_model {
        tracing::debug!(?state, entries = model.len(), "tray menu replaced");
        tray.set_menu(Some(build_menu(app, &model)?))?;
        *last_model = model;
    }
    Ok(())
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    let Some(action) = MenuAction::parse(id) else {
        tracing::debug!(id, "click on an informational menu item");
        return;
    };
    tracing::info!(?action, "menu action");
    let engine = app.state::<AppState>().engine.clone();
    let app = app.clone();
    match action {
        MenuAction::Open => window::open(&app, window::View::Main),
        MenuAction::ConfirmRelease(key) => window::open(&app, window::View::ConfirmRelease(key)),
        MenuAction::SignIn | MenuAction::SignOut => {
            let session = app.state::<AppState>().session.clone();
            let Some(session) = session else {
                // Without a client id there is nothing to sign in to; the
                // window says how to configure one.
                window::open(&app, window::View::Account);
                return;
            };
            tauri::async_runtime::spawn(async move {
                let result = if action == MenuAction::SignIn {
                    super::account::sign_in_with_browser(&session, &engine).await
                } else {
                    super::account::sign_out(&session, &engine).await
                };
                if let Err(error) = result {
                    tracing::warn!(%error, ?action, "sign-in action failed");
                    window::open(&app, window::View::Account);
                }
            });
        }
        MenuAction::Quit => app.exit(0),
        other => {
            tauri::async_runtime::spawn(async move { run_engine_action(&engine, other).await });
        }
    }
}

async fn run_engine_action(engine: &Engine, action: MenuAction) {
    let result = match &action {
        MenuAction::CheckIn(key) => engine.check_in(key, CheckInMethod::Manual).await.map(drop),
        MenuAction::PauseToday => engine.pause_automatic_today().await,
        MenuAction::ResumeAutomatic => engine.set_automatic(true).await,
        MenuAction::SyncNow => engine.sync().await,
        MenuAction::SimulateArrival => simulate_arrival(engine).await,
        _ => Ok(()),
    };
    // Failures reach the person through the snapshot (the reservation's
    // error, the sync error) and the engine's CheckInFailed notice.
    if let Err(error) = result {
        tracing::warn!(?action, %error, "menu action failed");
    }
}

/// Acts as if the laptop had just joined the network of the demo office
/// (Contoso HQ), through `Engine::arrived_at`, the entry point that network
/// detection uses too.
async fn simulate_arrival(engine: &Engine) -> deskcheck_core::Result<()> {
    let outcomes = engine.arrived_at("demo office", "Contoso HQ").await?;
    tracing::info!(claims = outcomes.len(), "simulated arrival at the office");
    Ok(())
}
