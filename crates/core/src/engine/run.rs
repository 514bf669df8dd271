//! The engine's loop: sync on a period, send reminders at their moments,
//! retry pending claims, and sleep until the nearest of those.

use super::{Engine, Notice};
use crate::error::Result;
use crate::model::{Reservation, ReservationKey};
use crate::store::ClaimStatus;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

/// The maximum time the loop sleeps, so a jump of the wall clock (sleep and
/// resume) is noticed within this time even without a wake signal.
const MAX_NAP: Duration = Duration::from_secs(60);

/// Delay before the first retry of a pending claim; it doubles up to
/// `MAX_RETRY_DELAY`.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(5);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(120);

#[derive(Default)]
struct Retries {
    next: HashMap<ReservationKey, (DateTime<Utc>, u32)>,
}

impl Engine {
    /// Runs until `shutdown` is cancelled. Intents left by an earlier run
    /// are settled first, before any new claim.
    pub async fn run(&self, shutdown: CancellationToken) {
        info!("engine started");
        let mut retries = Retries::default();
        let mut next_sync = self.now();
        loop {
            let now = self.now();
            let requested = self
                .inner
                .sync_requested
                .swap(false, std::sync::atomic::Ordering::SeqCst);
            if requested || now >= next_sync {
                let _ = self.sync().await;
                next_sync = self.now()
                    + chrono::Duration::from_std(self.inner.settings.sync_every)
                        .expect("sync period fits");
            }
            // States change with time alone (a window opens): refresh the
            // snapshot before deciding from it.
            if let Err(error) = self.publish() {
                warn!(%error, "publishing the snapshot failed");
            }
            if let Err(error) = self.retry_pending(&mut retries).await {
                warn!(%error, "retrying pending claims failed");
            }
            if let Err(error) = self.act_on_current_office().await {
                warn!(%error, "acting on the current office failed");
            }
            if let Err(error) = self.send_reminders() {
                warn!(%error, "sending reminders failed");
            }
            if let Err(error) = self.publish() {
                warn!(%error, "publishing the snapshot failed");
            }
            let wake_at = self.next_moment(next_sync, &retries);
            let nap = self.inner.clock.until(wake_at).min(MAX_NAP);
            debug!(?nap, "engine sleeping");
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(nap) => {}
                _ = self.inner.wake.notified() => {}
            }
        }
        info!("engine stopped");
    }

    /// Settles every intent this engine may own whose retry time has come:
    /// its own pending ones and those left by a crashed run.
    async fn retry_pending(&self, retries: &mut Retries) -> Result<()> {
        let now = self.now();
        for row in self.inner.store.all_claims()? {
            if row.status != ClaimStatus::Intent {
                retries.next.remove(&row.key);
                continue;
            }
            if let Some((at, _)) = retries.next.get(&row.key) {
                if *at > now {
                    continue;
                }
            }
            let Some(reservation) = self.reservation(&row.key) else {
                continue;
            };
            if now >= reservation.end {
                info!(key = %row.key, "dropping a claim intent: the booking is over");
                self.inner.store.mark_failed(
                    &row.key,
                    "the booking ended before the check-in was confirmed",
                    now,
                )?;
                continue;
            }
            let outcome = self.check_in(&reservation.key, row.method.clone()).await;
            let still_pending = matches!(outcome, Ok(super::CheckInOutcome::Pending { .. }));
            if still_pending {
                let attempts = retries.next.get(&row.key).map_or(0, |(_, n)| *n) + 1;
                let delay = FIRST_RETRY_DELAY
                    .saturating_mul(2u32.saturating_pow(attempts - 1))
                    .min(MAX_RETRY_DELAY);
                let at = self.now() + chrono::Duration::from_std(delay).expect("delay fits");
                retries.next.insert(row.key.clone(), (at, attempts));
            } else {
                retries.next.remove(&row.key);
            }
        }
        Ok(())
    }

    /// Sends each due reminder once per reservation and moment; the store
    /// remembers what was sent across restarts.
    fn send_reminders(&self) -> Result<()> {
        let now = self.now();
        let snapshot = self.snapshot();
        let policy = &self.inner.settings.policy;
        for view in &snapshot.reservations {
            if view.claim.is_some() || view.pending || view.state != "open" {
                continue;
            }
            let second = view.release_deadline - policy.reminder_before_release;
            let (moment, notice) = if now >= second && now < view.release_deadline {
                ("release_soon", Notice::ReleaseSoon(view.clone()))
            } else if now >= view.window_opens && now < second {
                ("window_opened", Notice::WindowOpened(view.clone()))
            } else {
                continue;
            };
            if self.inner.store.mark_notified(&view.key, moment, now)? {
                info!(key = %view.key, moment, "reminding");
                self.notify(notice);
            }
        }
        Ok(())
    }

    /// Returns the nearest future instant at which something changes.
    fn next_moment(&self, next_sync: DateTime<Utc>, retries: &Retries) -> DateTime<Utc> {
        let now = self.now();
        let policy = &self.inner.settings.policy;
        let reservations: Vec<Reservation> = self.lock_state().reservations.clone();
        let timeline_moments = reservations.iter().flat_map(|reservation| {
            let timeline = policy.timeline(reservation);
            [
                timeline.window_opens,
                timeline.second_reminder,
                timeline.release_deadline,
                timeline.window_closes,
            ]
        });
        let retry_moments = retries.next.values().map(|(at, _)| *at);
        timeline_moments
            .chain(retry_moments)
            .chain(std::iter::once(next_sync))
            .filter(|moment| *moment > now)
            .min()
            .unwrap_or(next_sync)
    }
}
