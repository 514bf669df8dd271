//! The exactly-once claim protocol.
//!
//! 1. A request takes this process's lock for the reservation, then writes
//!    an intent in one store transaction. Concurrent requests collapse
//!    there: one owns the intent, the others see it.
//! 2. The owner POSTs. `201` marks the reservation claimed. `409`, or an
//!    response that leaves the outcome unknown, is settled by reading the
//!    claim back with a GET.
//! 3. A transient failure keeps the intent; the run loop settles it again
//!    (GET first, then POST) until the window closes.
//! 4. An intent left by a crashed run is settled the same way, GET first.

use super::{keys, owner, Engine, Notice, ReservationView};
use crate::error::{Error, Result};
use crate::graph::PostOutcome;
use crate::model::{CheckInMethod, Claim, Reservation, ReservationKey};
use crate::store::{Begin, ClaimRow, IntentRequest};
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// How long an intent's lease lasts: longer than a POST with its retries.
const LEASE: Duration = Duration::from_secs(180);

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CheckInOutcome {
    /// The reservation is claimed: by this request (`new`), or before it.
    Claimed {
        reservation: ReservationView,
        new: bool,
    },
    /// The claim could not be confirmed yet; the intent is kept and retried.
    Pending {
        reservation: ReservationView,
        error: String,
    },
}

/// The place id that the `checkIns` path takes. Graph does not document
/// it, so the engine learns it from the first accepted POST.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
enum PathIdRule {
    PlaceId,
    Id,
}

impl Engine {
    /// Claims the reservation behind `key` with `method`.
    pub async fn check_in(
        &self,
        key: &ReservationKey,
        method: CheckInMethod,
    ) -> Result<CheckInOutcome> {
        let reservation = self
            .reservation(key)
            .ok_or_else(|| Error::UnknownReservation(key.to_string()))?;
        let lock = self.claim_lock(key);
        let _guard = lock.lock().await;
        let begin = self.begin(&reservation, &method)?;
        let outcome = match begin {
            Begin::Claimed(_) => {
                info!(key = %key, "already checked in");
                self.publish()?;
                return Ok(CheckInOutcome::Claimed {
                    reservation: self.view_or_fallback(&reservation),
                    new: false,
                });
            }
            Begin::Busy(row) => {
                info!(key = %key, owner = ?row.lease_owner, "another process is sending this claim");
                return Err(Error::ClaimInProgress(reservation.ical_uid.clone()));
            }
            Begin::Started => {
                if let Err(refusal) =
                    self.inner
                        .settings
                        .policy
                        .may_claim(&reservation, &method, self.now())
                {
                    self.inner.store.drop_intent(key)?;
                    return Err(Error::NotAllowed {
                        place: reservation.place.display_name.clone(),
                        ical_uid: reservation.ical_uid.clone(),
                        reason: refusal.to_string(),
                    });
                }
                self.settle(&reservation, &method, None, false).await
            }
            Begin::Resumed(row) => {
                let method = row.method.clone();
                self.settle(&reservation, &method, Some(&row), true).await
            }
        };
        self.publish()?;
        outcome
    }

    fn begin(&self, reservation: &Reservation, method: &CheckInMethod) -> Result<Begin> {
        self.inner.store.begin_claim(&IntentRequest {
            key: &reservation.key,
            ical_uid: &reservation.ical_uid,
            place: &reservation.place.id,
            method,
            owner: self.inner.owner.id(),
            now: self.now(),
            lease: LEASE,
            owner_alive: &owner::is_alive,
        })
    }

    fn claim_lock(&self, key: &ReservationKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .inner
            .claim_locks
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        locks.entry(key.clone()).or_default().clone()
    }

    /// Settles an intent this engine owns: optionally reads the claim back
    /// first, then posts, trying the place's other id when the service does
    /// not know the first one.
    pub(super) async fn settle(
        &self,
        reservation: &Reservation,
        method: &CheckInMethod,
        row: Option<&ClaimRow>,
        read_first: bool,
    ) -> Result<CheckInOutcome> {
        let key = &reservation.key;
        let lease_until = self.now() + chrono::Duration::from_std(LEASE).expect("lease fits");
        self.inner.store.renew_lease(key, lease_until)?;
        if read_first {
            match self
                .read_claim(reservation, row.and_then(|row| row.path_id.as_deref()))
                .await
            {
                Ok(Some((claim, path_id))) => {
                    info!(key = %key, method = %claim.method, "claim found on the server; not posting again");
                    return self.record_claim(reservation, &claim, &path_id, false);
                }
                Ok(None) => info!(key = %key, "no claim on the server yet; posting"),
                Err(error) => return self.keep_pending(reservation, error),
            }
        }
        if let Err(refusal) = self
            .inner
            .settings
            .policy
            .may_claim(reservation, method, self.now())
        {
            self.inner.store.drop_intent(key)?;
            return Err(Error::NotAllowed {
                place: reservation.place.display_name.clone(),
                ical_uid: reservation.ical_uid.clone(),
                reason: refusal.to_string(),
            });
        }
        let mut last_not_found = None;
        for path_id in self.path_candidates(reservation)? {
            info!(key = %key, place = %path_id, %method, "posting check-in");
            match self
                .inner
                .graph
                .post_check_in(&path_id, &reservation.ical_uid, method)
                .await
            {
                Ok(PostOutcome::Created(claim)) => {
                    self.learn_path_rule(reservation, &path_id)?;
                    return self.record_claim(reservation, &claim, &path_id, true);
                }
                Ok(PostOutcome::Conflict) => {
                    info!(key = %key, "Graph reports an existing claim; reading it back");
                    return match self.read_claim(reservation, Some(&path_id)).await {
                        Ok(Some((claim, path_id))) => {
                            self.record_claim(reservation, &claim, &path_id, false)
                        }
                        Ok(None) => self.fail(
                            reservation,
                            Error::NotAllowed {
                                place: reservation.place.display_name.clone(),
                                ical_uid: reservation.ical_uid.clone(),
                                reason: "Graph reports a claim for this event, but none made in this \
                                         occurrence's check-in window; when a series shares one iCalUId, \
                                         Graph keeps one claim for all occurrences"
                                    .into(),
                            },
                        ),
                        Err(error) => self.keep_pending(reservation, error),
                    };
                }
                Ok(PostOutcome::PlaceNotFound(error)) => {
                    info!(key = %key, place = %path_id, %error, "the service does not know the place by this id");
                    last_not_found = Some(error);
                }
                Err(error @ Error::Ambiguous { .. }) => {
                    warn!(key = %key, %error, "check-in outcome unknown; reading it back");
                    return match self.read_claim(reservation, Some(&path_id)).await {
                        Ok(Some((claim, path_id))) => {
                            self.learn_path_rule(reservation, &path_id)?;
                            self.record_claim(reservation, &claim, &path_id, true)
                        }
                        Ok(None) => self.keep_pending(reservation, error),
                        Err(read_error) => self.keep_pending(reservation, read_error),
                    };
                }
                Err(error) if error.is_transient() => return self.keep_pending(reservation, error),
                Err(error) => return self.fail(reservation, error),
            }
        }
        let error = last_not_found.unwrap_or_else(|| Error::UnknownReservation(key.to_string()));
        self.fail(reservation, error)
    }

