//! The tray app: tray icon and menu, desktop notifications and the window,
//! all driven by the engine's snapshots and notices.
//!
//! [`run`] owns the Tauri event loop. The engine runs on the tokio runtime
//! that the caller passes in [`AppContext`], and Tauri's async runtime is set
//! to that same runtime, so commands, the tray watcher and notification
//! tasks share one executor.

pub mod account;
pub mod commands;
pub mod error;
pub mod menu;
pub mod notify;
#[cfg(test)]
pub mod testing;
pub mod tray;
pub mod window;

pub use error::AppError;

use deskcheck_core::engine::Engine;
use tauri::RunEvent;
use tokio_util::sync::CancellationToken;

/// Set to `1` to open the window at start instead of waiting for the menu.
/// WebDriver tests need it: the driver can only attach to a window that
/// the launched process creates itself.
pub const OPEN_WINDOW_ENV: &str = "DESKCHECK_OPEN_WINDOW";

/// Context the bootstrap passes to the tray app.
#[derive(Clone)]
pub struct AppContext {
    pub engine: Engine,
    /// Started with `--demo`: the simulated tenant, plus demo-only menu items.
    pub demo: bool,
    pub runtime: tokio::runtime::Handle,
    /// The sign-in session; `None` when no client id is configured.
    pub session: Option<std::sync::Arc<deskcheck_auth::Session>>,
}

/// State managed by Tauri, shared by commands, the tray and notifications.
pub struct AppState {
    pub engine: Engine,
    pub demo: bool,
    pub session: Option<std::sync::Arc<deskcheck_auth::Session>>,
}

/// Starts the tray app and blocks until the person quits.
pub fn run(ctx: AppContext) -> Result<(), AppError> {
    tauri::async_runtime::set(ctx.runtime.clone());
    let shutdown = CancellationToken::new();
    let app = build(&ctx, shutdown.clone())?;
    app.run(move |app, event| handle_run_event(app, event, &shutdown));
    Ok(())
}

fn build(ctx: &AppContext, shutdown: CancellationToken) -> Result<tauri::App, AppError> {
    let ctx = ctx.clone();
    tauri::Builder::default()
        // The single-instance plugin must come first: a second launch hands
        // over to this process and exits before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            tracing::info!(
                ?argv,
                "second launch; opening the window of the running app"
            );
            window::open(app, window::View::Main);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(AppState {
            engine: ctx.engine.clone(),
            demo: ctx.demo,
            session: ctx.session.clone(),
        })
        .invoke_handler(commands::handler())
        .setup(move |app| {
            setup(app, &ctx, shutdown)?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .map_err(AppError::Tauri)
}

fn setup(
    app: &mut tauri::App,
    ctx: &AppContext,
    shutdown: CancellationToken,
) -> Result<(), AppError> {
    // An accessory app has no Dock icon and no app menu on macOS.
    #[cfg(target_os = "macos")]
    app.set_activation_policy(tauri::ActivationPolicy::Accessory);

    let handle = app.handle().clone();
    tray::create(&handle, &ctx.engine.snapshot(), ctx.demo)?;
    if std::env::var_os(OPEN_WINDOW_ENV).is_some_and(|value| value == "1") {
        tracing::info!("{OPEN_WINDOW_ENV}=1: opening the window at start");
        window::open(&handle, window::View::Main);
    }
    // Subscribed before the engine loop starts, so its first notices arrive.
    let notices = ctx.engine.notices();

    let engine = ctx.engine.clone();
    let engine_shutdown = shutdown.clone();
    ctx.runtime.spawn(async move {
        tracing::info!("engine loop starting");
        engine.run(engine_shutdown).await;
        tracing::info!("engine loop stopped");
    });
    ctx.runtime.spawn(tray::watch_snapshots(
        handle.clone(),
        ctx.engine.clone(),
        ctx.demo,
        shutdown.clone(),
    ));
    ctx.runtime
        .spawn(notify::run(handle, ctx.engine.clone(), notices, shutdown));
    ctx.runtime
        .spawn(notify::ask_about_automatic(ctx.engine.clone()));
    Ok(())
}

fn handle_run_event(_app: &tauri::AppHandle, event: RunEvent, shutdown: &CancellationToken) {
    match event {
        // Closing the last window must not quit a tray app. An exit with a
        // code comes from "Quit" (`AppHandle::exit`) and goes ahead.
        RunEvent::ExitRequested {
            api, code: None, ..
        } => {
            tracing::debug!("last window closed; the tray keeps running");
            api.prevent_exit();
        }
        RunEvent::Exit => {
            tracing::info!("exiting; stopping the engine");
            shutdown.cancel();
        }
        _ => {}
    }
}
