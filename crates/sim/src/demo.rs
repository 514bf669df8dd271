//! Demo data for `deskcheck --demo`: two buildings and a week of bookings
//! placed relative to the current time.
//!
//! Each building ("Contoso HQ" on floor 4, "Contoso Harbour" on floor 2)
//! has a floor, a section, desks, a desk pool (workspace) and a room. Place
//! addresses are lower case, as `desk-4.12@contoso.example`.
//!
//! | Event | Start, length | Place | Notes |
//! |---|---|---|---|
//! | Desk 4.12 | now + 5 min, 8 h | desk 4.12, HQ | window open now, mixed-case address |
//! | Weekly sync | now + 1 h, 30 min | none | "Microsoft Teams Meeting" |
//! | Design review | now + 2 h, 1 h | room 4.01, HQ | by Megan, accepted |
//! | HQ 4 desk pool | now + 4 h, 2 h | desk pool, HQ | upper-case address |
//! | Team lunch | now + 5 h, 1 h | room 4.01, HQ | by Megan, declined |
//! | Desk 2.03 | tomorrow 09:00 local, 8 h | desk 2.03, Harbour | second building |
//! | Quarterly planning | tomorrow 14:00 local, 1 h | room 2.10, Harbour | cancelled |
//! | Desk 4.14 | day + 2 to day + 6, 08:30 local, 8 h | desk 4.14, HQ | daily series |
//!
//! Bookings of a place list it both as a location and as a resource
//! attendee. The series has one iCalUId per occurrence. "Now + 2 h" and
//! later can fall on the next local day when the demo starts late in the
//! evening.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::model::{
    EmailAddress, EventSpec, LocationSpec, PlaceIds, PlaceSpec, ResponseType, SeriesSpec,
};
use crate::Tenant;

/// The places of one demo building.
struct Building {
    desks: Vec<PlaceIds>,
    pool: PlaceIds,
    room: PlaceIds,
}

/// Builds the demo tenant. `local` is the zone whose calendar days the
/// next-day bookings use.
pub fn demo_tenant(now: DateTime<Utc>, local: Tz) -> Tenant {
    let tenant = Tenant::new();
    let hq = add_building(&tenant, "Contoso HQ", "hq", 4, &["4.12", "4.14", "4.16"]);
    let harbour = add_building(&tenant, "Contoso Harbour", "harbour", 2, &["2.03", "2.05"]);
    add_today(&tenant, now, &hq);
    add_later_days(&tenant, now, local, &hq, &harbour);
    tenant
}

fn add_building(tenant: &Tenant, name: &str, prefix: &str, floor: i32, desks: &[&str]) -> Building {
    let add = |spec: PlaceSpec| tenant.add_place(spec).expect("demo places are valid");
    let building = add(PlaceSpec::building(name));
    let floor_ids = add(PlaceSpec {
        floor_number: Some(floor),
        ..PlaceSpec::floor(&format!("{name} floor {floor}"), &building)
    });
    let section = add(PlaceSpec::section(
        &format!("{name} {floor} north"),
        &floor_ids,
    ));
    let desks = desks
        .iter()
        .map(|number| {
            let address = format!("desk-{number}@contoso.example");
            add(PlaceSpec::desk(
                &format!("Desk {number}"),
                &section,
                &address,
            ))
        })
        .collect();
    let pool = add(with_building(
        PlaceSpec::workspace(
            &format!("{name} {floor} desk pool"),
            &section,
            &format!("{prefix}-{floor}-pool@contoso.example"),
        ),
        name,
        floor,
    ));
    let room_number = if floor == 4 { "4.01" } else { "2.10" };
    let room = add(with_building(
        PlaceSpec {
            capacity: Some(8),
            ..PlaceSpec::room(
                &format!("Room {room_number}"),
                &floor_ids,
                &format!("room-{room_number}@contoso.example"),
            )
        },
        name,
        floor,
    ));
    Building { desks, pool, room }
}

fn with_building(spec: PlaceSpec, building: &str, floor: i32) -> PlaceSpec {
    PlaceSpec {
        building: Some(building.to_owned()),
        floor_label: Some(floor.to_string()),
        floor_number: Some(floor),
        ..spec
    }
}

fn megan() -> EmailAddress {
    EmailAddress::new("Megan Bowen", "megan@contoso.example")
}

fn address(ids: &PlaceIds) -> String {
    ids.email_address
        .clone()
        .expect("bookable demo places have an address")
}

fn add_event(tenant: &Tenant, spec: EventSpec) {
    tenant.add_event(spec).expect("demo events are valid");
}

fn add_today(tenant: &Tenant, now: DateTime<Utc>, hq: &Building) {
    let at = |minutes: i64| now + Duration::minutes(minutes);
    let desk = address(&hq.desks[0]).replace("desk-4.12@contoso", "Desk-4.12@Contoso");
    add_event(
        tenant,
        EventSpec::new("Desk 4.12", at(5), at(5 + 8 * 60)).at_place("Desk 4.12", &desk),
    );

    let mut sync =
        EventSpec::new("Weekly sync", at(60), at(90)).organized_by(megan(), ResponseType::Accepted);
    sync.locations
        .push(LocationSpec::named("Microsoft Teams Meeting"));
    add_event(tenant, sync);

    let room = address(&hq.room);
    let review = EventSpec::new("Design review", at(120), at(180))
        .at_place("Room 4.01", &room)
        .organized_by(megan(), ResponseType::Accepted);
    add_event(tenant, review);

    let pool = address(&hq.pool).to_uppercase();
    add_event(
        tenant,
        EventSpec::new("HQ 4 desk pool", at(240), at(360))
            .at_place("Contoso HQ 4 desk pool", &pool),
    );

    let lunch = EventSpec::new("Team lunch", at(300), at(360))
        .at_place("Room 4.01", &room)
        .organized_by(megan(), ResponseType::Declined);
    add_event(tenant, lunch);
}

fn add_later_days(
    tenant: &Tenant,
    now: DateTime<Utc>,
    local: Tz,
    hq: &Building,
    harbour: &Building,
) {
    let tomorrow_nine = local_time(now, local, 1, 9, 0);
    let harbour_desk = address(&harbour.desks[0]);
    add_event(
        tenant,
        EventSpec::new(
            "Desk 2.03",
            tomorrow_nine,
            tomorrow_nine + Duration::hours(8),
        )
        .at_place("Desk 2.03", &harbour_desk),
    );

    let planning_start = local_time(now, local, 1, 14, 0);
    let mut planning = EventSpec::new(
        "Quarterly planning",
        planning_start,
        planning_start + Duration::hours(1),
    )
    .at_place("Room 2.10", &address(&harbour.room))
    .organized_by(megan(), ResponseType::Accepted);
    planning.is_cancelled = true;
    add_event(tenant, planning);

    let series_start = local_time(now, local, 2, 8, 30);
    let template = EventSpec::new("Desk 4.14", series_start, series_start + Duration::hours(8))
        .at_place("Desk 4.14", &address(&hq.desks[1]));
    tenant
        .add_series(SeriesSpec::daily(template, 5))
        .expect("demo series is valid");
}

/// Returns `hour:minute` local time, `days` after today in `local`.
fn local_time(now: DateTime<Utc>, local: Tz, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let day = now.with_timezone(&local).date_naive() + Duration::days(days);
    let time = NaiveTime::from_hms_opt(hour, minute, 0).expect("valid demo time");
    local
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .unwrap_or_else(|| {
            Utc.from_utc_datetime(&day.and_time(time))
                .with_timezone(&local)
        })
        .with_timezone(&Utc)
}
