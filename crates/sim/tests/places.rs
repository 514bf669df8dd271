//! Places lists over HTTP: JSON shapes, paging, the omitted-nextLink
//! quirk and `$select`.

mod common;

use common::{assert_graph_error, client, fixture_tenant, options_without_auth, serve};
use deskcheck_sim::{PlaceSpec, Tenant, TenantOptions};
use serde_json::Value;

async fn get_json(url: &str) -> Value {
    let response = client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

fn names(body: &Value) -> Vec<String> {
    body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|place| place["displayName"].as_str().unwrap().to_owned())
        .collect()
}

/// Builds a tenant with 25 desks on one floor.
fn many_desks(options: TenantOptions) -> Tenant {
    let tenant = Tenant::with_options(options);
    let building = tenant.add_place(PlaceSpec::building("Contoso HQ")).unwrap();
    let floor = tenant
        .add_place(PlaceSpec::floor("Floor 1", &building))
        .unwrap();
    for number in 0..25 {
        let address = format!("desk-1.{number:02}@contoso.example");
        tenant
            .add_place(PlaceSpec::desk(
                &format!("Desk 1.{number:02}"),
                &floor,
                &address,
            ))
            .unwrap();
    }
    tenant
}

#[tokio::test]
async fn desk_json_has_mailbox_and_mode() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let body = get_json(&format!(
        "{}/places/microsoft.graph.desk",
        server.graph_url()
    ))
    .await;
    let desk = &body["value"][0];
    assert_eq!(desk["@odata.type"], "#microsoft.graph.desk");
    assert_eq!(desk["id"], fixture.desk.id.as_str());
    assert_eq!(desk["placeId"], fixture.desk.place_id.as_str());
    assert_eq!(desk["parentId"], fixture.floor.id.as_str());
    assert_eq!(desk["displayName"], "Desk 4.12");
    assert_eq!(
        desk["mailboxDetails"]["emailAddress"],
        "desk-4.12@contoso.example"
    );
    assert!(desk["mailboxDetails"]["externalDirectoryObjectId"].is_string());
    assert_eq!(
        desk["mode"]["@odata.type"],
        "#microsoft.graph.reservablePlaceMode"
    );
    assert_eq!(desk["isWheelChairAccessible"], false);
    assert!(body.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn room_and_workspace_have_email_address() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let rooms = get_json(&format!("{url}/places/microsoft.graph.room")).await;
    let room = &rooms["value"][0];
    assert_eq!(room["@odata.type"], "#microsoft.graph.room");
    assert_eq!(room["emailAddress"], "room-4.01@contoso.example");
    assert_ne!(room["id"], room["placeId"]);

    let pools = get_json(&format!("{url}/places/microsoft.graph.workspace")).await;
    assert_eq!(pools["value"][0]["emailAddress"], "pool-4@contoso.example");

    let buildings = get_json(&format!("{url}/places/microsoft.graph.building")).await;
    assert_eq!(names(&buildings), ["Contoso HQ"]);
    assert!(buildings["value"][0]["parentId"].is_null());

    let floors = get_json(&format!("{url}/places/microsoft.graph.floor")).await;
    assert_eq!(floors["value"][0]["parentId"], fixture.building.id.as_str());

    let sections = get_json(&format!("{url}/places/microsoft.graph.section")).await;
    assert!(sections["value"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn top_pages_with_next_link() {
    let tenant = many_desks(options_without_auth());
    let server = serve(&tenant).await;
    let first = get_json(&format!(
        "{}/places/microsoft.graph.desk?$top=10",
        server.graph_url()
    ))
    .await;
    assert_eq!(names(&first).len(), 10);

    let mut all = names(&first);
    let mut link = first["@odata.nextLink"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&server.graph_url()), "{link}");
    loop {
        let page = get_json(&link).await;
        all.extend(names(&page));
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_owned(),
            None => break,
        }
    }
    let expected: Vec<String> = (0..25).map(|n| format!("Desk 1.{n:02}")).collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn quirk_omits_next_link_with_top() {
    let tenant = many_desks(TenantOptions {
        omit_places_next_link_with_top: true,
        ..options_without_auth()
    });
    let server = serve(&tenant).await;
    let url = server.graph_url();

    let first = get_json(&format!("{url}/places/microsoft.graph.desk?$top=10")).await;
    assert_eq!(names(&first).len(), 10);
    assert!(first.get("@odata.nextLink").is_none());

    let third = get_json(&format!(
        "{url}/places/microsoft.graph.desk?$top=10&$skip=20"
    ))
    .await;
    assert_eq!(
        names(&third),
        [
            "Desk 1.20",
            "Desk 1.21",
            "Desk 1.22",
            "Desk 1.23",
            "Desk 1.24"
        ]
    );

    let beyond = get_json(&format!(
        "{url}/places/microsoft.graph.desk?$top=10&$skip=30"
    ))
    .await;
    assert!(names(&beyond).is_empty());
}

#[tokio::test]
async fn default_page_size_applies_without_top() {
    let tenant = many_desks(TenantOptions {
        places_page_size: 20,
        omit_places_next_link_with_top: true,
        ..options_without_auth()
    });
    let server = serve(&tenant).await;
    let first = get_json(&format!(
        "{}/places/microsoft.graph.desk",
        server.graph_url()
    ))
    .await;
    assert_eq!(names(&first).len(), 20);
    let link = first["@odata.nextLink"]
        .as_str()
        .expect("no $top, so the link stays");
    assert!(link.contains("skip=20"), "{link}");
}

#[tokio::test]
async fn select_keeps_id_and_type() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let body = get_json(&format!(
        "{}/places/microsoft.graph.desk?$select=displayName,mailboxDetails",
        server.graph_url()
    ))
    .await;
    let desk = body["value"][0].as_object().unwrap();
    let mut keys: Vec<&str> = desk.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["@odata.type", "displayName", "id", "mailboxDetails"]);
}

