//! The tray menu as data: [`menu_model`] is a pure function of a snapshot,
//! the time and the local zone, so it is unit-tested without a desktop.
//! [`crate::app::tray`] turns the entries into a Tauri menu.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use deskcheck_core::engine::{ReservationView, Snapshot};
use deskcheck_core::model::{CheckInMethod, ReservationKey};

/// Maximum length of a place or subject in a menu label, in characters. Panels
/// cut long items off anyway, and a hostile name should not fill the screen.
const MAX_NAME_CHARS: usize = 40;

/// Action of a menu item when clicked. The item id is [`MenuAction::id`],
/// so a click on a menu built from an older snapshot still names its
/// reservation rather than a position in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MenuAction {
    CheckIn(ReservationKey),
    /// Opens the window on the release confirmation for this reservation.
    ConfirmRelease(ReservationKey),
    PauseToday,
    ResumeAutomatic,
    SimulateArrival,
    SyncNow,
    Open,
    SignIn,
    SignOut,
    Quit,
}

impl MenuAction {
    pub fn id(&self) -> String {
        match self {
            MenuAction::CheckIn(key) => format!("check_in:{key}"),
            MenuAction::ConfirmRelease(key) => format!("release:{key}"),
            MenuAction::PauseToday => "pause_today".into(),
            MenuAction::ResumeAutomatic => "resume_automatic".into(),
            MenuAction::SimulateArrival => "simulate_arrival".into(),
            MenuAction::SyncNow => "sync_now".into(),
            MenuAction::Open => "open".into(),
            MenuAction::SignIn => "sign_in".into(),
            MenuAction::SignOut => "sign_out".into(),
            MenuAction::Quit => "quit".into(),
        }
    }

