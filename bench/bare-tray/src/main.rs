//! The bare Tauri 2 tray app that bench/run.sh measures next to deskcheck:
//! a tray icon with a one-item menu, and a window that a second launch opens
//! through the single-instance plugin, as deskcheck's does. It has no engine,
//! no HTTP and no storage, so the difference to deskcheck is deskcheck's own.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};

const WINDOW_LABEL: &str = "main";

fn main() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            open_window(app);
        }))
        .setup(|app| {
            create_tray(app.handle())?;
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("failed to build the Tauri app");
    app.run(|_app, event| {
        // Closing the window must not quit a tray app. "Quit" exits with a code.
        if let RunEvent::ExitRequested {
            api, code: None, ..
        } = event
        {
            api.prevent_exit();
        }
    });
}

fn create_tray(app: &AppHandle) -> tauri::Result<()> {
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&quit])?;
    let icon = Image::from_bytes(include_bytes!("../../../icons/tray/idle.png"))?;
    TrayIconBuilder::with_id("bare-tray")
        .icon(icon)
        .tooltip("bare-tray")
        .menu(&menu)
        .on_menu_event(|app, event| {
            if event.id().as_ref() == "quit" {
                app.exit(0);
            }
        })
        .build(app)?;
    // The same marker text as deskcheck's log, for the start-up measurement.
    eprintln!("tray icon created");
    Ok(())
}

/// Shows the window, creating it when it is closed.
fn open_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(WINDOW_LABEL) {
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let url = WebviewUrl::App("index.html".into());
    let built = WebviewWindowBuilder::new(app, WINDOW_LABEL, url)
        .title("bare-tray")
        .inner_size(520.0, 640.0)
        .build();
    if let Err(error) = built {
        eprintln!("opening the window failed: {error}");
    }
}
