//! The network detection loop: on every network change, read the
//! fingerprint, match it against the offices and act.

use super::Engine;
use crate::error::Result;
use deskcheck_net::{FingerprintSource, Matcher, NetworkWatcher, WatchOptions};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

impl Engine {
    /// Watches the network until `shutdown`, evaluating the offices on each
    /// change. While no office is defined it only waits for one to be
    /// added; a change of the offices is evaluated at once.
    pub async fn run_network<S>(&self, system: S, shutdown: CancellationToken) -> Result<()>
    where
        S: FingerprintSource + NetworkWatcher,
    {
        let mut offices = self.inner.offices.subscribe();
        let mut changes = None;
        loop {
            let current = offices.borrow_and_update().clone();
            if current.is_empty() {
                info!("no office is configured; network detection waits for one");
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    changed = offices.changed() => if changed.is_err() { break } else { continue },
                }
            }
            info!(offices = current.len(), "network detection started");
            let matcher = Matcher::new(current, deskcheck_net::DEFAULT_PROBE_INTERVAL)?;
            // A new watcher reports `Started` once subscribed, which brings
            // the first evaluation; after a change of offices, evaluate now.
            let (watcher, evaluate_now) = match changes.take() {
                Some(watcher) => (watcher, true),
                None => (system.watch(&WatchOptions::default())?, false),
            };
            changes = Some(watcher);
            let watcher = changes.as_mut().expect("set above");
            let mut retry = if evaluate_now {
                self.evaluate_network(&system, &matcher).await
            } else {
                None
            };
            loop {
                let wait_retry = async {
                    match retry {
                        Some(delay) => tokio::time::sleep(delay).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = shutdown.cancelled() => {
                        info!("network detection stopped");
                        return Ok(());
                    }
                    changed = offices.changed() => {
                        if changed.is_err() {
                            return Ok(());
                        }
                        break;
                    }
                    _ = wait_retry => {}
                    change = watcher.next() => {
                        let Some(change) = change else {
                            warn!("the network watcher stopped");
                            return Ok(());
                        };
                        if change.sources.contains(&deskcheck_net::ChangeSource::Wake) {
                            info!("woke from sleep; syncing now");
                            self.request_sync();
                        }
                    }
                }
                retry = self.evaluate_network(&system, &matcher).await;
            }
        }
        info!("network detection stopped");
        Ok(())
    }

    /// Evaluates the current network once; returns when to evaluate again
    /// because a rate-limited probe was deferred.
    async fn evaluate_network<S: FingerprintSource>(
        &self,
        system: &S,
        matcher: &Matcher,
    ) -> Option<Duration> {
        let fingerprint = match system.read_fingerprint().await {
            Ok(fingerprint) => fingerprint,
            Err(error) => {
                warn!(%error, "could not read the network fingerprint");
                return None;
            }
        };
        let evaluation = matcher.evaluate(fingerprint).await;
        if let Err(error) = self.network_evaluated(&evaluation).await {
            warn!(%error, "acting on the network evaluation failed");
        }
        evaluation.retry_after_ms.map(Duration::from_millis)
    }
}
