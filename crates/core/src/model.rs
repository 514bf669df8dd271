//! Domain types shared by the Graph client, the store, the policy and the
//! engine.

use crate::ids::{EventId, ICalUid, PlaceId, PlaceObjectId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of place that Microsoft Places lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlaceKind {
    Desk,
    Room,
    /// A desk pool, booked through its own address.
    Workspace,
    Section,
    Floor,
    Building,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 6] = [
        PlaceKind::Building,
        PlaceKind::Floor,
        PlaceKind::Section,
        PlaceKind::Desk,
        PlaceKind::Room,
        PlaceKind::Workspace,
    ];

    /// The Graph type name used in list paths (`/places/microsoft.graph.desk`).
    pub fn graph_name(self) -> &'static str {
        match self {
            PlaceKind::Desk => "desk",
            PlaceKind::Room => "room",
            PlaceKind::Workspace => "workspace",
            PlaceKind::Section => "section",
            PlaceKind::Floor => "floor",
            PlaceKind::Building => "building",
        }
    }

    pub fn is_bookable(self) -> bool {
        matches!(
            self,
            PlaceKind::Desk | PlaceKind::Room | PlaceKind::Workspace
        )
    }

    pub fn parse(name: &str) -> Option<Self> {
        PlaceKind::ALL
            .into_iter()
            .find(|kind| kind.graph_name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.graph_name())
    }
}

/// One place from the tenant's directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceObjectId,
    pub place_id: Option<PlaceId>,
    pub kind: PlaceKind,
    pub display_name: String,
    pub parent_id: Option<PlaceObjectId>,
    /// The address events use to book it: a room's or desk pool's
    /// `emailAddress`, a desk's `mailboxDetails.emailAddress`.
    pub email: Option<String>,
}

/// The building a place belongs to, resolved through `parentId`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingRef {
    pub id: PlaceObjectId,
    pub place_id: Option<PlaceId>,
    pub name: String,
}

/// The way a check-in was made. Values Graph adds later parse as `Other`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CheckInMethod {
    Unspecified,
    /// The person acted: the tray, a notification, the window or the CLI.
    Manual,
    /// Detected presence, such as the office network.
    Inferred,
    Verified,
    Other(String),
}

impl CheckInMethod {
    pub fn as_str(&self) -> &str {
        match self {
            CheckInMethod::Unspecified => "unspecified",
            CheckInMethod::Manual => "manual",
            CheckInMethod::Inferred => "inferred",
            CheckInMethod::Verified => "verified",
            CheckInMethod::Other(value) => value,
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "unspecified" => CheckInMethod::Unspecified,
            "manual" => CheckInMethod::Manual,
            "inferred" => CheckInMethod::Inferred,
            "verified" => CheckInMethod::Verified,
            other => CheckInMethod::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for CheckInMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckInMethod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckInMethod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(CheckInMethod::parse(&value))
    }
}

/// A claim as Graph returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    pub calendar_event_id: ICalUid,
    pub method: CheckInMethod,
    pub created: Option<DateTime<Utc>>,
}

/// One booked place for one event occurrence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    pub key: ReservationKey,
    pub event_id: EventId,
    pub ical_uid: ICalUid,
    pub subject: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub is_all_day: bool,
    /// Whether the signed-in person organizes the event (only then can the
    /// booking be cancelled through Graph).
    pub is_organizer: bool,
    pub place: Place,
    pub building: Option<BuildingRef>,
}

/// The identity of a reservation in the claim store: the event's iCalUId,
/// the occurrence start and the booked place. Occurrences of one series can
/// share an iCalUId, so the start is part of the key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReservationKey(String);

impl ReservationKey {
    /// Builds the key from the place's `placeId` when it has one, because
    /// its `id` can change with the mailbox configuration.
    pub fn new(ical_uid: &ICalUid, start: DateTime<Utc>, place: &Place) -> Self {
        let place_part = place
            .place_id
            .as_ref()
            .map_or_else(|| place.id.as_str(), PlaceId::as_str);
        Self(format!(
            "{}|{}|{}",
            ical_uid,
            start.format("%Y-%m-%dT%H:%M:%SZ"),
            place_part
        ))
    }

    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReservationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
