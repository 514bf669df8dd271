//! Check-in claims and the `checkInMethod` enumeration.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::time::format_utc_millis;

/// Graph `checkInMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckInMethod {
    Unspecified,
    Manual,
    Inferred,
    Verified,
    UnknownFutureValue,
}

impl CheckInMethod {
    pub const ALL: [CheckInMethod; 5] = [
        Self::Unspecified,
        Self::Manual,
        Self::Inferred,
        Self::Verified,
        Self::UnknownFutureValue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Manual => "manual",
            Self::Inferred => "inferred",
            Self::Verified => "verified",
            Self::UnknownFutureValue => "unknownFutureValue",
        }
    }

    /// Parses a documented value. Enumeration members are case-sensitive in
    /// OData JSON, so `Manual` is rejected.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|method| method.as_str() == value)
    }
}

/// A stored claim, keyed by place and `calendarEventId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub place_index: usize,
    pub calendar_event_id: String,
    pub method: CheckInMethod,
    pub created: DateTime<Utc>,
}

impl Claim {
    pub fn to_json(&self) -> Value {
        json!({
            "@odata.type": "#microsoft.graph.checkInClaim",
            "calendarEventId": self.calendar_event_id,
            "checkInMethod": self.method.as_str(),
            "createdDateTime": format_utc_millis(self.created),
        })
    }
}

/// A stored claim as [`crate::Tenant::claims`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRecord {
    /// `id` of the claimed place.
    pub place_object_id: String,
    /// `placeId` of the claimed place.
    pub place_id: String,
    pub calendar_event_id: String,
    pub method: CheckInMethod,
    pub created: DateTime<Utc>,
}
