//! Office arrival decisions, driven through the same engine entry point as
//! network detection: the right building only, suggestions while automatic
//! check-in is off, and pausing.

use chrono::Duration;
use deskcheck_core::engine::Notice;
use deskcheck_sim::{EventSpec, Tenant};
use deskcheck_tests::{test_now, Campus, Harness};

/// Two buildings with the same display name, each with a desk booked now.
async fn namesake_buildings(automatic: bool) -> (Harness, Campus, Campus) {
    let tenant = Tenant::new();
    let paris = Campus::add_to(&tenant, "HQ", "paris");
    let lyon = Campus::add_to(&tenant, "HQ", "lyon");
    let start = test_now() + Duration::minutes(5);
    for (subject, campus) in [("Paris desk", &paris), ("Lyon desk", &lyon)] {
        tenant
            .add_event(
                EventSpec::new(subject, start, start + Duration::hours(8))
                    .at_place(subject, campus.desk.email_address.as_deref().unwrap()),
            )
            .unwrap();
    }
    let config = format!("timezone = \"Europe/Paris\"\n[automatic]\nenabled = {automatic}\n");
    let harness = Harness::start_with(tenant, test_now(), &config).await;
    harness.engine.sync().await.unwrap();
    (harness, paris, lyon)
}

#[tokio::test(start_paused = true)]
async fn shared_building_name_claims_nothing() {
    let (harness, _, _) = namesake_buildings(true).await;
    let outcomes = harness
        .engine
        .arrived_at("Paris office", "HQ")
        .await
        .unwrap();
    assert!(outcomes.is_empty(), "{outcomes:?}");
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no claim in either HQ"
    );
}

#[tokio::test(start_paused = true)]
async fn building_id_picks_one_building() {
    let (harness, paris, _) = namesake_buildings(true).await;
    let outcomes = harness
        .engine
        .arrived_at("Paris office", &paris.building.id)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 1);
    let posts = harness.tenant.check_in_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].path_id, paris.desk.place_id);
    assert_eq!(posts[0].check_in_method.as_deref(), Some("inferred"));
    assert_eq!(
        harness.view("Lyon desk").state,
        "open",
        "the other building is untouched"
    );

    // The stable placeId of the building works as well.
    let (harness, _, lyon) = namesake_buildings(true).await;
    harness
        .engine
        .arrived_at("Lyon office", &lyon.building.place_id)
        .await
        .unwrap();
    assert_eq!(
        harness.tenant.check_in_posts()[0].path_id,
        lyon.desk.place_id
    );
}

#[tokio::test(start_paused = true)]
async fn automatic_off_suggests_once() {
    let (harness, paris, _) = namesake_buildings(false).await;
    let mut notices = harness.engine.notices();
    for _ in 0..5 {
        harness
            .engine
            .arrived_at("Paris office", &paris.building.id)
            .await
            .unwrap();
    }
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no claim while automatic check-in is off"
    );
    let mut suggestions = Vec::new();
    while let Ok(notice) = notices.try_recv() {
        if let Notice::AtOffice {
            office,
            reservation,
        } = notice
        {
            suggestions.push((office, reservation.subject));
        }
    }
    assert_eq!(
        suggestions,
        vec![("Paris office".to_owned(), "Paris desk".to_owned())]
    );
}

#[tokio::test(start_paused = true)]
async fn paused_until_midnight() {
    let (harness, paris, _) = namesake_buildings(true).await;
    harness.engine.pause_automatic_today().await.unwrap();
    let paused = harness
        .engine
        .snapshot()
        .automatic
        .paused_until
        .expect("paused");
    assert_eq!(
        paused.to_rfc3339(),
        "2026-12-03T23:00:00+00:00",
        "local midnight in Paris"
    );
    harness
        .engine
        .arrived_at("Paris office", &paris.building.id)
        .await
        .unwrap();
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no claim while paused"
    );
}
