//! A simulated Microsoft 365 tenant: an HTTP server on loopback that follows
//! the documented behaviour of Microsoft Graph (calendar view, places,
//! check-in claims, event cancel) and of the Entra ID v2.0 sign-in endpoints.
//!
//! Tests and `deskcheck --demo` run it in process. It has no dependency on
//! the deskcheck client crates, so the client is tested against the
//! documented protocol rather than against its own types.

pub mod identity;
