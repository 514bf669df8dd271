use super::*;
use chrono::TimeZone;
use deskcheck_core::engine::{AccountView, AutomaticView, ClaimView, PlaceView};
use deskcheck_core::ids::{EventId, ICalUid};

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, hour, minute, 0).unwrap()
}

fn paris() -> Tz {
    "Europe/Paris".parse().unwrap()
}

fn view(name: &str, start: DateTime<Utc>, hours: i64, state: &str) -> ReservationView {
    let key =
        ReservationKey::from_stored(format!("uid-{name}|{}|place-{name}", start.to_rfc3339()));
    ReservationView {
        key,
        ical_uid: ICalUid::new(format!("uid-{name}")),
        event_id: EventId::new(format!("event-{name}")),
        subject: format!("Booking {name}"),
        place: PlaceView {
            name: name.to_owned(),
            id: format!("place-{name}"),
            place_id: None,
            kind: "desk".into(),
            building: Some("Contoso HQ".into()),
            building_id: None,
        },
        start,
        end: start + chrono::Duration::hours(hours),
        is_all_day: false,
        state: state.to_owned(),
        window_opens: start - chrono::Duration::minutes(15),
        release_deadline: start + chrono::Duration::minutes(10),
        claim: None,
        pending: false,
        error: None,
        can_check_in: state == "open",
        can_release: false,
    }
}

fn snapshot(reservations: Vec<ReservationView>) -> Snapshot {
    Snapshot {
        generated_at: at(8, 0),
        timezone: "Europe/Paris".into(),
        account: AccountView {
            signed_in: true,
            demo: false,
            message: None,
        },
        reservations,
        last_sync: Some(at(7, 59)),
        sync_error: None,
        places_known: 12,
        automatic: AutomaticView {
            enabled: Some(true),
            paused_until: None,
        },
    }
}

fn labels(entries: &[MenuEntry]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            MenuEntry::Info(text) => Some(text.clone()),
            MenuEntry::Action { label, .. } => Some(label.clone()),
            MenuEntry::Separator => None,
        })
        .collect()
}

