//! Calendar events: single instances and occurrences of recurring series,
//! with their Graph JSON.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use super::{EventId, ICalUid};
use crate::time::{format_utc_seconds, ResponseZone};

/// An email address with a display name, as Graph's `emailAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmailAddress {
    pub name: String,
    pub address: String,
}

impl EmailAddress {
    pub fn new(name: &str, address: &str) -> Self {
        Self {
            name: name.to_owned(),
            address: address.to_owned(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"name": self.name, "address": self.address})
    }
}

/// Graph `responseType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseType {
    None,
    #[default]
    Organizer,
    TentativelyAccepted,
    Accepted,
    Declined,
    NotResponded,
}

impl ResponseType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Organizer => "organizer",
            Self::TentativelyAccepted => "tentativelyAccepted",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::NotResponded => "notResponded",
        }
    }
}

/// Graph `freeBusyStatus`, the event's `showAs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShowAs {
    Free,
    Tentative,
    #[default]
    Busy,
    Oof,
    WorkingElsewhere,
    Unknown,
}

impl ShowAs {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Tentative => "tentative",
            Self::Busy => "busy",
            Self::Oof => "oof",
            Self::WorkingElsewhere => "workingElsewhere",
            Self::Unknown => "unknown",
        }
    }
}

/// Graph `locationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocationType {
    #[default]
    Default,
    ConferenceRoom,
    HomeAddress,
    BusinessAddress,
    StreetAddress,
    LocalBusiness,
}

impl LocationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::ConferenceRoom => "conferenceRoom",
            Self::HomeAddress => "homeAddress",
            Self::BusinessAddress => "businessAddress",
            Self::StreetAddress => "streetAddress",
            Self::LocalBusiness => "localBusiness",
        }
    }
}

/// One entry of an event's `locations`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationSpec {
    pub display_name: String,
    pub email_address: Option<String>,
    pub uri: Option<String>,
    pub location_type: LocationType,
    /// Defaults to the email address, else the display name.
    pub unique_id: Option<String>,
}

impl LocationSpec {
    /// Builds a location that names a room, desk or desk pool by its address.
    pub fn place(display_name: &str, address: &str) -> Self {
        Self {
            display_name: display_name.to_owned(),
            email_address: Some(address.to_owned()),
            uri: Some(address.to_owned()),
            location_type: LocationType::ConferenceRoom,
            unique_id: None,
        }
    }

    /// Builds a location with a display name only, e.g. "Microsoft Teams Meeting".
    pub fn named(display_name: &str) -> Self {
        Self {
            display_name: display_name.to_owned(),
            ..Self::default()
        }
    }

    fn to_json(&self) -> Value {
        let unique_id = self
            .unique_id
            .clone()
            .or_else(|| self.email_address.clone())
            .unwrap_or_else(|| self.display_name.clone());
        let unique_id_type = if self.email_address.is_some() {
            "directory"
        } else {
            "private"
        };
        let mut location = json!({
            "displayName": self.display_name,
            "locationType": self.location_type.as_str(),
            "uniqueId": unique_id,
            "uniqueIdType": unique_id_type,
        });
        if let Some(address) = &self.email_address {
            location["locationEmailAddress"] = json!(address);
        }
        if let Some(uri) = &self.uri {
            location["locationUri"] = json!(uri);
        }
        location
    }
}

/// Graph `attendeeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttendeeType {
    #[default]
    Required,
    Optional,
    /// A room, desk or desk pool mailbox.
    Resource,
}

impl AttendeeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
            Self::Resource => "resource",
        }
    }
}

/// One entry of an event's `attendees`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttendeeSpec {
    pub attendee_type: AttendeeType,
    pub email_address: EmailAddress,
    pub response: ResponseType,
}

impl AttendeeSpec {
    /// Builds a resource attendee (room, desk or desk pool) that accepted.
    pub fn resource(name: &str, address: &str) -> Self {
        Self {
            attendee_type: AttendeeType::Resource,
            email_address: EmailAddress::new(name, address),
            response: ResponseType::Accepted,
        }
    }

