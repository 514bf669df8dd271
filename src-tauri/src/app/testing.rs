//! A test fixture: the demo tenant on loopback and a real engine talking to
//! it with a fixed token, as `deskcheck --demo` runs them.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use deskcheck_auth::{AccessToken, StaticToken};
use deskcheck_core::clock::Clock;
use deskcheck_core::config::{Overrides, RawConfig, Settings};
use deskcheck_core::engine::{Engine, EngineOptions};
use deskcheck_core::graph;
use deskcheck_core::store::Store;
use deskcheck_sim::RunningTenant;

/// A demo engine and the tenant it talks to. Dropping it stops the tenant.
pub struct Demo {
    pub engine: Engine,
    pub tenant: RunningTenant,
}

/// Starts the demo tenant with bookings relative to `now` and an engine
/// whose store lives at `store_path`.
pub async fn start(
    now: DateTime<Utc>,
    zone: Tz,
    store_path: &Path,
) -> Result<Demo, super::AppError> {
    let tenant = deskcheck_sim::demo_tenant(now, zone);
    let running = tenant
        .serve(([127, 0, 0, 1], 0).into())
        .await
        .map_err(deskcheck_core::Error::Io)?;
    let overrides = Overrides {
        graph_url: Some(running.graph_url()),
        ..Overrides::default()
    };
    let mut settings = Settings::validate(RawConfig::default(), None, &overrides)?;
    settings.timezone = zone;
    // The demo has no sign-in, so the tenant accepts any bearer token.
    running
        .tenant()
        .update_options(|options| options.require_auth = false);
    let client = graph::Client::new(
        graph::Client::http_client(),
        settings.graph_url.clone(),
        Arc::new(StaticToken(AccessToken::new("demo"))),
    );
    let store = Store::open(store_path)?;
    let options = EngineOptions {
        settings,
        clock: Clock::System,
        demo: true,
    };
    let engine = Engine::new(client, store, options)?;
    tracing::info!(graph = %running.graph_url(), "demo tenant started");
    Ok(Demo {
        engine,
        tenant: running,
    })
}
