//! Change notifications: event sources, burst coalescing and the watch handle.
//!
//! Platform sources (netlink groups, NetworkManager, logind, the safety
//! timer) push [`ChangeSource`] events into one queue. The coalescer emits
//! one [`Change`] per burst: the first event of a burst opens a window of
//! [`WatchOptions::coalesce_window`] (15 ms by default), every event inside
//! the window joins it, and the change is sent when the window closes. The
//! first event of a burst is therefore delayed by at most the window.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::error::NetError;

/// Default window that merges a burst of events into one change.
pub const DEFAULT_COALESCE_WINDOW: Duration = Duration::from_millis(15);
/// Default interval of the safety timer.
pub const DEFAULT_SAFETY_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// Trigger of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSource {
    /// Every source is subscribed (or gave up); evaluate once.
    Started,
    Link,
    Address,
    Route,
    Neighbour,
    /// The Wi-Fi access point or connection state changed.
    WifiAccessPoint,
    /// The system woke from sleep.
    Wake,
    /// The safety timer fired.
    Timer,
    /// Events may have been lost, for example after a netlink buffer overrun.
    Resync,
}

/// One coalesced notification: re-read the fingerprint and evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub sources: BTreeSet<ChangeSource>,
    /// Number of raw events merged into this change.
    pub events: u32,
    /// Arrival time of the first raw event.
    pub first_event_at: Instant,
}

/// Watcher settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchOptions {
    pub coalesce_window: Duration,
    pub safety_interval: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            coalesce_window: DEFAULT_COALESCE_WINDOW,
            safety_interval: DEFAULT_SAFETY_INTERVAL,
        }
    }
}

/// Sender half that platform sources use to report raw events.
pub type EventSender = mpsc::UnboundedSender<ChangeSource>;

/// Running watcher: receives coalesced changes; dropping it stops every task.
pub struct WatchHandle {
    changes: mpsc::Receiver<Change>,
    tasks: Vec<JoinHandle<()>>,
}

impl WatchHandle {
    /// Waits for the next change; `None` once every source has stopped.
    pub async fn next(&mut self) -> Option<Change> {
        self.changes.recv().await
    }

    /// Receiver of changes, for use in `select!`.
    pub fn receiver(&mut self) -> &mut mpsc::Receiver<Change> {
        &mut self.changes
    }
}

