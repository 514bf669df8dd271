//! Office rules: how the signals of one office combine into a match.
//!
//! Signals are only read from usable interfaces: up, and neither loopback
//! nor tunnel (see [`crate::tunnel`]). Addresses and gateways on tunnels are
//! listed as misses and never count. The rules, strongest first:
//!
//! 1. **BSSID**: the associated access point is in `bssids`. Matches alone.
//! 2. **Gateway MAC**: a default gateway's MAC (from the neighbour table) is
//!    in `gateway_macs`. Matches alone.
//! 3. **Gateway IP and subnet**: a default gateway's IP is in `gateway_ips`
//!    and the same interface has an address inside one of `subnets`.
//! 4. **Subnet with gateway**: an address inside one of `subnets` and a
//!    default gateway on the same interface inside that subnet. Applies only
//!    when the office lists no `gateway_ips`, because a listed gateway IP
//!    that differs contradicts the office.
//! 5. **SSID alone**: the SSID is in `ssids` and `ssid_alone_is_enough` is
//!    set.
//!
//! Rules 3 and 4 are vetoed when the office lists `gateway_macs` and the
//! gateway's MAC is known and not listed: that is another router reusing the
//! office's private range. A DNS suffix never matches; it is recorded as
//! corroboration only. When the office has a probe, the probe must also
//! succeed (see [`crate::matcher`]), which guards against a home network that
//! reuses the office's range and gateway address.
//!
//! When several offices match, the strongest rule wins. Equal strength in
//! different buildings chooses no office, so a claim never lands in the
//! wrong building. Equal strength in the same building picks the first
//! office in configuration order.

use ipnet::IpNet;

use crate::config::Office;
use crate::evaluation::{describe_evidence, OfficeOutcome, Rule, Signal, SignalHit, SignalMiss};
use crate::fingerprint::{Fingerprint, Gateway, Interface, InterfaceKind};

/// Evaluates every office against the network signals, without probes.
///
/// An office that has a probe is never `matched` here; [`crate::Matcher`]
/// runs the probe and settles it.
pub fn evaluate_rules(offices: &[Office], fingerprint: &Fingerprint) -> Vec<OfficeOutcome> {
    offices
        .iter()
        .map(|office| evaluate_office(office, fingerprint))
        .collect()
}

/// Evaluates one office against the network signals, without its probe.
pub fn evaluate_office(office: &Office, fingerprint: &Fingerprint) -> OfficeOutcome {
    let view = View::new(fingerprint);
    let mut checks = Checks::default();
    check_wifi(office, fingerprint, &mut checks);
    check_gateways(office, &view, &mut checks);
    check_subnets(office, &view, &mut checks);
    check_dns(office, fingerprint, &mut checks);
    let chosen = choose_rule(office, &view, &checks);
    build_outcome(office, checks, chosen)
}

/// Index of the office an evaluation should choose, or the tied offices.
pub(crate) enum Choice {
    One(usize),
    Ambiguous(Vec<usize>),
    None,
}

/// Picks the strongest matched outcome; a tie across buildings picks none.
pub(crate) fn choose_office(outcomes: &[OfficeOutcome]) -> Choice {
    let best = outcomes
        .iter()
        .filter(|o| o.matched)
        .filter_map(|o| o.rule)
        .min();
    let Some(best) = best else {
        return Choice::None;
    };
    let tied: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| o.matched && o.rule == Some(best))
        .map(|(i, _)| i)
        .collect();
    let first = tied[0];
    let same_building = tied
        .iter()
        .all(|&i| outcomes[i].building == outcomes[first].building);
    if same_building {
        Choice::One(first)
    } else {
        Choice::Ambiguous(tied)
    }
}

/// Usable interfaces and gateways of a fingerprint.
struct View<'a> {
    usable: Vec<&'a Interface>,
    excluded: Vec<&'a Interface>,
    gateways: Vec<&'a Gateway>,
    tunnel_gateways: Vec<&'a Gateway>,
}

