//! Entra v2.0 wire types: the error body, the extra token response fields,
//! and the `oauth2` client type built from them.

use std::fmt;

use oauth2::basic::{
    BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{EndpointNotSet, EndpointSet, StandardRevocableToken, StandardTokenResponse};
use serde::{Deserialize, Serialize};

/// An Entra error response body. Beyond RFC 6749 it carries the `AADSTS`
/// numbers, trace ids and, for conditional access, a `claims` challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraErrorBody {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<u32>,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub suberror: Option<String>,
    #[serde(default)]
    pub claims: Option<String>,
}

impl fmt::Display for EntraErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.error)?;
        if let Some(description) = &self.error_description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}

impl oauth2::ErrorResponse for EntraErrorBody {}

/// Token response fields beyond RFC 6749 that this crate reads.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct EntraTokenFields {
    /// The OpenID Connect ID token, sent when `openid` was requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl fmt::Debug for EntraTokenFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id_token = self.id_token.as_ref().map(|_| "<redacted>");
        f.debug_struct("EntraTokenFields")
            .field("id_token", &id_token)
            .finish()
    }
}

impl oauth2::ExtraTokenFields for EntraTokenFields {}

pub type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

/// The `oauth2` client with the authorize and token endpoints set.
pub type OAuthClient = oauth2::Client<
    EntraErrorBody,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A device authorization response from `/devicecode`.
#[derive(Deserialize)]
pub(crate) struct DeviceCodeBody {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    #[serde(default)]
    pub interval: Option<u64>,
    #[serde(default)]
    pub message: Option<String>,
}
