//! The tenant's mutable state behind its mutex: places, events, claims,
//! options, fault rules and the records of received requests.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::SimError;
use crate::faults::{FaultQueue, RouteKind};
use crate::model::{
    self, Claim, Event, EventIds, EventSpec, EventTime, EventType, Place, PlaceIds, PlaceSpec,
    SeriesIds, SeriesSpec, SeriesUid,
};
use crate::observe::{CheckInPost, RequestRecord};
use crate::time::ResponseZone;
use crate::{CheckInPathId, TenantOptions};

#[derive(Debug, Default)]
pub(crate) struct State {
    pub options: TenantOptions,
    pub places: Vec<Place>,
    pub events: Vec<Event>,
    pub claims: Vec<Claim>,
    pub requests: Vec<RequestRecord>,
    pub posts: Vec<CheckInPost>,
    pub counters: HashMap<RouteKind, u64>,
    pub faults: FaultQueue,
    serial: u64,
}

impl State {
    pub fn new(options: TenantOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn place_id_taken(&self, candidate: &str) -> bool {
        self.places
            .iter()
            .any(|place| place.ids.id == candidate || place.ids.place_id == candidate)
    }

    pub fn add_place(&mut self, spec: PlaceSpec) -> Result<PlaceIds, SimError> {
        self.validate_place(&spec)?;
        let serial = self.next_serial();
        let name = &spec.display_name;
        let id = spec
            .id
            .clone()
            .unwrap_or_else(|| model::guid(&format!("place-id-{serial}-{name}")));
        let place_id = spec
            .place_id
            .clone()
            .unwrap_or_else(|| model::guid(&format!("place-placeId-{serial}-{name}")));
        for candidate in [&id, &place_id] {
            if self.place_id_taken(candidate) {
                return Err(SimError::DuplicatePlaceId(candidate.clone()));
            }
        }
        let ids = PlaceIds {
            id,
            place_id,
            email_address: spec.email_address.clone(),
        };
        self.places.push(Place {
            ids: ids.clone(),
            spec,
        });
        Ok(ids)
    }

    fn validate_place(&self, spec: &PlaceSpec) -> Result<(), SimError> {
        if let Some(parent) = &spec.parent_id {
            if !self.places.iter().any(|place| &place.ids.id == parent) {
                return Err(SimError::UnknownParent {
                    place: spec.display_name.clone(),
                    parent: parent.clone(),
                });
            }
        }
        if spec.kind.is_bookable() && spec.email_address.is_none() {
            return Err(SimError::MissingAddress {
                kind: spec.kind.type_name(),
                place: spec.display_name.clone(),
            });
        }
        Ok(())
    }

    pub fn add_event(&mut self, spec: EventSpec, now: DateTime<Utc>) -> Result<EventIds, SimError> {
        validate_event_time(&spec)?;
        let serial = self.next_serial();
        let seed = format!("event-{serial}-{}", spec.subject);
        let id = spec
            .id
            .clone()
            .map(model::EventId)
            .unwrap_or_else(|| model::event_id(&seed));
        let ical_uid = spec
            .ical_uid
            .clone()
            .map(model::ICalUid)
            .unwrap_or_else(|| model::ical_uid(&seed));
        let ids = EventIds { id, ical_uid };
        self.insert_event(ids.clone(), EventType::SingleInstance, None, spec, now)?;
        Ok(ids)
    }

    pub fn add_series(
        &mut self,
        series: SeriesSpec,
        now: DateTime<Utc>,
    ) -> Result<SeriesIds, SimError> {
        if series.count == 0 {
            return Err(SimError::EmptySeries {
                subject: series.template.subject.clone(),
            });
        }
        validate_event_time(&series.template)?;
        let serial = self.next_serial();
        let master_id = series
            .master_id
            .clone()
            .map(model::EventId)
            .unwrap_or_else(|| model::event_id(&format!("series-{serial}")));
        let shared_uid = series
            .template
            .ical_uid
            .clone()
            .map(model::ICalUid)
            .unwrap_or_else(|| model::ical_uid(&format!("series-{serial}")));
        let mut occurrences = Vec::new();
        for index in 0..series.count {
            let seed = format!("occurrence-{serial}-{index}");
            let ical_uid = match series.ical_uid {
                SeriesUid::Shared => shared_uid.clone(),
                SeriesUid::PerOccurrence => model::ical_uid(&seed),
            };
            let ids = EventIds {
                id: model::event_id(&seed),
                ical_uid,
            };
            let mut spec = series.template.clone();
            spec.time = spec.time.shifted(series.interval * index as i32);
            let master = Some(master_id.clone());
            self.insert_event(ids.clone(), EventType::Occurrence, master, spec, now)?;
            occurrences.push(ids);
        }
        Ok(SeriesIds {
            master_id,
            occurrences,
        })
    }

    fn insert_event(
        &mut self,
        ids: EventIds,
        event_type: EventType,
        series_master_id: Option<model::EventId>,
        spec: EventSpec,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        if self.event_index(&ids.id.0).is_some() {
            return Err(SimError::DuplicateEventId(ids.id.0));
        }
        self.events.push(Event {
            ids,
            event_type,
            series_master_id,
            spec,
            created: now,
            cancel_comment: None,
        });
        Ok(())
    }

    /// Finds the place a `checkIns` path names, by the tenant's rule for
    /// which identifier that path accepts.
    pub fn resolve_check_in_place(&self, path_id: &str) -> Option<usize> {
        let rule = self.options.check_in_path_id;
        self.places.iter().position(|place| match rule {
            CheckInPathId::PlaceId => place.ids.place_id == path_id,
            CheckInPathId::Id => place.ids.id == path_id,
            CheckInPathId::Either => place.ids.place_id == path_id || place.ids.id == path_id,
        })
    }

    /// Finds a place by `id` or `placeId`.
    pub fn place_index(&self, id: &str) -> Option<usize> {
        self.places
            .iter()
            .position(|place| place.ids.id == id || place.ids.place_id == id)
    }

    pub fn event_index(&self, id: &str) -> Option<usize> {
        self.events.iter().position(|event| event.ids.id.0 == id)
    }

    pub fn claim_index(&self, place_index: usize, calendar_event_id: &str) -> Option<usize> {
        self.claims.iter().position(|claim| {
            claim.place_index == place_index && claim.calendar_event_id == calendar_event_id
        })
    }

    /// Tells whether a live (not cancelled) event with this iCalUId books
    /// the place.
    pub fn has_booking(&self, place_index: usize, calendar_event_id: &str) -> bool {
        let Some(address) = self.places[place_index].ids.email_address.as_deref() else {
            return false;
        };
        self.events.iter().any(|event| {
            event.ids.ical_uid.0 == calendar_event_id
                && !event.spec.is_cancelled
                && event.books(address)
        })
    }

    /// Returns the events overlapping `[start, end)`, sorted by start.
    pub fn events_in_range(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        zone: &ResponseZone,
    ) -> Vec<&Event> {
        let mut found: Vec<(&Event, DateTime<Utc>)> = self
            .events
            .iter()
            .filter_map(|event| {
                let (event_start, event_end) = event.spec.time.bounds(zone);
                let overlaps = event_start < end && event_end > start;
                overlaps.then_some((event, event_start))
            })
            .collect();
        found.sort_by_key(|(event, event_start)| (*event_start, event.ids.id.clone()));
        found.into_iter().map(|(event, _)| event).collect()
    }
}

fn validate_event_time(spec: &EventSpec) -> Result<(), SimError> {
    match spec.time {
        EventTime::Timed { start, end } if end < start => Err(SimError::EndBeforeStart {
            subject: spec.subject.clone(),
            start: start.to_rfc3339(),
            end: end.to_rfc3339(),
        }),
        EventTime::AllDay { days: 0, .. } => Err(SimError::EmptyAllDay {
            subject: spec.subject.clone(),
        }),
        _ => Ok(()),
    }
}
