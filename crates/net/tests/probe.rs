//! Probe and matcher tests against a real HTTP server on 127.0.0.1.

use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use deskcheck_net::{
    validate_offices, Fingerprint, Gateway, Interface, InterfaceKind, Matcher, ProbeResult,
    RawOffice, RawProbe,
};

/// HTTP server that responds to `/health` with a settable status and counts requests.
struct ProbeServer {
    url: String,
    hits: Arc<AtomicU32>,
    status: Arc<AtomicU16>,
}

async fn start_server() -> ProbeServer {
    let hits = Arc::new(AtomicU32::new(0));
    let status = Arc::new(AtomicU16::new(200));
    let (hits_handler, status_handler) = (hits.clone(), status.clone());
    let app = Router::new().route(
        "/health",
        get(move || async move {
            hits_handler.fetch_add(1, Ordering::SeqCst);
            StatusCode::from_u16(status_handler.load(Ordering::SeqCst)).unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    ProbeServer {
        url: format!("http://{address}/health"),
        hits,
        status,
    }
}

fn office(url: &str, timeout_ms: Option<u64>) -> Vec<deskcheck_net::Office> {
    let raw = RawOffice {
        name: "Contoso HQ".into(),
        building: "Building 1".into(),
        subnets: vec!["192.0.2.0/24".into()],
        probe: Some(RawProbe {
            url: url.into(),
            expect_status: Some(204),
            timeout_ms,
        }),
        ..RawOffice::default()
    };
    validate_offices(&[raw]).unwrap()
}

/// eth0 in 192.0.2.0/24 with gateway `gateway`.
fn wired(gateway: &str) -> Fingerprint {
    Fingerprint {
        interfaces: vec![Interface {
            index: 2,
            name: "eth0".into(),
            kind: InterfaceKind::Ethernet,
            up: true,
            mac: None,
            addresses: vec!["192.0.2.10/24".parse().unwrap()],
        }],
        gateways: vec![Gateway {
            ip: gateway.parse().unwrap(),
            interface: "eth0".into(),
            mac: None,
        }],
        ..Fingerprint::default()
    }
}

#[tokio::test]
async fn probe_with_expected_status_matches() {
    let server = start_server().await;
    server.status.store(204, Ordering::SeqCst);
    let matcher = Matcher::new(office(&server.url, None), Duration::from_secs(30)).unwrap();
    let evaluation = matcher.evaluate(wired("192.0.2.1")).await;
    assert!(evaluation.matched.is_some(), "{evaluation}");
    let text = evaluation.to_string();
    assert!(
        text.starts_with("matched Contoso HQ by subnet 192.0.2.0/24"),
        "{text}"
    );
    assert!(text.ends_with("returned 204"), "{text}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn probe_with_other_status_does_not_match() {
    let server = start_server().await;
    let matcher = Matcher::new(office(&server.url, None), Duration::from_secs(30)).unwrap();
    let evaluation = matcher.evaluate(wired("192.0.2.1")).await;
    assert!(evaluation.matched.is_none(), "{evaluation}");
    let probe = evaluation.offices[0].probe.as_ref().unwrap();
    assert_eq!(
        probe.result,
        ProbeResult::WrongStatus {
            status: 200,
            expected: 204
        }
    );
    assert!(evaluation
        .to_string()
        .contains("returned 200, expected 204"));
}

#[tokio::test]
async fn probe_without_match_is_not_sent() {
    let server = start_server().await;
    let matcher = Matcher::new(office(&server.url, None), Duration::from_secs(30)).unwrap();
    let mut fingerprint = wired("192.0.2.1");
    fingerprint.gateways.clear();
    let evaluation = matcher.evaluate(fingerprint).await;
    assert!(evaluation.matched.is_none());
    assert!(evaluation.offices[0].probe.is_none());
    assert_eq!(server.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn probe_is_rate_limited_per_office() {
    let server = start_server().await;
    server.status.store(204, Ordering::SeqCst);
    let matcher = Matcher::new(office(&server.url, None), Duration::from_secs(30)).unwrap();

    let first = matcher.evaluate(wired("192.0.2.1")).await;
    assert!(first.matched.is_some(), "{first}");

    let same_network = matcher.evaluate(wired("192.0.2.1")).await;
    assert!(same_network.matched.is_some(), "{same_network}");
    assert!(same_network.offices[0].probe.as_ref().unwrap().cached);
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);

    let other_network = matcher.evaluate(wired("192.0.2.254")).await;
    assert!(other_network.matched.is_none(), "{other_network}");
    let retry = other_network.retry_after_ms.expect("probe deferred");
    assert!(retry > 0, "{retry}");
    assert!(retry <= 30_000, "{retry}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);

    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(31)).await;
    tokio::time::resume();
    let later = matcher.evaluate(wired("192.0.2.254")).await;
    assert!(later.matched.is_some(), "{later}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn probe_times_out() {
    // A listener that accepts connections and never responds.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/health", listener.local_addr().unwrap());
    let _accepting = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let matcher = Matcher::new(office(&url, Some(50)), Duration::from_secs(30)).unwrap();
    let evaluation = matcher.evaluate(wired("192.0.2.1")).await;
    assert!(evaluation.matched.is_none());
    let probe = evaluation.offices[0].probe.as_ref().unwrap();
    assert_eq!(probe.result, ProbeResult::TimedOut { timeout_ms: 50 });
}
