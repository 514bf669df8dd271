//! Office definitions: the raw `[[office]]` TOML table and its validated form.
//!
//! Raw values stay strings so that every validation error can name the key
//! path (`office[1].subnets[0]`), the value and the fix. [`validate_offices`]
//! turns the raw tables into [`Office`] values. An office is rejected when
//! none of its signals can produce a match on its own (see the rules in
//! [`crate::rules`]): it needs `bssids`, `gateway_macs`, `subnets`, or
//! `ssids` together with `ssid_alone_is_enough = true`.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use url::{Host, Url};

use crate::error::ConfigError;
use crate::mac::MacAddr;

/// Probe timeout used when `timeout_ms` is not set.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_millis(1500);
/// Expected probe status used when `expect_status` is not set.
pub const DEFAULT_PROBE_STATUS: u16 = 200;
/// Largest accepted probe timeout, because a detection must finish within seconds.
pub const MAX_PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// One `[[office]]` table as written in the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOffice {
    #[serde(default)]
    pub name: String,
    /// Place id or display name of the building.
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub ssids: Vec<String>,
    #[serde(default)]
    pub bssids: Vec<String>,
    #[serde(default)]
    pub gateway_macs: Vec<String>,
    #[serde(default)]
    pub gateway_ips: Vec<String>,
    /// Networks in CIDR notation, such as `192.0.2.0/24`.
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub dns_suffixes: Vec<String>,
    #[serde(default)]
    pub probe: Option<RawProbe>,
    #[serde(default)]
    pub ssid_alone_is_enough: bool,
}

/// The `probe` table of an office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProbe {
    #[serde(default)]
    pub url: String,
    pub expect_status: Option<u16>,
    pub timeout_ms: Option<u64>,
}

/// Office name, unique within the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OfficeName(pub String);

impl fmt::Display for OfficeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Building the office belongs to: a place id or a building display name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BuildingRef(pub String);

impl fmt::Display for BuildingRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A validated office definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Office {
    pub name: OfficeName,
    pub building: BuildingRef,
    pub ssids: Vec<String>,
    pub bssids: Vec<MacAddr>,
    pub gateway_macs: Vec<MacAddr>,
    pub gateway_ips: Vec<IpAddr>,
    pub subnets: Vec<IpNet>,
    /// Lowercase, without leading or trailing dots.
    pub dns_suffixes: Vec<String>,
    pub probe: Option<ProbeSettings>,
    pub ssid_alone_is_enough: bool,
}

/// A validated reachability probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeSettings {
    pub url: Url,
    pub expect_status: u16,
    #[serde(rename = "timeout_ms", serialize_with = "serialize_millis")]
    pub timeout: Duration,
}

fn serialize_millis<S: serde::Serializer>(
    value: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u128(value.as_millis())
}

/// Validates every office, returning the first error found.
pub fn validate_offices(raw: &[RawOffice]) -> Result<Vec<Office>, ConfigError> {
    let mut names = HashSet::new();
    let mut offices = Vec::with_capacity(raw.len());
    for (index, office) in raw.iter().enumerate() {
        let validated = validate_office(index, office)?;
        if !names.insert(validated.name.clone()) {
            return Err(ConfigError::DuplicateName {
                key: format!("office[{index}].name"),
                name: validated.name.0,
            });
        }
        offices.push(validated);
    }
    Ok(offices)
}

/// Validates the office at position `index` of the `[[office]]` array.
pub fn validate_office(index: usize, raw: &RawOffice) -> Result<Office, ConfigError> {
    let prefix = format!("office[{index}]");
    let name = required_text(
        &prefix,
        "name",
        &raw.name,
        "set name to a label such as \"Contoso HQ\"",
    )?;
    let building = required_text(
        &prefix,
        "building",
        &raw.building,
        "set building to the building's place id or display name",
    )?;
    let office = Office {
        name: OfficeName(name),
        building: BuildingRef(building),
        ssids: parse_ssids(&prefix, &raw.ssids)?,
        bssids: parse_list(&prefix, "bssids", &raw.bssids, parse_mac)?,
        gateway_macs: parse_list(&prefix, "gateway_macs", &raw.gateway_macs, parse_mac)?,
        gateway_ips: parse_list(&prefix, "gateway_ips", &raw.gateway_ips, parse_ip)?,
        subnets: parse_list(&prefix, "subnets", &raw.subnets, parse_subnet)?,
        dns_suffixes: parse_list(&prefix, "dns_suffixes", &raw.dns_suffixes, parse_suffix)?,
        probe: raw
            .probe
            .as_ref()
            .map(|probe| parse_probe(&prefix, probe))
            .transpose()?,
        ssid_alone_is_enough: raw.ssid_alone_is_enough,
    };
    check_can_match(&prefix, &office)?;
    Ok(office)
}

fn required_text(prefix: &str, key: &str, value: &str, fix: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ConfigError::Missing {
            key: format!("{prefix}.{key}"),
            fix: fix.to_owned(),
        });
    }
    Ok(trimmed.to_owned())
}

fn invalid(key: String, value: &str, problem: &str, fix: impl Into<String>) -> ConfigError {
    ConfigError::InvalidValue {
        key,
        value: value.to_owned(),
        problem: problem.to_owned(),
        fix: fix.into(),
    }
}

fn parse_list<T>(
    prefix: &str,
    key: &str,
    values: &[String],
    parse: fn(String, &str) -> Result<T, ConfigError>,
) -> Result<Vec<T>, ConfigError> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| parse(format!("{prefix}.{key}[{i}]"), value))
        .collect()
}

