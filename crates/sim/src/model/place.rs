//! Places: buildings, floors, sections, desks, desk pools (workspaces) and
//! rooms, with their Graph JSON.

use serde_json::{json, Map, Value};

/// A place type, named as in `/places/microsoft.graph.{type}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PlaceKind {
    Building,
    Floor,
    Section,
    #[default]
    Desk,
    Room,
    /// A desk pool, booked through its `emailAddress`.
    Workspace,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 6] = [
        Self::Building,
        Self::Floor,
        Self::Section,
        Self::Desk,
        Self::Room,
        Self::Workspace,
    ];

    /// Returns the type name used in paths and in `@odata.type`.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Building => "building",
            Self::Floor => "floor",
            Self::Section => "section",
            Self::Desk => "desk",
            Self::Room => "room",
            Self::Workspace => "workspace",
        }
    }

    /// Parses the segment after `/places/`, e.g. `microsoft.graph.desk`.
    pub fn from_segment(segment: &str) -> Option<Self> {
        let name = segment.strip_prefix("microsoft.graph.")?;
        Self::ALL
            .into_iter()
            .find(|kind| kind.type_name().eq_ignore_ascii_case(name))
    }

    /// Tells whether places of this kind can be booked, so they need a
    /// mailbox address.
    pub fn is_bookable(self) -> bool {
        matches!(self, Self::Desk | Self::Room | Self::Workspace)
    }
}

/// Usage mode of a desk or desk pool, rendered as `mode` with its `@odata.type`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DeskMode {
    #[default]
    Reservable,
    DropIn,
    /// Assigned to one person, given by email address.
    Assigned(String),
    Unavailable,
}

impl DeskMode {
    fn to_json(&self) -> Value {
        match self {
            Self::Reservable => json!({"@odata.type": "#microsoft.graph.reservablePlaceMode"}),
            Self::DropIn => json!({"@odata.type": "#microsoft.graph.dropInPlaceMode"}),
            Self::Assigned(address) => json!({
                "@odata.type": "#microsoft.graph.assignedPlaceMode",
                "assignedUserEmailAddress": address,
            }),
            Self::Unavailable => json!({"@odata.type": "#microsoft.graph.unavailablePlaceMode"}),
        }
    }
}

/// A place to add to the tenant. Unset `id` and `place_id` are generated,
/// and they always differ from each other when generated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlaceSpec {
    pub kind: PlaceKind,
    pub id: Option<String>,
    pub place_id: Option<String>,
    pub display_name: String,
    /// The parent's `id`: a building for a floor, a floor for a section, a
    /// floor or section for desks, desk pools and rooms.
    pub parent_id: Option<String>,
    /// `emailAddress` of a room or workspace, `mailboxDetails.emailAddress`
    /// of a desk. Required for those three kinds.
    pub email_address: Option<String>,
    /// The building name shown on rooms and workspaces.
    pub building: Option<String>,
    pub floor_label: Option<String>,
    pub floor_number: Option<i32>,
    pub label: Option<String>,
    pub tags: Vec<String>,
    pub is_wheel_chair_accessible: bool,
    pub capacity: Option<u32>,
    pub desk_mode: DeskMode,
}

impl PlaceSpec {
    pub fn building(name: &str) -> Self {
        Self::child(PlaceKind::Building, name, None)
    }

    pub fn floor(name: &str, building: &PlaceIds) -> Self {
        Self::child(PlaceKind::Floor, name, Some(building))
    }

    pub fn section(name: &str, floor: &PlaceIds) -> Self {
        Self::child(PlaceKind::Section, name, Some(floor))
    }

    pub fn desk(name: &str, parent: &PlaceIds, address: &str) -> Self {
        Self::bookable(PlaceKind::Desk, name, parent, address)
    }

    pub fn room(name: &str, parent: &PlaceIds, address: &str) -> Self {
        Self::bookable(PlaceKind::Room, name, parent, address)
    }

    pub fn workspace(name: &str, parent: &PlaceIds, address: &str) -> Self {
        Self::bookable(PlaceKind::Workspace, name, parent, address)
    }

    fn child(kind: PlaceKind, name: &str, parent: Option<&PlaceIds>) -> Self {
        Self {
            kind,
            display_name: name.to_owned(),
            parent_id: parent.map(|ids| ids.id.clone()),
            ..Self::default()
        }
    }

    fn bookable(kind: PlaceKind, name: &str, parent: &PlaceIds, address: &str) -> Self {
        Self {
            email_address: Some(address.to_owned()),
            ..Self::child(kind, name, Some(parent))
        }
    }
}

/// The two identifiers of a stored place, and its booking address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaceIds {
    /// Graph `id`, which can change with mailbox or tenant configuration.
    pub id: String,
    /// Graph `placeId`, the stable identifier.
    pub place_id: String,
    pub email_address: Option<String>,
}

/// A stored place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub ids: PlaceIds,
    pub spec: PlaceSpec,
}

impl Place {
    /// Tells whether `address` books this place (compared
    /// case-insensitively, as Exchange does).
    pub fn is_booked_by(&self, address: &str) -> bool {
        self.ids
            .email_address
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(address))
    }

    /// Renders the place as Graph returns it for its type.
    pub fn to_json(&self) -> Value {
        let spec = &self.spec;
        let mut map = Map::new();
        let odata_type = format!("#microsoft.graph.{}", spec.kind.type_name());
        map.insert("@odata.type".into(), json!(odata_type));
        map.insert("id".into(), json!(self.ids.id));
        map.insert("placeId".into(), json!(self.ids.place_id));
        map.insert("displayName".into(), json!(spec.display_name));
        map.insert("parentId".into(), json!(spec.parent_id));
        map.insert("label".into(), json!(spec.label));
        map.insert("tags".into(), json!(spec.tags));
        map.insert(
            "isWheelChairAccessible".into(),
            json!(spec.is_wheel_chair_accessible),
        );
        self.insert_kind_properties(&mut map);
        Value::Object(map)
    }

    fn insert_kind_properties(&self, map: &mut Map<String, Value>) {
        let spec = &self.spec;
        match spec.kind {
            PlaceKind::Building => {
                map.insert("hasWiFi".into(), json!(true));
            }
            PlaceKind::Floor => {
                map.insert("sortOrder".into(), json!(spec.floor_number.unwrap_or(0)));
            }
            PlaceKind::Section => {}
            PlaceKind::Desk => {
                let object_id = super::guid(&format!("desk-mailbox-{}", self.ids.id));
                let mailbox = json!({
                    "emailAddress": self.ids.email_address,
                    "externalDirectoryObjectId": object_id,
                });
                map.insert("mailboxDetails".into(), mailbox);
                map.insert("mode".into(), spec.desk_mode.to_json());
            }
            PlaceKind::Room | PlaceKind::Workspace => self.insert_mailbox_place(map),
        }
    }

    fn insert_mailbox_place(&self, map: &mut Map<String, Value>) {
        let spec = &self.spec;
        map.insert("emailAddress".into(), json!(self.ids.email_address));
        map.insert("nickname".into(), json!(spec.display_name));
        map.insert("building".into(), json!(spec.building));
        map.insert("floorLabel".into(), json!(spec.floor_label));
        map.insert("floorNumber".into(), json!(spec.floor_number));
        map.insert("capacity".into(), json!(spec.capacity));
        if spec.kind == PlaceKind::Room {
            map.insert("bookingType".into(), json!("standard"));
        } else {
            map.insert("mode".into(), spec.desk_mode.to_json());
        }
    }
}