    /// Reads the claim for a reservation, at `known_path` or at each id the
    /// place has. Returns the claim with the id that found it.
    async fn read_claim(
        &self,
        reservation: &Reservation,
        known_path: Option<&str>,
    ) -> Result<Option<(Claim, String)>> {
        let candidates = match known_path {
            Some(path) => vec![path.to_owned()],
            None => self.path_candidates(reservation)?,
        };
        let window_opens = self
            .inner
            .settings
            .policy
            .timeline(reservation)
            .window_opens;
        for path_id in candidates {
            let Some(claim) = self
                .inner
                .graph
                .get_check_in(&path_id, &reservation.ical_uid)
                .await?
            else {
                continue;
            };
            // Occurrences of a series may share one iCalUId, and then Graph
            // keeps one claim for all of them: a claim made before this
            // occurrence's window opened belongs to an earlier one.
            if claim.created.is_some_and(|created| created < window_opens) {
                warn!(key = %reservation.key, created = ?claim.created, "the claim found belongs to an earlier occurrence");
                return Ok(None);
            }
            return Ok(Some((claim, path_id)));
        }
        Ok(None)
    }

    fn record_claim(
        &self,
        reservation: &Reservation,
        claim: &Claim,
        path_id: &str,
        new: bool,
    ) -> Result<CheckInOutcome> {
        let now = self.now();
        let created = claim.created.or(Some(now));
        self.inner
            .store
            .mark_claimed(&reservation.key, &claim.method, created, path_id, now)?;
        info!(key = %reservation.key, method = %claim.method, new, "checked in");
        self.publish()?;
        let view = self.view_or_fallback(reservation);
        if new {
            self.notify(Notice::CheckedIn {
                reservation: view.clone(),
                automatic: claim.method == CheckInMethod::Inferred,
            });
        }
        Ok(CheckInOutcome::Claimed {
            reservation: view,
            new,
        })
    }

    fn keep_pending(&self, reservation: &Reservation, error: Error) -> Result<CheckInOutcome> {
        warn!(key = %reservation.key, %error, "check-in not confirmed; will retry");
        self.inner
            .store
            .note_intent_error(&reservation.key, &error.to_string())?;
        self.inner.wake.notify_one();
        self.publish()?;
        Ok(CheckInOutcome::Pending {
            reservation: self.view_or_fallback(reservation),
            error: error.to_string(),
        })
    }

    fn fail(&self, reservation: &Reservation, error: Error) -> Result<CheckInOutcome> {
        warn!(key = %reservation.key, %error, "check-in rejected");
        self.inner
            .store
            .mark_failed(&reservation.key, &error.to_string(), self.now())?;
        self.publish()?;
        let view = self.view_or_fallback(reservation);
        self.notify(Notice::CheckInFailed {
            reservation: view,
            error: error.to_string(),
        });
        Err(error)
    }

    fn view_or_fallback(&self, reservation: &Reservation) -> ReservationView {
        self.view_of(&reservation.key).unwrap_or_else(|| {
            ReservationView::build(reservation, None, &self.inner.settings.policy, self.now())
        })
    }

    /// Lists the ids to try in the `checkIns` path, the learned one first.
    fn path_candidates(&self, reservation: &Reservation) -> Result<Vec<String>> {
        let rule: Option<PathIdRule> = self.inner.store.get(keys::PATH_ID_RULE)?;
        let id = reservation.place.id.to_string();
        let mut candidates = match (&reservation.place.place_id, rule) {
            (Some(place_id), Some(PathIdRule::Id)) => vec![id, place_id.to_string()],
            (Some(place_id), _) => vec![place_id.to_string(), id],
            (None, _) => vec![id],
        };
        candidates.dedup();
        Ok(candidates)
    }

    fn learn_path_rule(&self, reservation: &Reservation, accepted: &str) -> Result<()> {
        let Some(place_id) = &reservation.place.place_id else {
            return Ok(());
        };
        if place_id.as_str() == reservation.place.id.as_str() {
            return Ok(());
        }
        let rule = if accepted == place_id.as_str() {
            PathIdRule::PlaceId
        } else {
            PathIdRule::Id
        };
        self.inner.store.put(keys::PATH_ID_RULE, &rule)
    }
}