fn parse_ssids(prefix: &str, values: &[String]) -> Result<Vec<String>, ConfigError> {
    let mut ssids = Vec::with_capacity(values.len());
    for (i, ssid) in values.iter().enumerate() {
        // IEEE 802.11 limits an SSID to 32 octets.
        if ssid.is_empty() || ssid.len() > 32 {
            return Err(invalid(
                format!("{prefix}.ssids[{i}]"),
                ssid,
                "an SSID has 1 to 32 bytes",
                "write the network name exactly as the Wi-Fi list shows it",
            ));
        }
        ssids.push(ssid.clone());
    }
    Ok(ssids)
}

fn parse_mac(key: String, value: &str) -> Result<MacAddr, ConfigError> {
    value.parse().map_err(|_| {
        invalid(
            key,
            value,
            "not a MAC address",
            "write six hex octets such as 02:00:5e:00:53:01 or 02-00-5E-00-53-01",
        )
    })
}

fn parse_ip(key: String, value: &str) -> Result<IpAddr, ConfigError> {
    value.trim().parse().map_err(|_| {
        invalid(
            key,
            value,
            "not an IP address",
            "write a single address such as 192.0.2.1, without a prefix length",
        )
    })
}

fn parse_subnet(key: String, value: &str) -> Result<IpNet, ConfigError> {
    let net: IpNet = value.trim().parse().map_err(|_| {
        invalid(
            key.clone(),
            value,
            "not a network in CIDR notation",
            "write a network such as 192.0.2.0/24",
        )
    })?;
    if net.prefix_len() == 0 {
        return Err(invalid(
            key,
            value,
            "a /0 network matches every address",
            "write the office's own network, such as 192.0.2.0/24",
        ));
    }
    if net != net.trunc() {
        return Err(invalid(
            key,
            value,
            "host bits are set",
            format!("write the network address {}", net.trunc()),
        ));
    }
    Ok(net)
}

fn parse_suffix(key: String, value: &str) -> Result<String, ConfigError> {
    let suffix = value.trim().trim_matches('.').to_ascii_lowercase();
    let valid_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if suffix.is_empty() || !suffix.split('.').all(valid_label) {
        return Err(invalid(
            key,
            value,
            "not a DNS domain",
            "write a domain such as corp.example.com",
        ));
    }
    Ok(suffix)
}

fn parse_probe(prefix: &str, raw: &RawProbe) -> Result<ProbeSettings, ConfigError> {
    let key = format!("{prefix}.probe");
    let url = parse_probe_url(format!("{key}.url"), &raw.url)?;
    let expect_status = raw.expect_status.unwrap_or(DEFAULT_PROBE_STATUS);
    if !(100..=599).contains(&expect_status) {
        return Err(invalid(
            format!("{key}.expect_status"),
            &expect_status.to_string(),
            "not an HTTP status code",
            "use a status from 100 to 599, such as 200 or 204",
        ));
    }
    let timeout = match raw.timeout_ms {
        None => DEFAULT_PROBE_TIMEOUT,
        Some(ms) => parse_timeout(format!("{key}.timeout_ms"), ms)?,
    };
    Ok(ProbeSettings {
        url,
        expect_status,
        timeout,
    })
}

fn parse_timeout(key: String, ms: u64) -> Result<Duration, ConfigError> {
    let timeout = Duration::from_millis(ms);
    if ms == 0 || timeout > MAX_PROBE_TIMEOUT {
        return Err(invalid(
            key,
            &ms.to_string(),
            "out of range",
            format!("use 1 to {} milliseconds", MAX_PROBE_TIMEOUT.as_millis()),
        ));
    }
    Ok(timeout)
}

fn parse_probe_url(key: String, value: &str) -> Result<Url, ConfigError> {
    if value.trim().is_empty() {
        return Err(ConfigError::Missing {
            key,
            fix: "set url to an HTTPS address inside the office network".to_owned(),
        });
    }
    let url = Url::parse(value.trim()).map_err(|e| {
        invalid(
            key.clone(),
            value,
            &format!("not a URL ({e})"),
            "write an address such as https://probe.corp.example.com/health",
        )
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(&url) => Ok(url),
        _ => Err(invalid(
            key,
            value,
            "the probe must use HTTPS (plain http is allowed only for loopback hosts)",
            "change the address to https://",
        )),
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn check_can_match(prefix: &str, office: &Office) -> Result<(), ConfigError> {
    if office.ssid_alone_is_enough && office.ssids.is_empty() {
        return Err(ConfigError::Missing {
            key: format!("{prefix}.ssids"),
            fix: "list the office SSIDs or remove ssid_alone_is_enough".to_owned(),
        });
    }
    let can_match = !office.bssids.is_empty()
        || !office.gateway_macs.is_empty()
        || !office.subnets.is_empty()
        || office.ssid_alone_is_enough;
    if can_match {
        return Ok(());
    }
    Err(ConfigError::NoSignal {
        key: prefix.to_owned(),
        name: office.name.0.clone(),
        fix: no_signal_fix(office),
    })
}

fn no_signal_fix(office: &Office) -> String {
    let mut fix = String::from(
        "add bssids, gateway_macs or subnets, or set ssid_alone_is_enough = true with ssids",
    );
    if !office.gateway_ips.is_empty() {
        fix.push_str(" (gateway_ips need subnets)");
    } else if !office.dns_suffixes.is_empty() {
        fix.push_str(" (dns_suffixes only corroborate other signals)");
    } else if !office.ssids.is_empty() {
        fix.push_str(" (ssids alone need ssid_alone_is_enough = true)");
    }
    fix
}

#[cfg(test)]
mod tests;
