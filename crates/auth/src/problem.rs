//! Plain-words meaning of Entra token errors: what the person or an admin
//! must do next, decided from the `AADSTS` number first and the OAuth
//! `error` value second.
//!
//! Numbers are from Microsoft's published AADSTS error code list. Entra
//! sends several of them under `invalid_grant`, so `invalid_grant` alone
//! does not mean the refresh token is dead.

use std::fmt;

use crate::config::AuthConfig;
use crate::protocol::EntraErrorBody;

/// What a token error means for the person signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInProblem {
    /// Nobody granted consent for these scopes (AADSTS65001).
    ConsentRequired { scopes: Vec<String> },
    /// Conditional access requires an interactive sign-in, for example for
    /// multi-factor authentication (AADSTS50076, 50079, 50158). `claims` is
    /// the challenge to send with the next browser sign-in.
    InteractionRequired { claims: Option<String> },
    /// The tenant does not exist or the account is not in it (AADSTS90002,
    /// 900023, 50020, 90072).
    WrongTenant { tenant: String },
    /// The client id is unknown in the tenant (AADSTS700016).
    AppNotFound { client_id: String, tenant: String },
    /// The app registration does not allow public client flows
    /// (AADSTS7000218).
    PublicClientFlowsDisabled { client_id: String },
    /// The account is disabled, locked or blocked by policy (AADSTS50057,
    /// 50053, 53003).
    AccountBlocked,
    /// The stored sign-in expired or was revoked (AADSTS700082, 70008,
    /// 50173, 700084, 54005, or `invalid_grant` without a more specific
    /// number). Only a new sign-in helps.
    SignInExpired,
    /// A requested scope is not valid (AADSTS70011).
    InvalidScope { scopes: Vec<String> },
    /// An error this crate has no advice for.
    Other { error: String },
}

impl SignInProblem {
    /// Classifies an Entra error body for the tenant, client and scopes of
    /// `config`.
    pub fn classify(body: &EntraErrorBody, config: &AuthConfig) -> Self {
        let by_code = body
            .error_codes
            .iter()
            .find_map(|code| Self::from_code(*code, body, config));
        by_code.unwrap_or_else(|| Self::from_error(body, config))
    }

    fn from_code(code: u32, body: &EntraErrorBody, config: &AuthConfig) -> Option<Self> {
        let problem = match code {
            65001 => Self::ConsentRequired {
                scopes: config.scopes.clone(),
            },
            50076 | 50079 | 50158 => Self::InteractionRequired {
                claims: body.claims.clone(),
            },
            90002 | 900023 | 50020 | 90072 => Self::WrongTenant {
                tenant: config.tenant.clone(),
            },
            700016 => Self::AppNotFound {
                client_id: config.client_id.clone(),
                tenant: config.tenant.clone(),
            },
            7000218 => Self::PublicClientFlowsDisabled {
                client_id: config.client_id.clone(),
            },
            50057 | 50053 | 53003 => Self::AccountBlocked,
            700082 | 70008 | 50173 | 700084 | 54005 => Self::SignInExpired,
            70011 => Self::InvalidScope {
                scopes: config.scopes.clone(),
            },
            _ => return None,
        };
        Some(problem)
    }

    fn from_error(body: &EntraErrorBody, config: &AuthConfig) -> Self {
        match body.error.as_str() {
            "invalid_grant" => Self::SignInExpired,
            "interaction_required" | "login_required" => Self::InteractionRequired {
                claims: body.claims.clone(),
            },
            "consent_required" => Self::ConsentRequired {
                scopes: config.scopes.clone(),
            },
            "invalid_scope" => Self::InvalidScope {
                scopes: config.scopes.clone(),
            },
            other => Self::Other {
                error: other.to_owned(),
            },
        }
    }

    /// Returns true when the stored tokens are dead and must be removed.
    pub fn tokens_are_dead(&self) -> bool {
        matches!(self, Self::SignInExpired)
    }

    /// Returns the conditional access `claims` challenge, if any.
    pub fn claims(&self) -> Option<&str> {
        match self {
            Self::InteractionRequired { claims } => claims.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for SignInProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConsentRequired { scopes } => write!(
                f,
                "an administrator must grant consent for this app to use {} \
                 (Entra admin center, Enterprise applications, Permissions)",
                scopes.join(", ")
            ),
            Self::InteractionRequired { .. } => f.write_str(
                "your organization requires you to sign in again in the browser, \
                 for example for multi-factor authentication",
            ),
            Self::WrongTenant { tenant } => write!(
                f,
                "the tenant {tenant:?} was not found or your account is not in it; \
                 check the tenant setting (a tenant id, a domain such as contoso.com, \
                 or organizations)"
            ),
            Self::AppNotFound { client_id, tenant } => write!(
                f,
                "no app registration with client id {client_id} exists in tenant \
                 {tenant:?}; check the client_id and tenant settings"
            ),
            Self::PublicClientFlowsDisabled { client_id } => write!(
                f,
                "the app registration {client_id} does not allow public client flows; \
                 an administrator must set \"Allow public client flows\" to Yes \
                 under Authentication"
            ),
            Self::AccountBlocked => f.write_str(
                "your account is disabled, locked or blocked from signing in; \
                 contact your administrator",
            ),
            Self::SignInExpired => {
                f.write_str("your sign-in expired or was revoked; sign in again")
            }
            Self::InvalidScope { scopes } => write!(
                f,
                "the requested scopes {} are not valid for this app; check the scopes setting",
                scopes.join(" ")
            ),
            Self::Other { error } => write!(
                f,
                "the sign-in service rejected the request with {error}; \
                 try again or contact your administrator"
            ),
        }
    }
}
