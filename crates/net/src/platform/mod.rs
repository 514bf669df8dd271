//! Per-OS backends behind [`FingerprintSource`] and [`NetworkWatcher`].
//!
//! Linux reads links, addresses, routes and neighbours over netlink and
//! Wi-Fi state from NetworkManager over D-Bus. Windows and macOS list
//! interfaces and addresses only, and report gateways and Wi-Fi as
//! unavailable.

use std::path::PathBuf;

use async_trait::async_trait;

use crate::error::NetError;
use crate::fingerprint::Fingerprint;

#[cfg(any(windows, target_os = "macos"))]
mod desktop;
pub mod resolv;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::LinuxSystem as System;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::WindowsSystem as System;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::MacosSystem as System;

/// Where a D-Bus service is reached.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum BusAddress {
    /// The system bus.
    #[default]
    System,
    /// A bus address such as `unix:path=/tmp/test-bus`.
    Address(String),
    /// Do not use D-Bus for this service.
    Disabled,
}

/// Backend settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendOptions {
    /// Bus of NetworkManager (Linux only).
    pub networkmanager_bus: BusAddress,
    /// Bus of systemd-logind (Linux only).
    pub logind_bus: BusAddress,
    /// Resolver configuration with `search` and `domain` lines (Linux and macOS).
    pub resolv_conf: PathBuf,
}

impl Default for BackendOptions {
    fn default() -> Self {
        Self {
            networkmanager_bus: BusAddress::System,
            logind_bus: BusAddress::System,
            resolv_conf: PathBuf::from("/etc/resolv.conf"),
        }
    }
}

/// Reads the current network fingerprint.
#[async_trait]
pub trait FingerprintSource: Send + Sync {
    /// Reads interfaces, gateways, Wi-Fi and DNS suffixes; sources that fail are listed in
    /// [`Fingerprint::unavailable`] instead of failing the whole read.
    async fn read_fingerprint(&self) -> Result<Fingerprint, NetError>;
}

/// Reads the fingerprint of this machine with default options.
pub async fn read_fingerprint() -> Result<Fingerprint, NetError> {
    System::new(BackendOptions::default())
        .read_fingerprint()
        .await
}
