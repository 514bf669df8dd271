//! The deskcheck engine, with no Tauri dependency: the CLI, the tray app and
//! the tests all drive this crate.
//!
//! Data flows one way: [`graph`] reads events and places, [`reservations`]
//! matches them against the [`places`] directory, [`policy`] decides what
//! each reservation's state is, and [`engine`] owns that state, sends
//! claims through the exactly-once protocol backed by [`store`], and
//! publishes snapshots for the tray, the window and `status --json`.

pub mod clock;
pub mod config;
pub mod engine;
pub mod error;
pub mod graph;
pub mod ids;
pub mod model;
pub mod places;
pub mod policy;
pub mod reservations;
pub mod store;
pub mod time;

pub use error::{Error, Result};
