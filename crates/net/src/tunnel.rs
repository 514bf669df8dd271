//! Interface classification, with tunnel detection by name and by link type.
//!
//! An interface is a tunnel when its name starts with a known VPN prefix
//! or when the kernel reports a tunnel driver kind. It is also a tunnel when
//! its hardware type (Linux `ARPHRD_*`) is a point-to-point or tunnel type,
//! or when the platform flags it as point-to-point. Tunnels never take
//! part in subnet or gateway rules, because a VPN can hand out addresses in
//! an office range from anywhere.

use crate::fingerprint::InterfaceKind;

/// Name prefixes of VPN and overlay interfaces on Linux, Windows and macOS.
pub const TUNNEL_NAME_PREFIXES: &[&str] = &[
    "tun",
    "tap",
    "wg",
    "ppp",
    "utun",
    "ipsec",
    "tailscale",
    "zt",
    "gpd",
    "cscotun",
    "nordlynx",
    "vpn",
];

/// Linux link kinds (`IFLA_INFO_KIND`) of tunnels and overlays.
pub const TUNNEL_LINK_KINDS: &[&str] = &[
    "tun",
    "wireguard",
    "ppp",
    "ipip",
    "ip6tnl",
    "sit",
    "gre",
    "gretap",
    "ip6gre",
    "ip6gretap",
    "erspan",
    "ip6erspan",
    "vti",
    "vti6",
    "xfrm",
    "vxlan",
    "geneve",
    "amt",
    "gtp",
];

/// Linux hardware types of point-to-point and tunnel links.
const TUNNEL_HARDWARE_TYPES: &[u16] = &[
    512,    // ARPHRD_PPP
    768,    // ARPHRD_TUNNEL (ipip)
    769,    // ARPHRD_TUNNEL6
    776,    // ARPHRD_SIT
    778,    // ARPHRD_IPGRE
    823,    // ARPHRD_IP6GRE
    0xfffe, // ARPHRD_NONE (tun, wireguard)
];
const ARPHRD_LOOPBACK: u16 = 772;
const ARPHRD_ETHER: u16 = 1;

/// Interface properties reported by the platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceTraits<'a> {
    pub name: &'a str,
    /// Linux link kind, such as `veth`, `wireguard` or `dummy`.
    pub link_kind: Option<&'a str>,
    /// Linux `ARPHRD_*` hardware type.
    pub hardware_type: Option<u16>,
    pub loopback: bool,
    /// Point-to-point link, as reported by Windows and macOS.
    pub point_to_point: bool,
    pub wireless: bool,
}

/// Whether the interface name starts with a known tunnel prefix (case-insensitive).
pub fn is_tunnel_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TUNNEL_NAME_PREFIXES
        .iter()
        .any(|prefix| lower.starts_with(prefix))
}

/// Classifies an interface; tunnel evidence wins over every other trait.
pub fn classify(traits: &InterfaceTraits<'_>) -> InterfaceKind {
    let tunnel_kind = traits
        .link_kind
        .is_some_and(|kind| TUNNEL_LINK_KINDS.contains(&kind));
    let tunnel_hardware = traits
        .hardware_type
        .is_some_and(|hardware| TUNNEL_HARDWARE_TYPES.contains(&hardware));
    if is_tunnel_name(traits.name) || tunnel_kind || tunnel_hardware || traits.point_to_point {
        return InterfaceKind::Tunnel;
    }
    if traits.loopback || traits.hardware_type == Some(ARPHRD_LOOPBACK) {
        return InterfaceKind::Loopback;
    }
    if traits.wireless {
        return InterfaceKind::Wifi;
    }
    match traits.hardware_type {
        Some(ARPHRD_ETHER) if traits.link_kind.is_none() || traits.link_kind == Some("veth") => {
            InterfaceKind::Ethernet
        }
        Some(_) => InterfaceKind::Other,
        None => InterfaceKind::Ethernet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> InterfaceTraits<'_> {
        InterfaceTraits {
            name,
            hardware_type: Some(ARPHRD_ETHER),
            ..InterfaceTraits::default()
        }
    }

    #[test]
    fn tunnel_names_are_tunnels() {
        for name in [
            "tun0",
            "tap1",
            "wg0",
            "ppp0",
            "utun3",
            "ipsec0",
            "tailscale0",
            "zt7nnig26",
            "WG-office",
        ] {
            assert_eq!(classify(&named(name)), InterfaceKind::Tunnel, "{name}");
        }
    }

    #[test]
    fn tunnel_link_kinds_are_tunnels() {
        for kind in [
            "tun",
            "wireguard",
            "ppp",
            "ipip",
            "gre",
            "vti",
            "xfrm",
            "sit",
        ] {
            let traits = InterfaceTraits {
                link_kind: Some(kind),
                ..named("office0")
            };
            assert_eq!(classify(&traits), InterfaceKind::Tunnel, "{kind}");
        }
    }

    #[test]
    fn tunnel_hardware_types_are_tunnels() {
        for hardware in [512, 768, 776, 778, 0xfffe] {
            let traits = InterfaceTraits {
                hardware_type: Some(hardware),
                ..named("office0")
            };
            assert_eq!(classify(&traits), InterfaceKind::Tunnel, "{hardware}");
        }
    }

    #[test]
    fn dummy_named_wg_is_tunnel() {
        let traits = InterfaceTraits {
            link_kind: Some("dummy"),
            ..named("wg0")
        };
        assert_eq!(classify(&traits), InterfaceKind::Tunnel);
    }

    #[test]
    fn physical_interfaces_are_not_tunnels() {
        assert_eq!(classify(&named("eth0")), InterfaceKind::Ethernet);
        assert_eq!(classify(&named("enp3s0")), InterfaceKind::Ethernet);
        let veth = InterfaceTraits {
            link_kind: Some("veth"),
            ..named("veth0")
        };
        assert_eq!(classify(&veth), InterfaceKind::Ethernet);
        let wifi = InterfaceTraits {
            wireless: true,
            ..named("wlan0")
        };
        assert_eq!(classify(&wifi), InterfaceKind::Wifi);
        let lo = InterfaceTraits {
            hardware_type: Some(ARPHRD_LOOPBACK),
            ..named("lo")
        };
        assert_eq!(classify(&lo), InterfaceKind::Loopback);
        let bridge = InterfaceTraits {
            link_kind: Some("bridge"),
            ..named("br0")
        };
        assert_eq!(classify(&bridge), InterfaceKind::Other);
    }
}
