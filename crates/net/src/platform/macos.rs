//! macOS backend: interfaces, addresses and resolv.conf search domains.
//!
//! TODO: read gateways from the routing socket and Wi-Fi from CoreWLAN
//! (SSID and BSSID need Location Services on macOS 14 and later), and watch
//! with SCDynamicStore. Until then the watcher reports only the start and
//! the safety timer.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{desktop, resolv, BackendOptions, FingerprintSource};
use crate::error::NetError;
use crate::fingerprint::Fingerprint;
use crate::watcher::{assemble, NetworkWatcher, WatchHandle, WatchOptions};

/// macOS fingerprint reader and watcher.
pub struct MacosSystem {
    options: BackendOptions,
}

impl MacosSystem {
    /// Builds a backend.
    pub fn new(options: BackendOptions) -> Self {
        Self { options }
    }
}

#[async_trait]
impl FingerprintSource for MacosSystem {
    async fn read_fingerprint(&self) -> Result<Fingerprint, NetError> {
        let mut fingerprint = desktop::read_interfaces()?;
        fingerprint.mark_unavailable("gateways", "not supported on macOS yet");
        fingerprint.mark_unavailable("wifi", "not supported on macOS yet");
        match resolv::read_search_domains(&self.options.resolv_conf) {
            Ok(suffixes) => fingerprint.add_dns_suffixes(suffixes),
            Err(error) => fingerprint.mark_unavailable("dns", error.to_string()),
        }
        Ok(fingerprint)
    }
}

impl NetworkWatcher for MacosSystem {
    fn watch(&self, options: &WatchOptions) -> Result<WatchHandle, NetError> {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        Ok(assemble(
            options,
            events_tx,
            events_rx,
            Vec::new(),
            Vec::new(),
        ))
    }
}
