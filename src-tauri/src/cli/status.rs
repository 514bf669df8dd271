//! The human-readable `deskcheck status` table.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use deskcheck_core::engine::{ReservationView, Snapshot};
use std::fmt::Write;

pub fn render(snapshot: &Snapshot, now: DateTime<Utc>) -> String {
    let zone: Tz = snapshot.timezone.parse().unwrap_or(chrono_tz::UTC);
    let mut out = String::new();
    if !snapshot.account.signed_in {
        let message = snapshot
            .account
            .message
            .as_deref()
            .unwrap_or("not signed in");
        let _ = writeln!(out, "Not signed in: {message}");
    }
    if let Some(error) = &snapshot.sync_error {
        let _ = writeln!(out, "Last sync failed: {error}");
    }
    if snapshot.places_known == 0 && snapshot.last_sync.is_some() {
        let _ = writeln!(
            out,
            "This tenant lists no desks, rooms or desk pools in Microsoft Places, so no booking \
             can be recognised. An admin must set up buildings in Places."
        );
        return out;
    }
    if snapshot.reservations.is_empty() && snapshot.last_sync.is_some() {
        let _ = writeln!(out, "No desk or room reservations in the next 7 days.");
    }
    for view in &snapshot.reservations {
        let _ = writeln!(out, "{}", line(view, zone, now));
    }
    if let Some(at) = snapshot.last_sync {
        let _ = writeln!(
            out,
            "Synced {} ({}).",
            at.with_timezone(&zone).format("%H:%M:%S"),
            zone.name()
        );
    }
    out
}

fn line(view: &ReservationView, zone: Tz, now: DateTime<Utc>) -> String {
    let start = view.start.with_timezone(&zone);
    let end = view.end.with_timezone(&zone);
    let day = if start.date_naive() == now.with_timezone(&zone).date_naive() {
        "today".to_owned()
    } else {
        start.format("%a %d %b").to_string()
    };
    let time = if view.is_all_day {
        "all day".to_owned()
    } else {
        format!("{}–{}", start.format("%H:%M"), end.format("%H:%M"))
    };
    let state = match (&view.claim, view.state.as_str()) {
        (Some(claim), _) => format!("checked in ({})", claim.method),
        (None, "open") => format!(
            "open until {}",
            view.release_deadline.with_timezone(&zone).format("%H:%M")
        ),
        (None, "upcoming") => format!(
            "opens {}",
            view.window_opens.with_timezone(&zone).format("%H:%M")
        ),
        (None, other) => other.replace('_', " "),
    };
    let building = view.place.building.as_deref().unwrap_or("no building");
    let mut text = format!(
        "{day:>10} {time:<13} {:<22} {:<18} {state}",
        view.place.name, building
    );
    if view.pending {
        text.push_str(" · sending…");
    }
    if let Some(error) = &view.error {
        let _ = write!(text, " · failed: {error}");
    }
    text
}
