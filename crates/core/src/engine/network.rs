//! The network detection loop: on every network change, read the
//! fingerprint, match it against the configured offices and act.

use super::Engine;
use crate::error::Result;
use deskcheck_net::{FingerprintSource, Matcher, NetworkWatcher, WatchOptions};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

impl Engine {
    /// Watches the network until `shutdown`, evaluating the offices on each
    /// change. Returns at once when no office is configured.
    pub async fn run_network<S>(&self, system: S, shutdown: CancellationToken) -> Result<()>
    where
        S: FingerprintSource + NetworkWatcher,
    {
        let offices = self.inner.settings.offices.clone();
        if offices.is_empty() {
            info!("no office is configured; network detection is off");
            return Ok(());
        }
        info!(offices = offices.len(), "network detection started");
        let matcher = Matcher::new(offices, deskcheck_net::DEFAULT_PROBE_INTERVAL)?;
        let mut changes = system.watch(&WatchOptions::default())?;
        let mut retry: Option<Duration> = None;
        loop {
            let wait_retry = async {
                match retry {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = wait_retry => {}
                change = changes.next() => {
                    let Some(change) = change else {
                        warn!("the network watcher stopped");
                        break;
                    };
                    if change.sources.contains(&deskcheck_net::ChangeSource::Wake) {
                        info!("woke from sleep; syncing now");
                        self.request_sync();
                    }
                }
            }
            retry = self.evaluate_network(&system, &matcher).await;
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
