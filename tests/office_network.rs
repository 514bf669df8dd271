//! Office arrival end to end, on real netlink events.
//!
//! Each test creates a "laptop" network namespace and runs the simulated
//! tenant on its 127.0.0.1, with an engine whose office "HQ" is the subnet
//! 198.51.100.0/24. A veth pair whose other end sits in an "office router"
//! namespace at 198.51.100.1 plays the office LAN. The tests need root to
//! create namespaces; without root they print why they skip and pass.

use chrono::{DateTime, Duration, Utc};
use deskcheck_core::store::WhyEntry;
use deskcheck_net::netns::{skip_reason, Namespace};
use deskcheck_net::{BackendOptions, BusAddress, System};
use deskcheck_sim::{CheckInMethod, CheckInPost, EventIds, EventSpec, Tenant};
use deskcheck_tests::{deskcheck_binary, Campus, Harness};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Upper bound of every wait on the engine or the tenant.
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

const LAPTOP_LINK: &str = "lan0";
const ROUTER_LINK: &str = "lan0-router";
const LAPTOP_ADDRESS: &str = "198.51.100.10/24";
const ROUTER_ADDRESS: &str = "198.51.100.1/24";
const GATEWAY: &str = "198.51.100.1";

/// One office, HQ, recognised by its subnet behind a gateway.
const CONFIG: &str = r#"
timezone = "Europe/Paris"

[automatic]
enabled = true

[[office]]
name = "HQ"
building = "HQ"
subnets = ["198.51.100.0/24"]
"#;

macro_rules! skip_unless_root {
    () => {
        if let Some(reason) = skip_reason() {
            eprintln!("skipping: {reason}");
            return;
        }
    };
}

#[test]
fn office_arrival_claims_once() {
    skip_unless_root!();
    let laptop = Arc::new(Namespace::create("laptop").expect("laptop namespace"));
    let router = Arc::new(Namespace::create("router").expect("router namespace"));
    let inside = laptop.clone();
    // Dropping a namespace deletes the veth pair, so the test function keeps both.
    let peer_end = router.clone();
    laptop
        .run(move || arrival_then_flaps(inside, peer_end))
        .expect("the laptop namespace runs the test");
}

async fn arrival_then_flaps(laptop: Arc<Namespace>, router: Arc<Namespace>) {
    let tenant = Tenant::new();
    let hq = Campus::add_to(&tenant, "HQ", "hq");
    let annex = Campus::add_to(&tenant, "Annex", "annex");
    let start = Utc::now() + Duration::minutes(5);
    let hq_event = book(&tenant, "HQ desk", &hq, start);
    book(&tenant, "Annex desk", &annex, start);
    let running = RunningEngine::start(tenant).await;
    let harness = &running.harness;
    assert_eq!(harness.view("HQ desk").state, "open");
    assert_eq!(
        harness.view("Annex desk").state,
        "open",
        "only the building keeps it unclaimed"
    );

    let laptop = run_blocking(move || {
        wire(&laptop, &router);
        arrive(&laptop);
        laptop
    })
    .await;
    let posts = within(
        "the arrival claim",
        harness.tenant.wait_for_check_in_posts(1),
    )
    .await;
    let log = within(
        "the arrival in the why-log",
        harness.wait_for_why(|log| {
            log.iter()
                .any(|entry| action(entry, "HQ desk") == Some("claimed"))
        }),
    )
    .await;

    assert_eq!(posts.len(), 1, "one POST: {posts:?}");
    assert_eq!(posts[0].path_id, hq.desk.place_id);
    assert_eq!(posts[0].check_in_method.as_deref(), Some("inferred"));
    assert_eq!(
        posts[0].calendar_event_id.as_deref(),
        Some(hq_event.ical_uid.0.as_str())
    );
    assert_eq!(posts[0].status, Some(201));
    let claims = harness.tenant.claims();
    assert_eq!(claims.len(), 1, "one claim at the tenant");
    assert_eq!(claims[0].place_id, hq.desk.place_id);
    assert_eq!(claims[0].method, CheckInMethod::Inferred);
    let arrival = log
        .iter()
        .find(|entry| action(entry, "HQ desk") == Some("claimed"))
        .expect("found above");
    assert!(
        arrival.summary.starts_with("matched HQ by subnet"),
        "{}",
        arrival.summary
    );
    assert_eq!(
        action(arrival, "Annex desk"),
        Some("other_building"),
        "{}",
        arrival.summary
    );
    assert_eq!(harness.view("HQ desk").state, "checked_in");
    assert_eq!(harness.view("Annex desk").state, "open");

    let before = harness.why_log().len();
    let flaps = format!("link set {LAPTOP_LINK} down\nlink set {LAPTOP_LINK} up\n").repeat(50);
    let laptop = run_blocking(move || {
        laptop.ip_batch(&flaps).expect("the link flaps");
        laptop
    })
    .await;
    // A link going down removes its default route, so the engine must see
    // the office go away before the route is back.
    within(
        "an evaluation without the office",
        harness.wait_for_why(|log| {
            log[before..]
                .iter()
                .any(|entry| evaluated(entry) && !matched(entry))
        }),
    )
    .await;
    run_blocking(move || add_default_route(&laptop)).await;
    let log = within(
        "the office again after the flaps",
        harness.wait_for_why(|log| returned_after(&log[before..])),
    )
    .await;

    let after_flaps: Vec<_> = log[before..]
        .iter()
        .filter(|entry| evaluated(entry))
        .collect();
    eprintln!(
        "100 link changes and a route led to {} evaluations",
        after_flaps.len()
    );
    let last = after_flaps.last().expect("evaluations after the flaps");
    assert!(matched(last), "{}", last.summary);
    assert_eq!(
        action(last, "HQ desk"),
        Some("already_claimed"),
        "{}",
        last.summary
    );
    assert_eq!(
        action(last, "Annex desk"),
        Some("other_building"),
        "{}",
        last.summary
    );
    assert_eq!(
        harness.tenant.check_in_posts().len(),
        1,
        "no POST after the flaps"
    );
    assert_eq!(harness.tenant.claims().len(), 1, "no claim after the flaps");
    running.stop().await;
}

