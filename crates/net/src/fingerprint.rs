//! Snapshot of the network signals the rules look at.
//!
//! A [`Fingerprint`] serializes to JSON for `deskcheck network --json` and
//! implements `Display` as a short multi-line summary for people.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::mac::MacAddr;

/// Network state at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub interfaces: Vec<Interface>,
    /// Default routes of the main routing table.
    pub gateways: Vec<Gateway>,
    /// Wi-Fi associations; empty when not associated or when Wi-Fi state is unavailable.
    pub wifi: Vec<WifiLink>,
    /// Lowercase DNS search suffixes, without duplicates.
    pub dns_suffixes: Vec<String>,
    /// Sources that could not be read, with the reason.
    pub unavailable: Vec<Unavailable>,
}

/// One network interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interface {
    pub index: u32,
    pub name: String,
    pub kind: InterfaceKind,
    /// Administratively up and, where the platform reports it, with carrier.
    pub up: bool,
    pub mac: Option<MacAddr>,
    pub addresses: Vec<IpNet>,
}

/// Interface classification used by the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterfaceKind {
    Ethernet,
    Wifi,
    Loopback,
    /// VPNs and other virtual links; never used for subnet or gateway rules.
    Tunnel,
    Other,
}

impl fmt::Display for InterfaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Ethernet => "ethernet",
            Self::Wifi => "wifi",
            Self::Loopback => "loopback",
            Self::Tunnel => "tunnel",
            Self::Other => "other",
        };
        f.write_str(text)
    }
}

/// A default gateway and, when the neighbour table has it, its MAC address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gateway {
    pub ip: IpAddr,
    pub interface: String,
    pub mac: Option<MacAddr>,
}

/// A Wi-Fi association.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WifiLink {
    pub interface: Option<String>,
    pub ssid: Option<String>,
    pub bssid: Option<MacAddr>,
}

/// A signal source that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailable {
    /// Source name, such as `wifi` or `gateways`.
    pub source: String,
    pub reason: String,
}

impl Fingerprint {
    /// Finds an interface by name.
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces
            .iter()
            .find(|interface| interface.name == name)
    }

    /// Records a source that could not be read.
    pub fn mark_unavailable(&mut self, source: &str, reason: impl Into<String>) {
        self.unavailable.push(Unavailable {
            source: source.to_owned(),
            reason: reason.into(),
        });
    }

    /// Adds suffixes in lowercase, skipping duplicates.
    pub fn add_dns_suffixes<I: IntoIterator<Item = String>>(&mut self, suffixes: I) {
        for suffix in suffixes {
            let normalized = suffix.trim().trim_matches('.').to_ascii_lowercase();
            if !normalized.is_empty() && !self.dns_suffixes.contains(&normalized) {
                self.dns_suffixes.push(normalized);
            }
        }
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for interface in &self.interfaces {
            writeln!(f, "{interface}")?;
        }
        for gateway in &self.gateways {
            writeln!(f, "{gateway}")?;
        }
        for link in &self.wifi {
            writeln!(f, "{link}")?;
        }
        if !self.dns_suffixes.is_empty() {
            writeln!(f, "dns search: {}", self.dns_suffixes.join(" "))?;
        }
        for missing in &self.unavailable {
            writeln!(f, "unavailable: {}: {}", missing.source, missing.reason)?;
        }
        Ok(())
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.up { "up" } else { "down" };
        write!(f, "interface {} ({}, {state})", self.name, self.kind)?;
        if let Some(mac) = self.mac {
            write!(f, " mac {mac}")?;
        }
        for address in &self.addresses {
            write!(f, " {address}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gateway {} on {}", self.ip, self.interface)?;
        match self.mac {
            Some(mac) => write!(f, " mac {mac}"),
            None => write!(f, " mac unknown"),
        }
    }
}

impl fmt::Display for WifiLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wifi")?;
        if let Some(interface) = &self.interface {
            write!(f, " on {interface}")?;
        }
        match &self.ssid {
            Some(ssid) => write!(f, " ssid {ssid:?}")?,
            None => write!(f, " ssid unknown")?,
        }
        match self.bssid {
            Some(bssid) => write!(f, " bssid {bssid}"),
            None => write!(f, " bssid unknown"),
        }
    }
}