    /// Builds a required attendee that has not responded.
    pub fn person(name: &str, address: &str) -> Self {
        Self {
            attendee_type: AttendeeType::Required,
            email_address: EmailAddress::new(name, address),
            response: ResponseType::None,
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "type": self.attendee_type.as_str(),
            "status": {"response": self.response.as_str(), "time": "0001-01-01T00:00:00Z"},
            "emailAddress": self.email_address.to_json(),
        })
    }
}

/// When an event takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTime {
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Whole calendar days from `first_day`, rendered midnight to midnight
    /// in the response zone (all-day events float with the zone).
    AllDay { first_day: NaiveDate, days: u32 },
}

impl Default for EventTime {
    /// Returns one hour from the Unix epoch. Callers are expected to set
    /// real times.
    fn default() -> Self {
        let start = DateTime::<Utc>::UNIX_EPOCH;
        Self::Timed {
            start,
            end: start + Duration::hours(1),
        }
    }
}

impl EventTime {
    /// Returns the start and end instants, reading all-day dates in `zone`.
    pub fn bounds(&self, zone: &ResponseZone) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            Self::Timed { start, end } => (start, end),
            Self::AllDay { first_day, days } => {
                let last = first_day + Duration::days(i64::from(days));
                (
                    zone.midnight_instant(first_day),
                    zone.midnight_instant(last),
                )
            }
        }
    }

    /// Returns the same time shifted by `offset` (whole days for all-day).
    pub fn shifted(&self, offset: Duration) -> Self {
        match *self {
            Self::Timed { start, end } => Self::Timed {
                start: start + offset,
                end: end + offset,
            },
            Self::AllDay { first_day, days } => Self::AllDay {
                first_day: first_day + Duration::days(offset.num_days()),
                days,
            },
        }
    }
}

/// An event to add to the tenant. Unset `id` and `ical_uid` are generated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventSpec {
    pub id: Option<String>,
    pub ical_uid: Option<String>,
    pub subject: String,
    pub time: EventTime,
    pub is_cancelled: bool,
    /// The signed-in user's response; `Organizer` when the user organizes.
    pub response: ResponseType,
    pub response_time: Option<DateTime<Utc>>,
    pub show_as: ShowAs,
    pub locations: Vec<LocationSpec>,
    pub attendees: Vec<AttendeeSpec>,
    /// The organizer; `None` means the signed-in user.
    pub organizer: Option<EmailAddress>,
}

impl EventSpec {
    pub fn new(subject: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            subject: subject.to_owned(),
            time: EventTime::Timed { start, end },
            ..Self::default()
        }
    }

    pub fn all_day(subject: &str, first_day: NaiveDate, days: u32) -> Self {
        Self {
            subject: subject.to_owned(),
            time: EventTime::AllDay { first_day, days },
            show_as: ShowAs::Free,
            ..Self::default()
        }
    }

    /// Books a place: adds it as a location and as a resource attendee.
    pub fn at_place(mut self, display_name: &str, address: &str) -> Self {
        self.locations
            .push(LocationSpec::place(display_name, address));
        self.attendees
            .push(AttendeeSpec::resource(display_name, address));
        self
    }

    /// Makes someone else the organizer, with the user's `response`.
    pub fn organized_by(mut self, organizer: EmailAddress, response: ResponseType) -> Self {
        self.organizer = Some(organizer);
        self.response = response;
        self
    }
}

/// Graph `eventType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    SingleInstance,
    Occurrence,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SingleInstance => "singleInstance",
            Self::Occurrence => "occurrence",
        }
    }
}

/// How the occurrences of a series get their iCalUId. The Graph reference
/// states that each occurrence has its own, but older text and reports
/// describe a shared value, so both are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesUid {
    #[default]
    PerOccurrence,
    Shared,
}

/// A daily (or other fixed-interval) recurring series, stored as its
/// occurrences. `template.time` is the first occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesSpec {
    pub template: EventSpec,
    pub count: u32,
    pub interval: Duration,
    pub ical_uid: SeriesUid,
    /// The series master's id; generated when unset.
    pub master_id: Option<String>,
}

impl SeriesSpec {
    pub fn daily(template: EventSpec, count: u32) -> Self {
        Self {
            template,
            count,
            interval: Duration::days(1),
            ical_uid: SeriesUid::default(),
            master_id: None,
        }
    }
}

/// Identifiers of a stored event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventIds {
    pub id: EventId,
    pub ical_uid: ICalUid,
}

