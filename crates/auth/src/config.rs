//! Sign-in settings: the cloud, the authority URL, the tenant, the app
//! registration's client id and the requested scopes.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::error::{AuthError, UnknownCloud};

/// Scopes requested when the configuration names none. `offline_access`
/// makes Entra return a refresh token.
pub const DEFAULT_SCOPES: &[&str] = &[
    "offline_access",
    "Calendars.ReadWrite",
    "Place.Read.All",
    "openid",
    "profile",
];

/// A Microsoft cloud, each with its own sign-in and Graph hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// The global service.
    #[default]
    Global,
    /// US Government L4 (GCC High).
    UsGovL4,
    /// US Government L5 (DoD).
    UsGovL5,
    /// Microsoft Azure operated by 21Vianet.
    China,
}

impl Cloud {
    /// Returns the Entra authority host of this cloud.
    pub fn authority(&self) -> Url {
        let host = match self {
            Self::Global => "https://login.microsoftonline.com/",
            Self::UsGovL4 | Self::UsGovL5 => "https://login.microsoftonline.us/",
            Self::China => "https://login.chinacloudapi.cn/",
        };
        Url::parse(host).expect("cloud authority URLs are valid")
    }

    /// Returns the Microsoft Graph root of this cloud.
    pub fn graph(&self) -> Url {
        let host = match self {
            Self::Global => "https://graph.microsoft.com/",
            Self::UsGovL4 => "https://graph.microsoft.us/",
            Self::UsGovL5 => "https://dod-graph.microsoft.us/",
            Self::China => "https://microsoftgraph.chinacloudapi.cn/",
        };
        Url::parse(host).expect("cloud Graph URLs are valid")
    }

    /// Returns the name that [`FromStr`] accepts for this cloud.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::UsGovL4 => "usgov-l4",
            Self::UsGovL5 => "usgov-l5",
            Self::China => "china",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cloud {
    type Err = UnknownCloud;

    /// Parses a cloud name, ignoring case, `-` and `_`. Accepts `global`
    /// (or `public`), `usgov-l4` (or `gcc-high`), `usgov-l5` (or `dod`) and
    /// `china`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let key: String = value
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        match key.as_str() {
            "global" | "public" => Ok(Self::Global),
            "usgovl4" | "gcchigh" => Ok(Self::UsGovL4),
            "usgovl5" | "dod" => Ok(Self::UsGovL5),
            "china" => Ok(Self::China),
            _ => Err(UnknownCloud {
                value: value.to_owned(),
            }),
        }
    }
}

/// Settings for signing in to one Entra tenant as one public client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The authority host, such as `https://login.microsoftonline.com/`.
    pub authority: Url,
    /// A tenant id, a verified domain, or `organizations`.
    pub tenant: String,
    /// The application (client) id of the app registration.
    pub client_id: String,
    pub scopes: Vec<String>,
}

