use super::*;
use chrono::TimeZone;
use deskcheck_core::engine::PlaceView;
use deskcheck_core::ids::{EventId, ICalUid};

fn view(place: &str, subject: &str) -> ReservationView {
    let start = Utc.with_ymd_and_hms(2026, 3, 10, 8, 0, 0).unwrap();
    ReservationView {
        key: ReservationKey::from_stored("uid|2026-03-10T08:00:00Z|place".into()),
        ical_uid: ICalUid::new("uid"),
        event_id: EventId::new("event"),
        subject: subject.to_owned(),
        place: PlaceView {
            name: place.to_owned(),
            id: "place".into(),
            place_id: None,
            kind: "desk".into(),
            building: None,
            building_id: None,
        },
        start,
        end: start + chrono::Duration::hours(8),
        is_all_day: false,
        state: "open".into(),
        window_opens: start - chrono::Duration::minutes(15),
        release_deadline: start + chrono::Duration::minutes(10),
        claim: None,
        pending: false,
        error: None,
        can_check_in: true,
        can_release: false,
    }
}

#[test]
fn markup_is_escaped() {
    assert_eq!(
        escape_markup("<b>Hi</b> & co"),
        "&lt;b&gt;Hi&lt;/b&gt; &amp; co"
    );
    assert_eq!(escape_markup("plain"), "plain");
}

#[test]
fn capabilities_parsed() {
    let list: Vec<String> = ["body", "actions", "body-markup"].map(String::from).into();
    let parsed = ServerCapabilities::from_list(&list);
    assert!(parsed.actions);
    assert!(parsed.body_markup);
    let bare = ServerCapabilities::from_list(&["body".to_owned()]);
    assert!(!bare.actions);
    assert!(!bare.body_markup);
}

#[test]
fn window_opened_prompt_text() {
    let message = prompt_message(
        &view("Desk 4.12", "Desk day"),
        Moment::WindowOpened,
        None,
        Tz::UTC,
    );
    assert_eq!(message.summary, "Check in to Desk 4.12?");
    assert_eq!(
        message.body,
        "Desk day, 08:00–16:00. Check-in is open until 08:10."
    );
}

#[test]
fn release_soon_prompt_names_deadline() {
    let message = prompt_message(
        &view("Desk 4.12", "Desk day"),
        Moment::ReleaseSoon,
        None,
        Tz::UTC,
    );
    assert!(message.body.starts_with("Desk 4.12 is released at 08:10"));
}

#[test]
fn hostile_subject_escaped_for_markup_servers() {
    let message = prompt_message(
        &view("R&D <lab>", "<a href='x'>click</a>"),
        Moment::WindowOpened,
        None,
        Tz::UTC,
    );
    let markup = ServerCapabilities {
        actions: true,
        body_markup: true,
    };
    let built = build(&message, &markup, &[]);
    assert!(!built.body.contains('<'));
    assert!(built
        .body
        .contains("&lt;a href=&apos;x&apos;&gt;click&lt;/a&gt;"));
    let plain = build(&message, &ServerCapabilities::default(), &[]);
    assert_eq!(plain.body, message.body);
}

#[test]
fn actions_only_when_supported() {
    let message = prompt_message(
        &view("Desk 4.12", "Desk day"),
        Moment::WindowOpened,
        None,
        Tz::UTC,
    );
    let actions = [
        (ACTION_CHECK_IN, "Check in"),
        (ACTION_SNOOZE, "Remind me in 5 minutes"),
    ];
    let with = build(
        &message,
        &ServerCapabilities {
            actions: true,
            body_markup: false,
        },
        &actions,
    );
    assert_eq!(
        with.actions,
        vec!["check_in", "Check in", "snooze", "Remind me in 5 minutes"]
    );
    let without = build(&message, &ServerCapabilities::default(), &actions);
    assert!(without.actions.is_empty());
}

#[test]
fn checked_in_confirmation_text() {
    let notice = Notice::CheckedIn {
        reservation: view("Desk 4.12", "Desk day"),
        automatic: false,
    };
    let message = info_message(&notice, Tz::UTC).expect("a confirmation");
    assert_eq!(message.summary, "Checked in to Desk 4.12");
    let automatic = Notice::CheckedIn {
        reservation: view("Desk 4.12", "Desk day"),
        automatic: true,
    };
    assert!(info_message(&automatic, Tz::UTC)
        .unwrap()
        .body
        .contains("automatically"));
}

#[test]
fn prompts_have_no_info_message() {
    let notice = Notice::WindowOpened(view("Desk 4.12", "Desk day"));
    assert_eq!(info_message(&notice, Tz::UTC), None);
}
