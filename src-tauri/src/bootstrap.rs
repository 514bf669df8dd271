//! Builds the engine and its services from the command line's global
//! options: settings, directories, the claim store, sign-in, and with
//! `--demo` the simulated tenant in this process.

use anyhow::{Context, Result};
use deskcheck_auth::{
    AccessToken, AuthConfig, AuthState, Authenticator, MemoryStore, Session, SignOutReason,
    TokenError, TokenSet, TokenSource,
};
use deskcheck_core::clock::Clock;
use deskcheck_core::config::{Dirs, Overrides, Settings};
use deskcheck_core::engine::{AccountView, Engine, EngineOptions};
use deskcheck_core::graph;
use deskcheck_core::store::{ClaimStatus, Store};
use deskcheck_sim::RunningTenant;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Options that every subcommand and the tray app share.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct GlobalOptions {
    /// Run against a simulated tenant started in this process, with its own
    /// data directory. No account needed.
    #[arg(long, global = true)]
    pub demo: bool,

    /// Read settings from this TOML file instead of the platform config
    /// directory's `deskcheck/config.toml`.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

pub struct Services {
    pub engine: Engine,
    pub settings: Settings,
    pub dirs: Dirs,
    /// The sign-in session; `None` when no client id is configured.
    pub session: Option<Arc<Session>>,
    /// The simulated tenant, with `--demo`. Held only to keep it serving:
    /// dropping it stops the server.
    #[allow(dead_code)]
    pub tenant: Option<RunningTenant>,
}

/// Client id the demo tenant accepts; it names no real app registration.
const DEMO_CLIENT_ID: &str = "deskcheck-demo";
/// How long a demo day's bookings keep their times when nothing was claimed.
const DEMO_ANCHOR_FRESH: chrono::Duration = chrono::Duration::minutes(5);

pub async fn start(options: &GlobalOptions) -> Result<Services> {
    let platform = Dirs::platform()?;
    let dirs = if options.demo {
        platform.demo()
    } else {
        platform
    };
    let config_file = options.config.clone().unwrap_or_else(|| dirs.config_file());
    let overrides = if options.demo {
        Overrides::default()
    } else {
        Overrides::from_env()
    };
    let mut settings = Settings::load(&config_file, options.config.is_some(), &overrides)?;
    let store_path = dirs.data.join("deskcheck.sqlite3");
    let store = Store::open(&store_path)?;

    let (tenant, session, tokens): (_, _, Arc<dyn TokenSource>) = if options.demo {
        let (tenant, session) = start_demo(&mut settings, &store).await?;
        let tokens = session.clone();
        (Some(tenant), Some(session), tokens)
    } else {
        match open_session(&settings, &dirs)? {
            Some(session) => {
                let tokens = session.clone();
                (None, Some(session), tokens)
            }
            None => (None, None, Arc::new(NoClientId)),
        }
    };

    let graph = graph::Client::new(
        graph::Client::http_client(),
        settings.graph_url.clone(),
        tokens,
    );
    let engine = Engine::new(
        graph,
        store,
        EngineOptions {
            settings: settings.clone(),
            clock: Clock::System,
            demo: options.demo,
        },
    )?;
    if let Some(session) = &session {
        follow_sign_in(&engine, session, options.demo)?;
    } else {
        engine.set_account(AccountView {
            signed_in: false,
            demo: false,
            message: Some(NoClientId::MESSAGE.into()),
        })?;
    }
    Ok(Services {
        engine,
        settings,
        dirs,
        session,
        tenant,
    })
}

/// Starts network detection on this machine's network stack, when offices
/// are configured.
pub fn spawn_network(
    engine: &Engine,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<deskcheck_core::Result<()>> {
    let engine = engine.clone();
    tokio::spawn(async move {
        let system = deskcheck_net::System::new(deskcheck_net::BackendOptions::default());
        engine.run_network(system, shutdown).await
    })
}

/// Builds the authenticator for the configured tenant, or `None` without a client id.
pub fn authenticator(settings: &Settings) -> Result<Option<Authenticator>> {
    let Some(client_id) = &settings.client_id else {
        return Ok(None);
    };
    let config = AuthConfig::new(settings.authority_url.clone(), &settings.tenant, client_id);
    Ok(Some(
        Authenticator::new(config).context("invalid sign-in settings")?,
    ))
}

fn open_session(settings: &Settings, dirs: &Dirs) -> Result<Option<Arc<Session>>> {
    let Some(auth) = authenticator(settings)? else {
        return Ok(None);
    };
    let (secrets, warning) = deskcheck_auth::open_secret_store(&dirs.data);
    if let Some(warning) = warning {
        tracing::warn!("{warning}");
    }
    let session =
        Session::restore(auth, secrets)?.with_refresh_lock(dirs.data.join("sign-in.lock"));
    Ok(Some(Arc::new(session)))
}

/// Mirrors the session's sign-in state into the engine's snapshot.
fn follow_sign_in(engine: &Engine, session: &Arc<Session>, demo: bool) -> Result<()> {
    let view = move |state: &AuthState| match state {
        AuthState::SignedIn { .. } => AccountView {
            signed_in: true,
            demo,
            message: None,
        },
        AuthState::SignedOut { reason } => AccountView {
            signed_in: false,
            demo,
            message: Some(describe_sign_out(reason)),
        },
    };
    let mut changes = session.subscribe();
    engine.set_account(view(&changes.borrow_and_update()))?;
    let engine = engine.clone();
    tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            let account = view(&changes.borrow_and_update());
            if let Err(error) = engine.set_account(account) {
                tracing::warn!(%error, "could not publish the sign-in state");
            }
        }
    });
    Ok(())
}

