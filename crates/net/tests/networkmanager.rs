//! NetworkManager backend against python3-dbusmock's `networkmanager` template
//! on a private bus (needs `dbus-daemon` and the python3-dbusmock package).
#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use deskcheck_net::{
    validate_offices, BackendOptions, BusAddress, ChangeSource, FingerprintSource, Matcher,
    NetworkWatcher, RawOffice, Rule, System, WatchOptions,
};
use futures::StreamExt;
use zbus::zvariant::{ObjectPath, Value};
use zbus::Connection;

const SERVICE: &str = "org.freedesktop.NetworkManager";
const ROOT: &str = "/org/freedesktop/NetworkManager";
const MOCK: &str = "org.freedesktop.DBus.Mock";
const WIRELESS: &str = "org.freedesktop.NetworkManager.Device.Wireless";
const TIMEOUT: Duration = Duration::from_secs(10);

/// Child process that is killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private bus with the NetworkManager mock on it.
struct MockNetworkManager {
    address: String,
    connection: Connection,
    _mock: Process,
    _bus: Process,
}

fn python() -> PathBuf {
    // The Debian package installs dbusmock for the system interpreter only.
    let system = Path::new("/usr/bin/python3");
    if system.exists() {
        system.to_path_buf()
    } else {
        PathBuf::from("python3")
    }
}

fn start_bus() -> (Process, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon starts (install the dbus-daemon package)");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut address = String::new();
    BufReader::new(stdout).read_line(&mut address).unwrap();
    (Process(child), address.trim().to_owned())
}

