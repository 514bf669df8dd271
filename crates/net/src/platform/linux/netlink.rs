//! Netlink reads (links, addresses, default routes, neighbours) and the multicast watcher.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use futures::{Stream, StreamExt, TryStreamExt};
use ipnet::IpNet;
use rtnetlink::packet_core::{NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::address::{AddressAttribute, AddressMessage};
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourMessage, NeighbourState,
};
use rtnetlink::packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteType};
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::sys::AsyncSocket;
use rtnetlink::{Handle, MulticastGroup, RouteMessageBuilder};
use tokio::task::JoinHandle;

use crate::error::NetError;
use crate::fingerprint::{Gateway, Interface};
use crate::mac::MacAddr;
use crate::tunnel::{classify, InterfaceTraits};
use crate::watcher::{ChangeSource, EventSender};

const MAIN_TABLE: u32 = 254;
const RECEIVE_BUFFER_BYTES: usize = 1 << 20;

/// Interfaces and default gateways read over netlink.
pub(super) struct Snapshot {
    pub interfaces: Vec<Interface>,
    pub gateways: Vec<Gateway>,
}

fn netlink_error(operation: &'static str, error: impl std::fmt::Display) -> NetError {
    NetError::Netlink {
        operation,
        source: io::Error::other(error.to_string()),
    }
}

/// Reads a snapshot; `wireless` names interfaces known to be Wi-Fi.
pub(super) async fn read(wireless: &HashSet<String>) -> Result<Snapshot, NetError> {
    let (connection, handle, _) =
        rtnetlink::new_connection().map_err(|source| NetError::Netlink {
            operation: "socket open",
            source,
        })?;
    let task = tokio::spawn(connection);
    let result = read_with(&handle, wireless).await;
    task.abort();
    result
}

async fn read_with(handle: &Handle, wireless: &HashSet<String>) -> Result<Snapshot, NetError> {
    let links: Vec<LinkMessage> = collect("link dump", handle.link().get().execute()).await?;
    let addresses: Vec<AddressMessage> =
        collect("address dump", handle.address().get().execute()).await?;
    let v4 = RouteMessageBuilder::<Ipv4Addr>::new().build();
    let v6 = RouteMessageBuilder::<Ipv6Addr>::new().build();
    let mut routes: Vec<RouteMessage> =
        collect("route dump", handle.route().get(v4).execute()).await?;
    routes.extend(collect("route dump", handle.route().get(v6).execute()).await?);
    let neighbours: Vec<NeighbourMessage> =
        collect("neighbour dump", handle.neighbours().get().execute()).await?;

    let mut interfaces: Vec<Interface> = links
        .iter()
        .filter_map(|l| interface(l, wireless))
        .collect();
    for message in &addresses {
        add_address(&mut interfaces, message);
    }
    let names: HashMap<u32, String> = interfaces
        .iter()
        .map(|i| (i.index, i.name.clone()))
        .collect();
    let macs = neighbour_macs(&neighbours);
    let gateways = routes
        .iter()
        .flat_map(default_gateways)
        .filter_map(|(ip, index)| {
            Some(Gateway {
                ip,
                interface: names.get(&index)?.clone(),
                mac: macs.get(&(index, ip)).copied(),
            })
        })
        .collect();
    Ok(Snapshot {
        interfaces,
        gateways,
    })
}

async fn collect<T>(
    operation: &'static str,
    stream: impl Stream<Item = Result<T, rtnetlink::Error>>,
) -> Result<Vec<T>, NetError> {
    stream
        .try_collect()
        .await
        .map_err(|e| netlink_error(operation, e))
}

fn interface(message: &LinkMessage, wireless: &HashSet<String>) -> Option<Interface> {
    let mut name = None;
    let mut mac = None;
    let mut link_kind = None;
    for attribute in &message.attributes {
        match attribute {
            LinkAttribute::IfName(value) => name = Some(value.clone()),
            LinkAttribute::Address(bytes) => {
                mac = MacAddr::from_slice(bytes).filter(|m| !m.is_zero())
            }
            LinkAttribute::LinkInfo(infos) => link_kind = info_kind(infos),
            _ => {}
        }
    }
    let name = name?;
    let flags = message.header.flags;
    let is_wireless = wireless.contains(&name) || sysfs_wireless(&name);
    let traits = InterfaceTraits {
        name: &name,
        link_kind: link_kind.as_deref(),
        hardware_type: Some(u16::from(message.header.link_layer_type)),
        loopback: flags.contains(LinkFlags::Loopback),
        point_to_point: flags.contains(LinkFlags::Pointopoint),
        wireless: is_wireless,
    };
    let kind = classify(&traits);
    Some(Interface {
        index: message.header.index,
        kind,
        up: flags.contains(LinkFlags::Up) && flags.contains(LinkFlags::Running),
        mac,
        addresses: Vec::new(),
        name,
    })
}

