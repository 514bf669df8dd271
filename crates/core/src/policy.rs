//! Check-in windows, release deadlines and reservation states, as pure
//! functions of a reservation, its claim and the time.

use crate::model::{CheckInMethod, PlaceKind, Reservation};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// When check-in opens and when Exchange releases an unclaimed booking.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckInPolicy {
    /// How long before the start the check-in window opens.
    pub window_opens_before: Duration,
    /// Minutes after the start at which an unclaimed booking is released,
    /// for desks, rooms and desk pools. Graph does not expose the tenant's
    /// `PostReservationMaxClaimTimeInMinutes`, so this is a setting.
    pub release_after_desk: Duration,
    pub release_after_room: Duration,
    pub release_after_workspace: Duration,
    /// How long before the release deadline the second reminder fires.
    pub reminder_before_release: Duration,
}

impl Default for CheckInPolicy {
    fn default() -> Self {
        Self {
            window_opens_before: Duration::minutes(15),
            release_after_desk: Duration::minutes(10),
            release_after_room: Duration::minutes(10),
            release_after_workspace: Duration::minutes(10),
            reminder_before_release: Duration::minutes(5),
        }
    }
}

/// A reservation's place in its check-in life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum State {
    /// The window has not opened yet.
    Upcoming,
    /// Check-in is possible and nobody has claimed the booking.
    Open,
    CheckedIn {
        method: CheckInMethod,
        at: Option<DateTime<Utc>>,
    },
    /// The release deadline passed without a claim.
    Missed,
    /// The booking is over.
    Ended,
}

impl State {
    pub fn name(&self) -> &'static str {
        match self {
            State::Upcoming => "upcoming",
            State::Open => "open",
            State::CheckedIn { .. } => "checked_in",
            State::Missed => "missed",
            State::Ended => "ended",
        }
    }
}

/// The instants that matter for one reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub window_opens: DateTime<Utc>,
    pub release_deadline: DateTime<Utc>,
    pub second_reminder: DateTime<Utc>,
    /// The window closes at the end of the booking.
    pub window_closes: DateTime<Utc>,
}

impl CheckInPolicy {
    pub fn release_after(&self, kind: PlaceKind) -> Duration {
        match kind {
            PlaceKind::Room => self.release_after_room,
            PlaceKind::Workspace => self.release_after_workspace,
            _ => self.release_after_desk,
        }
    }

    pub fn timeline(&self, reservation: &Reservation) -> Timeline {
        let release_deadline = reservation.start + self.release_after(reservation.place.kind);
        Timeline {
            window_opens: reservation.start - self.window_opens_before,
            release_deadline,
            second_reminder: release_deadline - self.reminder_before_release,
            window_closes: reservation.end,
        }
    }

    /// The state of `reservation` at `now`, given the claim known for it.
    pub fn state(
        &self,
        reservation: &Reservation,
        claim: Option<(&CheckInMethod, Option<DateTime<Utc>>)>,
        now: DateTime<Utc>,
    ) -> State {
        let timeline = self.timeline(reservation);
        if let Some((method, at)) = claim {
            return State::CheckedIn {
                method: method.clone(),
                at,
            };
        }
        if now >= timeline.window_closes {
            State::Ended
        } else if now < timeline.window_opens {
            State::Upcoming
        } else if now < timeline.release_deadline {
            State::Open
        } else {
            State::Missed
        }
    }

    /// Whether a claim may be sent now. A manual claim is allowed until the
    /// window closes, because a place whose auto-release is off stays
    /// claimable after the deadline; an inferred one only before the
    /// release deadline.
    pub fn may_claim(
        &self,
        reservation: &Reservation,
        method: &CheckInMethod,
        now: DateTime<Utc>,
    ) -> Result<(), ClaimRefusal> {
        let timeline = self.timeline(reservation);
        if now < timeline.window_opens {
            return Err(ClaimRefusal::NotYetOpen {
                opens: timeline.window_opens,
            });
        }
        if now >= timeline.window_closes {
            return Err(ClaimRefusal::Closed {
                closed: timeline.window_closes,
            });
        }
        if *method == CheckInMethod::Inferred && now >= timeline.release_deadline {
            return Err(ClaimRefusal::PastReleaseDeadline {
                deadline: timeline.release_deadline,
            });
        }
        Ok(())
    }
}

/// The reason the policy does not allow a claim now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefusal {
    #[error("check-in opens at {}", minute(opens))]
    NotYetOpen { opens: DateTime<Utc> },
    #[error("the check-in window closed at {}", minute(closed))]
    Closed { closed: DateTime<Utc> },
    #[error("the release deadline passed at {}", minute(deadline))]
    PastReleaseDeadline { deadline: DateTime<Utc> },
}

/// Formats an instant to the minute, for messages.
fn minute(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{EventId, ICalUid, PlaceObjectId};
    use crate::model::{Place, ReservationKey};
    use chrono::TimeZone;

    fn desk_booking(start: DateTime<Utc>, hours: i64) -> Reservation {
        let ical_uid = ICalUid::new("uid-1");
        let place = Place {
            id: PlaceObjectId::new("desk-1"),
            place_id: None,
            kind: PlaceKind::Desk,
            display_name: "Desk 1".into(),
            parent_id: None,
            email: None,
        };
        Reservation {
            key: ReservationKey::new(&ical_uid, start, &place),
            event_id: EventId::new("event-1"),
            ical_uid,
            subject: "Desk".into(),
            start,
            end: start + Duration::hours(hours),
            is_all_day: false,
            is_organizer: true,
            place,
            building: None,
        }
    }

    #[test]
    fn state_follows_timeline() {
        let policy = CheckInPolicy::default();
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let booking = desk_booking(start, 8);
        let at = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 12, 4, h, m, 0).unwrap();

        assert_eq!(policy.state(&booking, None, at(8, 44)), State::Upcoming);
        assert_eq!(policy.state(&booking, None, at(8, 45)), State::Open);
        assert_eq!(policy.state(&booking, None, at(9, 9)), State::Open);
        assert_eq!(policy.state(&booking, None, at(9, 10)), State::Missed);
        assert_eq!(policy.state(&booking, None, at(17, 0)), State::Ended);
    }

    #[test]
    fn claim_wins_over_time() {
        let policy = CheckInPolicy::default();
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let booking = desk_booking(start, 1);
        let state = policy.state(&booking, Some((&CheckInMethod::Manual, None)), start);
        assert_eq!(state.name(), "checked_in");
    }

    #[test]
    fn inferred_stops_at_release_deadline() {
        let policy = CheckInPolicy::default();
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let booking = desk_booking(start, 8);
        let late = start + Duration::minutes(30);
        assert!(policy
            .may_claim(&booking, &CheckInMethod::Manual, late)
            .is_ok());
        assert!(matches!(
            policy.may_claim(&booking, &CheckInMethod::Inferred, late),
            Err(ClaimRefusal::PastReleaseDeadline { .. })
        ));
        assert!(matches!(
            policy.may_claim(
                &booking,
                &CheckInMethod::Manual,
                start - Duration::minutes(16)
            ),
            Err(ClaimRefusal::NotYetOpen { .. })
        ));
    }

    #[test]
    fn release_minutes_per_kind() {
        let policy = CheckInPolicy {
            release_after_room: Duration::minutes(30),
            ..CheckInPolicy::default()
        };
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let mut booking = desk_booking(start, 2);
        booking.place.kind = PlaceKind::Room;
        let at = start + Duration::minutes(20);
        assert_eq!(policy.state(&booking, None, at), State::Open);
    }
}
