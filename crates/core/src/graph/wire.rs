//! Graph's JSON shapes, as far as deskcheck reads them. Every field is
//! optional or defaulted so that a field Graph leaves out, or an enum value
//! added later, does not fail a whole page.

use crate::ids::{ICalUid, PlaceId, PlaceObjectId};
use crate::model::{CheckInMethod, Claim, Place, PlaceKind};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

/// A page of a collection.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    pub error: ErrorDetail,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(alias = "innererror")]
    pub inner_error: Option<InnerError>,
}

#[derive(Debug, Deserialize)]
pub struct InnerError {
    #[serde(rename = "request-id")]
    pub request_id: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    pub date_time: String,
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct EmailAddress {
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub display_name: Option<String>,
    pub location_email_address: Option<String>,
    pub unique_id: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Default)]
pub struct ResponseStatus {
    pub response: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub email_address: Option<EmailAddress>,
    pub status: Option<ResponseStatus>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    #[serde(rename = "iCalUId")]
    pub ical_uid: Option<String>,
    pub subject: Option<String>,
    pub start: Option<DateTimeTimeZone>,
    pub end: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub is_all_day: bool,
    #[serde(default)]
    pub is_cancelled: bool,
    #[serde(default)]
    pub is_organizer: Option<bool>,
    pub response_status: Option<ResponseStatus>,
    pub location: Option<Location>,
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    pub series_master_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct MailboxDetails {
    pub email_address: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct WirePlace {
    pub id: String,
    pub place_id: Option<String>,
    pub display_name: Option<String>,
    pub parent_id: Option<String>,
    pub email_address: Option<String>,
    pub mailbox_details: Option<MailboxDetails>,
}

impl WirePlace {
    pub fn into_place(self, kind: PlaceKind) -> Place {
        let email = match kind {
            PlaceKind::Desk => self
                .mailbox_details
                .and_then(|details| details.email_address)
                .or(self.email_address),
            _ => self.email_address,
        };
        Place {
            display_name: self.display_name.unwrap_or_else(|| self.id.clone()),
            id: PlaceObjectId::new(self.id),
            place_id: self.place_id.filter(|id| !id.is_empty()).map(PlaceId::new),
            kind,
            parent_id: self
                .parent_id
                .filter(|id| !id.is_empty())
                .map(PlaceObjectId::new),
            email: email.filter(|address| !address.is_empty()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WireClaim {
    pub calendar_event_id: String,
    #[serde(default)]
    pub check_in_method: Option<String>,
    pub created_date_time: Option<DateTime<Utc>>,
}

impl WireClaim {
    pub fn into_claim(self) -> Claim {
        Claim {
            calendar_event_id: ICalUid::new(self.calendar_event_id),
            method: CheckInMethod::parse(self.check_in_method.as_deref().unwrap_or("unspecified")),
            created: self.created_date_time,
        }
    }
}

/// A claim as `GET .../checkIns/{id}` returns it: the published sample wraps
/// it in `value`, other responses are bare.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ClaimResponse {
    Wrapped { value: WireClaim },
    Bare(WireClaim),
}

impl ClaimResponse {
    pub fn into_claim(self) -> Claim {
        match self {
            ClaimResponse::Wrapped { value } => value.into_claim(),
            ClaimResponse::Bare(claim) => claim.into_claim(),
        }
    }
}

/// Reads Graph's `dateTime` (`2026-12-04T09:00:00.0000000`, no offset) in
/// the zone named beside it.
pub fn parse_instant(value: &DateTimeTimeZone) -> Result<DateTime<Utc>, String> {
    let naive = parse_naive(&value.date_time)?;
    let zone = value.time_zone.as_deref().unwrap_or("UTC");
    if zone.eq_ignore_ascii_case("UTC") || zone.eq_ignore_ascii_case("Etc/UTC") {
        return Ok(Utc.from_utc_datetime(&naive));
    }
    let tz = parse_zone(zone)?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .ok_or_else(|| format!("{} does not exist in {zone}", value.date_time))
}

/// Reads the calendar date of an all-day event's `dateTime`. All-day events
/// are dates, not instants: Graph has reported them in shifted zones, so
/// only the date part is trusted.
pub fn parse_date(value: &DateTimeTimeZone) -> Result<NaiveDate, String> {
    Ok(parse_naive(&value.date_time)?.date())
}

fn parse_naive(text: &str) -> Result<NaiveDateTime, String> {
    let trimmed = text.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M"))
        .map_err(|_| format!("invalid dateTime {text:?}"))
}

/// Maps a zone name to a tz database zone. Graph responds in the zone requested
/// for with `Prefer: outlook.timezone`, but a server that ignores the header
/// responds in the mailbox's zone, often with a Windows name.
fn parse_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
        return Ok(tz);
    }
    let iana = match name {
        "GMT Standard Time" => "Europe/London",
        "W. Europe Standard Time" => "Europe/Berlin",
        "Romance Standard Time" => "Europe/Paris",
        "Central Europe Standard Time" => "Europe/Budapest",
        "Eastern Standard Time" => "America/New_York",
        "Central Standard Time" => "America/Chicago",
        "Mountain Standard Time" => "America/Denver",
        "Pacific Standard Time" => "America/Los_Angeles",
        "India Standard Time" => "Asia/Kolkata",
        "Tokyo Standard Time" => "Asia/Tokyo",
        "AUS Eastern Standard Time" => "Australia/Sydney",
        _ => return Err(format!("unknown time zone {name:?}")),
    };
    iana.parse::<chrono_tz::Tz>().map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date_time: &str, zone: &str) -> DateTimeTimeZone {
        DateTimeTimeZone {
            date_time: date_time.into(),
            time_zone: Some(zone.into()),
        }
    }

    #[test]
    fn seven_fraction_digits_in_utc() {
        let instant = parse_instant(&at("2026-12-04T09:00:00.0000000", "UTC")).unwrap();
        assert_eq!(instant.to_rfc3339(), "2026-12-04T09:00:00+00:00");
    }

    #[test]
    fn windows_zone_names() {
        let instant = parse_instant(&at(
            "2026-12-04T09:00:00.0000000",
            "W. Europe Standard Time",
        ))
        .unwrap();
        assert_eq!(instant.to_rfc3339(), "2026-12-04T08:00:00+00:00");
    }

    #[test]
    fn unknown_zone_is_an_error() {
        let error = parse_instant(&at("2026-12-04T09:00:00", "Mars/Olympus")).unwrap_err();
        assert!(error.contains("Mars/Olympus"), "{error}");
    }

    #[test]
    fn claim_both_shapes() {
        let wrapped: ClaimResponse = serde_json::from_str(
            r#"{"value":{"calendarEventId":"A","checkInMethod":"manual","createdDateTime":"2025-06-28T12:34:56.789Z"}}"#,
        )
        .unwrap();
        let bare: ClaimResponse =
            serde_json::from_str(r#"{"calendarEventId":"A","checkInMethod":"somethingNew"}"#)
                .unwrap();
        assert_eq!(wrapped.into_claim().method, CheckInMethod::Manual);
        assert_eq!(
            bare.into_claim().method,
            CheckInMethod::Other("somethingNew".into())
        );
    }
}