fn actions(entries: &[MenuEntry]) -> Vec<MenuAction> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            MenuEntry::Action { action, .. } => Some(action.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn open_reservation_gets_check_in_item() {
    let desk = view("Desk 4.12", at(8, 0), 8, "open");
    let key = desk.key.clone();
    let entries = menu_model(&snapshot(vec![desk]), at(7, 50), paris(), false);
    let labels = labels(&entries);
    assert!(labels.contains(&"Desk 4.12 · 09:00–17:00 check-in open until 09:10".to_owned()));
    assert!(labels.contains(&"Check in to Desk 4.12 (09:00–17:00)".to_owned()));
    assert!(actions(&entries).contains(&MenuAction::CheckIn(key)));
}

#[test]
fn claimed_reservation_shows_mark_and_no_item() {
    let mut desk = view("Desk 4.12", at(8, 0), 8, "checked_in");
    desk.claim = Some(ClaimView {
        method: CheckInMethod::Manual,
        at: Some(at(7, 55)),
    });
    let entries = menu_model(&snapshot(vec![desk]), at(8, 0), paris(), false);
    let labels = labels(&entries);
    assert!(labels.contains(&"Desk 4.12 · 09:00–17:00 ✓ checked in".to_owned()));
    assert!(!labels.iter().any(|label| label.starts_with("Check in to")));
}

#[test]
fn inferred_claim_says_automatically() {
    let mut desk = view("Desk 4.12", at(8, 0), 8, "checked_in");
    desk.claim = Some(ClaimView {
        method: CheckInMethod::Inferred,
        at: None,
    });
    let entries = menu_model(&snapshot(vec![desk]), at(8, 0), paris(), false);
    assert!(
        labels(&entries).contains(&"Desk 4.12 · 09:00–17:00 ✓ checked in automatically".to_owned())
    );
}

#[test]
fn upcoming_shows_window_time() {
    let room = view("Room 4.01", at(12, 0), 1, "upcoming");
    let entries = menu_model(&snapshot(vec![room]), at(8, 0), paris(), false);
    assert!(labels(&entries).contains(&"Room 4.01 · 13:00–14:00 check-in from 12:45".to_owned()));
}

#[test]
fn other_days_are_left_out() {
    let tomorrow = view(
        "Desk 2.03",
        at(8, 0) + chrono::Duration::days(1),
        8,
        "upcoming",
    );
    let entries = menu_model(&snapshot(vec![tomorrow]), at(8, 0), paris(), false);
    let labels = labels(&entries);
    assert!(labels.contains(&"Nothing booked today".to_owned()));
    assert!(!labels.iter().any(|label| label.contains("Desk 2.03")));
}

#[test]
fn local_day_decides_today() {
    // 23:30 UTC on the 9th is 00:30 on the 10th in Paris.
    let late = view(
        "Desk 4.12",
        Utc.with_ymd_and_hms(2026, 3, 9, 23, 30, 0).unwrap(),
        1,
        "upcoming",
    );
    let entries = menu_model(&snapshot(vec![late]), at(8, 0), paris(), false);
    assert!(labels(&entries)
        .iter()
        .any(|label| label.starts_with("Desk 4.12 · 00:30–01:30")));
}

#[test]
fn no_places_is_not_no_reservations() {
    let mut empty = snapshot(Vec::new());
    empty.places_known = 0;
    let entries = menu_model(&empty, at(8, 0), paris(), false);
    let labels = labels(&entries);
    assert!(labels.contains(&"This tenant lists no places".to_owned()));
    assert!(!labels.contains(&"Nothing booked today".to_owned()));
}

#[test]
fn signed_out_offers_sign_in() {
    let mut signed_out = snapshot(Vec::new());
    signed_out.account = AccountView {
        signed_in: false,
        demo: false,
        message: Some("the refresh token expired".into()),
    };
    let entries = menu_model(&signed_out, at(8, 0), paris(), false);
    assert!(labels(&entries).contains(&"Signed out: the refresh token expired".to_owned()));
    let actions = actions(&entries);
    assert!(actions.contains(&MenuAction::SignIn));
    assert!(!actions.contains(&MenuAction::SignOut));
}

#[test]
fn sync_error_is_shown() {
    let mut failed = snapshot(Vec::new());
    failed.sync_error = Some("could not reach Graph".into());
    let entries = menu_model(&failed, at(8, 0), paris(), false);
    assert!(labels(&entries).contains(&"⚠ Sync failed: could not reach Graph".to_owned()));
}

#[test]
fn demo_adds_simulate_arrival() {
    let demo = menu_model(&snapshot(Vec::new()), at(8, 0), paris(), true);
    let real = menu_model(&snapshot(Vec::new()), at(8, 0), paris(), false);
    assert!(actions(&demo).contains(&MenuAction::SimulateArrival));
    assert!(!actions(&real).contains(&MenuAction::SimulateArrival));
}

#[test]
fn fixed_items_are_always_there() {
    let entries = menu_model(&snapshot(Vec::new()), at(8, 0), paris(), false);
    let actions = actions(&entries);
    for expected in [
        MenuAction::PauseToday,
        MenuAction::SyncNow,
        MenuAction::Open,
        MenuAction::SignOut,
        MenuAction::Quit,
    ] {
        assert!(actions.contains(&expected), "missing {expected:?}");
    }
    assert_eq!(actions.last(), Some(&MenuAction::Quit));
}

#[test]
fn paused_automatic_offers_resume() {
    let mut paused = snapshot(Vec::new());
    paused.automatic.paused_until = Some(at(23, 0));
    let entries = menu_model(&paused, at(8, 0), paris(), false);
    assert!(labels(&entries).contains(&"Automatic check-in paused until 00:00".to_owned()));
    assert!(actions(&entries).contains(&MenuAction::ResumeAutomatic));
    assert!(!actions(&entries).contains(&MenuAction::PauseToday));
}

#[test]
fn automatic_off_has_no_pause() {
    let mut off = snapshot(Vec::new());
    off.automatic.enabled = Some(false);
    let entries = menu_model(&off, at(8, 0), paris(), false);
    assert!(!actions(&entries).contains(&MenuAction::PauseToday));
    assert!(labels(&entries).contains(&"Automatic check-in is off".to_owned()));
}

#[test]
fn release_item_only_when_allowed() {
    let mut mine = view("Room 4.01", at(12, 0), 1, "upcoming");
    mine.can_release = true;
    let other = view("Desk 4.12", at(8, 0), 8, "open");
    let mine_key = mine.key.clone();
    let entries = menu_model(&snapshot(vec![mine, other]), at(8, 0), paris(), false);
    let releases: Vec<MenuAction> = actions(&entries)
        .into_iter()
        .filter(|action| matches!(action, MenuAction::ConfirmRelease(_)))
        .collect();
    assert_eq!(releases, vec![MenuAction::ConfirmRelease(mine_key)]);
    assert!(labels(&entries).contains(&"Release Room 4.01…".to_owned()));
}

#[test]
fn pending_and_failed_states() {
    let mut pending = view("Desk 1", at(8, 0), 8, "open");
    pending.pending = true;
    pending.can_check_in = false;
    let mut failed = view("Desk 2", at(8, 0), 8, "open");
    failed.error = Some("403 Forbidden (accessDenied)".into());
    let entries = menu_model(&snapshot(vec![pending, failed]), at(8, 0), paris(), false);
    let labels = labels(&entries);
    assert!(labels.contains(&"Desk 1 · 09:00–17:00 … checking in".to_owned()));
    assert!(labels.contains(&"Desk 2 · 09:00–17:00 ⚠ check-in failed".to_owned()));
}

#[test]
fn all_day_booking_label() {
    let mut all_day = view("Desk 4.12", at(8, 0), 8, "upcoming");
    all_day.is_all_day = true;
    let entries = menu_model(&snapshot(vec![all_day]), at(8, 0), paris(), false);
    assert!(labels(&entries)
        .iter()
        .any(|label| label.starts_with("Desk 4.12 · all day")));
}

#[test]
fn reservations_sorted_by_start() {
    let late = view("Late", at(14, 0), 1, "upcoming");
    let early = view("Early", at(6, 0), 1, "upcoming");
    let entries = menu_model(&snapshot(vec![late, early]), at(5, 0), paris(), false);
    let labels = labels(&entries);
    let early_at = labels.iter().position(|l| l.starts_with("Early")).unwrap();
    let late_at = labels.iter().position(|l| l.starts_with("Late")).unwrap();
    assert!(early_at < late_at);
}

#[test]
fn action_ids_round_trip() {
    let key = ReservationKey::from_stored("uid:with:colons|2026-03-10T08:00:00Z|place".into());
    let all = [
        MenuAction::CheckIn(key.clone()),
        MenuAction::ConfirmRelease(key),
        MenuAction::PauseToday,
        MenuAction::ResumeAutomatic,
        MenuAction::SimulateArrival,
        MenuAction::SyncNow,
        MenuAction::Open,
        MenuAction::SignIn,
        MenuAction::SignOut,
        MenuAction::Quit,
    ];
    for action in all {
        assert_eq!(
            MenuAction::parse(&action.id()),
            Some(action.clone()),
            "id {}",
            action.id()
        );
    }
    assert_eq!(MenuAction::parse("info:3"), None);
    assert_eq!(MenuAction::parse("unknown"), None);
}

#[test]
fn hostile_names_are_cut_and_flattened() {
    let long = "A".repeat(100);
    let mut desk = view(&long, at(8, 0), 8, "open");
    desk.place.name = format!("{long}\nsecond line");
    let label = reservation_label(&desk, paris());
    assert!(!label.contains('\n'));
    assert!(label.starts_with(&format!("{}…", "A".repeat(MAX_NAME_CHARS - 1))));
}

#[test]
fn mnemonic_marker_is_escaped() {
    assert_eq!(escape_mnemonic("R&D lab"), "R&&D lab");
    assert_eq!(escape_mnemonic("Desk_4"), "Desk_4");
}
