//! Generates the Tauri context from tauri.conf.json.

fn main() {
    tauri_build::build();
}