#[test]
fn tunnel_in_office_subnet_claims_nothing() {
    skip_unless_root!();
    let laptop = Arc::new(Namespace::create("tun-laptop").expect("laptop namespace"));
    let peer = Arc::new(Namespace::create("tun-peer").expect("tunnel peer namespace"));
    let inside = laptop.clone();
    let peer_end = peer.clone();
    laptop
        .run(move || tunnel_only(inside, peer_end))
        .expect("the laptop namespace runs the test");
}

async fn tunnel_only(laptop: Arc<Namespace>, peer: Arc<Namespace>) {
    let tenant = Tenant::new();
    let hq = Campus::add_to(&tenant, "HQ", "hq");
    book(&tenant, "HQ desk", &hq, Utc::now() + Duration::minutes(5));
    let running = RunningEngine::start(tenant).await;
    let harness = &running.harness;
    assert_eq!(
        harness.view("HQ desk").state,
        "open",
        "a match would claim it"
    );

    run_blocking(move || add_tunnels(&laptop, &peer)).await;
    let log = within(
        "an evaluation with the tunnel's route",
        harness.wait_for_why(|log| log.iter().any(|entry| has_gateway_on(entry, "wg0"))),
    )
    .await;

    let entry = log
        .iter()
        .find(|entry| has_gateway_on(entry, "wg0"))
        .expect("found above");
    assert!(!matched(entry), "{}", entry.summary);
    assert!(
        entry.summary.starts_with("no office matched"),
        "{}",
        entry.summary
    );
    assert!(entry.summary.contains("wg0"), "{}", entry.summary);
    assert!(
        has_address_on(entry, "tun0"),
        "tun0 was read: {}",
        entry.detail
    );
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no POST for a tunnel"
    );
    assert!(harness.tenant.claims().is_empty(), "no claim for a tunnel");
    assert_eq!(harness.view("HQ desk").state, "open");
    running.stop().await;
}

#[test]
fn early_arrival_claims_when_window_opens() {
    skip_unless_root!();
    let laptop = Arc::new(Namespace::create("early-laptop").expect("laptop namespace"));
    let router = Arc::new(Namespace::create("early-router").expect("router namespace"));
    let inside = laptop.clone();
    let peer_end = router.clone();
    laptop
        .run(move || early_arrival(inside, peer_end))
        .expect("the laptop namespace runs the test");
}

