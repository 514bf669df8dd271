//! Configuration: a TOML file read into a raw serde struct, then validated
//! into [`Settings`], so later stages only see valid values. Every error
//! names the file, the key and the value.

use crate::error::{Error, Result};
use crate::policy::CheckInPolicy;
use chrono::Duration;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

/// The file as written. Unknown keys are rejected so a typo is not ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub cloud: Option<String>,
    pub tenant: Option<String>,
    pub client_id: Option<String>,
    pub graph_url: Option<String>,
    pub authority_url: Option<String>,
    /// A tz database name; the system's zone when absent.
    pub timezone: Option<String>,
    #[serde(default)]
    pub check_in: RawCheckIn,
    #[serde(default)]
    pub automatic: RawAutomatic,
    /// `[[office]]` tables: the networks that mean "at this office".
    #[serde(default)]
    pub office: Vec<deskcheck_net::RawOffice>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheckIn {
    pub window_opens_minutes: Option<i64>,
    pub release_minutes: Option<i64>,
    pub release_minutes_desk: Option<i64>,
    pub release_minutes_room: Option<i64>,
    pub release_minutes_workspace: Option<i64>,
    pub reminder_before_release_minutes: Option<i64>,
    pub sync_minutes: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutomatic {
    /// Automatic (inferred) check-in when an office network matches.
    pub enabled: Option<bool>,
    pub why_log_days: Option<i64>,
}

/// Validated settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub file: Option<PathBuf>,
    pub graph_url: Url,
    pub authority_url: Url,
    pub tenant: String,
    pub client_id: Option<String>,
    pub timezone: chrono_tz::Tz,
    pub policy: CheckInPolicy,
    pub sync_every: std::time::Duration,
    pub automatic: Option<bool>,
    pub why_log_days: i64,
    pub offices: Vec<deskcheck_net::Office>,
}

/// Values that the environment may override.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub graph_url: Option<String>,
    pub authority_url: Option<String>,
    pub client_id: Option<String>,
    pub tenant: Option<String>,
}

impl Overrides {
    pub fn from_env() -> Self {
        let read = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self {
            graph_url: read("DESKCHECK_GRAPH_URL"),
            authority_url: read("DESKCHECK_AUTHORITY_URL"),
            client_id: read("DESKCHECK_CLIENT_ID"),
            tenant: read("DESKCHECK_TENANT"),
        }
    }
}

/// The platform directories deskcheck uses (XDG on Linux).
#[derive(Clone, Debug)]
pub struct Dirs {
    pub config: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    pub fn platform() -> Result<Self> {
        let project = directories::ProjectDirs::from("", "", "deskcheck").ok_or_else(|| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no home directory found: set HOME (or XDG_CONFIG_HOME and XDG_DATA_HOME)",
            ))
        })?;
        let data = project.data_dir().to_owned();
        Ok(Self {
            config: project.config_dir().to_owned(),
            state: project
                .state_dir()
                .map(Path::to_owned)
                .unwrap_or_else(|| data.clone()),
            data,
        })
    }

    /// Directories of their own for the demo tenant, below the real ones.
    pub fn demo(&self) -> Self {
        Self {
            config: self.config.join("demo"),
            data: self.data.join("demo"),
            state: self.state.join("demo"),
        }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config.join("config.toml")
    }
}

impl Settings {
    /// Reads `path` (a missing default file means all defaults) and applies
    /// `overrides`.
    pub fn load(path: &Path, must_exist: bool, overrides: &Overrides) -> Result<Self> {
        let raw = match std::fs::read_to_string(path) {
            Ok(text) => parse(path, &text)?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !must_exist => {
                RawConfig::default()
            }
            Err(err) => {
                return Err(Error::Config {
                    file: path.to_owned(),
                    message: format!("cannot read the file: {err}"),
                })
            }
        };
        Self::validate(raw, Some(path), overrides)
    }

