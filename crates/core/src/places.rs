//! The tenant's place directory: lookup by booking address and resolution
//! of a place's building through `parentId`.

use crate::ids::PlaceObjectId;
use crate::model::{BuildingRef, Place, PlaceKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PlaceDirectory {
    places: Vec<Place>,
    pub fetched_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    index: Option<Index>,
}

#[derive(Clone, Debug, Default)]
struct Index {
    by_id: HashMap<PlaceObjectId, usize>,
    by_address: HashMap<String, usize>,
}

impl PlaceDirectory {
    pub fn new(places: Vec<Place>, fetched_at: DateTime<Utc>) -> Self {
        let mut directory = Self {
            places,
            fetched_at: Some(fetched_at),
            index: None,
        };
        directory.build_index();
        directory
    }

    /// Rebuilds the lookup tables, needed after deserializing.
    pub fn build_index(&mut self) {
        let mut index = Index::default();
        for (position, place) in self.places.iter().enumerate() {
            index.by_id.insert(place.id.clone(), position);
            if let (true, Some(address)) = (place.kind.is_bookable(), &place.email) {
                index.by_address.insert(address.to_lowercase(), position);
            }
        }
        self.index = Some(index);
    }

    fn index(&self) -> &Index {
        self.index
            .as_ref()
            .expect("build_index runs on every construction")
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn bookable_count(&self) -> usize {
        self.index().by_address.len()
    }

    /// Finds the desk, room or desk pool booked through `address`, ignoring
    /// case: Exchange addresses are case-insensitive and events often carry
    /// another casing than the directory.
    pub fn by_address(&self, address: &str) -> Option<&Place> {
        self.index()
            .by_address
            .get(&address.trim().to_lowercase())
            .map(|&position| &self.places[position])
    }

    pub fn by_id(&self, id: &PlaceObjectId) -> Option<&Place> {
        self.index()
            .by_id
            .get(id)
            .map(|&position| &self.places[position])
    }

    /// Walks `parentId` up to a building. A cycle or a missing parent ends
    /// the walk without one.
    pub fn building_of(&self, place: &Place) -> Option<BuildingRef> {
        let mut current = place;
        for _ in 0..16 {
            if current.kind == PlaceKind::Building {
                return Some(BuildingRef {
                    id: current.id.clone(),
                    place_id: current.place_id.clone(),
                    name: current.display_name.clone(),
                });
            }
            current = self.by_id(current.parent_id.as_ref()?)?;
        }
        None
    }
}