impl MockNetworkManager {
    async fn start() -> Self {
        let (bus, address) = start_bus();
        let connection = zbus::connection::Builder::address(address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap();
        let dbus = zbus::fdo::DBusProxy::new(&connection).await.unwrap();
        let mut owners = dbus.receive_name_owner_changed().await.unwrap();
        let mock = Command::new(python())
            .args(["-m", "dbusmock", "--template", "networkmanager"])
            .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m dbusmock starts (install python3-dbusmock)");
        let name = SERVICE.try_into().unwrap();
        if !dbus.name_has_owner(name).await.unwrap() {
            loop {
                let signal = tokio::time::timeout(TIMEOUT, owners.next())
                    .await
                    .expect("NetworkManager mock claims its name")
                    .unwrap();
                if signal.args().unwrap().name().as_str() == SERVICE {
                    break;
                }
            }
        }
        Self {
            address,
            connection,
            _mock: Process(mock),
            _bus: bus,
        }
    }

    async fn call<B>(&self, path: &str, method: &str, body: &B) -> zbus::Message
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.connection
            .call_method(Some(SERVICE), path, Some(MOCK), method, body)
            .await
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    async fn add_wifi_device(&self) -> String {
        let reply = self
            .call(ROOT, "AddWiFiDevice", &("wlan0dev", "wlan0", 100u32))
            .await;
        reply.body().deserialize::<String>().unwrap()
    }

    async fn add_access_point(&self, device: &str, name: &str, ssid: &str, bssid: &str) -> String {
        let body = (
            device, name, ssid, bssid, 2u32, 2412u32, 54000u32, 80u8, 0u32,
        );
        let reply = self.call(ROOT, "AddAccessPoint", &body).await;
        reply.body().deserialize::<String>().unwrap()
    }

    async fn associate(&self, device: &str, access_point: &str) {
        let value = Value::from(ObjectPath::try_from(access_point).unwrap());
        self.call(
            device,
            "AddProperty",
            &(WIRELESS, "ActiveAccessPoint", value),
        )
        .await;
    }

    async fn roam(&self, device: &str, access_point: &str) {
        let value = Value::from(ObjectPath::try_from(access_point).unwrap());
        self.call(
            ROOT,
            "SetProperty",
            &(device, WIRELESS, "ActiveAccessPoint", value),
        )
        .await;
    }

    fn backend(&self) -> System {
        System::new(BackendOptions {
            networkmanager_bus: BusAddress::Address(self.address.clone()),
            logind_bus: BusAddress::Disabled,
            resolv_conf: PathBuf::from("/nonexistent/resolv.conf"),
        })
    }
}

fn offices() -> Vec<deskcheck_net::Office> {
    let raw = [
        RawOffice {
            name: "Contoso HQ".into(),
            building: "Building 1".into(),
            bssids: vec!["02:00:5E:00:53:AA".into()],
            ..RawOffice::default()
        },
        RawOffice {
            name: "Fabrikam".into(),
            building: "Building 2".into(),
            ssids: vec!["Fabrikam".into()],
            ssid_alone_is_enough: true,
            ..RawOffice::default()
        },
    ];
    validate_offices(&raw).unwrap()
}

#[tokio::test]
async fn wifi_ssid_and_bssid_are_read_and_matched() {
    let mock = MockNetworkManager::start().await;
    let device = mock.add_wifi_device().await;
    let access_point = mock
        .add_access_point(&device, "ap1", "Contoso", "02:00:5E:00:53:AA")
        .await;
    mock.associate(&device, &access_point).await;

    let fingerprint = mock.backend().read_fingerprint().await.unwrap();
    assert_eq!(fingerprint.wifi.len(), 1, "{fingerprint}");
    let link = &fingerprint.wifi[0];
    assert_eq!(link.ssid.as_deref(), Some("Contoso"));
    assert_eq!(link.bssid.unwrap().to_string(), "02:00:5e:00:53:aa");
    assert_eq!(link.interface.as_deref(), Some("wlan0"));
    assert!(!fingerprint.unavailable.iter().any(|u| u.source == "wifi"));

    let matcher = Matcher::new(offices(), Duration::from_secs(30)).unwrap();
    let evaluation = matcher.evaluate(fingerprint).await;
    let found = evaluation.matched.as_ref().expect("Contoso matches");
    assert_eq!(found.office.0, "Contoso HQ");
    assert_eq!(found.rule, Rule::Bssid);
    assert_eq!(
        evaluation.to_string(),
        "matched Contoso HQ by BSSID 02:00:5e:00:53:aa on wlan0"
    );
}

#[tokio::test]
async fn roaming_to_another_access_point_is_watched() {
    let mock = MockNetworkManager::start().await;
    let device = mock.add_wifi_device().await;
    let first = mock
        .add_access_point(&device, "ap1", "Contoso", "02:00:5e:00:53:aa")
        .await;
    let second = mock
        .add_access_point(&device, "ap2", "Fabrikam", "02:00:5e:00:53:bb")
        .await;
    mock.associate(&device, &first).await;
    let system = mock.backend();
    let mut handle = system.watch(&WatchOptions::default()).unwrap();
    loop {
        let change = tokio::time::timeout(TIMEOUT, handle.next())
            .await
            .unwrap()
            .unwrap();
        if change.sources.contains(&ChangeSource::Started) {
            break;
        }
    }

    mock.roam(&device, &second).await;
    loop {
        let change = tokio::time::timeout(TIMEOUT, handle.next())
            .await
            .expect("access point change arrives")
            .unwrap();
        if change.sources.contains(&ChangeSource::WifiAccessPoint) {
            break;
        }
    }

    let fingerprint = system.read_fingerprint().await.unwrap();
    assert_eq!(fingerprint.wifi[0].ssid.as_deref(), Some("Fabrikam"));
    let matcher = Matcher::new(offices(), Duration::from_secs(30)).unwrap();
    let evaluation = matcher.evaluate(fingerprint).await;
    let found = evaluation.matched.expect("Fabrikam matches");
    assert_eq!(found.office.0, "Fabrikam");
    assert_eq!(found.rule, Rule::SsidAlone);
}

#[tokio::test]
async fn missing_bus_reports_wifi_unavailable() {
    let system = System::new(BackendOptions {
        networkmanager_bus: BusAddress::Address("unix:path=/nonexistent/bus".into()),
        logind_bus: BusAddress::Disabled,
        resolv_conf: PathBuf::from("/nonexistent/resolv.conf"),
    });
    let fingerprint = system.read_fingerprint().await.unwrap();
    let wifi = fingerprint
        .unavailable
        .iter()
        .find(|u| u.source == "wifi")
        .expect("wifi listed as unavailable");
    assert!(wifi.reason.contains("bus not reachable"), "{}", wifi.reason);
    let _handle = system.watch(&WatchOptions::default()).unwrap();
}
