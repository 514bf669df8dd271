//! Turns calendar events into reservations.
//!
//! Graph has no "desk booking" type: an event is a reservation when one of
//! its locations or resource attendees carries the address of a place in
//! the directory.

use crate::graph::wire::{self, Event};
use crate::ids::{EventId, ICalUid};
use crate::model::{Reservation, ReservationKey};
use crate::places::PlaceDirectory;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;
use tracing::{debug, warn};

/// The outcome of matching one sync's events.
#[derive(Debug, Default)]
pub struct Matched {
    pub reservations: Vec<Reservation>,
    /// Addresses on events that no cached place has: a sign that the place
    /// cache is stale, or of rooms outside Places.
    pub unknown_addresses: BTreeSet<String>,
}

/// Matches `events` against `places`. All-day events are read as dates in
/// `local`.
pub fn match_events(events: &[Event], places: &PlaceDirectory, local: Tz) -> Matched {
    let mut matched = Matched::default();
    for event in events {
        if event.is_cancelled {
            debug!(event = %event.id, "skipping cancelled event");
            continue;
        }
        if response_of(event.response_status.as_ref()) == Some("declined") {
            debug!(event = %event.id, "skipping declined event");
            continue;
        }
        let Some(ical_uid) = event.ical_uid.as_deref().filter(|uid| !uid.is_empty()) else {
            warn!(event = %event.id, "skipping event without iCalUId");
            continue;
        };
        let (start, end) = match event_span(event, local) {
            Ok(span) => span,
            Err(reason) => {
                warn!(event = %event.id, %reason, "skipping event with unreadable times");
                continue;
            }
        };
        let ical_uid = ICalUid::new(ical_uid);
        let mut seen = BTreeSet::new();
        for address in booking_addresses(event) {
            let Some(place) = places.by_address(&address) else {
                matched.unknown_addresses.insert(address.to_lowercase());
                continue;
            };
            if !seen.insert(place.id.clone()) {
                continue;
            }
            matched.reservations.push(Reservation {
                key: ReservationKey::new(&ical_uid, start, place),
                event_id: EventId::new(event.id.clone()),
                ical_uid: ical_uid.clone(),
                subject: event.subject.clone().unwrap_or_default(),
                start,
                end,
                is_all_day: event.is_all_day,
                is_organizer: event.is_organizer.unwrap_or(false),
                building: places.building_of(place),
                place: place.clone(),
            });
        }
    }
    matched
        .reservations
        .sort_by(|a, b| a.start.cmp(&b.start).then(a.key.cmp(&b.key)));
    matched
}

/// Addresses that may book a place: every location's address and every
/// resource attendee that has not declined.
fn booking_addresses(event: &Event) -> Vec<String> {
    let locations = event.location.iter().chain(event.locations.iter());
    let from_locations = locations.filter_map(|location| location.location_email_address.clone());
    let from_attendees = event
        .attendees
        .iter()
        .filter(|attendee| attendee.kind.as_deref() == Some("resource"))
        .filter(|attendee| response_of(attendee.status.as_ref()) != Some("declined"))
        .filter_map(|attendee| attendee.email_address.as_ref()?.address.clone());
    from_locations
        .chain(from_attendees)
        .filter(|address| !address.trim().is_empty())
        .collect()
}

fn response_of(status: Option<&wire::ResponseStatus>) -> Option<&str> {
    status?.response.as_deref()
}

fn event_span(event: &Event, local: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let start = event.start.as_ref().ok_or("no start")?;
    let end = event.end.as_ref().ok_or("no end")?;
    let span = if event.is_all_day {
        (
            local_midnight(wire::parse_date(start)?, local)?,
            local_midnight(wire::parse_date(end)?, local)?,
        )
    } else {
        (wire::parse_instant(start)?, wire::parse_instant(end)?)
    };
    if span.1 < span.0 {
        return Err(format!("end {} is before start {}", span.1, span.0));
    }
    Ok(span)
}

fn local_midnight(date: NaiveDate, local: Tz) -> Result<DateTime<Utc>, String> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Ok(crate::time::resolve(local, midnight))
}