fn info_kind(infos: &[LinkInfo]) -> Option<String> {
    infos.iter().find_map(|info| match info {
        LinkInfo::Kind(kind) => Some(kind.to_string()),
        _ => None,
    })
}

fn sysfs_wireless(name: &str) -> bool {
    Path::new("/sys/class/net")
        .join(name)
        .join("wireless")
        .exists()
}

fn add_address(interfaces: &mut [Interface], message: &AddressMessage) {
    let mut address = None;
    let mut local = None;
    for attribute in &message.attributes {
        match attribute {
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Local(ip) => local = Some(*ip),
            _ => {}
        }
    }
    // On point-to-point IPv4 links IFA_ADDRESS is the peer and IFA_LOCAL is our own address.
    let Some(ip) = local.or(address) else {
        return;
    };
    let Ok(net) = IpNet::new(ip, message.header.prefix_len) else {
        return;
    };
    if let Some(interface) = interfaces
        .iter_mut()
        .find(|i| i.index == message.header.index)
    {
        interface.addresses.push(net);
    }
}

/// Gateway IP and output interface of each default route in the main table.
fn default_gateways(route: &RouteMessage) -> Vec<(IpAddr, u32)> {
    let header = &route.header;
    let table = route
        .attributes
        .iter()
        .find_map(|a| match a {
            RouteAttribute::Table(table) => Some(*table),
            _ => None,
        })
        .unwrap_or(u32::from(header.table));
    if header.destination_prefix_length != 0
        || table != MAIN_TABLE
        || header.kind != RouteType::Unicast
    {
        return Vec::new();
    }
    let gateway = route.attributes.iter().find_map(route_gateway);
    let oif = route.attributes.iter().find_map(|a| match a {
        RouteAttribute::Oif(index) => Some(*index),
        _ => None,
    });
    let mut found: Vec<(IpAddr, u32)> = gateway.zip(oif).into_iter().collect();
    for attribute in &route.attributes {
        if let RouteAttribute::MultiPath(hops) = attribute {
            for hop in hops {
                if let Some(ip) = hop.attributes.iter().find_map(route_gateway) {
                    found.push((ip, hop.interface_index));
                }
            }
        }
    }
    found
}

fn route_gateway(attribute: &RouteAttribute) -> Option<IpAddr> {
    match attribute {
        RouteAttribute::Gateway(RouteAddress::Inet(ip)) => Some(IpAddr::V4(*ip)),
        RouteAttribute::Gateway(RouteAddress::Inet6(ip)) => Some(IpAddr::V6(*ip)),
        _ => None,
    }
}

fn neighbour_macs(neighbours: &[NeighbourMessage]) -> HashMap<(u32, IpAddr), MacAddr> {
    neighbours
        .iter()
        .filter(|n| has_valid_state(n.header.state))
        .filter_map(|n| {
            let (ip, mac) = neighbour_entry(n)?;
            Some(((n.header.ifindex, ip), mac?))
        })
        .collect()
}

fn has_valid_state(state: NeighbourState) -> bool {
    matches!(
        state,
        NeighbourState::Reachable
            | NeighbourState::Stale
            | NeighbourState::Delay
            | NeighbourState::Probe
            | NeighbourState::Permanent
            | NeighbourState::Noarp
    )
}

fn neighbour_entry(message: &NeighbourMessage) -> Option<(IpAddr, Option<MacAddr>)> {
    let mut ip = None;
    let mut mac = None;
    for attribute in &message.attributes {
        match attribute {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(v4)) => {
                ip = Some(IpAddr::V4(*v4))
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(v6)) => {
                ip = Some(IpAddr::V6(*v6))
            }
            NeighbourAttribute::LinkLayerAddress(bytes) => mac = MacAddr::from_slice(bytes),
            _ => {}
        }
    }
    Some((ip?, mac))
}