async fn early_arrival(laptop: Arc<Namespace>, router: Arc<Namespace>) {
    let tenant = Tenant::new();
    let hq = Campus::add_to(&tenant, "HQ", "hq");
    let running = RunningEngine::start(tenant).await;
    let harness = &running.harness;
    // The default window opens 15 minutes before the start: 2 s from now.
    let start = harness.engine.now() + Duration::minutes(15) + Duration::seconds(2);
    let window_opens = start - Duration::minutes(15);
    book(&harness.tenant, "Early desk", &hq, start);
    harness.engine.sync().await.expect("the engine syncs");
    assert_eq!(harness.view("Early desk").state, "upcoming");

    run_blocking(move || {
        wire(&laptop, &router);
        arrive(&laptop);
    })
    .await;
    let log = within(
        "the armed claim in the why-log",
        harness.wait_for_why(|log| {
            log.iter()
                .any(|entry| action(entry, "Early desk") == Some("armed"))
        }),
    )
    .await;
    let armed_at = log
        .iter()
        .find(|entry| action(entry, "Early desk") == Some("armed"))
        .expect("found above")
        .at;
    assert!(
        armed_at < window_opens,
        "armed at {armed_at}, before {window_opens}"
    );
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no POST before the window opens"
    );

    let posts = within(
        "the claim at window opening",
        harness.tenant.wait_for_check_in_posts(1),
    )
    .await;
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].path_id, hq.desk.place_id);
    assert_eq!(posts[0].check_in_method.as_deref(), Some("inferred"));
    assert!(
        posts[0].received >= window_opens,
        "posted at {}, window opens {window_opens}",
        posts[0].received
    );
    let log = within(
        "the window-opening claim in the why-log",
        harness.wait_for_why(|log| {
            log.iter().any(|entry| {
                entry.summary.starts_with("still at HQ")
                    && action(entry, "Early desk") == Some("claimed")
            })
        }),
    )
    .await;
    assert!(log
        .iter()
        .any(|entry| entry.summary.contains("checked in automatically")));
    assert_eq!(harness.tenant.claims().len(), 1);
    running.stop().await;
}

/// Measures the time from an office arrival (address and default route
/// added) to the claim POST at the tenant, over 24 arrivals.
#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn arrival_to_claim_timing() {
    skip_unless_root!();
    let laptop = Arc::new(Namespace::create("time-laptop").expect("laptop namespace"));
    let router = Arc::new(Namespace::create("time-router").expect("router namespace"));
    let inside = laptop.clone();
    let peer_end = router.clone();
    laptop
        .run(move || measure_arrivals(inside, peer_end, 24))
        .expect("the laptop namespace runs the test");
}

/// Delays of one arrival, in milliseconds.
#[derive(Clone, Copy, Debug)]
struct Sample {
    /// From just before the `ip` command starts to the waiter's return.
    from_command_start: f64,
    /// From the `ip` command's return to the waiter's return.
    from_command_end: f64,
    /// From just before the `ip` command starts to the tenant's receipt.
    to_receipt: f64,
}

async fn measure_arrivals(laptop: Arc<Namespace>, router: Arc<Namespace>, runs: usize) {
    let tenant = Tenant::new();
    let hq = Campus::add_to(&tenant, "HQ", "hq");
    let running = RunningEngine::start(tenant).await;
    let harness = &running.harness;
    let laptop = run_blocking(move || {
        wire(&laptop, &router);
        laptop
    })
    .await;

    let mut laptop = laptop;
    let mut samples = Vec::with_capacity(runs);
    for run in 0..runs {
        let subject = format!("Desk run {run}");
        book(
            &harness.tenant,
            &subject,
            &hq,
            harness.engine.now() + Duration::minutes(5),
        );
        harness.engine.sync().await.expect("the engine syncs");
        assert_eq!(harness.view(&subject).state, "open");

        let (sample, back) = timed_arrival(harness, laptop, run + 1).await;
        laptop = back;
        samples.push(sample);

        let before = harness.why_log().len();
        laptop = run_blocking(move || {
            laptop
                .ip(&["address", "flush", "dev", LAPTOP_LINK])
                .expect("the address is removed");
            laptop
        })
        .await;
        within(
            "the departure in the why-log",
            harness.wait_for_why(|log| {
                log[before..]
                    .iter()
                    .any(|entry| evaluated(entry) && !matched(entry))
            }),
        )
        .await;
    }
    assert_eq!(
        harness.tenant.check_in_posts().len(),
        runs,
        "one POST per arrival"
    );
    report(&samples);
    running.stop().await;
}

