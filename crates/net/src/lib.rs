//! Office network detection for deskcheck.
//!
//! The crate reads a [`Fingerprint`] of the network (interfaces, default
//! gateways and their MACs, Wi-Fi SSID and BSSID, DNS search suffixes),
//! matches it against validated [`Office`] definitions with the rules in
//! [`rules`], and watches for changes so that the engine can re-evaluate
//! within a second of joining a network. Everything stays on the device;
//! the only traffic is the optional per-office HTTPS probe.
//!
//! ```no_run
//! # async fn demo(offices: Vec<deskcheck_net::Office>) -> Result<(), deskcheck_net::NetError> {
//! use deskcheck_net::{BackendOptions, FingerprintSource, Matcher, NetworkWatcher, System};
//!
//! let system = System::new(BackendOptions::default());
//! let matcher = Matcher::new(offices, deskcheck_net::DEFAULT_PROBE_INTERVAL)?;
//! let mut changes = system.watch(&Default::default())?;
//! while let Some(_change) = changes.next().await {
//!     let evaluation = matcher.evaluate(system.read_fingerprint().await?).await;
//!     println!("{evaluation}");
//! }
//! # Ok(())
//! # }
//! ```

pub mod config;
pub mod error;
pub mod evaluation;
pub mod fingerprint;
pub mod mac;
pub mod matcher;
#[cfg(all(target_os = "linux", feature = "netns-tests"))]
pub mod netns;
pub mod platform;
pub mod probe;
pub mod rules;
pub mod suggest;
pub mod tunnel;
pub mod watcher;

pub use config::{
    validate_offices, BuildingRef, Office, OfficeName, ProbeSettings, RawOffice, RawProbe,
};
pub use error::{ConfigError, MacParseError, NetError};
pub use evaluation::{Evaluation, OfficeMatch, OfficeOutcome, Rule, Signal, SignalHit, SignalMiss};
pub use fingerprint::{Fingerprint, Gateway, Interface, InterfaceKind, Unavailable, WifiLink};
pub use mac::MacAddr;
pub use matcher::Matcher;
pub use platform::{read_fingerprint, BackendOptions, BusAddress, FingerprintSource, System};
pub use probe::{ProbeOutcome, ProbeResult, Prober, DEFAULT_PROBE_INTERVAL};
pub use suggest::office_from_network;
pub use watcher::{Change, ChangeSource, NetworkWatcher, WatchHandle, WatchOptions};