    pub fn validate(raw: RawConfig, file: Option<&Path>, overrides: &Overrides) -> Result<Self> {
        let fail = |message: String| Error::Config {
            file: file
                .map(Path::to_owned)
                .unwrap_or_else(|| PathBuf::from("<defaults>")),
            message,
        };
        let (graph_url, authority_url) =
            endpoints(&raw, overrides).map_err(|problem| match problem {
                UrlProblem::Environment(message) => Error::Environment { message },
                UrlProblem::File(message) => fail(message),
            })?;
        let tenant = tenant_of(overrides.tenant.clone().or(raw.tenant)).map_err(fail)?;
        let timezone = match raw.timezone.as_deref() {
            Some(name) => name.parse().map_err(|_| {
                fail(format!(
                    "key `timezone` = {name:?} is not a tz database name such as \"Europe/Paris\""
                ))
            })?,
            None => system_timezone(),
        };
        let (policy, sync_every) = policy_of(&raw.check_in).map_err(fail)?;
        let why_log_days = raw.automatic.why_log_days.unwrap_or(14);
        if !(1..=365).contains(&why_log_days) {
            return Err(fail(format!(
                "key `automatic.why_log_days` = {why_log_days} is out of range; use 1 to 365 days"
            )));
        }
        let offices =
            deskcheck_net::validate_offices(&raw.office).map_err(|err| fail(err.to_string()))?;
        Ok(Self {
            file: file.map(Path::to_owned),
            graph_url,
            authority_url,
            tenant,
            client_id: overrides.client_id.clone().or(raw.client_id),
            timezone,
            policy,
            sync_every,
            automatic: raw.automatic.enabled,
            why_log_days,
            offices,
        })
    }
}

/// Resolves the Graph and authority URLs: the environment, then the file,
/// then the cloud's hosts.
fn endpoints(
    raw: &RawConfig,
    overrides: &Overrides,
) -> std::result::Result<(Url, Url), UrlProblem> {
    let cloud: deskcheck_auth::Cloud = match raw.cloud.as_deref() {
        Some(name) => name.parse().map_err(|err: deskcheck_auth::UnknownCloud| {
            UrlProblem::File(format!("key `cloud`: {err}"))
        })?,
        None => deskcheck_auth::Cloud::default(),
    };
    let graph_url = pick_url(
        "graph_url",
        "DESKCHECK_GRAPH_URL",
        overrides.graph_url.as_deref(),
        raw.graph_url.as_deref(),
        &format!("{}v1.0", cloud.graph()),
    )?;
    let authority_url = pick_url(
        "authority_url",
        "DESKCHECK_AUTHORITY_URL",
        overrides.authority_url.as_deref(),
        raw.authority_url.as_deref(),
        cloud.authority().as_str(),
    )?;
    Ok((graph_url, authority_url))
}

/// Checks a tenant id, verified domain or `organizations` (the default).
fn tenant_of(tenant: Option<String>) -> std::result::Result<String, String> {
    let tenant = tenant.unwrap_or_else(|| "organizations".to_owned());
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if tenant.len() > 253 || !tenant.split('.').all(label_ok) {
        return Err(format!(
            "key `tenant` = {tenant:?} is not a tenant id, a domain or `organizations`"
        ));
    }
    Ok(tenant)
}

/// Validates the `[check_in]` table into the policy and the sync period.
fn policy_of(
    check_in: &RawCheckIn,
) -> std::result::Result<(CheckInPolicy, std::time::Duration), String> {
    let minutes = |key: &str, value: Option<i64>, default: i64, max: i64| {
        let value = value.unwrap_or(default);
        if (0..=max).contains(&value) {
            Ok(Duration::minutes(value))
        } else {
            Err(format!(
                "key `check_in.{key}` = {value} is out of range; use 0 to {max} minutes"
            ))
        }
    };
    // A per-kind value is reported under its own key, an inherited one
    // under the shared `release_minutes`.
    let release = |own: Option<i64>, key: &'static str| {
        let key = if own.is_some() {
            key
        } else {
            "release_minutes"
        };
        minutes(key, own.or(check_in.release_minutes), 10, 1440)
    };
    let policy = CheckInPolicy {
        window_opens_before: minutes(
            "window_opens_minutes",
            check_in.window_opens_minutes,
            15,
            240,
        )?,
        release_after_desk: release(check_in.release_minutes_desk, "release_minutes_desk")?,
        release_after_room: release(check_in.release_minutes_room, "release_minutes_room")?,
        release_after_workspace: release(
            check_in.release_minutes_workspace,
            "release_minutes_workspace",
        )?,
        reminder_before_release: minutes(
            "reminder_before_release_minutes",
            check_in.reminder_before_release_minutes,
            5,
            240,
        )?,
    };
    let sync_minutes = check_in.sync_minutes.unwrap_or(10);
    if !(1..=240).contains(&sync_minutes) {
        return Err(format!(
            "key `check_in.sync_minutes` = {sync_minutes} is out of range; use 1 to 240 minutes"
        ));
    }
    let sync_every = std::time::Duration::from_secs(sync_minutes as u64 * 60);
    Ok((policy, sync_every))
}