async fn timed_arrival(
    harness: &Harness,
    laptop: Arc<Namespace>,
    posts: usize,
) -> (Sample, Arc<Namespace>) {
    let utc_before = harness.clock.now();
    let before = Instant::now();
    let (laptop, after) = run_blocking(move || {
        arrive(&laptop);
        (laptop, Instant::now())
    })
    .await;
    let seen = within(
        "the arrival claim",
        harness.tenant.wait_for_check_in_posts(posts),
    )
    .await;
    let claimed = Instant::now();
    let post: &CheckInPost = seen.last().expect("at least one POST");
    assert_eq!(post.check_in_method.as_deref(), Some("inferred"));
    let sample = Sample {
        from_command_start: millis(claimed - before),
        from_command_end: millis(claimed - after),
        to_receipt: (post.received - utc_before)
            .num_microseconds()
            .unwrap_or(i64::MAX) as f64
            / 1000.0,
    };
    (sample, laptop)
}

fn report(samples: &[Sample]) {
    eprintln!("arrival to claim over {} arrivals (ms):", samples.len());
    let from_start: Vec<f64> = samples.iter().map(|s| s.from_command_start).collect();
    print_spread("ip start to waiter return", from_start);
    let from_end: Vec<f64> = samples.iter().map(|s| s.from_command_end).collect();
    print_spread("ip return to waiter return", from_end);
    let to_receipt: Vec<f64> = samples.iter().map(|s| s.to_receipt).collect();
    print_spread("ip start to tenant receipt", to_receipt);
}