/// Identifiers of a stored series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesIds {
    pub master_id: EventId,
    pub occurrences: Vec<EventIds>,
}

/// A stored event (a single instance or one occurrence of a series).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub ids: EventIds,
    pub event_type: EventType,
    pub series_master_id: Option<EventId>,
    pub spec: EventSpec,
    pub created: DateTime<Utc>,
    pub cancel_comment: Option<String>,
}

/// Values an event needs from its request and tenant to render.
pub(crate) struct RenderContext<'a> {
    pub zone: &'a ResponseZone,
    pub user: &'a EmailAddress,
}

/// Names of the event properties [`Event::to_json`] writes, for `$select`
/// validation.
pub(crate) const EVENT_PROPERTIES: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "iCalUId",
    "subject",
    "bodyPreview",
    "start",
    "end",
    "isAllDay",
    "isCancelled",
    "isOrganizer",
    "responseStatus",
    "showAs",
    "type",
    "seriesMasterId",
    "location",
    "locations",
    "attendees",
    "organizer",
];

impl Event {
    /// Tells whether `address` organizes this event; `None` means the user.
    pub fn is_organized_by(&self, user_address: &str) -> bool {
        match &self.spec.organizer {
            None => true,
            Some(organizer) => organizer.address.eq_ignore_ascii_case(user_address),
        }
    }

    /// Tells whether the event books `address` through a location or a
    /// resource attendee, compared case-insensitively.
    pub fn books(&self, address: &str) -> bool {
        let in_locations = self.spec.locations.iter().any(|location| {
            location
                .email_address
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(address))
        });
        let in_attendees = self.spec.attendees.iter().any(|attendee| {
            attendee.attendee_type == AttendeeType::Resource
                && attendee.email_address.address.eq_ignore_ascii_case(address)
        });
        in_locations || in_attendees
    }

    pub(crate) fn to_json(&self, context: &RenderContext<'_>) -> Value {
        let spec = &self.spec;
        let (start, end) = self.render_times(context.zone);
        let organizer = spec.organizer.as_ref().unwrap_or(context.user);
        let response_time = spec
            .response_time
            .map(format_utc_seconds)
            .unwrap_or_else(|| "0001-01-01T00:00:00Z".to_owned());
        let created = format_utc_seconds(self.created);
        json!({
            "@odata.etag": format!("W/\"{}\"", &self.ids.ical_uid.0[40..56]),
            "id": self.ids.id.0,
            "createdDateTime": created,
            "lastModifiedDateTime": created,
            "iCalUId": self.ids.ical_uid.0,
            "subject": spec.subject,
            "bodyPreview": "",
            "start": start,
            "end": end,
            "isAllDay": matches!(spec.time, EventTime::AllDay { .. }),
            "isCancelled": spec.is_cancelled,
            "isOrganizer": self.is_organized_by(&context.user.address),
            "responseStatus": {"response": spec.response.as_str(), "time": response_time},
            "showAs": spec.show_as.as_str(),
            "type": self.event_type.as_str(),
            "seriesMasterId": self.series_master_id.as_ref().map(|id| id.0.clone()),
            "location": self.primary_location(),
            "locations": spec.locations.iter().map(LocationSpec::to_json).collect::<Vec<_>>(),
            "attendees": spec.attendees.iter().map(AttendeeSpec::to_json).collect::<Vec<_>>(),
            "organizer": {"emailAddress": organizer.to_json()},
        })
    }

    fn render_times(&self, zone: &ResponseZone) -> (Value, Value) {
        match self.spec.time {
            EventTime::Timed { start, end } => (zone.render(start), zone.render(end)),
            EventTime::AllDay { first_day, days } => {
                let last = first_day + Duration::days(i64::from(days));
                (zone.render_midnight(first_day), zone.render_midnight(last))
            }
        }
    }

    /// Builds the singular `location`: the only location, or the display
    /// names joined with "; " when there are several, as Outlook does.
    fn primary_location(&self) -> Value {
        match self.spec.locations.as_slice() {
            [] => LocationSpec::named("").to_json(),
            [only] => only.to_json(),
            many => {
                let names: Vec<&str> = many.iter().map(|l| l.display_name.as_str()).collect();
                LocationSpec::named(&names.join("; ")).to_json()
            }
        }
    }
}