impl AuthConfig {
    /// Builds a configuration with [`DEFAULT_SCOPES`].
    pub fn new(authority: Url, tenant: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            authority,
            tenant: tenant.into(),
            client_id: client_id.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Builds a configuration for the authority of `cloud`.
    pub fn for_cloud(
        cloud: Cloud,
        tenant: impl Into<String>,
        client_id: impl Into<String>,
    ) -> Self {
        Self::new(cloud.authority(), tenant, client_id)
    }

    /// Checks every field, naming the invalid value and the fix.
    pub fn validate(&self) -> Result<(), AuthError> {
        validate_authority(&self.authority)?;
        validate_tenant(&self.tenant)?;
        validate_client_id(&self.client_id)?;
        if self.scopes.is_empty() {
            return Err(AuthError::InvalidConfig {
                setting: "scopes",
                value: String::new(),
                fix: format!("request at least {}", DEFAULT_SCOPES.join(" ")),
            });
        }
        Ok(())
    }

    /// Returns `{authority}/{tenant}/oauth2/v2.0/{name}`.
    pub fn endpoint(&self, name: &str) -> Url {
        let mut base = self.authority.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let relative = format!("{}/oauth2/v2.0/{name}", self.tenant);
        base.join(&relative)
            .expect("a validated tenant forms a valid URL path")
    }

    /// Returns the scopes as the space-separated `scope` parameter.
    pub fn scope_param(&self) -> String {
        self.scopes.join(" ")
    }
}

fn validate_authority(authority: &Url) -> Result<(), AuthError> {
    let loopback_http = authority.scheme() == "http"
        && matches!(
            authority.host_str(),
            Some("localhost") | Some("127.0.0.1") | Some("[::1]")
        );
    if authority.scheme() == "https" || loopback_http {
        return Ok(());
    }
    Err(AuthError::InvalidConfig {
        setting: "authority",
        value: authority.to_string(),
        fix: "use an https:// URL such as https://login.microsoftonline.com/".to_owned(),
    })
}

fn validate_tenant(tenant: &str) -> Result<(), AuthError> {
    let valid_chars = tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !tenant.is_empty() && valid_chars {
        return Ok(());
    }
    Err(AuthError::InvalidConfig {
        setting: "tenant",
        value: tenant.to_owned(),
        fix: "use the tenant id, a verified domain such as contoso.com, or organizations"
            .to_owned(),
    })
}

fn validate_client_id(client_id: &str) -> Result<(), AuthError> {
    let valid_chars = client_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !client_id.is_empty() && valid_chars {
        return Ok(());
    }
    Err(AuthError::InvalidConfig {
        setting: "client_id",
        value: client_id.to_owned(),
        fix: "use the Application (client) ID of the app registration".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_parses_names_and_aliases() {
        assert_eq!("global".parse(), Ok(Cloud::Global));
        assert_eq!("USGov-L4".parse(), Ok(Cloud::UsGovL4));
        assert_eq!("usgov_l5".parse(), Ok(Cloud::UsGovL5));
        assert_eq!("dod".parse(), Ok(Cloud::UsGovL5));
        assert_eq!("China".parse(), Ok(Cloud::China));
        for cloud in [Cloud::Global, Cloud::UsGovL4, Cloud::UsGovL5, Cloud::China] {
            assert_eq!(cloud.name().parse(), Ok(cloud));
        }
    }

    #[test]
    fn cloud_rejects_unknown_name() {
        let error = "germany".parse::<Cloud>().unwrap_err();
        assert!(error.to_string().contains("\"germany\""));
        assert!(error.to_string().contains("usgov-l4"));
    }

    #[test]
    fn cloud_hosts() {
        assert_eq!(
            Cloud::UsGovL5.authority().as_str(),
            "https://login.microsoftonline.us/"
        );
        assert_eq!(
            Cloud::UsGovL5.graph().as_str(),
            "https://dod-graph.microsoft.us/"
        );
        assert_eq!(
            Cloud::UsGovL4.graph().as_str(),
            "https://graph.microsoft.us/"
        );
        assert_eq!(
            Cloud::China.graph().as_str(),
            "https://microsoftgraph.chinacloudapi.cn/"
        );
    }

    #[test]
    fn endpoint_joins_tenant() {
        let config = AuthConfig::for_cloud(Cloud::Global, "organizations", "client");
        assert_eq!(
            config.endpoint("token").as_str(),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
        );
        let nested = Url::parse("http://127.0.0.1:8080/sim").unwrap();
        let config = AuthConfig::new(nested, "contoso.com", "client");
        assert_eq!(
            config.endpoint("devicecode").as_str(),
            "http://127.0.0.1:8080/sim/contoso.com/oauth2/v2.0/devicecode"
        );
    }

    #[test]
    fn validate_names_bad_values() {
        let mut config = AuthConfig::for_cloud(Cloud::Global, "contoso.com", "abc-123");
        assert!(config.validate().is_ok());
        config.tenant = "contoso.com/../x".to_owned();
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("tenant"), "{message}");
        assert!(message.contains("contoso.com/../x"), "{message}");

        let mut config = AuthConfig::for_cloud(Cloud::Global, "contoso.com", "");
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("client_id"));
        config.client_id = "abc".to_owned();
        config.authority = Url::parse("http://login.example/").unwrap();
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("https://"));
    }
}
