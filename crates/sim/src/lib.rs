//! A simulated Microsoft 365 tenant: an HTTP server on loopback that follows
//! the documented behaviour of Microsoft Graph (calendar view, places,
//! check-in claims, event cancel and decline) and of the Entra ID v2.0
//! sign-in endpoints.
//!
//! Tests and `deskcheck --demo` run it in process. It has no dependency on
//! the deskcheck client crates, so the client is tested against the
//! documented protocol rather than against its own types.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let tenant = deskcheck_sim::Tenant::new();
//! let running = tenant.serve("127.0.0.1:0".parse().unwrap()).await?;
//! println!("Graph at {}", running.graph_url());
//! # Ok(()) }
//! ```

pub mod demo;
pub mod error;
pub mod faults;
pub mod identity;
pub mod model;
pub mod observe;
mod routes;
mod server;
mod state;
pub mod time;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

pub use demo::demo_tenant;
pub use error::SimError;
pub use faults::{Fault, FaultKind, RouteKind};
pub use identity::Identity;
pub use model::{
    AttendeeSpec, AttendeeType, CheckInMethod, ClaimRecord, DeskMode, EmailAddress, Event, EventId,
    EventIds, EventSpec, EventTime, EventType, ICalUid, LocationSpec, LocationType, Place,
    PlaceIds, PlaceKind, PlaceSpec, ResponseType, SeriesIds, SeriesSpec, SeriesUid, ShowAs,
};
pub use observe::{CheckInPost, RequestRecord};
pub use server::RunningTenant;

use model::Claim;
use state::State;

/// Identifier accepted by the `{placesId}` segment of the `checkIns`
/// routes. Graph does not document which one, so tenants can be set either
/// way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckInPathId {
    /// Only the place's `placeId`.
    #[default]
    PlaceId,
    /// Only the place's `id`.
    Id,
    /// Either identifier.
    Either,
}

/// Shape of the body of `GET /places/{placesId}/checkIns/{calendarEventId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClaimShape {
    /// `{"value": {...}}`, as in the published sample.
    #[default]
    Wrapped,
    /// The claim object itself.
    Bare,
}

/// Tenant behaviour that tests switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantOptions {
    /// The signed-in user's mailbox address.
    pub mailbox: String,
    pub user_display_name: String,
    /// calendarView page size when no `$top` is given (Graph uses 10).
    pub calendar_page_size: usize,
    /// Places page size when no `$top` is given.
    pub places_page_size: usize,
    /// Leaves out `@odata.nextLink` on places pages when `$top` was given,
    /// as some Graph responses do; clients then page with `$skip`.
    pub omit_places_next_link_with_top: bool,
    pub check_in_path_id: CheckInPathId,
    pub claim_shape: ClaimShape,
    /// Checks the bearer token on Graph routes.
    pub require_auth: bool,
}

impl Default for TenantOptions {
    fn default() -> Self {
        Self {
            mailbox: "adele@contoso.example".to_owned(),
            user_display_name: "Adele Vance".to_owned(),
            calendar_page_size: 10,
            places_page_size: 100,
            omit_places_next_link_with_top: false,
            check_in_path_id: CheckInPathId::default(),
            claim_shape: ClaimShape::default(),
            require_auth: true,
        }
    }
}

type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

struct Inner {
    state: Mutex<State>,
    identity: Arc<Identity>,
    clock: Mutex<Clock>,
    /// Bumped after every recorded request, so waiters re-check.
    changes: watch::Sender<u64>,
}

/// A handle to one simulated tenant; clones share the same data.
#[derive(Clone)]
pub struct Tenant {
    inner: Arc<Inner>,
}

impl Default for Tenant {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant").finish_non_exhaustive()
    }
}

impl Tenant {
    /// Creates an empty tenant with default options.
    pub fn new() -> Self {
        Self::with_options(TenantOptions::default())
    }

    pub fn with_options(options: TenantOptions) -> Self {
        Self::with_identity(options, Identity::default())
    }

