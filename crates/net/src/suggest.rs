//! An office definition from the network this machine is on now, for
//! "add the current network as an office".

use crate::config::{validate_office, Office, RawOffice};
use crate::error::NetError;
use crate::fingerprint::Fingerprint;
use crate::rules::is_usable;

/// Builds an office named `name` in `building` from the current network:
/// the default gateways' MACs and IPs on usable (up, not loopback, not
/// tunnel) interfaces, the subnets that contain those gateways, and the
/// Wi-Fi access point. Fails when no such gateway exists.
pub fn office_from_network(
    fingerprint: &Fingerprint,
    name: &str,
    building: &str,
) -> Result<(RawOffice, Office), NetError> {
    let mut raw = RawOffice {
        name: name.to_owned(),
        building: building.to_owned(),
        ..RawOffice::default()
    };
    for gateway in &fingerprint.gateways {
        let Some(interface) = fingerprint
            .interfaces
            .iter()
            .find(|interface| interface.name == gateway.interface && is_usable(interface))
        else {
            continue;
        };
        if let Some(mac) = &gateway.mac {
            push_unique(&mut raw.gateway_macs, mac.to_string());
        }
        push_unique(&mut raw.gateway_ips, gateway.ip.to_string());
        for address in interface
            .addresses
            .iter()
            .filter(|net| net.contains(&gateway.ip))
        {
            push_unique(&mut raw.subnets, address.trunc().to_string());
        }
    }
    for link in &fingerprint.wifi {
        if let Some(bssid) = &link.bssid {
            push_unique(&mut raw.bssids, bssid.to_string());
        }
        if let Some(ssid) = &link.ssid {
            push_unique(&mut raw.ssids, ssid.clone());
        }
    }
    if raw.gateway_ips.is_empty() && raw.bssids.is_empty() {
        return Err(NetError::NoOfficeSignals);
    }
    let office = validate_office(0, &raw).map_err(NetError::Config)?;
    Ok((raw, office))
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fingerprint::{Gateway, Interface, InterfaceKind};

    fn interface(name: &str, kind: InterfaceKind, address: &str) -> Interface {
        Interface {
            index: 2,
            name: name.into(),
            kind,
            up: true,
            mac: None,
            addresses: vec![address.parse().unwrap()],
        }
    }

    #[test]
    fn gateway_and_subnet_taken() {
        let fingerprint = Fingerprint {
            interfaces: vec![interface(
                "eth0",
                InterfaceKind::Ethernet,
                "198.51.100.10/24",
            )],
            gateways: vec![Gateway {
                ip: "198.51.100.1".parse().unwrap(),
                interface: "eth0".into(),
                mac: Some("02:00:5e:00:53:01".parse().unwrap()),
            }],
            ..Fingerprint::default()
        };
        let (raw, office) = office_from_network(&fingerprint, "HQ", "Contoso HQ").unwrap();
        assert_eq!(raw.gateway_macs, vec!["02:00:5e:00:53:01".to_owned()]);
        assert_eq!(raw.gateway_ips, vec!["198.51.100.1".to_owned()]);
        assert_eq!(raw.subnets, vec!["198.51.100.0/24".to_owned()]);
        assert_eq!(office.name.0, "HQ");
    }

    #[test]
    fn tunnel_gateway_ignored() {
        let fingerprint = Fingerprint {
            interfaces: vec![interface("wg0", InterfaceKind::Tunnel, "203.0.113.5/24")],
            gateways: vec![Gateway {
                ip: "203.0.113.1".parse().unwrap(),
                interface: "wg0".into(),
                mac: None,
            }],
            ..Fingerprint::default()
        };
        let error = office_from_network(&fingerprint, "HQ", "Contoso HQ").unwrap_err();
        assert!(matches!(error, NetError::NoOfficeSignals), "{error}");
    }
}
