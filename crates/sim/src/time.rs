//! Graph date-time handling: the `dateTimeTimeZone` format with seven
//! fractional digits, parsing of `startDateTime`/`endDateTime` query values,
//! and the `Prefer: outlook.timezone="..."` header.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use http::HeaderMap;

/// Windows time zone names that Outlook accepts in `Prefer:
/// outlook.timezone`, mapped to the IANA zone Windows treats as primary.
const WINDOWS_ZONES: &[(&str, Tz)] = &[
    ("UTC", Tz::UTC),
    ("Coordinated Universal Time", Tz::UTC),
    ("GMT Standard Time", Tz::Europe__London),
    ("W. Europe Standard Time", Tz::Europe__Berlin),
    ("Romance Standard Time", Tz::Europe__Paris),
    ("Central Europe Standard Time", Tz::Europe__Budapest),
    ("E. Europe Standard Time", Tz::Europe__Chisinau),
    ("Eastern Standard Time", Tz::America__New_York),
    ("Central Standard Time", Tz::America__Chicago),
    ("Mountain Standard Time", Tz::America__Denver),
    ("Pacific Standard Time", Tz::America__Los_Angeles),
    ("Tokyo Standard Time", Tz::Asia__Tokyo),
    ("India Standard Time", Tz::Asia__Kolkata),
    ("AUS Eastern Standard Time", Tz::Australia__Sydney),
];

/// Time zone of the `start` and `end` values in a response, with the name
/// the client sent (Graph echoes that name in `timeZone`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseZone {
    pub name: String,
    pub tz: Tz,
}

impl Default for ResponseZone {
    fn default() -> Self {
        Self {
            name: "UTC".to_owned(),
            tz: Tz::UTC,
        }
    }
}

impl ResponseZone {
    /// Renders an instant as a Graph `dateTimeTimeZone` object in this zone.
    pub fn render(&self, instant: DateTime<Utc>) -> serde_json::Value {
        let local = instant.with_timezone(&self.tz).naive_local();
        self.render_naive(local)
    }

    /// Renders local midnight of `day` (all-day events float with the zone).
    pub fn render_midnight(&self, day: NaiveDate) -> serde_json::Value {
        self.render_naive(day.and_hms_opt(0, 0, 0).expect("midnight exists"))
    }

    /// Returns the instant of local midnight of `day` in this zone. A day
    /// whose midnight is skipped by a DST change starts at the first valid
    /// instant after it.
    pub fn midnight_instant(&self, day: NaiveDate) -> DateTime<Utc> {
        let mut local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
        loop {
            if let Some(found) = self.tz.from_local_datetime(&local).earliest() {
                return found.with_timezone(&Utc);
            }
            local += chrono::Duration::minutes(30);
        }
    }

    fn render_naive(&self, local: NaiveDateTime) -> serde_json::Value {
        serde_json::json!({
            "dateTime": format_graph_date_time(local),
            "timeZone": self.name,
        })
    }
}

/// Formats a wall-clock time as Graph writes `dateTimeTimeZone.dateTime`:
/// seven fractional digits and no offset, e.g. `2026-12-04T09:00:00.0000000`.
pub fn format_graph_date_time(local: NaiveDateTime) -> String {
    let ticks = local.nanosecond() % 1_000_000_000 / 100;
    format!("{}.{ticks:07}", local.format("%Y-%m-%dT%H:%M:%S"))
}

/// Formats a UTC instant with millisecond precision and a `Z` suffix, the
/// shape of `createdDateTime` in the published check-in claim sample.
pub fn format_utc_millis(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Formats a UTC instant in whole seconds with a `Z` suffix.
pub fn format_utc_seconds(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Parses a `startDateTime`/`endDateTime` query value. A value with an
/// offset or `Z` is honoured, and a value without one is read as UTC, as
/// the calendarView reference documents.
pub fn parse_query_date_time(value: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(value) {
        return Ok(with_offset.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(naive.and_utc());
        }
    }
    let hint = if value.contains(' ') {
        " (a '+' in an offset must be sent as %2B, or it decodes to a space)"
    } else {
        ""
    };
    Err(format!(
        "the value '{value}' is not a valid ISO 8601 date and time{hint}; \
         send e.g. 2026-12-04T00:00:00+01:00 or 2026-12-04T00:00:00Z"
    ))
}

/// Resolves a zone name from the Prefer header: an IANA name, `UTC`, or one
/// of the Windows names in [`WINDOWS_ZONES`].
pub fn resolve_zone(name: &str) -> Option<Tz> {
    if let Some((_, tz)) = WINDOWS_ZONES
        .iter()
        .find(|(windows, _)| windows.eq_ignore_ascii_case(name))
    {
        return Some(*tz);
    }
    name.parse::<Tz>().ok()
}

/// Reads the zone requested with `Prefer: outlook.timezone="X"`. Returns UTC
/// when no such preference is present, and an error naming the value when
/// the zone is unknown.
pub fn response_zone(headers: &HeaderMap) -> Result<ResponseZone, String> {
    let Some(name) = preferred_zone_name(headers) else {
        return Ok(ResponseZone::default());
    };
    match resolve_zone(&name) {
        Some(tz) => Ok(ResponseZone { name, tz }),
        None => Err(format!(
            "the time zone '{name}' in the Prefer header is not supported; \
             send an IANA name such as Europe/Berlin, a Windows name such as \
             \"W. Europe Standard Time\", or UTC"
        )),
    }
}

fn preferred_zone_name(headers: &HeaderMap) -> Option<String> {
    let preferences = headers
        .get_all(http::header::HeaderName::from_static("prefer"))
        .into_iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for preference in preferences {
        let Some((key, value)) = preference.split_once('=') else {
            continue;
        };
        if key.trim().eq_ignore_ascii_case("outlook.timezone") {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_format_has_seven_digits() {
        let local = NaiveDate::from_ymd_opt(2026, 12, 4)
            .unwrap()
            .and_hms_milli_opt(9, 0, 0, 120)
            .unwrap();
        assert_eq!(format_graph_date_time(local), "2026-12-04T09:00:00.1200000");
    }

    #[test]
    fn query_value_without_offset_is_utc() {
        let parsed = parse_query_date_time("2026-12-04T08:00:00").unwrap();
        assert_eq!(parsed.to_rfc3339(), "2026-12-04T08:00:00+00:00");
    }

    #[test]
    fn query_value_offset_is_honoured() {
        let parsed = parse_query_date_time("2026-12-04T00:00:00+01:00").unwrap();
        assert_eq!(parsed.to_rfc3339(), "2026-12-03T23:00:00+00:00");
    }

    #[test]
    fn query_value_with_space_mentions_encoding() {
        let error = parse_query_date_time("2026-12-04T00:00:00 01:00").unwrap_err();
        assert!(error.contains("%2B"), "{error}");
    }

    #[test]
    fn windows_zone_names_resolve() {
        assert_eq!(
            resolve_zone("W. Europe Standard Time"),
            Some(Tz::Europe__Berlin)
        );
        assert_eq!(
            resolve_zone("Pacific Standard Time"),
            Some(Tz::America__Los_Angeles)
        );
        assert_eq!(
            resolve_zone("Eastern Standard Time"),
            Some(Tz::America__New_York)
        );
        assert_eq!(resolve_zone("Asia/Tokyo"), Some(Tz::Asia__Tokyo));
        assert_eq!(resolve_zone("Mars/Olympus"), None);
    }
}
