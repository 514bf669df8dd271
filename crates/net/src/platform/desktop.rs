//! Interface list for Windows and macOS through the `if-addrs` crate.

use ipnet::IpNet;

use crate::error::NetError;
use crate::fingerprint::{Fingerprint, Interface};
use crate::tunnel::{classify, InterfaceTraits};

/// Lists interfaces with addresses; interfaces without an address are not reported.
pub(super) fn read_interfaces() -> Result<Fingerprint, NetError> {
    let addresses = if_addrs::get_if_addrs().map_err(|source| NetError::Io {
        operation: "interface list",
        source,
    })?;
    let mut fingerprint = Fingerprint::default();
    for entry in addresses {
        let prefix = prefix_len(&entry.addr);
        let Ok(net) = IpNet::new(entry.ip(), prefix) else {
            continue;
        };
        if let Some(existing) = fingerprint
            .interfaces
            .iter_mut()
            .find(|i| i.name == entry.name)
        {
            existing.addresses.push(net);
            continue;
        }
        let traits = InterfaceTraits {
            name: &entry.name,
            loopback: entry.is_loopback(),
            point_to_point: entry.is_p2p(),
            ..InterfaceTraits::default()
        };
        fingerprint.interfaces.push(Interface {
            index: entry.index.unwrap_or_default(),
            kind: classify(&traits),
            up: entry.is_oper_up(),
            mac: None,
            addresses: vec![net],
            name: entry.name,
        });
    }
    Ok(fingerprint)
}

fn prefix_len(addr: &if_addrs::IfAddr) -> u8 {
    let bits = match addr {
        if_addrs::IfAddr::V4(v4) => u32::from(v4.netmask).count_ones(),
        if_addrs::IfAddr::V6(v6) => u128::from(v6.netmask).count_ones(),
    };
    u8::try_from(bits).unwrap_or(0)
}