/// Appends `office` as an `[[office]]` table to the configuration file at
/// `path` (created when missing), after checking that the file with it
/// still validates. Returns the validated offices of the new file.
pub fn append_office(
    path: &Path,
    office: &deskcheck_net::RawOffice,
) -> Result<Vec<deskcheck_net::Office>> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => {
            return Err(Error::Config {
                file: path.to_owned(),
                message: format!("cannot read the file: {err}"),
            })
        }
    };
    let mut table = toml::Table::try_from(office).expect("an office serializes to a table");
    // Leave out what is empty or off, so the file stays readable.
    table.retain(|_, value| match value {
        toml::Value::Array(items) => !items.is_empty(),
        toml::Value::Boolean(flag) => *flag,
        toml::Value::String(text) => !text.is_empty(),
        _ => true,
    });
    let mut text = existing.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("\n[[office]]\n");
    text.push_str(&toml::to_string(&table).expect("a table serializes"));
    let raw = parse(path, &text)?;
    let offices = deskcheck_net::validate_offices(&raw.office).map_err(|err| Error::Config {
        file: path.to_owned(),
        message: err.to_string(),
    })?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    Ok(offices)
}

fn parse(path: &Path, text: &str) -> Result<RawConfig> {
    toml::from_str(text).map_err(|err| Error::Config {
        file: path.to_owned(),
        message: err.to_string().trim_end().to_owned(),
    })
}

/// A URL that did not validate, by where it came from.
enum UrlProblem {
    Environment(String),
    File(String),
}

/// Chooses a URL: the environment, then the file, then the cloud default.
fn pick_url(
    key: &str,
    variable: &str,
    from_env: Option<&str>,
    from_file: Option<&str>,
    default: &str,
) -> std::result::Result<Url, UrlProblem> {
    match (from_env, from_file) {
        (Some(value), _) => check_url(&format!("environment variable {variable}"), value)
            .map_err(UrlProblem::Environment),
        (None, Some(value)) => check_url(&format!("key `{key}`"), value).map_err(UrlProblem::File),
        (None, None) => Ok(Url::parse(default).expect("built-in URLs parse")),
    }
}

/// Checks a Graph or authority URL given by the person.
fn check_url(origin: &str, text: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(text).map_err(|err| format!("{origin} = {text:?} is not a URL: {err}"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{origin} = {text:?} has a query or fragment; give only the scheme, host and path"
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "{origin} = {text:?} uses plain http:// for a host that is not loopback; use https://"
        )),
        other => Err(format!(
            "{origin} = {text:?} has scheme {other:?}; use https://"
        )),
    }
}

