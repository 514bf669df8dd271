//! Shared set-up for the end-to-end tests: a simulated tenant on
//! 127.0.0.1, an engine pointed at it with a store in a temporary
//! directory, and a clock that follows tokio's paused time.

use chrono::{DateTime, Duration, TimeZone, Utc};
use deskcheck_auth::{AccessToken, AuthConfig, Authenticator, MemoryStore, Session, TokenSet};
use deskcheck_core::clock::Clock;
use deskcheck_core::config::{Overrides, RawConfig, Settings};
use deskcheck_core::engine::{Engine, EngineOptions, ReservationView};
use deskcheck_core::graph::{self, retry::RetryPolicy};
use deskcheck_core::store::{Store, WhyEntry};
use deskcheck_sim::{PlaceIds, PlaceSpec, RunningTenant, Tenant};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;

/// Thursday 3 December 2026, 08:50 UTC: the default "now" of a test.
pub fn test_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 8, 50, 0).unwrap()
}

/// One building with a floor, a section, two desks, a desk pool and a room.
pub struct Campus {
    pub building: PlaceIds,
    pub desk: PlaceIds,
    pub second_desk: PlaceIds,
    pub pool: PlaceIds,
    pub room: PlaceIds,
}

impl Campus {
    pub fn add_to(tenant: &Tenant, name: &str, prefix: &str) -> Campus {
        let add = |spec: PlaceSpec| tenant.add_place(spec).expect("test places are valid");
        let building = add(PlaceSpec::building(name));
        let floor = add(PlaceSpec::floor(&format!("{name} floor 1"), &building));
        let section = add(PlaceSpec::section(&format!("{name} 1 east"), &floor));
        Campus {
            desk: add(PlaceSpec::desk(
                &format!("{prefix} desk 1"),
                &section,
                &format!("{prefix}-desk-1@contoso.example"),
            )),
            second_desk: add(PlaceSpec::desk(
                &format!("{prefix} desk 2"),
                &section,
                &format!("{prefix}-desk-2@contoso.example"),
            )),
            pool: add(PlaceSpec::workspace(
                &format!("{prefix} pool"),
                &section,
                &format!("{prefix}-pool@contoso.example"),
            )),
            room: add(PlaceSpec::room(
                &format!("{prefix} room"),
                &floor,
                &format!("{prefix}-room@contoso.example"),
            )),
            building,
        }
    }
}

/// A tenant with one building and a booking "Desk" of its first desk,
/// starting five minutes after [`test_now`], so its window is open then.
pub fn desk_booking_tenant(options: deskcheck_sim::TenantOptions) -> (Tenant, Campus) {
    let tenant = Tenant::with_options(options);
    let campus = Campus::add_to(&tenant, "HQ", "hq");
    let start = test_now() + Duration::minutes(5);
    let address = campus
        .desk
        .email_address
        .as_deref()
        .expect("desks have an address");
    tenant
        .add_event(
            deskcheck_sim::EventSpec::new("Desk", start, start + Duration::hours(8))
                .at_place("Desk", address),
        )
        .expect("the test booking is valid");
    (tenant, campus)
}

/// [`desk_booking_tenant`] served, with an engine that has synced once.
pub async fn synced_desk_booking(options: deskcheck_sim::TenantOptions) -> (Harness, Campus) {
    let (tenant, campus) = desk_booking_tenant(options);
    let harness = Harness::start(tenant, test_now()).await;
    harness
        .engine
        .sync()
        .await
        .expect("the first sync succeeds");
    (harness, campus)
}