impl<'a> View<'a> {
    fn new(fingerprint: &'a Fingerprint) -> Self {
        let (usable, excluded): (Vec<_>, Vec<_>) =
            fingerprint.interfaces.iter().partition(|i| is_usable(i));
        let (gateways, tunnel_gateways): (Vec<_>, Vec<_>) = fingerprint
            .gateways
            .iter()
            .partition(|g| usable.iter().any(|i| i.name == g.interface));
        Self {
            usable,
            excluded,
            gateways,
            tunnel_gateways,
        }
    }

    fn gateways_on<'s>(&'s self, interface: &'s str) -> impl Iterator<Item = &'s &'a Gateway> + 's {
        self.gateways
            .iter()
            .filter(move |g| g.interface == interface)
    }
}

pub(crate) fn is_usable(interface: &Interface) -> bool {
    interface.up
        && !matches!(
            interface.kind,
            InterfaceKind::Tunnel | InterfaceKind::Loopback
        )
}

#[derive(Default)]
struct Checks {
    hits: Vec<SignalHit>,
    misses: Vec<SignalMiss>,
}

impl Checks {
    fn hit(&mut self, signal: Signal, value: String, interface: Option<String>) {
        self.hits.push(SignalHit {
            signal,
            value,
            interface,
        });
    }

    fn miss(&mut self, signal: Signal, reason: String) {
        self.misses.push(SignalMiss { signal, reason });
    }

    fn hits_of(&self, signal: Signal) -> impl Iterator<Item = &SignalHit> {
        self.hits.iter().filter(move |h| h.signal == signal)
    }
}

fn check_wifi(office: &Office, fingerprint: &Fingerprint, checks: &mut Checks) {
    let wifi_reason = || {
        fingerprint
            .unavailable
            .iter()
            .find(|u| u.source == "wifi")
            .map(|u| format!("Wi-Fi state unavailable: {}", u.reason))
            .unwrap_or_else(|| "no Wi-Fi association".to_owned())
    };
    if !office.bssids.is_empty() {
        let before = checks.hits.len();
        for link in &fingerprint.wifi {
            if let Some(bssid) = link.bssid.filter(|b| office.bssids.contains(b)) {
                checks.hit(Signal::Bssid, bssid.to_string(), link.interface.clone());
            }
        }
        if checks.hits.len() == before {
            let seen: Vec<String> = fingerprint
                .wifi
                .iter()
                .filter_map(|l| l.bssid.map(|b| b.to_string()))
                .collect();
            let reason = match seen.is_empty() {
                true => wifi_reason(),
                false => format!("BSSID {} is not listed", seen.join(", ")),
            };
            checks.miss(Signal::Bssid, reason);
        }
    }
    if !office.ssids.is_empty() {
        let before = checks.hits.len();
        for link in &fingerprint.wifi {
            if let Some(ssid) = link.ssid.as_ref().filter(|s| office.ssids.contains(s)) {
                checks.hit(Signal::Ssid, ssid.clone(), link.interface.clone());
            }
        }
        if checks.hits.len() == before {
            let seen: Vec<String> = fingerprint
                .wifi
                .iter()
                .filter_map(|l| l.ssid.as_ref().map(|s| format!("{s:?}")))
                .collect();
            let reason = match seen.is_empty() {
                true => wifi_reason(),
                false => format!("SSID {} is not listed", seen.join(", ")),
            };
            checks.miss(Signal::Ssid, reason);
        }
    }
}

