//! Acting on office network matches: inferred claims, armed claims and
//! suggestions, each recorded in the why-log with its reason.
//!
//! A match for an office sets the engine's current office. Reservations in
//! that office's building whose window is open are claimed at once (an
//! `inferred` claim); those whose window has not opened are armed, and the
//! run loop claims them when it opens if the office still matches. While
//! automatic check-in is off or paused, the person gets one suggestion per
//! reservation instead.

use super::{CheckInOutcome, Engine, Notice, ReservationView};
use crate::error::Result;
use crate::model::{CheckInMethod, PlaceKind};
use deskcheck_net::{Evaluation, OfficeMatch};
use serde::Serialize;
use tracing::{debug, info, warn};

/// The engine's decision for one reservation on an office match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub subject: String,
    pub place: String,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    Claimed,
    /// The claim is sent when the window opens, if the office still matches.
    Armed {
        window_opens: chrono::DateTime<chrono::Utc>,
    },
    Suggested,
    AlreadyClaimed,
    Pending {
        error: String,
    },
    OtherBuilding {
        building: Option<String>,
    },
    NotClaimable {
        state: String,
    },
    Failed {
        error: String,
    },
}

impl Engine {
    /// Records a network evaluation, updates the current office and acts on
    /// a match. Returns what was done per reservation.
    pub async fn network_evaluated(&self, evaluation: &Evaluation) -> Result<Vec<Decision>> {
        let previous = std::mem::replace(&mut self.lock_state().office, evaluation.matched.clone());
        if previous != evaluation.matched {
            match &evaluation.matched {
                Some(found) => {
                    info!(office = %found.office, building = %found.building, reason = %evaluation, "office network matched")
                }
                None => info!(reason = %evaluation, "no office network"),
            }
        }
        let decisions = match &evaluation.matched {
            Some(found) => self.decide(found).await?,
            None => Vec::new(),
        };
        let summary = summarize(evaluation, &decisions);
        let detail = serde_json::json!({ "evaluation": evaluation, "decisions": decisions });
        self.inner.store.append_why(self.now(), &summary, &detail)?;
        self.publish()?;
        Ok(decisions)
    }

    /// Claims (or suggests) what the current office allows now; called by
    /// the run loop so armed claims go out when their window opens.
    pub(super) async fn act_on_current_office(&self) -> Result<()> {
        let Some(found) = self.lock_state().office.clone() else {
            return Ok(());
        };
        let decisions = self.decide(&found).await?;
        let acted: Vec<_> = decisions
            .iter()
            .filter(|decision| matches!(decision.action, Action::Claimed | Action::Suggested))
            .cloned()
            .collect();
        if !acted.is_empty() {
            let summary = format!("still at {}: {}", found.office, describe(&acted));
            let detail = serde_json::json!({ "office": found, "decisions": acted });
            self.inner.store.append_why(self.now(), &summary, &detail)?;
        }
        Ok(())
    }

    /// Acts as if `office` in `building` had just matched. The tray's demo
    /// arrival and network detection both come through here.
    pub async fn arrived_at(&self, office: &str, building: &str) -> Result<Vec<CheckInOutcome>> {
        let found = OfficeMatch {
            office: deskcheck_net::OfficeName(office.to_owned()),
            building: deskcheck_net::BuildingRef(building.to_owned()),
            rule: deskcheck_net::Rule::Bssid,
            evidence: Vec::new(),
        };
        self.lock_state().office = Some(found.clone());
        let decisions = self.decide(&found).await?;
        let summary = format!("arrived at {office}: {}", describe(&decisions));
        self.inner.store.append_why(
            self.now(),
            &summary,
            &serde_json::json!({ "decisions": decisions }),
        )?;
        self.publish()?;
        let snapshot = self.snapshot();
        Ok(decisions
            .iter()
            .filter(|decision| decision.action == Action::Claimed)
            .filter_map(|decision| {
                let view = snapshot.reservations.iter().find(|view| {
                    view.subject == decision.subject && view.place.name == decision.place
                })?;
                Some(CheckInOutcome::Claimed {
                    reservation: view.clone(),
                    new: true,
                })
            })
            .collect())
    }