/// The `deskcheck` binary: `DESKCHECK_BIN`, or the one next to this test's
/// executable in the same target directory.
pub fn deskcheck_binary() -> PathBuf {
    if let Ok(path) = std::env::var("DESKCHECK_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test knows its own path");
    let dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let path = dir.join(format!("deskcheck{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build -p deskcheck`",
        path.display()
    );
    path
}

/// Writes a claim intent for `view` as a run that died before its POST
/// would have left it.
pub fn write_dead_intent(harness: &Harness, view: &ReservationView) {
    let store = Store::open(&harness.store_path()).expect("store opens");
    let place = deskcheck_core::ids::PlaceObjectId::new(view.place.id.clone());
    store
        .begin_claim(&deskcheck_core::store::IntentRequest {
            key: &view.key,
            ical_uid: &view.ical_uid,
            place: &place,
            method: &deskcheck_core::model::CheckInMethod::Manual,
            owner: "999999999:dead",
            now: harness.engine.now(),
            lease: std::time::Duration::from_secs(180),
            owner_alive: &|_| false,
        })
        .expect("the intent is written");
}

/// A running tenant and an engine that talks to it.
pub struct Harness {
    pub tenant: Tenant,
    pub server: RunningTenant,
    pub engine: Engine,
    pub session: Arc<Session>,
    pub dir: Arc<TempDir>,
    pub clock: Clock,
    pub settings: Settings,
}

impl Harness {
    /// Serves `tenant` and builds an engine at `now` with default settings.
    pub async fn start(tenant: Tenant, now: DateTime<Utc>) -> Harness {
        Self::start_with(tenant, now, "timezone = \"Europe/Paris\"\n").await
    }

    /// Like [`Harness::start`], with a config file's text.
    pub async fn start_with(tenant: Tenant, now: DateTime<Utc>, config: &str) -> Harness {
        let clock = Clock::starting_at(now);
        let tenant_clock = clock.clone();
        tenant.set_clock(move || tenant_clock.now());
        let server = tenant
            .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("the tenant listens on loopback");
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let settings = settings_for(&server, config);
        let session = Arc::new(signed_in_session(&server, &settings));
        let engine = build_engine(&settings, &session, &dir, &clock);
        Harness {
            tenant,
            server,
            engine,
            session,
            dir,
            clock,
            settings,
        }
    }

    /// A second engine on the same store, as after a restart of the app.
    /// The old engine is dropped first, as a crashed process would be.
    pub fn restart(&mut self) {
        let fresh = build_engine(&self.settings, &self.session, &self.dir, &self.clock);
        self.engine = fresh;
    }

    /// Another engine on the same store, running beside this one.
    pub fn second_engine(&self) -> Engine {
        build_engine(&self.settings, &self.session, &self.dir, &self.clock)
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.path().join("deskcheck.sqlite3")
    }

    /// The reservation of `subject`, from the latest snapshot.
    pub fn view(&self, subject: &str) -> ReservationView {
        let snapshot = self.engine.snapshot();
        snapshot
            .reservations
            .iter()
            .find(|view| view.subject == subject)
            .cloned()
            .unwrap_or_else(|| {
                let subjects: Vec<_> = snapshot.reservations.iter().map(|v| &v.subject).collect();
                panic!("no reservation {subject:?}; have {subjects:?}")
            })
    }

    pub fn subjects(&self) -> Vec<String> {
        self.engine
            .snapshot()
            .reservations
            .iter()
            .map(|view| view.subject.clone())
            .collect()
    }

    /// Moves the tokio clock, and so the engine's and the tenant's UTC, on.
    pub async fn advance(&self, by: Duration) {
        tokio::time::advance(by.to_std().expect("a positive duration")).await;
    }
}

fn settings_for(server: &RunningTenant, config: &str) -> Settings {
    let raw: RawConfig = toml::from_str(config).expect("test config parses");
    let overrides = Overrides {
        graph_url: Some(server.graph_url()),
        authority_url: Some(server.authority_url()),
        client_id: Some("deskcheck-demo".into()),
        tenant: Some("contoso.example".into()),
    };
    Settings::validate(raw, None, &overrides).expect("test settings are valid")
}

fn signed_in_session(server: &RunningTenant, settings: &Settings) -> Session {
    let config = AuthConfig::new(
        settings.authority_url.clone(),
        &settings.tenant,
        settings.client_id.clone().expect("set above"),
    );
    let auth = Authenticator::new(config).expect("valid test sign-in settings");
    let (access, refresh, expires_in) = server.tenant().identity().issue_tokens_for_demo();
    let tokens = TokenSet {
        access: AccessToken::new(access),
        refresh: Some(deskcheck_auth::RefreshToken::new(refresh)),
        expires_at: tokio::time::Instant::now() + std::time::Duration::from_secs(expires_in),
        account: None,
    };
    Session::signed_in(auth, Box::new(MemoryStore::default()), tokens).expect("session starts")
}

fn build_engine(
    settings: &Settings,
    session: &Arc<Session>,
    dir: &TempDir,
    clock: &Clock,
) -> Engine {
    let store = Store::open(&dir.path().join("deskcheck.sqlite3")).expect("store opens");
    let retry = RetryPolicy {
        max_attempts: 4,
        ..RetryPolicy::default()
    };
    let graph = graph::Client::new(
        graph::Client::http_client(),
        settings.graph_url.clone(),
        session.clone(),
    )
    .with_retry(retry);
    Engine::new(
        graph,
        store,
        EngineOptions {
            settings: settings.clone(),
            clock: clock.clone(),
            demo: false,
        },
    )
    .expect("engine starts")
}

impl Harness {
    /// Reads the whole why-log, oldest entry first.
    pub fn why_log(&self) -> Vec<WhyEntry> {
        let mut entries = self
            .engine
            .store()
            .why_entries(i64::MAX as usize)
            .expect("the why-log reads");
        entries.reverse();
        entries
    }

    /// Waits until `done` holds for the why-log (oldest entry first) and
    /// returns the log. The log is read again on each snapshot the engine
    /// publishes, and the engine publishes after writing an entry (the run
    /// loop at the end of its pass), so the wait sees every entry. Callers
    /// bound the wait with `tokio::time::timeout`.
    pub async fn wait_for_why(&self, done: impl Fn(&[WhyEntry]) -> bool) -> Vec<WhyEntry> {
        let mut snapshots = self.engine.subscribe();
        loop {
            let entries = self.why_log();
            if done(&entries) {
                return entries;
            }
            snapshots
                .changed()
                .await
                .expect("the engine outlives the wait");
        }
    }
}
