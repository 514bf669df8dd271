//! Windows backend: interfaces and addresses only.
//!
//! TODO: read gateways (GetIpForwardTable2), their MACs (GetIpNetTable2) and
//! Wi-Fi (WlanQueryInterface, which needs the location permission for BSSIDs)
//! and watch with NotifyIpInterfaceChange. Until then the watcher reports
//! only the start and the safety timer.

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{desktop, BackendOptions, FingerprintSource};
use crate::error::NetError;
use crate::fingerprint::Fingerprint;
use crate::watcher::{assemble, NetworkWatcher, WatchHandle, WatchOptions};

/// Windows fingerprint reader and watcher.
pub struct WindowsSystem {
    _options: BackendOptions,
}

impl WindowsSystem {
    /// Builds a backend.
    pub fn new(options: BackendOptions) -> Self {
        Self { _options: options }
    }
}

#[async_trait]
impl FingerprintSource for WindowsSystem {
    async fn read_fingerprint(&self) -> Result<Fingerprint, NetError> {
        let mut fingerprint = desktop::read_interfaces()?;
        fingerprint.mark_unavailable("gateways", "not supported on Windows yet");
        fingerprint.mark_unavailable("wifi", "not supported on Windows yet");
        fingerprint.mark_unavailable("dns", "not supported on Windows yet");
        Ok(fingerprint)
    }
}

impl NetworkWatcher for WindowsSystem {
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
