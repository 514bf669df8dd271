//! Local calendar arithmetic at the edges: day ranges and midnights.

use chrono::{DateTime, Days, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The start of the local day containing `now`.
pub fn local_midnight(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&zone).date_naive();
    resolve(zone, date.and_time(NaiveTime::MIN))
}

/// The start of the next local day after `now`.
pub fn next_local_midnight(now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
    let date = now.with_timezone(&zone).date_naive() + Days::new(1);
    resolve(zone, date.and_time(NaiveTime::MIN))
}

/// A local time that a DST gap skips resolves to the first instant after it.
pub fn resolve(zone: Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..4 {
        if let Some(at) = zone.from_local_datetime(&probe).earliest() {
            return at.with_timezone(&Utc);
        }
        probe += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_in_dst_gap() {
        // Santiago skips from 00:00 to 01:00 on 6 September 2026.
        let zone: Tz = "America/Santiago".parse().unwrap();
        let midnight = chrono::NaiveDate::from_ymd_opt(2026, 9, 6)
            .unwrap()
            .and_time(NaiveTime::MIN);
        let resolved = resolve(zone, midnight);
        assert_eq!(
            resolved.with_timezone(&zone).format("%H:%M").to_string(),
            "01:00"
        );
    }

    #[test]
    fn midnight_in_zone() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 23, 30, 0).unwrap();
        let paris: Tz = "Europe/Paris".parse().unwrap();
        assert_eq!(
            local_midnight(now, paris),
            Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0).unwrap()
        );
        assert_eq!(
            next_local_midnight(now, paris),
            Utc.with_ymd_and_hms(2026, 12, 4, 23, 0, 0).unwrap()
        );
    }
}
