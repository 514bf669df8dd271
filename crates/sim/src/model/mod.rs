//! Tenant data: the specs callers fill in, the stored records, identifier
//! newtypes, and their Graph JSON rendering.

mod claim;
mod event;
mod place;

pub use claim::{CheckInMethod, Claim, ClaimRecord};
pub use event::{
    AttendeeSpec, AttendeeType, EmailAddress, Event, EventIds, EventSpec, EventTime, EventType,
    LocationSpec, LocationType, ResponseType, SeriesIds, SeriesSpec, SeriesUid, ShowAs,
};
pub(crate) use event::{RenderContext, EVENT_PROPERTIES};
pub use place::{DeskMode, Place, PlaceIds, PlaceKind, PlaceSpec};

use sha2::{Digest, Sha256};
use std::fmt;

/// An event's Graph `id` (the mailbox item id used in `/me/events/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(pub String);

/// An event's `iCalUId`, the value a check-in claim's `calendarEventId`
/// carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ICalUid(pub String);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ICalUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Hashes `seed` so generated identifiers are stable across runs.
fn digest(seed: &str) -> [u8; 32] {
    Sha256::digest(seed.as_bytes()).into()
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02X}")).collect()
}

/// Derives a GUID-shaped identifier (lower-case, 8-4-4-4-12) from `seed`.
pub(crate) fn guid(seed: &str) -> String {
    let hex = upper_hex(&digest(seed)[..16]).to_lowercase();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Derives an Outlook-style event id from `seed`. Like real ids, it ends
/// with `=`, so clients must handle it in URL paths.
pub(crate) fn event_id(seed: &str) -> EventId {
    EventId(format!("AAMkAGSim{}AAA=", upper_hex(&digest(seed)[..20])))
}

/// Derives an iCalUId in the Outlook shape (the fixed Outlook prefix, then
/// a hexadecimal tail) from `seed`.
pub(crate) fn ical_uid(seed: &str) -> ICalUid {
    ICalUid(format!(
        "040000008200E00074C5B7101A82E00800000000{}",
        upper_hex(&digest(seed)[..24])
    ))
}

/// Keeps only the `$select`ed properties of `object`, plus the ones in
/// `always` (`id` and OData annotations).
pub(crate) fn select_properties(
    object: serde_json::Value,
    select: Option<&[String]>,
    always: &[&str],
) -> serde_json::Value {
    let (Some(select), serde_json::Value::Object(map)) = (select, &object) else {
        return object;
    };
    let kept = map
        .iter()
        .filter(|(key, _)| {
            always.contains(&key.as_str())
                || key.starts_with('@')
                || select.iter().any(|name| name.eq_ignore_ascii_case(key))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    serde_json::Value::Object(kept)
}
