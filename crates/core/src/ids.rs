//! Identifier newtypes, so an iCalUId, an event id and the two place ids
//! cannot be swapped by accident.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// An event's `iCalUId`: the `calendarEventId` of a check-in claim.
    ICalUid
);
string_id!(
    /// An event's Graph `id`, used for calls on the event itself (cancel).
    EventId
);
string_id!(
    /// A place's Graph `id`. It can change when the mailbox or the tenant
    /// configuration changes.
    PlaceObjectId
);
string_id!(
    /// A place's `placeId`, the identifier Graph documents as stable.
    PlaceId
);
