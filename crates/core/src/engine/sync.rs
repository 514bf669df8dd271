//! Reading places and events from Graph into the engine's state.

use super::{keys, Engine};
use crate::error::{Error, Result};
use crate::graph::CalendarRange;
use crate::model::PlaceKind;
use crate::places::PlaceDirectory;
use crate::reservations::match_events;
use crate::time::local_midnight;
use chrono::{DateTime, Duration, Utc};
use deskcheck_auth::TokenError;
use tracing::{info, warn};

/// How long a place directory is trusted.
const PLACES_MAX_AGE: Duration = Duration::hours(24);
/// The minimum time between two refreshes caused by unknown addresses.
const PLACES_MISS_INTERVAL: Duration = Duration::hours(1);
/// Days of calendar read, from the start of the local day.
const DAYS_AHEAD: i64 = 7;

impl Engine {
    /// Reads the calendar (and the place directory when it is stale) and
    /// publishes the new reservations.
    pub async fn sync(&self) -> Result<()> {
        match self.sync_inner().await {
            Ok(()) => Ok(()),
            Err(error) => {
                warn!(%error, "sync failed");
                self.lock_state().sync_error = Some(error.to_string());
                if matches!(error, Error::Token(TokenError::SignInRequired)) {
                    let mut account = self.lock_state().account.clone();
                    account.signed_in = false;
                    account.message = Some(error.to_string());
                    self.set_account(account)?;
                } else {
                    self.publish()?;
                }
                Err(error)
            }
        }
    }

    async fn sync_inner(&self) -> Result<()> {
        let now = self.now();
        let mut places = self.current_places(now).await?;
        let zone = self.inner.settings.timezone;
        let start = local_midnight(now, zone);
        let range = CalendarRange {
            start,
            end: local_midnight(
                start + Duration::days(DAYS_AHEAD) + Duration::hours(12),
                zone,
            ),
        };
        let events = self.inner.graph.calendar_view(range).await?;
        let mut matched = match_events(&events, &places, zone);

        let stale_misses = {
            let state = self.lock_state();
            !matched.unknown_addresses.is_empty()
                && matched.unknown_addresses != state.misses_at_last_refresh
                && places
                    .fetched_at
                    .is_none_or(|at| now - at >= PLACES_MISS_INTERVAL)
        };
        if stale_misses {
            info!(
                unknown = matched.unknown_addresses.len(),
                "events name unknown places; refreshing the directory"
            );
            places = self.refresh_places(now).await?;
            let misses = matched.unknown_addresses.clone();
            matched = match_events(&events, &places, zone);
            self.lock_state().misses_at_last_refresh = misses;
        }

        self.warn_unknown_office_buildings(&places);
        info!(
            events = events.len(),
            reservations = matched.reservations.len(),
            places = places.bookable_count(),
            "sync done"
        );
        self.inner
            .store
            .put(keys::RESERVATIONS, &matched.reservations)?;
        self.inner.store.put(keys::LAST_SYNC, &now)?;
        {
            let mut state = self.lock_state();
            state.reservations = matched.reservations;
            state.places = places;
            state.last_sync = Some(now);
            state.sync_error = None;
            state.account.signed_in = true;
            state.account.message = None;
        }
        self.publish()?;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// The cached directory, refreshed when it is older than a day. An empty
    /// directory is asked for again after an hour, in case buildings were
    /// just enabled.
    async fn current_places(&self, now: DateTime<Utc>) -> Result<PlaceDirectory> {
        let cached = self.lock_state().places.clone();
        let max_age = if cached.is_empty() {
            PLACES_MISS_INTERVAL
        } else {
            PLACES_MAX_AGE
        };
        match cached.fetched_at {
            Some(at) if now - at < max_age => Ok(cached),
            _ => self.refresh_places(now).await,
        }
    }

    async fn refresh_places(&self, now: DateTime<Utc>) -> Result<PlaceDirectory> {
        let mut places = Vec::new();
        for kind in PlaceKind::ALL {
            places.extend(self.inner.graph.list_places(kind).await?);
        }
        let directory = PlaceDirectory::new(places, now);
        if directory.is_empty() {
            warn!("the tenant lists no places: an admin must set up buildings in Microsoft Places");
        }
        self.inner.store.put(keys::PLACES, &directory)?;
        self.lock_state().places = directory.clone();
        Ok(directory)
    }

    /// Logs each office whose `building` names no building in the
    /// directory: such an office can never lead to a claim.
    fn warn_unknown_office_buildings(&self, places: &PlaceDirectory) {
        if places.is_empty() {
            return;
        }
        for office in self.inner.offices.borrow().iter() {
            let wanted = office.building.0.as_str();
            let known = places.places().iter().any(|place| {
                place.kind == PlaceKind::Building
                    && (place.id.as_str() == wanted
                        || place
                            .place_id
                            .as_ref()
                            .is_some_and(|id| id.as_str() == wanted)
                        || place.display_name.eq_ignore_ascii_case(wanted))
            });
            if !known {
                warn!(
                    office = %office.name,
                    building = wanted,
                    "the office's building is not in the tenant's directory; set `building` to a \
                     building's display name or id as `deskcheck status --json` shows them"
                );
            }
        }
    }
}
