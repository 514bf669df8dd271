//! `GET /me/calendarView` and event cancel.

use super::wire::{Event, Page};
use super::{Client, Replay, Request};
use crate::error::Result;
use crate::ids::EventId;
use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;

/// Fields read from each event; everything else is left on the server.
const EVENT_FIELDS: &str = "id,iCalUId,subject,start,end,isAllDay,isCancelled,isOrganizer,\
responseStatus,location,locations,attendees,seriesMasterId,type";

/// Events per page asked for. Graph's default is 10.
const PAGE_SIZE: u32 = 50;

/// Pages followed at most, so a server that links pages in a circle cannot
/// keep a sync running.
const MAX_PAGES: usize = 200;

#[derive(Clone, Copy, Debug)]
pub struct CalendarRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Client {
    /// Lists the event occurrences that overlap `range`, following every
    /// `@odata.nextLink`. Recurring series come expanded.
    pub async fn calendar_view(&self, range: CalendarRange) -> Result<Vec<Event>> {
        let mut url = self.url("/me/calendarView");
        // Explicit offsets: Graph reads a value without one as UTC, which is
        // right only by accident.
        url.query_pairs_mut()
            .append_pair(
                "startDateTime",
                &range.start.to_rfc3339_opts(SecondsFormat::Secs, false),
            )
            .append_pair(
                "endDateTime",
                &range.end.to_rfc3339_opts(SecondsFormat::Secs, false),
            )
            .append_pair("$select", EVENT_FIELDS)
            .append_pair("$top", &PAGE_SIZE.to_string());
        let mut events = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let page: Page<Event> = self
                .send_json(Request {
                    method: Method::GET,
                    url,
                    body: None,
                    replay: Replay::Safe,
                    what: "calendarView",
                })
                .await?;
            events.extend(page.value);
            if let Some(link) = page.next_link {
                if pages >= MAX_PAGES {
                    tracing::warn!(pages, "calendarView paging stopped at the page limit");
                    break;
                }
                next = Some(self.same_origin(&link, "calendarView")?);
            }
        }
        Ok(events)
    }

    /// Cancels an event the signed-in person organizes, which frees the
    /// booked place and tells the attendees.
    pub async fn cancel_event(&self, event: &EventId, comment: &str) -> Result<()> {
        let url = self.url(&format!("/me/events/{}/cancel", escape(event.as_str())));
        self.send(Request {
            method: Method::POST,
            url,
            body: Some(serde_json::json!({ "comment": comment })),
            replay: Replay::Unsafe,
            what: "cancel event",
        })
        .await?;
        Ok(())
    }
}

/// Percent-escapes an identifier for use as one path segment.
pub(crate) fn escape(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
