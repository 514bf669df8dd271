//! The state snapshot the tray, the window and `status --json` show.

use crate::ids::{EventId, ICalUid};
use crate::model::{CheckInMethod, Reservation, ReservationKey};
use crate::policy::{CheckInPolicy, State};
use crate::store::{ClaimRow, ClaimStatus};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub generated_at: DateTime<Utc>,
    /// The tz database zone for local times in menus and messages.
    pub timezone: String,
    pub account: AccountView,
    pub reservations: Vec<ReservationView>,
    pub last_sync: Option<DateTime<Utc>>,
    /// Why the last sync failed, in plain words.
    pub sync_error: Option<String>,
    /// Bookable places in the tenant's directory. Zero means the tenant lists
    /// no places, which is not the same as having no reservations.
    pub places_known: usize,
    pub automatic: AutomaticView,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AccountView {
    pub signed_in: bool,
    pub demo: bool,
    pub message: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AutomaticView {
    /// `None` until the person has been asked.
    pub enabled: Option<bool>,
    pub paused_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceView {
    pub name: String,
    pub id: String,
    pub place_id: Option<String>,
    pub kind: String,
    pub building: Option<String>,
    pub building_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClaimView {
    pub method: CheckInMethod,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReservationView {
    pub key: ReservationKey,
    pub ical_uid: ICalUid,
    pub event_id: EventId,
    pub subject: String,
    pub place: PlaceView,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub is_all_day: bool,
    pub state: String,
    pub window_opens: DateTime<Utc>,
    pub release_deadline: DateTime<Utc>,
    pub claim: Option<ClaimView>,
    /// A claim is being sent or waits for a retry.
    pub pending: bool,
    /// The last failure, with the Graph error code.
    pub error: Option<String>,
    pub can_check_in: bool,
    pub can_release: bool,
}

impl ReservationView {
    pub fn build(
        reservation: &Reservation,
        row: Option<&ClaimRow>,
        policy: &CheckInPolicy,
        now: DateTime<Utc>,
    ) -> Self {
        let claimed = row.filter(|row| row.status == ClaimStatus::Claimed);
        let state = policy.state(
            reservation,
            claimed.map(|row| (&row.method, row.claimed_at)),
            now,
        );
        let timeline = policy.timeline(reservation);
        let pending = row.is_some_and(|row| row.status == ClaimStatus::Intent);
        let can_check_in = claimed.is_none()
            && !pending
            && policy
                .may_claim(reservation, &CheckInMethod::Manual, now)
                .is_ok();
        Self {
            key: reservation.key.clone(),
            ical_uid: reservation.ical_uid.clone(),
            event_id: reservation.event_id.clone(),
            subject: reservation.subject.clone(),
            place: PlaceView {
                name: reservation.place.display_name.clone(),
                id: reservation.place.id.to_string(),
                place_id: reservation.place.place_id.as_ref().map(ToString::to_string),
                kind: reservation.place.kind.to_string(),
                building: reservation.building.as_ref().map(|b| b.name.clone()),
                building_id: reservation.building.as_ref().map(|b| b.id.to_string()),
            },
            start: reservation.start,
            end: reservation.end,
            is_all_day: reservation.is_all_day,
            state: state.name().to_owned(),
            window_opens: timeline.window_opens,
            release_deadline: timeline.release_deadline,
            claim: claimed.map(|row| ClaimView {
                method: row.method.clone(),
                at: row.claimed_at,
            }),
            pending,
            error: row
                .filter(|row| row.status != ClaimStatus::Claimed)
                .and_then(|row| row.error.clone()),
            can_check_in,
            can_release: reservation.is_organizer && !matches!(state, State::Ended),
        }
    }
}

/// Something the person should hear about. Each is sent once.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The check-in window opened.
    WindowOpened(ReservationView),
    /// The release deadline is near and nobody has checked in.
    ReleaseSoon(ReservationView),
    CheckedIn {
        reservation: ReservationView,
        automatic: bool,
    },
    CheckInFailed {
        reservation: ReservationView,
        error: String,
    },
    /// The laptop is at an office while automatic check-in is off or
    /// paused: offer a manual check-in instead.
    AtOffice {
        office: String,
        reservation: ReservationView,
    },
    SignedOut {
        message: String,
    },
}
