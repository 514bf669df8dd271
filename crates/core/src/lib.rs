//! The deskcheck engine, with no Tauri dependency: the CLI, the tray app and
//! the tests all drive this crate.