/// Says in plain words why nobody is signed in and what to do.
pub fn describe_sign_out(reason: &SignOutReason) -> String {
    match reason {
        SignOutReason::NotSignedIn => "not signed in: run `deskcheck login`".into(),
        SignOutReason::SignedOut => "signed out: run `deskcheck login` to sign in again".into(),
        SignOutReason::Expired => {
            "the sign-in expired or was revoked: run `deskcheck login` to sign in again".into()
        }
        SignOutReason::ActionRequired(problem) => problem.to_string(),
    }
}

/// Starts the simulated tenant with the demo data and signs in to it.
///
/// The demo day is anchored: bookings keep their times across runs while a
/// claim exists or for a few minutes, so `check-in` then `status` in two
/// processes see the same reservations. Claims made earlier are loaded into
/// the new tenant, as a real tenant would remember them.
async fn start_demo(
    settings: &mut Settings,
    store: &Store,
) -> Result<(RunningTenant, Arc<Session>)> {
    let now = chrono::Utc::now();
    let zone = settings.timezone;
    let anchor = demo_anchor(store, now, zone)?;
    let tenant = deskcheck_sim::demo_tenant(anchor, zone);
    tenant.identity().set_auto_approve(true);
    for row in store.all_claims()? {
        if row.status != ClaimStatus::Claimed {
            continue;
        }
        if let Some(path_id) = &row.path_id {
            let method = deskcheck_sim::CheckInMethod::parse(row.method.as_str())
                .unwrap_or(deskcheck_sim::CheckInMethod::Unspecified);
            if let Err(error) = tenant.add_claim(path_id, row.ical_uid.as_str(), method) {
                tracing::debug!(%error, "a stored demo claim does not match today's demo data");
            }
        }
    }
    let running = tenant
        .serve(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .context("could not start the demo tenant on 127.0.0.1")?;
    settings.graph_url = running.graph_url().parse().context("demo Graph URL")?;
    settings.authority_url = running
        .authority_url()
        .parse()
        .context("demo authority URL")?;
    settings.tenant = "contoso.example".into();
    settings.client_id = Some(DEMO_CLIENT_ID.into());
    // The demo shows automatic check-in working; a real account starts
    // with it off until the person turns it on.
    if settings.automatic.is_none() {
        settings.automatic = Some(true);
    }

    let auth = authenticator(settings)?.expect("the demo sets a client id");
    let (access, refresh, expires_in) = running.tenant().identity().issue_tokens_for_demo();
    let tokens = TokenSet {
        access: AccessToken::new(access),
        refresh: Some(deskcheck_auth::RefreshToken::new(refresh)),
        expires_at: tokio::time::Instant::now() + Duration::from_secs(expires_in),
        account: None,
    };
    let session = Session::signed_in(auth, Box::new(MemoryStore::default()), tokens)?;
    Ok((running, Arc::new(session)))
}

fn demo_anchor(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
    zone: chrono_tz::Tz,
) -> Result<chrono::DateTime<chrono::Utc>> {
    const KEY: &str = "demo_anchor";
    let stored: Option<chrono::DateTime<chrono::Utc>> = store.get(KEY)?;
    let today = now.with_timezone(&zone).date_naive();
    let has_claim = store
        .all_claims()?
        .iter()
        .any(|row| row.status == ClaimStatus::Claimed);
    if let Some(anchor) = stored {
        let same_day = anchor.with_timezone(&zone).date_naive() == today;
        if same_day && (has_claim || now - anchor < DEMO_ANCHOR_FRESH) {
            return Ok(anchor);
        }
    }
    store.forget_account_data()?;
    store.put(KEY, &now)?;
    Ok(now)
}

/// The token source when no client id is configured.
struct NoClientId;

impl NoClientId {
    const MESSAGE: &'static str =
        "no client id is configured: set `client_id` in the config file or \
DESKCHECK_CLIENT_ID (see the README's app registration steps), or try `deskcheck --demo`";
}

#[async_trait::async_trait]
impl TokenSource for NoClientId {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Err(TokenError::Rejected(Self::MESSAGE.into()))
    }

    async fn refresh_after_unauthorized(&self, _: &AccessToken) -> Result<AccessToken, TokenError> {
        Err(TokenError::Rejected(Self::MESSAGE.into()))
    }
}