    /// Creates a tenant whose sign-in endpoints use `identity` (for its
    /// token lifetimes and account).
    pub fn with_identity(options: TenantOptions, identity: Identity) -> Self {
        let state = State::new(options);
        let clock: Clock = Arc::new(Utc::now);
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(state),
                identity: Arc::new(identity),
                clock: Mutex::new(clock),
                changes: watch::channel(0).0,
            }),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn notify_change(&self) {
        self.inner.changes.send_modify(|version| *version += 1);
    }

    pub fn options(&self) -> TenantOptions {
        self.state().options.clone()
    }

    pub fn update_options(&self, change: impl FnOnce(&mut TenantOptions)) {
        change(&mut self.state().options);
    }

    /// Replaces the clock used for `createdDateTime` and request records.
    pub fn set_clock(&self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) {
        *self.inner.clock.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(clock);
    }

    pub fn now(&self) -> DateTime<Utc> {
        let clock = self
            .inner
            .clock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        clock()
    }

    /// Returns the sign-in state shared with the Entra ID routes.
    pub fn identity(&self) -> Arc<Identity> {
        self.inner.identity.clone()
    }

    pub fn add_place(&self, spec: PlaceSpec) -> Result<PlaceIds, SimError> {
        self.state().add_place(spec)
    }

    pub fn add_event(&self, spec: EventSpec) -> Result<EventIds, SimError> {
        let now = self.now();
        self.state().add_event(spec, now)
    }

    /// Adds a recurring series, stored as its occurrences.
    pub fn add_series(&self, spec: SeriesSpec) -> Result<SeriesIds, SimError> {
        let now = self.now();
        self.state().add_series(spec, now)
    }

    /// Stores a claim directly, as if another device had checked in.
    /// `place` is the place's `id` or `placeId`.
    pub fn add_claim(
        &self,
        place: &str,
        calendar_event_id: &str,
        method: CheckInMethod,
    ) -> Result<(), SimError> {
        let created = self.now();
        let mut state = self.state();
        let place_index = state
            .place_index(place)
            .ok_or_else(|| SimError::UnknownPlace(place.to_owned()))?;
        state.claims.push(Claim {
            place_index,
            calendar_event_id: calendar_event_id.to_owned(),
            method,
            created,
        });
        Ok(())
    }

    pub fn places(&self) -> Vec<Place> {
        self.state().places.clone()
    }

    pub fn events(&self) -> Vec<Event> {
        self.state().events.clone()
    }

    pub fn event(&self, id: &EventId) -> Option<Event> {
        let state = self.state();
        state
            .event_index(&id.0)
            .map(|index| state.events[index].clone())
    }

    /// Queues `kind` for the next `times` requests matching `route`. Rules
    /// apply in queue order, one rule per request.
    pub fn queue_fault(&self, route: RouteKind, kind: FaultKind, times: u32) {
        tracing::debug!(?route, ?kind, times, "fault queued");
        self.state().faults.push(Fault {
            route,
            kind,
            remaining: times,
        });
    }

    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    pub fn pending_faults(&self) -> Vec<Fault> {
        self.state().faults.pending()
    }

    /// Returns every request received, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state().requests.clone()
    }

    /// Returns every `POST .../checkIns` received, in arrival order.
    pub fn check_in_posts(&self) -> Vec<CheckInPost> {
        self.state().posts.clone()
    }

    pub fn claims(&self) -> Vec<ClaimRecord> {
        let state = self.state();
        state
            .claims
            .iter()
            .map(|claim| {
                let ids = &state.places[claim.place_index].ids;
                ClaimRecord {
                    place_object_id: ids.id.clone(),
                    place_id: ids.place_id.clone(),
                    calendar_event_id: claim.calendar_event_id.clone(),
                    method: claim.method,
                    created: claim.created,
                }
            })
            .collect()
    }

    /// Returns the number of requests received for `route`.
    /// [`RouteKind::Any`] counts all Graph requests.
    pub fn request_count(&self, route: RouteKind) -> u64 {
        let state = self.state();
        state
            .counters
            .iter()
            .filter(|(actual, _)| route.matches(**actual))
            .map(|(_, count)| count)
            .sum()
    }

    pub fn request_counts(&self) -> HashMap<RouteKind, u64> {
        self.state().counters.clone()
    }

    /// Waits until at least `count` check-in POSTs have a response status
    /// (or were dropped), and returns them all. Posts are recorded before any
    /// [`FaultKind::DelayAfterApply`] delay, so this returns while the
    /// client still waits for its response.
    pub async fn wait_for_check_in_posts(&self, count: usize) -> Vec<CheckInPost> {
        self.wait_until(|state| state.posts.len() >= count).await;
        self.check_in_posts()
    }

    /// Waits until at least `count` requests for `route` have been recorded.
    pub async fn wait_for_requests(&self, route: RouteKind, count: usize) {
        self.wait_until(|state| {
            state
                .requests
                .iter()
                .filter(|record| route.matches(record.route))
                .count()
                >= count
        })
        .await;
    }

    async fn wait_until(&self, done: impl Fn(&State) -> bool) {
        let mut changes = self.inner.changes.subscribe();
        // The sender lives in `inner`, which `self` keeps alive, so this
        // wait only ends when `done` holds.
        let _ = changes.wait_for(|_| done(&self.state())).await;
    }

    /// Starts the HTTP server on `addr` (use port 0 for a free port).
    pub async fn serve(&self, addr: SocketAddr) -> io::Result<RunningTenant> {
        server::start(self.clone(), addr).await
    }
}