#[tokio::test]
async fn bad_type_and_paging_are_rejected() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    let url = server.graph_url();

    let unknown_type = client()
        .get(format!("{url}/places/microsoft.graph.chair"))
        .send()
        .await
        .unwrap();
    assert_graph_error(unknown_type, 400, "BadRequest").await;

    let bad_top = client()
        .get(format!("{url}/places/microsoft.graph.desk?$top=ten"))
        .send()
        .await
        .unwrap();
    assert_graph_error(bad_top, 400, "ErrorInvalidParameter").await;

    let unknown_id = client()
        .get(format!("{url}/places/no-such-place"))
        .send()
        .await
        .unwrap();
    assert_graph_error(unknown_id, 404, "ErrorItemNotFound").await;
}

#[tokio::test]
async fn single_place_by_either_id() {
    let fixture = fixture_tenant(options_without_auth());
    let server = serve(&fixture.tenant).await;
    for id in [&fixture.room.id, &fixture.room.place_id] {
        let room = get_json(&format!("{}/places/{id}", server.graph_url())).await;
        assert_eq!(room["displayName"], "Room 4.01");
    }
}

#[tokio::test]
async fn server_stops_on_shutdown_and_drop() {
    let tenant = Tenant::with_options(options_without_auth());
    let server = serve(&tenant).await;
    let url = desks_url_of(&server);
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    server.shutdown().await.unwrap();
    let error = reqwest::Client::new().get(&url).send().await.unwrap_err();
    assert!(error.is_connect(), "{error}");

    let dropped = serve(&tenant).await;
    let url = desks_url_of(&dropped);
    drop(dropped);
    tokio::task::yield_now().await;
    let error = reqwest::Client::new().get(&url).send().await.unwrap_err();
    assert!(error.is_connect(), "{error}");
}

fn desks_url_of(server: &deskcheck_sim::RunningTenant) -> String {
    format!("{}/places/microsoft.graph.desk", server.graph_url())
}