/// Subscribes to link, address, route and neighbour changes.
///
/// The socket is opened before this returns, so it belongs to the caller's
/// network namespace.
pub(super) fn watch(events: EventSender) -> Result<Vec<JoinHandle<()>>, NetError> {
    let groups = [
        MulticastGroup::Link,
        MulticastGroup::Ipv4Ifaddr,
        MulticastGroup::Ipv6Ifaddr,
        MulticastGroup::Ipv4Route,
        MulticastGroup::Ipv6Route,
        MulticastGroup::Neigh,
    ];
    let (mut connection, _handle, mut messages) = rtnetlink::new_multicast_connection(&groups)
        .map_err(|source| NetError::Netlink {
            operation: "multicast subscribe",
            source,
        })?;
    // A burst of link changes overflows the default buffer (about 200 KiB) before the
    // runtime drains it; the kernel then drops messages.
    let socket = connection.socket_mut().socket_mut();
    if let Err(error) = socket.set_rx_buf_sz(RECEIVE_BUFFER_BYTES) {
        tracing::debug!(error = %error, "netlink receive buffer not enlarged");
    }
    let connection_task = tokio::spawn(connection);
    let listener = tokio::spawn(async move {
        let mut filter = NeighbourFilter::default();
        while let Some((message, _)) = messages.next().await {
            let Some(source) = change_source(&message, &mut filter) else {
                continue;
            };
            if events.send(source).is_err() {
                return;
            }
        }
        tracing::error!(
            "netlink multicast stream ended; watching continues with D-Bus and the timer"
        );
        let _ = events.send(ChangeSource::Resync);
    });
    tracing::debug!("netlink watcher subscribed");
    Ok(vec![connection_task, listener])
}

fn change_source(
    message: &NetlinkMessage<RouteNetlinkMessage>,
    filter: &mut NeighbourFilter,
) -> Option<ChangeSource> {
    let NetlinkPayload::InnerMessage(inner) = &message.payload else {
        return match message.payload {
            NetlinkPayload::Overrun(_) => Some(ChangeSource::Resync),
            _ => None,
        };
    };
    match inner {
        RouteNetlinkMessage::NewLink(link) if is_wireless_event(link) => None,
        RouteNetlinkMessage::NewLink(_) | RouteNetlinkMessage::DelLink(_) => {
            Some(ChangeSource::Link)
        }
        RouteNetlinkMessage::NewAddress(_) | RouteNetlinkMessage::DelAddress(_) => {
            Some(ChangeSource::Address)
        }
        RouteNetlinkMessage::NewRoute(route) | RouteNetlinkMessage::DelRoute(route) => {
            (route.header.destination_prefix_length == 0).then_some(ChangeSource::Route)
        }
        RouteNetlinkMessage::NewNeighbour(n) => filter.update(n).then_some(ChangeSource::Neighbour),
        RouteNetlinkMessage::DelNeighbour(n) => filter.remove(n).then_some(ChangeSource::Neighbour),
        _ => None,
    }
}

/// Wireless extension events arrive as RTM_NEWLINK during scans and change nothing we read.
fn is_wireless_event(link: &LinkMessage) -> bool {
    link.attributes
        .iter()
        .any(|a| matches!(a, LinkAttribute::Wireless(_)))
}

/// Passes neighbour messages only when an entry's MAC appears, changes or goes away,
/// because reachability state changes (REACHABLE to STALE) happen all the time.
#[derive(Default)]
struct NeighbourFilter {
    known: HashMap<(u32, IpAddr), MacAddr>,
}

impl NeighbourFilter {
    fn update(&mut self, message: &NeighbourMessage) -> bool {
        let Some((ip, Some(mac))) = neighbour_entry(message) else {
            return false;
        };
        if !has_valid_state(message.header.state) {
            return self.known.remove(&(message.header.ifindex, ip)).is_some();
        }
        self.known.insert((message.header.ifindex, ip), mac) != Some(mac)
    }

    fn remove(&mut self, message: &NeighbourMessage) -> bool {
        let Some((ip, _)) = neighbour_entry(message) else {
            return false;
        };
        self.known.remove(&(message.header.ifindex, ip)).is_some()
    }
}
