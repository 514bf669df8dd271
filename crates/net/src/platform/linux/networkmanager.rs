//! NetworkManager over D-Bus: Wi-Fi association, Wi-Fi interface names, DNS search
//! domains, and `PropertiesChanged` signals for the watcher.

use std::collections::HashMap;

use futures::StreamExt;
use tokio::sync::oneshot;
use zbus::message::Type;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};
use zbus::{Connection, MatchRule, MessageStream};

use super::dbus::property;
use crate::fingerprint::WifiLink;
use crate::mac::MacAddr;
use crate::watcher::{ChangeSource, EventSender};

const SERVICE: &str = "org.freedesktop.NetworkManager";
const ROOT: &str = "/org/freedesktop/NetworkManager";
const DEVICE: &str = "org.freedesktop.NetworkManager.Device";
const WIRELESS: &str = "org.freedesktop.NetworkManager.Device.Wireless";
const ACCESS_POINT: &str = "org.freedesktop.NetworkManager.AccessPoint";
const ACTIVE_CONNECTION: &str = "org.freedesktop.NetworkManager.Connection.Active";
/// `NM_DEVICE_TYPE_WIFI` from NetworkManager's D-Bus API.
const DEVICE_TYPE_WIFI: u32 = 2;

/// State read from NetworkManager.
#[derive(Debug, Default)]
pub(super) struct NmState {
    pub wifi: Vec<WifiLink>,
    pub wifi_interfaces: Vec<String>,
    pub dns_suffixes: Vec<String>,
}

/// Reads the Wi-Fi devices, their access points and DNS search domains.
pub(super) async fn read(connection: &Connection) -> zbus::Result<NmState> {
    let devices: Vec<OwnedObjectPath> =
        property(connection, SERVICE, ROOT, SERVICE, "Devices").await?;
    let mut state = NmState::default();
    for device in &devices {
        let path = device.as_str();
        let interface: String = property(connection, SERVICE, path, DEVICE, "Interface").await?;
        state
            .dns_suffixes
            .extend(device_domains(connection, path).await);
        let device_type: u32 = property(connection, SERVICE, path, DEVICE, "DeviceType").await?;
        if device_type != DEVICE_TYPE_WIFI {
            continue;
        }
        state.wifi_interfaces.push(interface.clone());
        if let Some(ap) = active_access_point(connection, path).await? {
            state
                .wifi
                .push(access_point(connection, &ap, interface).await?);
        }
    }
    Ok(state)
}

/// Path of the device's access point; falls back to the active connection's specific object.
async fn active_access_point(
    connection: &Connection,
    device: &str,
) -> zbus::Result<Option<String>> {
    let direct: zbus::Result<OwnedObjectPath> =
        property(connection, SERVICE, device, WIRELESS, "ActiveAccessPoint").await;
    if let Ok(path) = direct.as_ref().map(|p| p.as_str()) {
        if path != "/" {
            return Ok(Some(path.to_owned()));
        }
    }
    let active: OwnedObjectPath =
        property(connection, SERVICE, device, DEVICE, "ActiveConnection").await?;
    if active.as_str() == "/" {
        return Ok(None);
    }
    let specific: OwnedObjectPath = property(
        connection,
        SERVICE,
        active.as_str(),
        ACTIVE_CONNECTION,
        "SpecificObject",
    )
    .await?;
    Ok((specific.as_str() != "/").then(|| specific.as_str().to_owned()))
}

async fn access_point(
    connection: &Connection,
    path: &str,
    interface: String,
) -> zbus::Result<WifiLink> {
    let ssid: Vec<u8> = property(connection, SERVICE, path, ACCESS_POINT, "Ssid").await?;
    let hw_address: String = property(connection, SERVICE, path, ACCESS_POINT, "HwAddress").await?;
    let bssid = hw_address.parse::<MacAddr>().ok();
    if bssid.is_none() {
        tracing::debug!(access_point = path, hw_address = %hw_address, "access point has no valid BSSID");
    }
    Ok(WifiLink {
        interface: Some(interface),
        ssid: (!ssid.is_empty()).then(|| String::from_utf8_lossy(&ssid).into_owned()),
        bssid,
    })
}

/// Search domains of the device's IPv4 and IPv6 configurations; missing ones are skipped.
async fn device_domains(connection: &Connection, device: &str) -> Vec<String> {
    let mut domains = Vec::new();
    for (config_property, config_interface) in [
        ("Ip4Config", "org.freedesktop.NetworkManager.IP4Config"),
        ("Ip6Config", "org.freedesktop.NetworkManager.IP6Config"),
    ] {
        let config: zbus::Result<OwnedObjectPath> =
            property(connection, SERVICE, device, DEVICE, config_property).await;
        let Ok(config) = config else { continue };
        if config.as_str() == "/" {
            continue;
        }
        for key in ["Searches", "Domains"] {
            let values: zbus::Result<Vec<String>> =
                property(connection, SERVICE, config.as_str(), config_interface, key).await;
            domains.extend(values.unwrap_or_default());
        }
    }
    domains
}

/// Forwards NetworkManager property changes that can change the Wi-Fi association.
pub(super) async fn watch(
    connection: Connection,
    events: EventSender,
    ready: oneshot::Sender<()>,
) -> zbus::Result<()> {
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface("org.freedesktop.DBus.Properties")?
        .member("PropertiesChanged")?
        .path_namespace(ROOT)?
        .build();
    let mut stream = MessageStream::for_match_rule(rule, &connection, Some(64)).await?;
    tracing::debug!("NetworkManager watcher subscribed");
    let _ = ready.send(());
    while let Some(message) = stream.next().await {
        let Ok(message) = message else { continue };
        let body = message.body();
        let Ok((interface, changed, _)) =
            body.deserialize::<(String, HashMap<String, OwnedValue>, Vec<String>)>()
        else {
            continue;
        };
        if is_relevant(&interface, changed.keys().map(String::as_str))
            && events.send(ChangeSource::WifiAccessPoint).is_err()
        {
            break;
        }
    }
    Ok(())
}

/// Whether a property change can alter SSID, BSSID or the active connection.
fn is_relevant<'a>(interface: &str, mut names: impl Iterator<Item = &'a str>) -> bool {
    let watched: &[&str] = match interface {
        WIRELESS => &["ActiveAccessPoint"],
        ACCESS_POINT => &["Ssid", "HwAddress"],
        DEVICE => &["State", "ActiveConnection", "Ip4Config", "Ip6Config"],
        SERVICE => &["PrimaryConnection", "ActiveConnections", "State"],
        _ => &[],
    };
    names.any(|name| watched.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_strength_changes_are_ignored() {
        assert!(!is_relevant(ACCESS_POINT, ["Strength"].into_iter()));
        assert!(!is_relevant(WIRELESS, ["LastScan"].into_iter()));
    }

    #[test]
    fn access_point_changes_are_relevant() {
        assert!(is_relevant(
            WIRELESS,
            ["Bitrate", "ActiveAccessPoint"].into_iter()
        ));
        assert!(is_relevant(ACCESS_POINT, ["HwAddress"].into_iter()));
        assert!(is_relevant(SERVICE, ["PrimaryConnection"].into_iter()));
    }
}