/// Whether `url` names this machine: 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The system's zone: `TZ` when it names a tz database zone, else the
/// system setting, else UTC.
pub fn system_timezone() -> chrono_tz::Tz {
    let from_env = std::env::var("TZ")
        .ok()
        .and_then(|name| name.trim_start_matches(':').parse().ok());
    from_env
        .or_else(|| {
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|name| name.parse().ok())
        })
        .unwrap_or(chrono_tz::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, overrides: &Overrides) -> Result<Settings> {
        let raw = parse(Path::new("test.toml"), text)?;
        Settings::validate(raw, Some(Path::new("test.toml")), overrides)
    }

    #[test]
    fn defaults_without_file() {
        let settings = load("", &Overrides::default()).unwrap();
        assert_eq!(
            settings.graph_url.as_str(),
            "https://graph.microsoft.com/v1.0"
        );
        assert_eq!(settings.tenant, "organizations");
        assert_eq!(settings.policy, CheckInPolicy::default());
    }

    #[test]
    fn unknown_key_is_named() {
        let error = load(
            "[check_in]\nwindow_open_minutes = 5\n",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("test.toml"), "{error}");
        assert!(error.contains("window_open_minutes"), "{error}");
    }

    #[test]
    fn out_of_range_names_key_and_value() {
        let error = load(
            "[check_in]\nrelease_minutes_room = -3\n",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("check_in.release_minutes_room"), "{error}");
        assert!(error.contains("-3"), "{error}");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        let remote = Overrides {
            graph_url: Some("http://graph.example/v1.0".into()),
            ..Overrides::default()
        };
        let error = load("", &remote).unwrap_err().to_string();
        assert!(error.contains("DESKCHECK_GRAPH_URL"), "{error}");
        let local = Overrides {
            graph_url: Some("http://127.0.0.1:8080/v1.0".into()),
            ..Overrides::default()
        };
        assert_eq!(
            load("", &local).unwrap().graph_url.as_str(),
            "http://127.0.0.1:8080/v1.0"
        );
    }

    #[test]
    fn environment_beats_file() {
        let overrides = Overrides {
            tenant: Some("contoso.example".into()),
            ..Overrides::default()
        };
        let settings = load("tenant = \"fabrikam.example\"\n", &overrides).unwrap();
        assert_eq!(settings.tenant, "contoso.example");
    }

    #[test]
    fn shared_release_minutes_named() {
        let error = load(
            "[check_in]\nrelease_minutes = 5000\n",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("`check_in.release_minutes`"), "{error}");
    }

    #[test]
    fn malformed_tenant_rejected() {
        for tenant in ["contoso..com", "-", "contoso.com-", "a b"] {
            let text = format!("tenant = {tenant:?}\n");
            let error = load(&text, &Overrides::default()).unwrap_err().to_string();
            assert!(error.contains("tenant"), "{tenant}: {error}");
        }
        assert!(load(
            "tenant = \"contoso.onmicrosoft.com\"\n",
            &Overrides::default()
        )
        .is_ok());
    }

    #[test]
    fn url_with_query_rejected() {
        let text = "graph_url = \"http://127.0.0.1:9/v1.0?x=1\"\n";
        let error = load(text, &Overrides::default()).unwrap_err().to_string();
        assert!(error.contains("query"), "{error}");
    }

    #[test]
    fn cloud_sets_hosts() {
        let settings = load("cloud = \"china\"\n", &Overrides::default()).unwrap();
        assert_eq!(
            settings.authority_url.as_str(),
            "https://login.chinacloudapi.cn/"
        );
        let error = load("cloud = \"mars\"\n", &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("mars"), "{error}");
    }

    #[test]
    fn office_errors_name_the_key() {
        let text =
            "[[office]]\nname = \"HQ\"\nbuilding = \"Contoso HQ\"\nsubnets = [\"192.0.2.0/33\"]\n";
        let error = load(text, &Overrides::default()).unwrap_err().to_string();
        assert!(error.contains("test.toml"), "{error}");
        assert!(error.contains("office[0].subnets[0]"), "{error}");
        assert!(error.contains("192.0.2.0/33"), "{error}");
    }

    #[test]
    fn appended_office_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "timezone = \"Europe/Paris\"\n").unwrap();
        let office = deskcheck_net::RawOffice {
            name: "HQ".into(),
            building: "Contoso HQ".into(),
            gateway_macs: vec!["02:00:5e:00:53:01".into()],
            subnets: vec!["198.51.100.0/24".into()],
            ..deskcheck_net::RawOffice::default()
        };
        let offices = append_office(&path, &office).unwrap();
        assert_eq!(offices.len(), 1);
        let settings = Settings::load(&path, true, &Overrides::default()).unwrap();
        assert_eq!(settings.offices[0].name.0, "HQ");
        assert_eq!(
            settings.timezone.name(),
            "Europe/Paris",
            "the rest of the file is kept"
        );
        let again = append_office(&path, &office).unwrap_err().to_string();
        assert!(
            again.contains("HQ"),
            "a second office of the same name is rejected: {again}"
        );
        let settings = Settings::load(&path, true, &Overrides::default()).unwrap();
        assert_eq!(
            settings.offices.len(),
            1,
            "the rejected office was not written"
        );
    }

    #[test]
    fn office_is_read() {
        let text = "[[office]]\nname = \"HQ\"\nbuilding = \"Contoso HQ\"\ngateway_macs = [\"02-00-5E-00-53-01\"]\n";
        let settings = load(text, &Overrides::default()).unwrap();
        assert_eq!(settings.offices.len(), 1);
        assert_eq!(
            settings.offices[0].gateway_macs[0].to_string(),
            "02:00:5e:00:53:01"
        );
    }

    #[test]
    fn release_minutes_applies_to_all_kinds() {
        let settings = load(
            "[check_in]\nrelease_minutes = 60\nrelease_minutes_room = 5\n",
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(settings.policy.release_after_desk, Duration::minutes(60));
        assert_eq!(settings.policy.release_after_room, Duration::minutes(5));
    }
}