/// Prints the median, the worst and the best of `values`.
fn print_spread(name: &str, mut values: Vec<f64>) {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let worst = values[values.len() - 1];
    let best = values[0];
    eprintln!("  {name}: median {median:.1}, worst {worst:.1}, best {best:.1}");
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// An engine with network detection, running inside the current namespace.
struct RunningEngine {
    harness: Harness,
    shutdown: CancellationToken,
    engine: JoinHandle<()>,
    network: JoinHandle<deskcheck_core::Result<()>>,
    _resolv_dir: TempDir,
}

impl RunningEngine {
    /// Serves `tenant`, syncs once, starts the engine's loops and waits for
    /// the first network evaluation, so the netlink watcher is subscribed.
    async fn start(tenant: Tenant) -> RunningEngine {
        let harness = Harness::start_with(tenant, Utc::now(), CONFIG).await;
        harness.engine.sync().await.expect("the engine syncs");
        let resolv_dir = tempfile::tempdir().expect("a temporary directory");
        let resolv_conf = resolv_dir.path().join("resolv.conf");
        std::fs::write(&resolv_conf, "search office.example\n").expect("resolv.conf is written");
        let shutdown = CancellationToken::new();

        let engine = harness.engine.clone();
        let stop = shutdown.clone();
        let engine_task = tokio::spawn(async move { engine.run(stop).await });
        let engine = harness.engine.clone();
        let stop = shutdown.clone();
        let network_task =
            tokio::spawn(async move { engine.run_network(system(resolv_conf), stop).await });
        within(
            "the first network evaluation",
            harness.wait_for_why(|log| log.iter().any(evaluated)),
        )
        .await;
        RunningEngine {
            harness,
            shutdown,
            engine: engine_task,
            network: network_task,
            _resolv_dir: resolv_dir,
        }
    }

    async fn stop(self) {
        self.shutdown.cancel();
        within("the engine to stop", self.engine)
            .await
            .expect("the engine loop ends");
        within("network detection to stop", self.network)
            .await
            .expect("the network loop ends")
            .expect("network detection ran");
    }
}

fn system(resolv_conf: PathBuf) -> System {
    System::new(BackendOptions {
        networkmanager_bus: BusAddress::Disabled,
        logind_bus: BusAddress::Disabled,
        resolv_conf,
    })
}

fn book(tenant: &Tenant, subject: &str, campus: &Campus, start: DateTime<Utc>) -> EventIds {
    let address = campus
        .desk
        .email_address
        .as_deref()
        .expect("desks have an address");
    tenant
        .add_event(
            EventSpec::new(subject, start, start + Duration::hours(8)).at_place("Desk", address),
        )
        .expect("the booking is valid")
}

/// Creates the office LAN: the router end up at 198.51.100.1 and the laptop
/// end up with no address yet.
fn wire(laptop: &Namespace, router: &Namespace) {
    laptop
        .add_veth(LAPTOP_LINK, router, ROUTER_LINK)
        .expect("the veth pair is created");
    router
        .ip_batch(&format!(
            "link set {ROUTER_LINK} addrgenmode none\n\
             address add {ROUTER_ADDRESS} dev {ROUTER_LINK}\n\
             link set {ROUTER_LINK} up\n"
        ))
        .expect("the router end is configured");
    laptop
        .ip_batch(&format!(
            "link set {LAPTOP_LINK} addrgenmode none\n\
             link set {LAPTOP_LINK} up\n"
        ))
        .expect("the laptop end is up");
}

/// Joins the office network: the laptop's address, then its default route.
fn arrive(laptop: &Namespace) {
    laptop
        .ip_batch(&format!(
            "address add {LAPTOP_ADDRESS} dev {LAPTOP_LINK}\n\
             route add default via {GATEWAY} dev {LAPTOP_LINK}\n"
        ))
        .expect("the laptop joins the office network");
}

fn add_default_route(laptop: &Namespace) {
    laptop
        .ip(&[
            "route",
            "add",
            "default",
            "via",
            GATEWAY,
            "dev",
            LAPTOP_LINK,
        ])
        .expect("the default route is added");
}

/// Adds a tun device and a veth named like a WireGuard link, both with
/// addresses in the office subnet. The default route goes through `wg0`.
fn add_tunnels(laptop: &Namespace, peer: &Namespace) {
    laptop.add_tun("tun0").expect("tun0 is created");
    laptop
        .ip_batch(
            "address add 198.51.100.20/32 dev tun0\n\
             link set tun0 up\n\
             route add 198.51.100.128/25 dev tun0\n",
        )
        .expect("tun0 is configured");
    laptop
        .add_veth("wg0", peer, "wg0-peer")
        .expect("the wg0 veth pair is created");
    peer.ip(&["link", "set", "wg0-peer", "up"])
        .expect("the peer end is up");
    laptop
        .ip_batch(&format!(
            "address add 198.51.100.5/24 dev wg0\n\
             link set wg0 up\n\
             route add default via {GATEWAY} dev wg0\n"
        ))
        .expect("wg0 is configured");
}

/// Runs blocking `ip` work off the runtime thread, so the engine keeps
/// reading netlink while the command runs. The blocking thread is spawned
/// from the namespace's thread and so shares its namespace.
async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("the ip commands ran")
}

async fn within<T>(awaited: &str, future: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {awaited}"),
    }
}

/// Checks whether `entry` records a network evaluation, not a run-loop claim.
fn evaluated(entry: &WhyEntry) -> bool {
    entry.detail.get("evaluation").is_some()
}

fn matched(entry: &WhyEntry) -> bool {
    entry.detail["evaluation"]["matched"].is_object()
}

/// Finds the action that `entry` records for the booking `subject`.
fn action<'a>(entry: &'a WhyEntry, subject: &str) -> Option<&'a str> {
    entry.detail["decisions"]
        .as_array()?
        .iter()
        .find(|decision| decision["subject"] == subject)?["action"]["action"]
        .as_str()
}

/// Checks whether the log shows an evaluation without the office followed
/// by one with it.
fn returned_after(log: &[WhyEntry]) -> bool {
    let Some(left) = log
        .iter()
        .position(|entry| evaluated(entry) && !matched(entry))
    else {
        return false;
    };
    log[left..]
        .iter()
        .any(|entry| evaluated(entry) && matched(entry))
}

fn has_gateway_on(entry: &WhyEntry, interface: &str) -> bool {
    let gateways = entry.detail["evaluation"]["fingerprint"]["gateways"].as_array();
    gateways.is_some_and(|gateways| {
        gateways
            .iter()
            .any(|gateway| gateway["interface"] == interface)
    })
}

