//! D-Bus connections and property reads shared by the NetworkManager and logind code.

use zbus::zvariant::OwnedValue;
use zbus::Connection;

use crate::platform::BusAddress;

/// Opens a connection, or returns the reason it is unavailable.
pub(super) async fn connect(bus: &BusAddress) -> Result<Connection, String> {
    let builder = match bus {
        BusAddress::Disabled => return Err("disabled in the options".to_owned()),
        BusAddress::System => zbus::connection::Builder::system(),
        BusAddress::Address(address) => zbus::connection::Builder::address(address.as_str()),
    };
    let connection = builder
        .map_err(|e| format!("invalid bus address: {e}"))?
        .build()
        .await
        .map_err(|e| format!("bus not reachable: {e}"))?;
    Ok(connection)
}

/// Reads one property of `interface` on `path` of `destination`, without caching.
pub(super) async fn property<T>(
    connection: &Connection,
    destination: &str,
    path: &str,
    interface: &str,
    name: &str,
) -> zbus::Result<T>
where
    T: TryFrom<OwnedValue>,
    T::Error: Into<zbus::Error>,
{
    let reply = connection
        .call_method(
            Some(destination),
            path,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(interface, name),
        )
        .await?;
    let value: OwnedValue = reply.body().deserialize()?;
    T::try_from(value).map_err(Into::into)
}
