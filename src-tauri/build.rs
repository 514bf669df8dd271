//! Generates the Tauri context and the permissions for deskcheck's own
//! commands, so capabilities can grant exactly those.

const COMMANDS: &[&str] = &[
    "get_snapshot",
    "get_settings",
    "check_in",
    "release",
    "set_automatic",
    "pause_today",
    "set_autostart",
    "get_autostart",
    "sync_now",
    "sign_in",
    "sign_in_with_code",
    "sign_out",
    "add_current_network",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("failed to generate the Tauri context from tauri.conf.json");
}
