//! Evaluation record: the signals seen, each office's outcome and the match.
//!
//! The engine stores an [`Evaluation`] and shows it to the person, so its
//! `Display` is a one-line reason such as
//! `matched Contoso HQ by gateway MAC 02:00:5e:00:53:01 on eth0`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{BuildingRef, OfficeName};
use crate::fingerprint::Fingerprint;
use crate::probe::ProbeOutcome;

/// Kind of network signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Bssid,
    Ssid,
    GatewayMac,
    GatewayIp,
    Subnet,
    DnsSuffix,
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Bssid => "BSSID",
            Self::Ssid => "SSID",
            Self::GatewayMac => "gateway MAC",
            Self::GatewayIp => "gateway IP",
            Self::Subnet => "subnet",
            Self::DnsSuffix => "DNS suffix",
        };
        f.write_str(text)
    }
}

/// A configured signal that matched the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalHit {
    pub signal: Signal,
    /// The matching value, such as `02:00:5e:00:53:01` or `192.0.2.0/24`.
    pub value: String,
    pub interface: Option<String>,
}

impl fmt::Display for SignalHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match self.signal {
            Signal::Ssid => format!("{:?}", self.value),
            _ => self.value.clone(),
        };
        write!(f, "{} {value}", self.signal)?;
        if let Some(interface) = &self.interface {
            write!(f, " on {interface}")?;
        }
        Ok(())
    }
}

/// A configured signal that did not match, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalMiss {
    pub signal: Signal,
    pub reason: String,
}

/// Signal combination that produced a match, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Bssid,
    GatewayMac,
    GatewayIpAndSubnet,
    SubnetWithGateway,
    SsidAlone,
}

/// Outcome of one office's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeOutcome {
    pub office: OfficeName,
    pub building: BuildingRef,
    pub hits: Vec<SignalHit>,
    pub misses: Vec<SignalMiss>,
    /// Strongest rule the network signals satisfy, before the probe.
    pub rule: Option<Rule>,
    /// Hits that satisfy `rule`.
    pub evidence: Vec<SignalHit>,
    pub probe: Option<ProbeOutcome>,
    /// Whether the office matched, after the probe when one is configured.
    pub matched: bool,
    /// One-line explanation.
    pub reason: String,
}

/// The office chosen by an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeMatch {
    pub office: OfficeName,
    pub building: BuildingRef,
    pub rule: Rule,
    pub evidence: Vec<SignalHit>,
}

/// Result of matching one fingerprint against every office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub fingerprint: Fingerprint,
    pub offices: Vec<OfficeOutcome>,
    pub matched: Option<OfficeMatch>,
    /// Offices in different buildings that matched equally strongly, so none was chosen.
    pub ambiguous: Vec<OfficeName>,
    /// Milliseconds until a rate-limited probe may run, when one was deferred.
    pub retry_after_ms: Option<u64>,
}

/// Formats hits as `gateway IP 192.0.2.1 and subnet 192.0.2.0/24 on eth0`.
pub(crate) fn describe_evidence(evidence: &[SignalHit]) -> String {
    let first_interface = evidence.first().and_then(|hit| hit.interface.clone());
    let shared = evidence.len() > 1 && evidence.iter().all(|hit| hit.interface == first_interface);
    if !shared {
        let parts: Vec<String> = evidence.iter().map(ToString::to_string).collect();
        return parts.join(" and ");
    }
    let parts: Vec<String> = evidence
        .iter()
        .map(|hit| {
            let bare = SignalHit {
                interface: None,
                ..hit.clone()
            };
            bare.to_string()
        })
        .collect();
    let interface = first_interface.unwrap_or_default();
    format!("{} on {interface}", parts.join(" and "))
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(found) = &self.matched {
            let outcome = self.offices.iter().find(|o| o.office == found.office);
            return match outcome {
                Some(outcome) => f.write_str(&outcome.reason),
                None => write!(f, "matched {}", found.office),
            };
        }
        if !self.ambiguous.is_empty() {
            let names: Vec<&str> = self.ambiguous.iter().map(|n| n.0.as_str()).collect();
            return write!(
                f,
                "no office chosen: {} match equally in different buildings",
                names.join(", ")
            );
        }
        if self.offices.is_empty() {
            return f.write_str("no office matched: no office is configured");
        }
        let reasons: Vec<&str> = self.offices.iter().map(|o| o.reason.as_str()).collect();
        write!(f, "no office matched: {}", reasons.join("; "))
    }
}