    /// Parses an item id made by [`MenuAction::id`]; `None` for ids of
    /// informational items.
    pub fn parse(id: &str) -> Option<Self> {
        if let Some((verb, key)) = id.split_once(':') {
            let key = ReservationKey::from_stored(key.to_owned());
            return match verb {
                "check_in" => Some(MenuAction::CheckIn(key)),
                "release" => Some(MenuAction::ConfirmRelease(key)),
                _ => None,
            };
        }
        let action = match id {
            "pause_today" => MenuAction::PauseToday,
            "resume_automatic" => MenuAction::ResumeAutomatic,
            "simulate_arrival" => MenuAction::SimulateArrival,
            "sync_now" => MenuAction::SyncNow,
            "open" => MenuAction::Open,
            "sign_in" => MenuAction::SignIn,
            "sign_out" => MenuAction::SignOut,
            "quit" => MenuAction::Quit,
            _ => return None,
        };
        Some(action)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MenuEntry {
    /// A line of text that cannot be clicked.
    Info(String),
    Action {
        action: MenuAction,
        label: String,
    },
    Separator,
}

impl MenuEntry {
    fn action(action: MenuAction, label: impl Into<String>) -> Self {
        MenuEntry::Action {
            action,
            label: label.into(),
        }
    }
}

/// Builds the tray menu for `snapshot` at `now`, with times in `tz`.
pub fn menu_model(snapshot: &Snapshot, now: DateTime<Utc>, tz: Tz, demo: bool) -> Vec<MenuEntry> {
    let today = todays_reservations(snapshot, now, tz);
    let mut entries = status_entries(snapshot, &today, tz, demo);
    entries.push(MenuEntry::Separator);

    let actions = reservation_actions(&today, tz);
    if !actions.is_empty() {
        entries.extend(actions);
        entries.push(MenuEntry::Separator);
    }

    entries.extend(automatic_entries(snapshot, tz));
    if demo {
        entries.push(MenuEntry::action(
            MenuAction::SimulateArrival,
            "Simulate arriving at the office",
        ));
    }
    entries.push(MenuEntry::action(MenuAction::SyncNow, "Sync now"));
    entries.push(MenuEntry::Separator);
    entries.push(MenuEntry::action(MenuAction::Open, "Open deskcheck"));
    entries.push(account_entry(snapshot));
    entries.push(MenuEntry::action(MenuAction::Quit, "Quit"));
    entries
}

/// Reservations that overlap the local day of `now`, in start order.
pub fn todays_reservations(
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<&ReservationView> {
    let day_start = deskcheck_core::time::local_midnight(now, tz);
    let day_end = deskcheck_core::time::next_local_midnight(now, tz);
    let mut today: Vec<&ReservationView> = snapshot
        .reservations
        .iter()
        .filter(|view| view.start < day_end && view.end > day_start)
        .collect();
    today.sort_by_key(|view| view.start);
    today
}

fn status_entries(
    snapshot: &Snapshot,
    today: &[&ReservationView],
    tz: Tz,
    demo: bool,
) -> Vec<MenuEntry> {
    let mut entries = Vec::new();
    if demo {
        entries.push(MenuEntry::Info("Demo tenant (simulated)".into()));
    }
    if !snapshot.account.signed_in {
        let message = snapshot
            .account
            .message
            .as_deref()
            .unwrap_or("sign in to see your bookings");
        entries.push(MenuEntry::Info(format!(
            "Signed out: {}",
            shorten(message, 60)
        )));
    }
    if let Some(error) = &snapshot.sync_error {
        entries.push(MenuEntry::Info(format!(
            "⚠ Sync failed: {}",
            shorten(error, 60)
        )));
    }
    if today.is_empty() {
        let text = if snapshot.places_known == 0 && snapshot.last_sync.is_some() {
            "This tenant lists no places"
        } else {
            "Nothing booked today"
        };
        entries.push(MenuEntry::Info(text.into()));
    }
    entries.extend(
        today
            .iter()
            .map(|view| MenuEntry::Info(reservation_label(view, tz))),
    );
    entries
}

/// Formats one reservation as a menu line: "Desk 4.12 · 09:00–17:00 ✓ checked in".
pub fn reservation_label(view: &ReservationView, tz: Tz) -> String {
    format!(
        "{} · {} {}",
        shorten(&view.place.name, MAX_NAME_CHARS),
        time_range(view, tz),
        state_text(view, tz)
    )
}

fn state_text(view: &ReservationView, tz: Tz) -> String {
    if let Some(claim) = &view.claim {
        return match claim.method {
            CheckInMethod::Inferred => "✓ checked in automatically".into(),
            _ => "✓ checked in".into(),
        };
    }
    if view.pending {
        return "… checking in".into();
    }
    if view.error.is_some() {
        return "⚠ check-in failed".into();
    }
    match view.state.as_str() {
        "open" => format!(
            "check-in open until {}",
            local_time(view.release_deadline, tz)
        ),
        "upcoming" => format!("check-in from {}", local_time(view.window_opens, tz)),
        "missed" => "missed".into(),
        "ended" => "ended".into(),
        other => other.to_owned(),
    }
}

fn reservation_actions(today: &[&ReservationView], tz: Tz) -> Vec<MenuEntry> {
    let check_ins = today.iter().filter(|view| view.can_check_in).map(|view| {
        let label = format!(
            "Check in to {} ({})",
            shorten(&view.place.name, MAX_NAME_CHARS),
            time_range(view, tz)
        );
        MenuEntry::action(MenuAction::CheckIn(view.key.clone()), label)
    });
    let releases = today.iter().filter(|view| view.can_release).map(|view| {
        let label = format!("Release {}…", shorten(&view.place.name, MAX_NAME_CHARS));
        MenuEntry::action(MenuAction::ConfirmRelease(view.key.clone()), label)
    });
    check_ins.chain(releases).collect()
}

fn automatic_entries(snapshot: &Snapshot, tz: Tz) -> Vec<MenuEntry> {
    let automatic = &snapshot.automatic;
    match (automatic.enabled, automatic.paused_until) {
        (Some(true), None) => vec![MenuEntry::action(
            MenuAction::PauseToday,
            "Pause automatic check-in for today",
        )],
        (Some(true), Some(until)) => vec![
            MenuEntry::Info(format!(
                "Automatic check-in paused until {}",
                local_time(until, tz)
            )),
            MenuEntry::action(MenuAction::ResumeAutomatic, "Resume automatic check-in"),
        ],
        _ => vec![MenuEntry::Info("Automatic check-in is off".into())],
    }
}

fn account_entry(snapshot: &Snapshot) -> MenuEntry {
    if snapshot.account.signed_in {
        MenuEntry::action(MenuAction::SignOut, "Sign out")
    } else {
        MenuEntry::action(MenuAction::SignIn, "Sign in")
    }
}

/// "09:00–17:00" in `tz`, or "all day".
pub fn time_range(view: &ReservationView, tz: Tz) -> String {
    if view.is_all_day {
        return "all day".into();
    }
    format!(
        "{}–{}",
        local_time(view.start, tz),
        local_time(view.end, tz)
    )
}

pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

/// Escapes `&`, which menu backends read as the mnemonic marker (muda
/// turns "&x" into an underlined x), so a place named "R&D" shows as is.
pub fn escape_mnemonic(label: &str) -> String {
    label.replace('&', "&&")
}

/// Cuts `text` to `max` characters, marking the cut with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    let single_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if single_line.chars().count() <= max {
        return single_line;
    }
    let mut cut: String = single_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
