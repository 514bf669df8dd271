//! Linux backend: netlink for links, addresses, routes and neighbours;
//! NetworkManager for Wi-Fi; logind for wake-ups; resolv.conf for DNS.
//!
//! A missing D-Bus bus or service is not an error: it is logged once at
//! debug level, Wi-Fi is reported unavailable, and watching continues with
//! netlink only.
//! NOTE: without NetworkManager (iwd or wpa_supplicant alone) SSID and BSSID
//! are not read.

mod dbus;
mod logind;
mod netlink;
mod networkmanager;

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, OnceCell};
use zbus::Connection;

use super::{resolv, BackendOptions, BusAddress, FingerprintSource};
use crate::error::NetError;
use crate::fingerprint::Fingerprint;
use crate::watcher::{assemble, EventSender, NetworkWatcher, WatchHandle, WatchOptions};

/// Linux fingerprint reader and watcher.
pub struct LinuxSystem {
    options: BackendOptions,
    networkmanager: OnceCell<Result<Connection, String>>,
    logged_missing_nm: AtomicBool,
}

impl LinuxSystem {
    /// Builds a backend; buses are connected on first use.
    pub fn new(options: BackendOptions) -> Self {
        Self {
            options,
            networkmanager: OnceCell::new(),
            logged_missing_nm: AtomicBool::new(false),
        }
    }

    async fn networkmanager(&self) -> Result<&Connection, String> {
        let bus = &self.options.networkmanager_bus;
        let connection = self.networkmanager.get_or_init(|| dbus::connect(bus)).await;
        connection.as_ref().map_err(Clone::clone)
    }

    fn log_nm_missing_once(&self, reason: &str) {
        if !self.logged_missing_nm.swap(true, Ordering::Relaxed) {
            tracing::debug!(
                reason,
                "NetworkManager unavailable; Wi-Fi signals are not read"
            );
        }
    }

    async fn read_networkmanager(&self, fingerprint: &mut Fingerprint) -> HashSet<String> {
        let state = match self.networkmanager().await {
            Err(reason) => Err(reason),
            Ok(connection) => networkmanager::read(connection)
                .await
                .map_err(|e| format!("NetworkManager read failed: {e}")),
        };
        match state {
            Ok(state) => {
                fingerprint.wifi = state.wifi;
                fingerprint.add_dns_suffixes(state.dns_suffixes);
                state.wifi_interfaces.into_iter().collect()
            }
            Err(reason) => {
                self.log_nm_missing_once(&reason);
                fingerprint.mark_unavailable("wifi", reason);
                HashSet::new()
            }
        }
    }
}

#[async_trait]
impl FingerprintSource for LinuxSystem {
    async fn read_fingerprint(&self) -> Result<Fingerprint, NetError> {
        let mut fingerprint = Fingerprint::default();
        let wireless = self.read_networkmanager(&mut fingerprint).await;
        let snapshot = netlink::read(&wireless).await?;
        fingerprint.interfaces = snapshot.interfaces;
        fingerprint.gateways = snapshot.gateways;
        match resolv::read_search_domains(&self.options.resolv_conf) {
            Ok(suffixes) => fingerprint.add_dns_suffixes(suffixes),
            Err(error) => {
                let path = self.options.resolv_conf.display();
                fingerprint.mark_unavailable("dns", format!("{path}: {error}"));
            }
        }
        Ok(fingerprint)
    }
}

impl NetworkWatcher for LinuxSystem {
    fn watch(&self, options: &WatchOptions) -> Result<WatchHandle, NetError> {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let mut tasks = netlink::watch(events_tx.clone())?;
        let (nm_ready, nm_ready_rx) = oneshot::channel();
        let nm_bus = self.options.networkmanager_bus.clone();
        let nm_source = DbusSource {
            service: "NetworkManager",
            bus: nm_bus,
            events: events_tx.clone(),
            ready: nm_ready,
        };
        tasks.push(nm_source.spawn(networkmanager::watch));
        let (logind_ready, logind_ready_rx) = oneshot::channel();
        let logind_source = DbusSource {
            service: "logind",
            bus: self.options.logind_bus.clone(),
            events: events_tx.clone(),
            ready: logind_ready,
        };
        tasks.push(logind_source.spawn(logind::watch));
        let ready = vec![nm_ready_rx, logind_ready_rx];
        Ok(assemble(options, events_tx, events_rx, tasks, ready))
    }
}

/// A D-Bus signal source of the watcher.
struct DbusSource {
    service: &'static str,
    bus: BusAddress,
    events: EventSender,
    /// Sent once subscribed; dropped when the bus is unavailable.
    ready: oneshot::Sender<()>,
}

impl DbusSource {
    /// Connects and runs `watch`; a missing bus is logged once at debug level.
    fn spawn<F, Fut>(self, watch: F) -> tokio::task::JoinHandle<()>
    where
        F: FnOnce(Connection, EventSender, oneshot::Sender<()>) -> Fut + Send + 'static,
        Fut: Future<Output = zbus::Result<()>> + Send + 'static,
    {
        tokio::spawn(async move {
            let service = self.service;
            let connection = match dbus::connect(&self.bus).await {
                Ok(connection) => connection,
                Err(reason) => {
                    tracing::debug!(service, reason = %reason, "D-Bus source unavailable; not watched");
                    return;
                }
            };
            if let Err(error) = watch(connection, self.events, self.ready).await {
                tracing::warn!(service, error = %error, "D-Bus watcher stopped");
            }
        })
    }
}