impl Drop for WatchHandle {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Source of network change notifications.
pub trait NetworkWatcher {
    /// Starts watching; must be called inside a tokio runtime.
    fn watch(&self, options: &WatchOptions) -> Result<WatchHandle, NetError>;
}

/// Maximum wait for sources to subscribe before [`ChangeSource::Started`] is sent anyway.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds a handle from started source tasks; adds the coalescer and safety timer.
///
/// `ready` contains one receiver per source that subscribes asynchronously; the
/// `Started` change is sent once all of them resolve (a dropped sender counts)
/// or after [`READY_TIMEOUT`].
pub fn assemble(
    options: &WatchOptions,
    events_tx: EventSender,
    events_rx: mpsc::UnboundedReceiver<ChangeSource>,
    mut tasks: Vec<JoinHandle<()>>,
    ready: Vec<oneshot::Receiver<()>>,
) -> WatchHandle {
    let (changes_tx, changes) = mpsc::channel(16);
    let started_tx = events_tx.clone();
    tasks.push(tokio::spawn(async move {
        let all_ready = futures::future::join_all(ready);
        if tokio::time::timeout(READY_TIMEOUT, all_ready)
            .await
            .is_err()
        {
            tracing::debug!("watch sources still subscribing; starting anyway");
        }
        let _ = started_tx.send(ChangeSource::Started);
    }));
    tasks.push(tokio::spawn(safety_timer(
        options.safety_interval,
        events_tx,
    )));
    tasks.push(tokio::spawn(coalesce(
        options.coalesce_window,
        events_rx,
        changes_tx,
    )));
    WatchHandle { changes, tasks }
}

/// Merges bursts of raw events into changes until either channel closes.
pub async fn coalesce(
    window: Duration,
    mut events: mpsc::UnboundedReceiver<ChangeSource>,
    changes: mpsc::Sender<Change>,
) {
    while let Some(first) = events.recv().await {
        let mut change = Change {
            sources: BTreeSet::from([first]),
            events: 1,
            first_event_at: Instant::now(),
        };
        let deadline = change.first_event_at + window;
        let mut closed = false;
        loop {
            tokio::select! {
                biased;
                _ = tokio::time::sleep_until(deadline) => break,
                next = events.recv() => match next {
                    Some(source) => {
                        change.sources.insert(source);
                        change.events += 1;
                    }
                    None => {
                        closed = true;
                        break;
                    }
                },
            }
        }
        tracing::debug!(sources = ?change.sources, events = change.events, "network change");
        if changes.send(change).await.is_err() || closed {
            return;
        }
    }
}

async fn safety_timer(interval: Duration, events: EventSender) {
    let mut ticker = tokio::time::interval_at(Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        if events.send(ChangeSource::Timer).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(window: Duration) -> (EventSender, mpsc::Receiver<Change>) {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let (changes_tx, changes_rx) = mpsc::channel(16);
        tokio::spawn(coalesce(window, events_rx, changes_tx));
        (events_tx, changes_rx)
    }

    #[tokio::test(start_paused = true)]
    async fn burst_becomes_one_change() {
        let (events, mut changes) = start(Duration::from_millis(15));
        let started = Instant::now();
        for _ in 0..10 {
            events.send(ChangeSource::Link).unwrap();
        }
        events.send(ChangeSource::Address).unwrap();
        let change = changes.recv().await.unwrap();
        assert_eq!(change.events, 11);
        assert_eq!(
            change.sources,
            BTreeSet::from([ChangeSource::Link, ChangeSource::Address])
        );
        assert_eq!(started.elapsed(), Duration::from_millis(15));
        assert!(changes.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn first_event_waits_at_most_window() {
        let (events, mut changes) = start(Duration::from_millis(15));
        events.send(ChangeSource::Route).unwrap();
        let sent = Instant::now();
        let change = changes.recv().await.unwrap();
        assert!(sent.elapsed() <= Duration::from_millis(20));
        assert_eq!(change.first_event_at, sent);
    }

    #[tokio::test(start_paused = true)]
    async fn continuous_stream_is_not_starved() {
        let (events, mut changes) = start(Duration::from_millis(15));
        let feeder = tokio::spawn(async move {
            for _ in 0..100 {
                events.send(ChangeSource::Neighbour).unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let first = changes.recv().await.unwrap();
        assert!(first.events < 100, "{first:?}");
        let mut total = first.events;
        let mut count = 1;
        while let Some(change) = changes.recv().await {
            total += change.events;
            count += 1;
        }
        feeder.await.unwrap();
        assert_eq!(total, 100);
        assert!(count >= 6, "{count} changes");
    }

    #[tokio::test(start_paused = true)]
    async fn separate_bursts_are_separate_changes() {
        let (events, mut changes) = start(Duration::from_millis(15));
        events.send(ChangeSource::Link).unwrap();
        let first = changes.recv().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        events.send(ChangeSource::Wake).unwrap();
        let second = changes.recv().await.unwrap();
        assert_eq!(first.sources, BTreeSet::from([ChangeSource::Link]));
        assert_eq!(second.sources, BTreeSet::from([ChangeSource::Wake]));
    }

    #[tokio::test(start_paused = true)]
    async fn safety_timer_fires_each_interval() {
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        let options = WatchOptions {
            safety_interval: Duration::from_secs(300),
            ..WatchOptions::default()
        };
        let mut handle = assemble(&options, events_tx, events_rx, Vec::new(), Vec::new());
        let started = Instant::now();
        let first = handle.next().await.unwrap();
        assert_eq!(first.sources, BTreeSet::from([ChangeSource::Started]));
        let timer = handle.next().await.unwrap();
        assert_eq!(timer.sources, BTreeSet::from([ChangeSource::Timer]));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(300), "{waited:?}");
        assert!(waited < Duration::from_secs(301), "{waited:?}");
    }
}