    async fn decide(&self, found: &OfficeMatch) -> Result<Vec<Decision>> {
        // States change with time alone; decide from states as of now.
        self.publish()?;
        let automatic = self.automatic_active()?;
        let snapshot = self.snapshot();
        let now = self.now();
        let mut decisions = Vec::new();
        for view in &snapshot.reservations {
            let decision = |action| Decision {
                subject: view.subject.clone(),
                place: view.place.name.clone(),
                action,
            };
            if !self.in_building(view, &found.building.0) {
                debug!(key = %view.key, office = %found.office, "not claimed: the booking is in another building");
                decisions.push(decision(Action::OtherBuilding {
                    building: view.place.building.clone(),
                }));
                continue;
            }
            if view.claim.is_some() {
                decisions.push(decision(Action::AlreadyClaimed));
                continue;
            }
            match view.state.as_str() {
                "upcoming" if view.window_opens - now < chrono::Duration::hours(12) => {
                    decisions.push(decision(Action::Armed {
                        window_opens: view.window_opens,
                    }));
                    continue;
                }
                "open" if !view.pending => {}
                state => {
                    decisions.push(decision(Action::NotClaimable {
                        state: state.to_owned(),
                    }));
                    continue;
                }
            }
            if automatic {
                info!(key = %view.key, office = %found.office, "at the office; checking in automatically");
                let action = match self.check_in(&view.key, CheckInMethod::Inferred).await {
                    Ok(CheckInOutcome::Claimed { new: true, .. }) => Action::Claimed,
                    Ok(CheckInOutcome::Claimed { new: false, .. }) => Action::AlreadyClaimed,
                    Ok(CheckInOutcome::Pending { error, .. }) => Action::Pending { error },
                    Err(error) => Action::Failed {
                        error: error.to_string(),
                    },
                };
                decisions.push(decision(action));
            } else if self
                .inner
                .store
                .mark_notified(&view.key, "at_office", now)?
            {
                info!(key = %view.key, office = %found.office, "at the office, automatic check-in is off; suggesting a check-in");
                self.notify(Notice::AtOffice {
                    office: found.office.0.clone(),
                    reservation: view.clone(),
                });
                decisions.push(decision(Action::Suggested));
            }
        }
        Ok(decisions)
    }

    /// Whether `view` is in the building an office names by Graph `id`,
    /// `placeId` or display name. A display name that several buildings
    /// share matches none of them, so a claim never lands in the wrong one.
    fn in_building(&self, view: &ReservationView, building: &str) -> bool {
        if view.place.building_id.as_deref() == Some(building) {
            return true;
        }
        let stable_id_matches = self.reservation(&view.key).is_some_and(|reservation| {
            reservation
                .building
                .and_then(|found| found.place_id)
                .is_some_and(|id| id.as_str() == building)
        });
        if stable_id_matches {
            return true;
        }
        let name_matches = view
            .place
            .building
            .as_deref()
            .is_some_and(|name| name.eq_ignore_ascii_case(building));
        if !name_matches {
            return false;
        }
        let namesakes = self
            .lock_state()
            .places
            .places()
            .iter()
            .filter(|place| place.kind == PlaceKind::Building)
            .filter(|place| place.display_name.eq_ignore_ascii_case(building))
            .count();
        if namesakes > 1 {
            warn!(
                building,
                namesakes,
                "an office names its building by a display name that several buildings share; \
                 set the office's `building` to the building's id instead"
            );
            return false;
        }
        true
    }
}

fn summarize(evaluation: &Evaluation, decisions: &[Decision]) -> String {
    if evaluation.matched.is_none() || decisions.is_empty() {
        return evaluation.to_string();
    }
    format!("{evaluation}: {}", describe(decisions))
}

fn describe(decisions: &[Decision]) -> String {
    if decisions.is_empty() {
        return "nothing booked".into();
    }
    let parts: Vec<String> = decisions
        .iter()
        .map(|decision| {
            let what = match &decision.action {
                Action::Claimed => "checked in automatically".to_owned(),
                Action::Armed { window_opens } => {
                    format!("armed, window opens {}", window_opens.format("%H:%M UTC"))
                }
                Action::Suggested => {
                    "suggested a check-in (automatic check-in is off or paused)".to_owned()
                }
                Action::AlreadyClaimed => "already checked in".to_owned(),
                Action::Pending { error } => format!("claim pending: {error}"),
                Action::OtherBuilding { building } => format!(
                    "skipped, booked in {}",
                    building.as_deref().unwrap_or("another building")
                ),
                Action::NotClaimable { state } => format!("skipped, {state}"),
                Action::Failed { error } => format!("claim failed: {error}"),
            };
            format!("{} ({}) {what}", decision.place, decision.subject)
        })
        .collect();
    parts.join("; ")
}
