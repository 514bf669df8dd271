//! `GET /places/microsoft.graph.{kind}` for every kind deskcheck resolves.

use super::wire::{Page, WirePlace};
use super::{Client, Replay, Request};
use crate::error::Result;
use crate::model::{Place, PlaceKind};
use reqwest::Method;

const PAGE_SIZE: usize = 100;
const MAX_PAGES: usize = 500;

impl Client {
    /// Lists every place of `kind`. Follows `@odata.nextLink`; when a full
    /// page comes without one (Graph omits it on some `$top` answers), asks
    /// again with `$skip`.
    pub async fn list_places(&self, kind: PlaceKind) -> Result<Vec<Place>> {
        let mut places = Vec::new();
        let mut next = Some(self.places_page_url(kind, 0));
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            let page: Page<WirePlace> = self
                .send_json(Request {
                    method: Method::GET,
                    url,
                    body: None,
                    replay: Replay::Safe,
                    what: "places",
                })
                .await?;
            let count = page.value.len();
            places.extend(page.value.into_iter().map(|place| place.into_place(kind)));
            if pages >= MAX_PAGES {
                tracing::warn!(%kind, pages, "place paging stopped at the page limit");
                break;
            }
            next = match page.next_link {
                Some(link) => Some(self.same_origin(&link, "places")?),
                None if count == PAGE_SIZE => Some(self.places_page_url(kind, places.len())),
                None => None,
            };
        }
        Ok(places)
    }

    fn places_page_url(&self, kind: PlaceKind, skip: usize) -> url::Url {
        let mut url = self.url(&format!("/places/microsoft.graph.{}", kind.graph_name()));
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("$top", &PAGE_SIZE.to_string());
            if skip > 0 {
                query.append_pair("$skip", &skip.to_string());
            }
        }
        url
    }
}
