//! Fingerprint and watcher tests inside network namespaces (root only).

use std::path::PathBuf;
use std::time::Duration;

use deskcheck_net::netns::{skip_reason, Namespace};
use deskcheck_net::{
    validate_offices, BackendOptions, BusAddress, ChangeSource, Fingerprint, FingerprintSource,
    InterfaceKind, Matcher, NetworkWatcher, RawOffice, Rule, System, WatchHandle, WatchOptions,
};

const GATEWAY_MAC: &str = "02:00:5e:00:53:01";
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

macro_rules! skip_unless_root {
    () => {
        if let Some(reason) = skip_reason() {
            eprintln!("skipping: {reason}");
            return;
        }
    };
}

fn backend(resolv_conf: PathBuf) -> System {
    System::new(BackendOptions {
        networkmanager_bus: BusAddress::Disabled,
        logind_bus: BusAddress::Disabled,
        resolv_conf,
    })
}

fn ip(namespace: &str, args: &[&str]) {
    let status = std::process::Command::new("ip")
        .args(["-n", namespace])
        .args(args)
        .status()
        .expect("ip runs");
    assert!(status.success(), "ip -n {namespace} {args:?} failed");
}

fn ip_batch(namespace: &str, lines: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("ip")
        .args(["-n", namespace, "-batch", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("ip runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    stdin.write_all(lines.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "ip -batch failed");
}

/// Waits for a change that includes `source`.
async fn wait_for(handle: &mut WatchHandle, source: ChangeSource) {
    loop {
        let change = tokio::time::timeout(EVENT_TIMEOUT, handle.next())
            .await
            .unwrap_or_else(|_| panic!("no {source:?} change within {EVENT_TIMEOUT:?}"))
            .expect("watcher running");
        if change.sources.contains(&source) {
            return;
        }
    }
}

/// Client namespace with `dc0`, wired to `dc1` at 192.0.2.1 in a peer namespace.
fn wired_pair() -> (Namespace, Namespace) {
    let client = Namespace::create("client").unwrap();
    let peer = Namespace::create("peer").unwrap();
    client.add_veth("dc0", &peer, "dc1").unwrap();
    peer.ip(&["link", "set", "dc1", "address", GATEWAY_MAC])
        .unwrap();
    peer.ip(&["link", "set", "dc1", "addrgenmode", "none"])
        .unwrap();
    peer.ip(&["address", "add", "192.0.2.1/24", "dev", "dc1"])
        .unwrap();
    peer.ip(&["link", "set", "dc1", "up"]).unwrap();
    client
        .ip(&["link", "set", "dc0", "address", "02:00:5e:00:53:10"])
        .unwrap();
    client
        .ip(&["link", "set", "dc0", "addrgenmode", "none"])
        .unwrap();
    client.ip(&["link", "set", "dc0", "up"]).unwrap();
    (client, peer)
}

fn offices(tables: &str) -> Vec<deskcheck_net::Office> {
    #[derive(serde::Deserialize)]
    struct File {
        office: Vec<RawOffice>,
    }
    let file: File = toml::from_str(tables).unwrap();
    validate_offices(&file.office).unwrap()
}

#[test]
fn watcher_sees_address_route_and_neighbour() {
    skip_unless_root!();
    let (client, _peer) = wired_pair();
    let dir = tempfile::tempdir().unwrap();
    let resolv = dir.path().join("resolv.conf");
    std::fs::write(&resolv, "search corp.example.com\n").unwrap();
    let name = client.name().to_owned();
    let fingerprint: Fingerprint = client
        .run(move || async move {
            let system = backend(resolv);
            let mut handle = system.watch(&WatchOptions::default()).unwrap();
            wait_for(&mut handle, ChangeSource::Started).await;
            ip(&name, &["address", "add", "192.0.2.10/24", "dev", "dc0"]);
            wait_for(&mut handle, ChangeSource::Address).await;
            ip(
                &name,
                &["route", "add", "default", "via", "192.0.2.1", "dev", "dc0"],
            );
            wait_for(&mut handle, ChangeSource::Route).await;
            let neighbour = ["neigh", "replace", "192.0.2.1", "lladdr", GATEWAY_MAC];
            ip(
                &name,
                &[&neighbour[..], &["dev", "dc0", "nud", "permanent"]].concat(),
            );
            wait_for(&mut handle, ChangeSource::Neighbour).await;
            system.read_fingerprint().await.unwrap()
        })
        .unwrap();

    let interface = fingerprint.interface("dc0").expect("dc0 listed");
    assert_eq!(interface.kind, InterfaceKind::Ethernet);
    assert!(interface.up);
    assert_eq!(interface.addresses, vec!["192.0.2.10/24".parse().unwrap()]);
    assert_eq!(fingerprint.gateways.len(), 1, "{fingerprint}");
    let gateway = &fingerprint.gateways[0];
    assert_eq!(gateway.ip.to_string(), "192.0.2.1");
    assert_eq!(gateway.interface, "dc0");
    assert_eq!(
        gateway.mac.map(|m| m.to_string()).as_deref(),
        Some(GATEWAY_MAC)
    );
    assert_eq!(fingerprint.dns_suffixes, vec!["corp.example.com"]);
    assert!(fingerprint.unavailable.iter().any(|u| u.source == "wifi"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let matcher = Matcher::new(
        offices(
            r#"
            [[office]]
            name = "Contoso HQ"
            building = "Building 1"
            gateway_macs = ["02-00-5E-00-53-01"]
            [[office]]
            name = "Fabrikam"
            building = "Building 2"
            subnets = ["198.51.100.0/24"]
            "#,
        ),
        Duration::from_secs(30),
    )
    .unwrap();
    let evaluation = runtime.block_on(matcher.evaluate(fingerprint));
    let found = evaluation.matched.as_ref().expect("an office matches");
    assert_eq!(found.office.0, "Contoso HQ");
    assert_eq!(found.rule, Rule::GatewayMac);
    assert_eq!(
        evaluation.to_string(),
        "matched Contoso HQ by gateway MAC 02:00:5e:00:53:01 on dc0"
    );
}

#[test]
fn link_flaps_are_coalesced() {
    skip_unless_root!();
    let (client, _peer) = wired_pair();
    let name = client.name().to_owned();
    let (changes, events) = client
        .run(move || async move {
            let system = backend(PathBuf::from("/nonexistent/resolv.conf"));
            let mut handle = system.watch(&WatchOptions::default()).unwrap();
            wait_for(&mut handle, ChangeSource::Started).await;
            let batch = "link set dc0 down\nlink set dc0 up\n".repeat(50);
            // A blocking thread inherits the namespace and keeps the runtime free to read.
            let flapper = tokio::task::spawn_blocking(move || ip_batch(&name, &batch));
            let mut changes = 0u32;
            let mut events = 0u32;
            // Each down and each up produces at least one RTM_NEWLINK message.
            while events < 100 {
                let change = tokio::time::timeout(EVENT_TIMEOUT, handle.next())
                    .await
                    .expect("link changes arrive")
                    .expect("watcher running");
                assert!(change.sources.contains(&ChangeSource::Link), "{change:?}");
                changes += 1;
                events += change.events;
            }
            flapper.await.unwrap();
            (changes, events)
        })
        .unwrap();
    eprintln!("{events} netlink events arrived as {changes} changes");
    assert!(changes < events, "{changes} changes for {events} events");
}

#[test]
fn tunnel_with_office_subnet_does_not_match() {
    skip_unless_root!();
    let client = Namespace::create("tunnel").unwrap();
    let peer = Namespace::create("tunnel-peer").unwrap();
    client.add_tun("tun0").unwrap();
    client
        .ip(&["address", "add", "203.0.113.5/24", "dev", "tun0"])
        .unwrap();
    client.ip(&["link", "set", "tun0", "up"]).unwrap();
    // A veth named wg0 is a tunnel by name alone: its link kind and hardware type are Ethernet.
    client.add_veth("wg0", &peer, "wg0-peer").unwrap();
    peer.ip(&["link", "set", "wg0-peer", "up"]).unwrap();
    client
        .ip(&["address", "add", "198.51.100.5/24", "dev", "wg0"])
        .unwrap();
    client.ip(&["link", "set", "wg0", "up"]).unwrap();
    client
        .ip(&[
            "route",
            "add",
            "default",
            "via",
            "198.51.100.1",
            "dev",
            "wg0",
        ])
        .unwrap();
    let fingerprint = client
        .run(|| async {
            backend(PathBuf::from("/nonexistent/resolv.conf"))
                .read_fingerprint()
                .await
                .unwrap()
        })
        .unwrap();

    let tun = fingerprint.interface("tun0").expect("tun0 listed");
    assert_eq!(tun.kind, InterfaceKind::Tunnel);
    let wg = fingerprint.interface("wg0").expect("wg0 listed");
    assert_eq!(wg.kind, InterfaceKind::Tunnel);
    assert!(wg.up);
    assert_eq!(fingerprint.gateways.len(), 1, "{fingerprint}");
    assert!(fingerprint.unavailable.iter().any(|u| u.source == "dns"));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let matcher = Matcher::new(
        offices(
            r#"
            [[office]]
            name = "Contoso HQ"
            building = "Building 1"
            subnets = ["203.0.113.0/24", "198.51.100.0/24"]
            [[office]]
            name = "Fabrikam"
            building = "Building 2"
            gateway_ips = ["198.51.100.1"]
            subnets = ["198.51.100.0/24"]
            "#,
        ),
        Duration::from_secs(30),
    )
    .unwrap();
    let evaluation = runtime.block_on(matcher.evaluate(fingerprint));
    assert!(evaluation.matched.is_none(), "{evaluation}");
    for outcome in &evaluation.offices {
        assert_eq!(outcome.rule, None, "{}", outcome.reason);
        assert!(outcome.reason.contains("wg0"), "{}", outcome.reason);
    }
}
