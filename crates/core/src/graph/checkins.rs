//! `POST /places/{placesId}/checkIns` and
//! `GET /places/{placesId}/checkIns/{calendarEventId}`.

use super::calendar::escape;
use super::wire::{ClaimResponse, WireClaim};
use super::{Client, Replay, Request};
use crate::error::{Error, Result};
use crate::ids::ICalUid;
use crate::model::{CheckInMethod, Claim};
use reqwest::{Method, StatusCode};

/// What a check-in POST came to.
#[derive(Debug)]
pub enum PostOutcome {
    Created(Claim),
    /// 409: a claim for this event and place exists already.
    Conflict,
    /// 404: the service does not know the place by this id.
    PlaceNotFound(Error),
}

impl Client {
    /// Posts a claim. `path_id` is the place's `id` or `placeId`: Graph does
    /// not document which one the path takes.
    pub async fn post_check_in(
        &self,
        path_id: &str,
        event: &ICalUid,
        method: &CheckInMethod,
    ) -> Result<PostOutcome> {
        let url = self.url(&format!("/places/{}/checkIns", escape(path_id)));
        let body = serde_json::json!({
            "calendarEventId": event.as_str(),
            "checkInMethod": method.as_str(),
        });
        let request = Request {
            method: Method::POST,
            url,
            body: Some(body),
            replay: Replay::Unsafe,
            what: "check-in",
        };
        match self.send(request).await {
            Ok(response) => {
                let bytes = response.bytes().await.map_err(|err| Error::Ambiguous {
                    what: "check-in".into(),
                    reason: format!("the response body broke off: {err}"),
                })?;
                // A success status with a body that does not parse says
                // nothing certain about the claim: the caller reads it back.
                let claim: WireClaim =
                    serde_json::from_slice(&bytes).map_err(|err| Error::Ambiguous {
                        what: "check-in".into(),
                        reason: format!("the answer could not be read: {err}"),
                    })?;
                Ok(PostOutcome::Created(claim.into_claim()))
            }
            Err(Error::Graph(body)) if body.status == StatusCode::CONFLICT.as_u16() => {
                Ok(PostOutcome::Conflict)
            }
            Err(Error::Graph(body)) if body.status == StatusCode::NOT_FOUND.as_u16() => {
                Ok(PostOutcome::PlaceNotFound(Error::Graph(body)))
            }
            Err(other) => Err(other),
        }
    }

    /// Reads the claim for `event` at a place, `None` when there is none.
    pub async fn get_check_in(&self, path_id: &str, event: &ICalUid) -> Result<Option<Claim>> {
        let url = self.url(&format!(
            "/places/{}/checkIns/{}",
            escape(path_id),
            escape(event.as_str())
        ));
        let request = Request {
            method: Method::GET,
            url,
            body: None,
            replay: Replay::Safe,
            what: "check-in read",
        };
        match self.send_json::<ClaimResponse>(request).await {
            Ok(claim) => Ok(Some(claim.into_claim())),
            Err(Error::Graph(body)) if body.status == StatusCode::NOT_FOUND.as_u16() => Ok(None),
            Err(other) => Err(other),
        }
    }
}