fn check_gateways(office: &Office, view: &View<'_>, checks: &mut Checks) {
    if !office.gateway_macs.is_empty() {
        let before = checks.hits.len();
        for gateway in &view.gateways {
            if let Some(mac) = gateway.mac.filter(|m| office.gateway_macs.contains(m)) {
                checks.hit(
                    Signal::GatewayMac,
                    mac.to_string(),
                    Some(gateway.interface.clone()),
                );
            }
        }
        if checks.hits.len() == before {
            checks.miss(
                Signal::GatewayMac,
                gateway_miss_reason(view, |g| match g.mac {
                    Some(mac) => format!("MAC {mac} is not listed"),
                    None => "MAC unknown (no neighbour entry)".to_owned(),
                }),
            );
        }
    }
    if !office.gateway_ips.is_empty() {
        let before = checks.hits.len();
        for gateway in &view.gateways {
            if office.gateway_ips.contains(&gateway.ip) {
                checks.hit(
                    Signal::GatewayIp,
                    gateway.ip.to_string(),
                    Some(gateway.interface.clone()),
                );
            }
        }
        if checks.hits.len() == before {
            checks.miss(
                Signal::GatewayIp,
                gateway_miss_reason(view, |_| "is not listed".into()),
            );
        }
    }
}

fn gateway_miss_reason(view: &View<'_>, describe: impl Fn(&Gateway) -> String) -> String {
    let mut parts: Vec<String> = view
        .gateways
        .iter()
        .map(|g| format!("gateway {} on {}: {}", g.ip, g.interface, describe(g)))
        .collect();
    for gateway in &view.tunnel_gateways {
        parts.push(format!(
            "gateway {} on {} ignored (tunnel or down)",
            gateway.ip, gateway.interface
        ));
    }
    if parts.is_empty() {
        return "no default gateway".to_owned();
    }
    parts.join(", ")
}

fn check_subnets(office: &Office, view: &View<'_>, checks: &mut Checks) {
    if office.subnets.is_empty() {
        return;
    }
    let before = checks.hits.len();
    for interface in &view.usable {
        for subnet in subnets_with_address(office, interface) {
            checks.hit(
                Signal::Subnet,
                subnet.to_string(),
                Some(interface.name.clone()),
            );
        }
    }
    if checks.hits.len() > before {
        return;
    }
    let ignored: Vec<String> = view
        .excluded
        .iter()
        .filter(|i| subnets_with_address(office, i).next().is_some())
        .map(|i| {
            format!(
                "{} ({})",
                i.name,
                if i.up {
                    i.kind.to_string()
                } else {
                    "down".into()
                }
            )
        })
        .collect();
    let reason = if ignored.is_empty() {
        "no address in an office subnet".to_owned()
    } else {
        format!(
            "office subnet seen only on {}, which never count",
            ignored.join(", ")
        )
    };
    checks.miss(Signal::Subnet, reason);
}

fn subnets_with_address<'a>(
    office: &'a Office,
    interface: &'a Interface,
) -> impl Iterator<Item = &'a IpNet> + 'a {
    office.subnets.iter().filter(|subnet| {
        interface
            .addresses
            .iter()
            .any(|a| subnet.contains(&a.addr()))
    })
}

fn check_dns(office: &Office, fingerprint: &Fingerprint, checks: &mut Checks) {
    if office.dns_suffixes.is_empty() {
        return;
    }
    let before = checks.hits.len();
    for suffix in &office.dns_suffixes {
        let dotted = format!(".{suffix}");
        let seen = fingerprint
            .dns_suffixes
            .iter()
            .any(|s| s == suffix || s.ends_with(&dotted));
        if seen {
            checks.hit(Signal::DnsSuffix, suffix.clone(), None);
        }
    }
    if checks.hits.len() == before {
        checks.miss(
            Signal::DnsSuffix,
            "no office DNS suffix in the search list".into(),
        );
    }
}

fn choose_rule(
    office: &Office,
    view: &View<'_>,
    checks: &Checks,
) -> Option<(Rule, Vec<SignalHit>)> {
    if let Some(hit) = checks.hits_of(Signal::Bssid).next() {
        return Some((Rule::Bssid, vec![hit.clone()]));
    }
    if let Some(hit) = checks.hits_of(Signal::GatewayMac).next() {
        return Some((Rule::GatewayMac, vec![hit.clone()]));
    }
    if let Some(found) = gateway_ip_and_subnet(office, view, checks) {
        return Some((Rule::GatewayIpAndSubnet, found));
    }
    if let Some(found) = subnet_with_gateway(office, view, checks) {
        return Some((Rule::SubnetWithGateway, found));
    }
    if office.ssid_alone_is_enough {
        if let Some(hit) = checks.hits_of(Signal::Ssid).next() {
            return Some((Rule::SsidAlone, vec![hit.clone()]));
        }
    }
    None
}

