//! Scripted faults: a queue of rules, each applying a [`FaultKind`] to the
//! next N requests of a [`RouteKind`].

use std::collections::VecDeque;
use std::time::Duration;

use http::Method;

/// The kind of route a request was sent to. Used to match faults and to
/// count requests. [`RouteKind::Any`] only appears in fault rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    /// `GET /v1.0/me/calendarView`.
    CalendarView,
    /// `GET /v1.0/places/...` (lists and single places).
    Places,
    /// `POST /v1.0/places/{placesId}/checkIns`.
    CheckInCreate,
    /// `GET /v1.0/places/{placesId}/checkIns/{calendarEventId}`.
    CheckInGet,
    /// `POST /v1.0/me/events/{id}/cancel`.
    CancelEvent,
    /// `POST /v1.0/me/events/{id}/decline`.
    DeclineEvent,
    /// Any Entra ID endpoint under `/{tenant}/oauth2/v2.0/`.
    SignIn,
    /// Any other path, including unknown Graph routes.
    Other,
    /// In a fault rule: every Graph route (`/v1.0/...`), but not the sign-in
    /// endpoints, so queued Graph faults do not break token requests.
    Any,
}

impl RouteKind {
    /// Classifies a request by method and path.
    pub fn classify(method: &Method, path: &str) -> Self {
        if let Some(graph_path) = path.strip_prefix("/v1.0/") {
            return Self::classify_graph(method, graph_path);
        }
        if path.contains("/oauth2/") {
            return Self::SignIn;
        }
        Self::Other
    }

    fn classify_graph(method: &Method, graph_path: &str) -> Self {
        let segments: Vec<&str> = graph_path.split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["me", "calendarView"]) => Self::CalendarView,
            ("GET", ["places", _]) => Self::Places,
            ("POST", ["places", _, "checkIns"]) => Self::CheckInCreate,
            ("GET", ["places", _, "checkIns", _]) => Self::CheckInGet,
            ("POST", ["me", "events", _, "cancel"]) => Self::CancelEvent,
            ("POST", ["me", "events", _, "decline"]) => Self::DeclineEvent,
            _ => Self::Other,
        }
    }

    /// Tells whether a fault rule for `self` applies to a request of `actual`.
    pub fn matches(self, actual: RouteKind) -> bool {
        match self {
            Self::Any => actual != Self::SignIn,
            rule => rule == actual,
        }
    }
}

/// Effect of a fault on a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `TooManyRequests`, with `Retry-After: N` when set.
    TooManyRequests { retry_after_seconds: Option<u64> },
    /// 503 `serviceNotAvailable`, with `Retry-After: N` when set.
    ServiceUnavailable { retry_after_seconds: Option<u64> },
    /// 504 `GatewayTimeout`.
    GatewayTimeout,
    /// Waits (on the tokio clock) before handling the request normally.
    SlowResponse(Duration),
    /// Closes the TCP connection without a response; the request is not
    /// applied.
    DropConnection,
    /// Applies the request, then closes the connection without a response.
    DropAfterApply,
    /// 200 with a truncated JSON body; the request is not applied.
    MalformedJson,
    /// Applies the request, then waits (on the tokio clock) before sending
    /// the response, so a client timeout leaves the outcome unknown to it.
    DelayAfterApply(Duration),
    /// 401 `InvalidAuthenticationToken` for this request only, as for an
    /// expired access token; the token itself stays valid.
    Unauthorized,
    /// Expires every access token issued so far (through
    /// [`crate::Identity::expire_all_access_tokens`]) before the bearer
    /// check, so this and later requests get 401 until the client
    /// refreshes. Has no effect when `require_auth` is off.
    ExpireAccessTokens,
}

/// One queued rule: `kind` applies to the next `remaining` requests whose
/// route matches `route`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub route: RouteKind,
    pub kind: FaultKind,
    pub remaining: u32,
}

/// Fault rules in the order they were queued.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    rules: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        if fault.remaining > 0 {
            self.rules.push_back(fault);
        }
    }

    /// Takes one use of the first rule matching `route`, dropping the rule
    /// when it is used up.
    pub fn take(&mut self, route: RouteKind) -> Option<FaultKind> {
        let index = self
            .rules
            .iter()
            .position(|rule| rule.route.matches(route))?;
        let rule = &mut self.rules[index];
        rule.remaining -= 1;
        let kind = rule.kind.clone();
        if rule.remaining == 0 {
            self.rules.remove(index);
        }
        Some(kind)
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.rules.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_graph_routes() {
        let get = Method::GET;
        let post = Method::POST;
        let cases = [
            (&get, "/v1.0/me/calendarView", RouteKind::CalendarView),
            (&get, "/v1.0/places/microsoft.graph.desk", RouteKind::Places),
            (&post, "/v1.0/places/abc/checkIns", RouteKind::CheckInCreate),
            (
                &get,
                "/v1.0/places/abc/checkIns/040000",
                RouteKind::CheckInGet,
            ),
            (
                &post,
                "/v1.0/me/events/AAMk=/cancel",
                RouteKind::CancelEvent,
            ),
            (
                &post,
                "/v1.0/me/events/AAMk=/decline",
                RouteKind::DeclineEvent,
            ),
            (&post, "/contoso/oauth2/v2.0/token", RouteKind::SignIn),
            (&get, "/v1.0/me/messages", RouteKind::Other),
        ];
        for (method, path, expected) in cases {
            assert_eq!(RouteKind::classify(method, path), expected, "{path}");
        }
    }

    #[test]
    fn queue_uses_rules_in_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault {
            route: RouteKind::Places,
            kind: FaultKind::GatewayTimeout,
            remaining: 1,
        });
        queue.push(Fault {
            route: RouteKind::Any,
            kind: FaultKind::MalformedJson,
            remaining: 2,
        });
        assert_eq!(queue.take(RouteKind::SignIn), None);
        assert_eq!(
            queue.take(RouteKind::Places),
            Some(FaultKind::GatewayTimeout)
        );
        assert_eq!(
            queue.take(RouteKind::Places),
            Some(FaultKind::MalformedJson)
        );
        assert_eq!(
            queue.take(RouteKind::CheckInGet),
            Some(FaultKind::MalformedJson)
        );
        assert_eq!(queue.take(RouteKind::CheckInGet), None);
    }
}
