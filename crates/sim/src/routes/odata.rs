//! OData query options (`$top`, `$skip`, `$select`), paged collection
//! bodies and absolute `@odata.nextLink` URLs.

use http::HeaderMap;
use serde_json::{json, Value};

use crate::error::GraphError;

/// Largest `$top` accepted.
const MAX_TOP: usize = 1000;

/// The decoded query string of a request.
#[derive(Debug, Default)]
pub(crate) struct QueryParams(Vec<(String, String)>);

/// The window of a collection to return.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub top: Option<usize>,
    pub skip: usize,
}

impl QueryParams {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        Self(pairs)
    }

    /// Returns a parameter; names compare case-insensitively, as in Graph.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn paging(&self) -> Result<Paging, GraphError> {
        let top = self.number("$top")?;
        if top == Some(0) || top.is_some_and(|top| top > MAX_TOP) {
            return Err(invalid_query(format!(
                "the value of $top must be between 1 and {MAX_TOP}"
            )));
        }
        let skip = self.number("$skip")?.unwrap_or(0);
        Ok(Paging { top, skip })
    }

    fn number(&self, name: &str) -> Result<Option<usize>, GraphError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        raw.trim().parse().map(Some).map_err(|_| {
            invalid_query(format!(
                "the value '{raw}' of {name} is not a non-negative integer"
            ))
        })
    }

    /// Returns the `$select` property names, if given.
    pub fn select(&self) -> Option<Vec<String>> {
        let raw = self.get("$select")?;
        let names = raw
            .split(',')
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .collect();
        Some(names)
    }

    /// Builds the absolute link to the page starting at `skip`, keeping
    /// every other query option.
    pub fn next_link(&self, base_url: &str, path: &str, skip: usize) -> String {
        let mut link = url::Url::parse(&format!("{base_url}{path}"))
            .unwrap_or_else(|_| url::Url::parse("http://127.0.0.1/").expect("valid fallback"));
        {
            let mut query = link.query_pairs_mut();
            query.clear();
            for (key, value) in &self.0 {
                if !key.eq_ignore_ascii_case("$skip") && !key.eq_ignore_ascii_case("$skiptoken") {
                    query.append_pair(key, value);
                }
            }
            query.append_pair("$skip", &skip.to_string());
        }
        link.to_string()
    }
}

pub(crate) fn invalid_query(message: String) -> GraphError {
    GraphError::bad_request("ErrorInvalidParameter", message)
}

/// Returns `http://{Host}` for building absolute links.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// A page of a collection, and whether more items follow it.
pub(crate) struct Page {
    pub items: Vec<Value>,
    pub next_skip: Option<usize>,
}

/// Cuts the page that `paging` requests out of `items`.
pub(crate) fn page(items: Vec<Value>, paging: Paging, default_size: usize) -> Page {
    let size = paging.top.unwrap_or(default_size).max(1);
    let total = items.len();
    let end = paging.skip.saturating_add(size).min(total);
    let items: Vec<Value> = items.into_iter().skip(paging.skip).take(size).collect();
    let next_skip = (end < total).then_some(end);
    Page { items, next_skip }
}

/// Builds a collection body with `@odata.context` and an optional
/// `@odata.nextLink`.
pub(crate) fn collection_body(
    context: String,
    items: Vec<Value>,
    next_link: Option<String>,
) -> Value {
    let mut body = json!({"@odata.context": context, "value": items});
    if let Some(link) = next_link {
        body["@odata.nextLink"] = json!(link);
    }
    body
}
