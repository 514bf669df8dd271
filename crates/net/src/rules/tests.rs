use std::net::IpAddr;

use super::*;
use crate::config::{BuildingRef, OfficeName, ProbeSettings};
use crate::fingerprint::{Unavailable, WifiLink};
use crate::mac::MacAddr;

const GATEWAY_MAC: &str = "02:00:5e:00:53:01";
const OTHER_MAC: &str = "02:00:5e:00:53:99";
const BSSID: &str = "02:00:5e:00:53:aa";

fn mac(text: &str) -> MacAddr {
    text.parse().unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn office() -> Office {
    Office {
        name: OfficeName("Contoso HQ".into()),
        building: BuildingRef("Building 1".into()),
        ssids: vec![],
        bssids: vec![],
        gateway_macs: vec![],
        gateway_ips: vec![],
        subnets: vec![],
        dns_suffixes: vec![],
        probe: None,
        ssid_alone_is_enough: false,
    }
}

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

/// eth0 at 192.0.2.10/24 with gateway 192.0.2.1, whose MAC is `gateway_mac`.
fn wired(gateway_mac: Option<&str>) -> Fingerprint {
    Fingerprint {
        interfaces: vec![interface("eth0", InterfaceKind::Ethernet, "192.0.2.10/24")],
        gateways: vec![Gateway {
            ip: ip("192.0.2.1"),
            interface: "eth0".into(),
            mac: gateway_mac.map(mac),
        }],
        ..Fingerprint::default()
    }
}

fn on_wifi(ssid: &str, bssid: &str) -> Fingerprint {
    Fingerprint {
        wifi: vec![WifiLink {
            interface: Some("wlan0".into()),
            ssid: Some(ssid.into()),
            bssid: Some(mac(bssid)),
        }],
        ..Fingerprint::default()
    }
}

#[test]
fn rule_combination_table() {
    struct Case {
        name: &'static str,
        office: Office,
        fingerprint: Fingerprint,
        rule: Option<Rule>,
    }
    let subnet = vec!["192.0.2.0/24".parse().unwrap()];
    let cases = vec![
        Case {
            name: "bssid alone",
            office: Office {
                bssids: vec![mac(BSSID)],
                ..office()
            },
            fingerprint: on_wifi("Guest", BSSID),
            rule: Some(Rule::Bssid),
        },
        Case {
            name: "gateway mac alone",
            office: Office {
                gateway_macs: vec![mac(GATEWAY_MAC)],
                ..office()
            },
            fingerprint: wired(Some(GATEWAY_MAC)),
            rule: Some(Rule::GatewayMac),
        },
        Case {
            name: "gateway ip and subnet",
            office: Office {
                gateway_ips: vec![ip("192.0.2.1")],
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: wired(None),
            rule: Some(Rule::GatewayIpAndSubnet),
        },
        Case {
            name: "gateway ip without subnet address",
            office: Office {
                gateway_ips: vec![ip("192.0.2.1")],
                subnets: vec!["198.51.100.0/24".parse().unwrap()],
                ..office()
            },
            fingerprint: wired(None),
            rule: None,
        },
        Case {
            name: "listed gateway ip differs",
            office: Office {
                gateway_ips: vec![ip("192.0.2.254")],
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: wired(None),
            rule: None,
        },
        Case {
            name: "subnet with gateway inside",
            office: Office {
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: wired(None),
            rule: Some(Rule::SubnetWithGateway),
        },
        Case {
            name: "subnet without gateway",
            office: Office {
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: Fingerprint {
                gateways: vec![],
                ..wired(None)
            },
            rule: None,
        },
        Case {
            name: "subnet with gateway outside it",
            office: Office {
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: Fingerprint {
                gateways: vec![Gateway {
                    ip: ip("203.0.113.1"),
                    interface: "eth0".into(),
                    mac: None,
                }],
                ..wired(None)
            },
            rule: None,
        },
        Case {
            name: "subnet vetoed by other gateway mac",
            office: Office {
                subnets: subnet.clone(),
                gateway_macs: vec![mac(GATEWAY_MAC)],
                ..office()
            },
            fingerprint: wired(Some(OTHER_MAC)),
            rule: None,
        },
        Case {
            name: "subnet with unknown gateway mac",
            office: Office {
                subnets: subnet.clone(),
                gateway_macs: vec![mac(GATEWAY_MAC)],
                ..office()
            },
            fingerprint: wired(None),
            rule: Some(Rule::SubnetWithGateway),
        },
        Case {
            name: "ssid without flag",
            office: Office {
                ssids: vec!["Contoso".into()],
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: on_wifi("Contoso", BSSID),
            rule: None,
        },
        Case {
            name: "ssid with flag",
            office: Office {
                ssids: vec!["Contoso".into()],
                ssid_alone_is_enough: true,
                ..office()
            },
            fingerprint: on_wifi("Contoso", BSSID),
            rule: Some(Rule::SsidAlone),
        },
        Case {
            name: "ssid is case sensitive",
            office: Office {
                ssids: vec!["Contoso".into()],
                ssid_alone_is_enough: true,
                ..office()
            },
            fingerprint: on_wifi("contoso", BSSID),
            rule: None,
        },
        Case {
            name: "dns suffix alone",
            office: Office {
                dns_suffixes: vec!["corp.example.com".into()],
                subnets: vec!["198.51.100.0/24".parse().unwrap()],
                ..office()
            },
            fingerprint: Fingerprint {
                dns_suffixes: vec!["corp.example.com".into()],
                ..wired(None)
            },
            rule: None,
        },
        Case {
            name: "strongest rule wins",
            office: Office {
                gateway_macs: vec![mac(GATEWAY_MAC)],
                gateway_ips: vec![ip("192.0.2.1")],
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: wired(Some(GATEWAY_MAC)),
            rule: Some(Rule::GatewayMac),
        },
        Case {
            name: "down interface ignored",
            office: Office {
                subnets: subnet.clone(),
                ..office()
            },
            fingerprint: {
                let mut fingerprint = wired(None);
                fingerprint.interfaces[0].up = false;
                fingerprint
            },
            rule: None,
        },
    ];
    for case in cases {
        let outcome = evaluate_office(&case.office, &case.fingerprint);
        assert_eq!(outcome.rule, case.rule, "{}: {}", case.name, outcome.reason);
        assert_eq!(outcome.matched, case.rule.is_some(), "{}", case.name);
    }
}

#[test]
fn tunnel_subnet_and_gateway_never_match() {
    for name in ["tun0", "wg0", "utun4", "tailscale0", "ppp0"] {
        let tunnel_office = Office {
            subnets: vec!["203.0.113.0/24".parse().unwrap()],
            gateway_ips: vec![ip("203.0.113.1")],
            gateway_macs: vec![mac(GATEWAY_MAC)],
            ..office()
        };
        let fingerprint = Fingerprint {
            interfaces: vec![interface(name, InterfaceKind::Tunnel, "203.0.113.5/24")],
            gateways: vec![Gateway {
                ip: ip("203.0.113.1"),
                interface: name.into(),
                mac: Some(mac(GATEWAY_MAC)),
            }],
            ..Fingerprint::default()
        };
        let outcome = evaluate_office(&tunnel_office, &fingerprint);
        assert_eq!(outcome.rule, None, "{name}: {}", outcome.reason);
        assert!(outcome.hits.is_empty(), "{name}: {:?}", outcome.hits);
        assert!(outcome.reason.contains(name), "{name}: {}", outcome.reason);
        assert!(
            outcome.reason.contains("tunnel"),
            "{name}: {}",
            outcome.reason
        );
    }
}

#[test]
fn matched_reason_reads_as_one_line() {
    let gateway_office = Office {
        gateway_macs: vec![mac(GATEWAY_MAC)],
        ..office()
    };
    let outcome = evaluate_office(&gateway_office, &wired(Some(GATEWAY_MAC)));
    assert_eq!(
        outcome.reason,
        "matched Contoso HQ by gateway MAC 02:00:5e:00:53:01 on eth0"
    );
    let combined = Office {
        gateway_ips: vec![ip("192.0.2.1")],
        subnets: vec!["192.0.2.0/24".parse().unwrap()],
        ..office()
    };
    let outcome = evaluate_office(&combined, &wired(None));
    assert_eq!(
        outcome.reason,
        "matched Contoso HQ by gateway IP 192.0.2.1 and subnet 192.0.2.0/24 on eth0"
    );
}

#[test]
fn unmatched_reason_names_the_missing_signal() {
    let gateway_office = Office {
        gateway_macs: vec![mac(GATEWAY_MAC)],
        ..office()
    };
    let outcome = evaluate_office(&gateway_office, &wired(Some(OTHER_MAC)));
    assert!(outcome.reason.contains(OTHER_MAC), "{}", outcome.reason);
    assert!(outcome.reason.contains("not listed"), "{}", outcome.reason);
    let wifi_office = Office {
        bssids: vec![mac(BSSID)],
        ..office()
    };
    let fingerprint = Fingerprint {
        unavailable: vec![Unavailable {
            source: "wifi".into(),
            reason: "bus not reachable".into(),
        }],
        ..Fingerprint::default()
    };
    let outcome = evaluate_office(&wifi_office, &fingerprint);
    assert!(
        outcome.reason.contains("bus not reachable"),
        "{}",
        outcome.reason
    );
}

#[test]
fn office_with_probe_waits_for_it() {
    let probed = Office {
        gateway_macs: vec![mac(GATEWAY_MAC)],
        probe: Some(ProbeSettings {
            url: "https://probe.corp.example.com/".parse().unwrap(),
            expect_status: 200,
            timeout: std::time::Duration::from_millis(1500),
        }),
        ..office()
    };
    let outcome = evaluate_office(&probed, &wired(Some(GATEWAY_MAC)));
    assert_eq!(outcome.rule, Some(Rule::GatewayMac));
    assert!(!outcome.matched);
}

#[test]
fn tie_across_buildings_chooses_none() {
    let first = Office {
        subnets: vec!["192.0.2.0/24".parse().unwrap()],
        ..office()
    };
    let second = Office {
        name: OfficeName("Fabrikam".into()),
        building: BuildingRef("Building 2".into()),
        ..first.clone()
    };
    let outcomes = evaluate_rules(&[first.clone(), second], &wired(None));
    assert!(matches!(choose_office(&outcomes), Choice::Ambiguous(ref t) if t.len() == 2));

    let stronger = Office {
        name: OfficeName("Fabrikam".into()),
        building: BuildingRef("Building 2".into()),
        gateway_macs: vec![mac(GATEWAY_MAC)],
        ..office()
    };
    let outcomes = evaluate_rules(&[first.clone(), stronger], &wired(Some(GATEWAY_MAC)));
    assert!(matches!(choose_office(&outcomes), Choice::One(1)));

    let same_building = Office {
        name: OfficeName("HQ annex".into()),
        ..first.clone()
    };
    let outcomes = evaluate_rules(&[first, same_building], &wired(None));
    assert!(matches!(choose_office(&outcomes), Choice::One(0)));
}
