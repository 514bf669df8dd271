//! The engine: one owner of the reservation state. The tray, the window,
//! the CLI and network detection send it requests (check in, release,
//! pause, sync) and read its snapshots; none of them talks to Graph.

mod claim;
mod network;
mod owner;
mod presence;
mod run;
mod sync;
mod view;

pub use claim::CheckInOutcome;
pub use presence::{Action, Decision};
pub use view::{
    AccountView, AutomaticView, ClaimView, Notice, PlaceView, ReservationView, Snapshot,
};

use crate::clock::Clock;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::graph;
use crate::ids::ICalUid;
use crate::model::{Reservation, ReservationKey};
use crate::places::PlaceDirectory;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch, Notify};

/// Keys in the store's key-value table.
mod keys {
    pub const PLACES: &str = "places";
    pub const RESERVATIONS: &str = "reservations";
    pub const LAST_SYNC: &str = "last_sync";
    pub const AUTOMATIC: &str = "automatic_enabled";
    pub const PAUSED_UNTIL: &str = "automatic_paused_until";
    pub const PATH_ID_RULE: &str = "check_in_path_id";
}

pub struct EngineOptions {
    pub settings: Settings,
    pub clock: Clock,
    pub demo: bool,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    graph: graph::Client,
    store: Store,
    clock: Clock,
    settings: Settings,
    demo: bool,
    owner: owner::Owner,
    state: Mutex<EngineState>,
    /// One lock per reservation, so that concurrent requests in this process
    /// wait for each other instead of racing to the store.
    claim_locks: Mutex<HashMap<ReservationKey, Arc<tokio::sync::Mutex<()>>>>,
    snapshots: watch::Sender<Arc<Snapshot>>,
    notices: broadcast::Sender<Notice>,
    /// Wakes the run loop early: new reservations, a claim to retry.
    wake: Notify,
    /// Set to make the run loop sync on its next pass.
    sync_requested: std::sync::atomic::AtomicBool,
    /// The offices network detection matches against; starts from the
    /// settings and grows when the person adds the current network.
    offices: watch::Sender<Vec<deskcheck_net::Office>>,
}

#[derive(Default)]
struct EngineState {
    places: PlaceDirectory,
    reservations: Vec<Reservation>,
    last_sync: Option<DateTime<Utc>>,
    sync_error: Option<String>,
    account: AccountView,
    /// Unknown booking addresses seen by the last place refresh, so the same
    /// misses do not refetch the directory on every sync.
    misses_at_last_refresh: std::collections::BTreeSet<String>,
    /// The office whose network matched last, if it still matches.
    office: Option<deskcheck_net::OfficeMatch>,
}

impl Engine {
    /// Builds an engine from the store's cached places and reservations, so
    /// a snapshot is ready before the first sync.
    pub fn new(graph: graph::Client, store: Store, options: EngineOptions) -> Result<Self> {
        let kept_from = options.clock.now() - chrono::Duration::days(options.settings.why_log_days);
        let pruned = store.prune(kept_from)?;
        if pruned > 0 {
            tracing::info!(
                pruned,
                "deleted why-log entries older than the retention period"
            );
        }
        let mut places: PlaceDirectory = store.get(keys::PLACES)?.unwrap_or_default();
        places.build_index();
        let state = EngineState {
            places,
            reservations: store.get(keys::RESERVATIONS)?.unwrap_or_default(),
            last_sync: store.get(keys::LAST_SYNC)?,
            account: AccountView {
                signed_in: true,
                demo: options.demo,
                message: None,
            },
            ..EngineState::default()
        };
        let placeholder = Arc::new(Snapshot {
            generated_at: options.clock.now(),
            timezone: options.settings.timezone.name().to_owned(),
            account: AccountView::default(),
            reservations: Vec::new(),
            last_sync: None,
            sync_error: None,
            places_known: 0,
            automatic: AutomaticView::default(),
        });
        let (snapshots, _) = watch::channel(placeholder);
        let (notices, _) = broadcast::channel(64);
        let engine = Self {
            inner: Arc::new(Inner {
                graph,
                store,
                clock: options.clock,
                settings: options.settings.clone(),
                demo: options.demo,
                owner: owner::Owner::register(),
                state: Mutex::new(state),
                claim_locks: Mutex::new(HashMap::new()),
                snapshots,
                notices,
                wake: Notify::new(),
                sync_requested: std::sync::atomic::AtomicBool::new(false),
                offices: watch::Sender::new(options.settings.offices.clone()),
            }),
        };
        engine.publish()?;
        Ok(engine)
    }