fn gateway_ip_and_subnet(
    office: &Office,
    view: &View<'_>,
    checks: &Checks,
) -> Option<Vec<SignalHit>> {
    for gateway_hit in checks.hits_of(Signal::GatewayIp) {
        let interface = gateway_hit.interface.as_deref()?;
        let subnet_hit = checks
            .hits_of(Signal::Subnet)
            .find(|h| h.interface.as_deref() == Some(interface));
        if let Some(subnet_hit) = subnet_hit {
            if !mac_contradicts(office, view, interface) {
                return Some(vec![gateway_hit.clone(), subnet_hit.clone()]);
            }
        }
    }
    None
}

fn subnet_with_gateway(
    office: &Office,
    view: &View<'_>,
    checks: &Checks,
) -> Option<Vec<SignalHit>> {
    if !office.gateway_ips.is_empty() {
        return None;
    }
    for subnet_hit in checks.hits_of(Signal::Subnet) {
        let interface = subnet_hit.interface.as_deref()?;
        let subnet: IpNet = subnet_hit.value.parse().ok()?;
        let gateway = view.gateways_on(interface).find(|g| subnet.contains(&g.ip));
        if let Some(gateway) = gateway {
            if !mac_contradicts(office, view, interface) {
                let gateway_hit = SignalHit {
                    signal: Signal::GatewayIp,
                    value: gateway.ip.to_string(),
                    interface: Some(interface.to_owned()),
                };
                return Some(vec![subnet_hit.clone(), gateway_hit]);
            }
        }
    }
    None
}

/// Whether a gateway on `interface` has a known MAC that the office does not list.
fn mac_contradicts(office: &Office, view: &View<'_>, interface: &str) -> bool {
    if office.gateway_macs.is_empty() {
        return false;
    }
    view.gateways_on(interface)
        .filter_map(|g| g.mac)
        .any(|mac| !office.gateway_macs.contains(&mac))
}

fn build_outcome(
    office: &Office,
    checks: Checks,
    chosen: Option<(Rule, Vec<SignalHit>)>,
) -> OfficeOutcome {
    let (rule, evidence) = match chosen {
        Some((rule, evidence)) => (Some(rule), evidence),
        None => (None, Vec::new()),
    };
    let matched = rule.is_some() && office.probe.is_none();
    let reason = match (&rule, office.probe.is_some()) {
        (Some(_), false) => format!(
            "matched {} by {}",
            office.name,
            describe_evidence(&evidence)
        ),
        (Some(_), true) => format!(
            "{} matches by {} but its probe has not run",
            office.name,
            describe_evidence(&evidence)
        ),
        (None, _) => unmatched_reason(office, &checks),
    };
    OfficeOutcome {
        office: office.name.clone(),
        building: office.building.clone(),
        hits: checks.hits,
        misses: checks.misses,
        rule,
        evidence,
        probe: None,
        matched,
        reason,
    }
}

fn unmatched_reason(office: &Office, checks: &Checks) -> String {
    let mut parts: Vec<String> = checks
        .misses
        .iter()
        .filter(|m| m.signal != Signal::DnsSuffix)
        .map(|m| format!("{}: {}", m.signal, m.reason))
        .collect();
    if parts.is_empty() {
        let hits: Vec<String> = checks.hits.iter().map(ToString::to_string).collect();
        parts.push(format!("{} alone is not enough", hits.join(", ")));
    }
    format!("{} not matched ({})", office.name, parts.join("; "))
}

#[cfg(test)]
mod tests;