fn has_address_on(entry: &WhyEntry, interface: &str) -> bool {
    let interfaces = entry.detail["evaluation"]["fingerprint"]["interfaces"].as_array();
    interfaces.is_some_and(|interfaces| {
        interfaces.iter().any(|found| {
            found["name"] == interface
                && found["addresses"]
                    .as_array()
                    .is_some_and(|addresses| !addresses.is_empty())
        })
    })
}

/// Automatic check-in without any office defined yet.
const CONFIG_WITHOUT_OFFICE: &str = r#"
timezone = "Europe/Paris"

[automatic]
enabled = true
"#;

#[test]
fn added_network_matches_at_once() {
    skip_unless_root!();
    let laptop = Arc::new(Namespace::create("laptop").expect("laptop namespace"));
    let router = Arc::new(Namespace::create("router").expect("router namespace"));
    let inside = laptop.clone();
    let peer_end = router.clone();
    laptop
        .run(move || add_current_network(inside, peer_end))
        .expect("the laptop namespace runs the test");
}

async fn add_current_network(laptop: Arc<Namespace>, router: Arc<Namespace>) {
    let tenant = Tenant::new();
    let hq = Campus::add_to(&tenant, "HQ", "hq");
    book(&tenant, "HQ desk", &hq, Utc::now() + Duration::minutes(5));
    let harness = Harness::start_with(tenant, Utc::now(), CONFIG_WITHOUT_OFFICE).await;
    harness.engine.sync().await.expect("the engine syncs");
    let resolv_dir = tempfile::tempdir().expect("a temporary directory");
    let resolv_conf = resolv_dir.path().join("resolv.conf");
    std::fs::write(&resolv_conf, "").expect("resolv.conf is written");
    let shutdown = CancellationToken::new();
    let engine = harness.engine.clone();
    let stop = shutdown.clone();
    let detection_conf = resolv_conf.clone();
    let network =
        tokio::spawn(async move { engine.run_network(system(detection_conf), stop).await });

    let laptop = run_blocking(move || {
        wire(&laptop, &router);
        arrive(&laptop);
        laptop
    })
    .await;
    assert!(
        harness.tenant.check_in_posts().is_empty(),
        "no office, no claim"
    );

    // The command line writes the office into a config file.
    let config_dir = tempfile::tempdir().expect("a temporary directory");
    let config = config_dir.path().join("config.toml");
    std::fs::write(&config, "timezone = \"Europe/Paris\"\n").expect("the config is written");
    let namespace = laptop.name().to_owned();
    let config_arg = config.display().to_string();
    let output = run_blocking(move || {
        std::process::Command::new("ip")
            .args(["netns", "exec", &namespace])
            .arg(deskcheck_binary())
            .args([
                "--config",
                &config_arg,
                "network",
                "--add-office",
                "HQ",
                "--building",
                "HQ",
            ])
            .env("HOME", std::env::temp_dir())
            .output()
            .expect("deskcheck runs in the namespace")
    })
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "add-office failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("198.51.100.0/24"), "{stdout}");
    let written = std::fs::read_to_string(&config).expect("the config is readable");
    assert!(written.contains("[[office]]"), "{written}");
    assert!(
        written.contains("gateway_ips = [\"198.51.100.1\"]"),
        "{written}"
    );
    assert!(
        written.contains("timezone"),
        "the rest of the file is kept: {written}"
    );

    // The engine takes the same office without a restart and claims.
    let fingerprint = deskcheck_net::FingerprintSource::read_fingerprint(&system(resolv_conf))
        .await
        .expect("the fingerprint is read");
    let (_, office) =
        deskcheck_net::office_from_network(&fingerprint, "HQ", "HQ").expect("an office");
    harness.engine.set_offices(vec![office]);
    let posts = within(
        "the claim after adding the office",
        harness.tenant.wait_for_check_in_posts(1),
    )
    .await;
    assert_eq!(posts[0].check_in_method.as_deref(), Some("inferred"));
    assert_eq!(posts[0].path_id, hq.desk.place_id);

    shutdown.cancel();
    within("network detection to stop", network)
        .await
        .expect("the network loop ends")
        .expect("network detection ran");
    drop(laptop);
}