    /// Replaces the offices network detection matches against, for example
    /// after the person added the current network as an office.
    pub fn set_offices(&self, offices: Vec<deskcheck_net::Office>) {
        tracing::info!(offices = offices.len(), "office definitions changed");
        self.inner.offices.send_replace(offices);
    }

    /// Makes the run loop sync at once, after a wake from sleep or when the
    /// person requests it.
    pub fn request_sync(&self) {
        self.inner
            .sync_requested
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.wake.notify_one();
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn is_demo(&self) -> bool {
        self.inner.demo
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.snapshots.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.inner.snapshots.subscribe()
    }

    pub fn notices(&self) -> broadcast::Receiver<Notice> {
        self.inner.notices.subscribe()
    }

    /// Sets the account state that the sign-in layer reports. Losing the
    /// sign-in sends one [`Notice::SignedOut`].
    pub fn set_account(&self, account: AccountView) -> Result<()> {
        let was_signed_in =
            std::mem::replace(&mut self.lock_state().account, account.clone()).signed_in;
        if was_signed_in && !account.signed_in {
            let message = account.message.unwrap_or_else(|| "signed out".into());
            tracing::info!(reason = %message, "sign-in lost");
            self.notify(Notice::SignedOut { message });
        }
        self.publish()
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, EngineState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn reservation(&self, key: &ReservationKey) -> Option<Reservation> {
        self.lock_state()
            .reservations
            .iter()
            .find(|reservation| &reservation.key == key)
            .cloned()
    }

    /// Finds the reservation a CLI selector names: a reservation key or an
    /// iCalUId, or, with no selector, the one reservation whose check-in
    /// window is open.
    pub fn select_for_check_in(&self, ical_uid: Option<&ICalUid>) -> Result<ReservationKey> {
        let snapshot = self.snapshot();
        let candidates: Vec<&ReservationView> = match ical_uid {
            Some(selector) => {
                let by_key: Vec<&ReservationView> = snapshot
                    .reservations
                    .iter()
                    .filter(|view| view.key.as_str() == selector.as_str())
                    .collect();
                if by_key.is_empty() {
                    snapshot
                        .reservations
                        .iter()
                        .filter(|view| &view.ical_uid == selector && view.state != "ended")
                        .collect()
                } else {
                    by_key
                }
            }
            // A pending claim counts: checking in again resumes it, or reports
            // that another process is sending it.
            None => snapshot
                .reservations
                .iter()
                .filter(|view| view.can_check_in || (view.pending && view.state == "open"))
                .collect(),
        };
        // Nothing left to claim: a booking already checked in whose window
        // is still open is the one meant, and checking in again reports it.
        let claimed_now: Vec<&ReservationView> = snapshot
            .reservations
            .iter()
            .filter(|view| {
                view.claim.is_some()
                    && view.window_opens <= snapshot.generated_at
                    && snapshot.generated_at < view.end
            })
            .collect();
        let candidates = if candidates.is_empty() && ical_uid.is_none() {
            claimed_now
        } else {
            candidates
        };
        match (candidates.as_slice(), ical_uid) {
            ([one], _) => Ok(one.key.clone()),
            ([], Some(uid)) => Err(Error::UnknownReservation(format!("event {uid}"))),
            ([], None) => Err(Error::NothingToCheckIn(
                "no reservation has an open check-in window now; run `deskcheck status` to see when windows open"
                    .into(),
            )),
            (many, _) => {
                let listing: Vec<String> = many
                    .iter()
                    .map(|view| format!("{} ({}, {})", view.key, view.place.name, view.start))
                    .collect();
                Err(Error::NothingToCheckIn(format!(
                    "{} reservations match; choose one with --event KEY: {}",
                    many.len(),
                    listing.join("; ")
                )))
            }
        }
    }

    /// Rebuilds the snapshot from the state and the claim store and sends
    /// it to subscribers.
    fn publish(&self) -> Result<()> {
        let now = self.now();
        let claims = self.inner.store.all_claims()?;
        let rows: HashMap<_, _> = claims.iter().map(|row| (&row.key, row)).collect();
        let automatic = self.automatic_view()?;
        let state = self.lock_state();
        let policy = &self.inner.settings.policy;
        let reservations = state
            .reservations
            .iter()
            .map(|reservation| {
                ReservationView::build(
                    reservation,
                    rows.get(&reservation.key).copied(),
                    policy,
                    now,
                )
            })
            .collect();
        let snapshot = Snapshot {
            generated_at: now,
            timezone: self.inner.settings.timezone.name().to_owned(),
            account: state.account.clone(),
            reservations,
            last_sync: state.last_sync,
            sync_error: state.sync_error.clone(),
            places_known: state.places.bookable_count(),
            automatic,
        };
        drop(state);
        self.inner.snapshots.send_replace(Arc::new(snapshot));
        Ok(())
    }

    fn notify(&self, notice: Notice) {
        // No receiver (the CLI) is fine: the notice is only for people.
        let _ = self.inner.notices.send(notice);
    }

    fn view_of(&self, key: &ReservationKey) -> Option<ReservationView> {
        self.snapshot()
            .reservations
            .iter()
            .find(|view| &view.key == key)
            .cloned()
    }

    fn automatic_view(&self) -> Result<AutomaticView> {
        let stored: Option<bool> = self.inner.store.get(keys::AUTOMATIC)?;
        let paused_until: Option<DateTime<Utc>> = self.inner.store.get(keys::PAUSED_UNTIL)?;
        Ok(AutomaticView {
            enabled: stored.or(self.inner.settings.automatic),
            paused_until: paused_until.filter(|until| *until > self.now()),
        })
    }

    /// Deletes the cached reservations, places and claims, for sign-out.
    pub fn forget_account_data(&self) -> Result<()> {
        self.inner.store.forget_account_data()?;
        {
            let mut state = self.lock_state();
            state.reservations.clear();
            state.places = PlaceDirectory::default();
            state.places.build_index();
            state.last_sync = None;
            state.sync_error = None;
            state.office = None;
        }
        tracing::info!("cached reservations and claims deleted");
        self.publish()
    }

    /// Turns automatic (inferred) check-in on or off.
    pub async fn set_automatic(&self, enabled: bool) -> Result<()> {
        tracing::info!(enabled, "automatic check-in setting changed");
        self.inner.store.put(keys::AUTOMATIC, &enabled)?;
        if enabled {
            self.inner.store.delete(keys::PAUSED_UNTIL)?;
        }
        self.publish()
    }

    /// Pauses automatic check-in until local midnight.
    pub async fn pause_automatic_today(&self) -> Result<()> {
        let until = crate::time::next_local_midnight(self.now(), self.inner.settings.timezone);
        tracing::info!(%until, "automatic check-in paused");
        self.inner.store.put(keys::PAUSED_UNTIL, &until)?;
        self.publish()
    }

    /// Tells whether an office match may post an inferred claim now.
    pub fn automatic_active(&self) -> Result<bool> {
        let view = self.automatic_view()?;
        Ok(view.enabled == Some(true) && view.paused_until.is_none())
    }

    /// Cancels the booking behind `key` through Graph, which frees the place.
    pub async fn release(&self, key: &ReservationKey) -> Result<()> {
        let reservation = self
            .reservation(key)
            .ok_or_else(|| Error::UnknownReservation(key.to_string()))?;
        if !reservation.is_organizer {
            return Err(Error::NotAllowed {
                place: reservation.place.display_name.clone(),
                ical_uid: reservation.ical_uid.clone(),
                reason: "only the organizer can cancel this booking; decline it in Outlook instead"
                    .into(),
            });
        }
        tracing::info!(event = %reservation.event_id, place = %reservation.place.display_name, "releasing booking");
        self.inner
            .graph
            .cancel_event(&reservation.event_id, "Released from deskcheck.")
            .await?;
        self.lock_state()
            .reservations
            .retain(|other| other.event_id != reservation.event_id);
        let reservations = self.lock_state().reservations.clone();
        self.inner.store.put(keys::RESERVATIONS, &reservations)?;
        self.publish()
    }
}
