//! The command line: `status`, `check-in`, `watch`, `login`, `logout`,
//! `why` and `network`. With no subcommand, `deskcheck` starts the tray app.

mod login;
mod status;

use crate::bootstrap::{self, GlobalOptions};
use anyhow::{bail, Result};
use clap::{Parser, Subcommand, ValueEnum};
use deskcheck_core::engine::CheckInOutcome;
use deskcheck_core::ids::ICalUid;
use deskcheck_core::model::CheckInMethod;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Parser)]
#[command(
    name = "deskcheck",
    version,
    about = "Check in to your Microsoft Places desk and room bookings"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,

    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show today's and the coming week's reservations and their check-in state.
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check in to a reservation whose check-in window is open.
    CheckIn {
        /// The event's iCalUId, or a reservation `key` from `status --json`;
        /// needed when more than one window is open.
        #[arg(long, value_name = "ICALUID|KEY")]
        event: Option<String>,
        /// The check-in method recorded in Microsoft Places.
        #[arg(long, value_enum, default_value_t = MethodArg::Manual)]
        method: MethodArg,
    },
    /// Run the engine without the tray: sync, reminders and retries, logging
    /// to stderr, until interrupted.
    Watch,
    /// Sign in to Microsoft 365.
    Login {
        /// Sign in with a code entered on another device instead of this
        /// machine's browser.
        #[arg(long)]
        device_code: bool,
    },
    /// Sign out and delete the stored tokens and cached reservations.
    Logout,
    /// Show why automatic check-in did or did not happen: each network
    /// evaluation, the office rule matched and the decision. Kept on this
    /// device only.
    Why {
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
        /// How many entries to show, newest first.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Show this machine's network fingerprint and which office it matches.
    Network {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Add the current network to the config file as an office of this
        /// name (its gateway, subnet and Wi-Fi access point).
        #[arg(long, value_name = "NAME", requires = "building")]
        add_office: Option<String>,
        /// The building of the added office: its display name, id or placeId.
        #[arg(long, value_name = "BUILDING", requires = "add_office")]
        building: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MethodArg {
    Manual,
    Inferred,
}

impl From<MethodArg> for CheckInMethod {
    fn from(method: MethodArg) -> Self {
        match method {
            MethodArg::Manual => CheckInMethod::Manual,
            MethodArg::Inferred => CheckInMethod::Inferred,
        }
    }
}

/// Prints the current fingerprint and its evaluation against the offices.
async fn network(global: &GlobalOptions, json: bool) -> Result<()> {
    let services = bootstrap::start(global).await?;
    let fingerprint = deskcheck_net::read_fingerprint().await?;
    let matcher = deskcheck_net::Matcher::new(
        services.settings.offices.clone(),
        deskcheck_net::DEFAULT_PROBE_INTERVAL,
    )?;
    let evaluation = matcher.evaluate(fingerprint).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
    } else {
        println!("{}", evaluation.fingerprint);
        println!("{evaluation}");
    }
    Ok(())
}

/// Adds the current network to the config file as an office.
async fn add_office(global: &GlobalOptions, name: &str, building: &str, json: bool) -> Result<()> {
    let services = bootstrap::start(global).await?;
    let fingerprint = deskcheck_net::read_fingerprint().await?;
    let (raw, _) = deskcheck_net::office_from_network(&fingerprint, name, building)?;
    let file = services
        .settings
        .file
        .clone()
        .unwrap_or_else(|| services.dirs.config_file());
    deskcheck_core::config::append_office(&file, &raw)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&raw)?);
    } else {
        println!(
            "Added office {name:?} (building {building:?}) to {}:",
            file.display()
        );
        println!("{}", toml_office(&raw));
    }
    Ok(())
}

fn toml_office(raw: &deskcheck_net::RawOffice) -> String {
    let mut lines = Vec::new();
    for (key, values) in [
        ("gateway_macs", &raw.gateway_macs),
        ("gateway_ips", &raw.gateway_ips),
        ("subnets", &raw.subnets),
        ("bssids", &raw.bssids),
        ("ssids", &raw.ssids),
    ] {
        if !values.is_empty() {
            lines.push(format!("  {key} = {}", values.join(", ")));
        }
    }
    lines.join("\n")
}

/// Runs a subcommand to completion.
pub async fn run(global: &GlobalOptions, command: Command) -> Result<()> {
    match command {
        Command::Status { json } => {
            let services = bootstrap::start(global).await?;
            let synced = services.engine.sync().await;
            let snapshot = services.engine.snapshot();
            if json {
                println!("{}", serde_json::to_string_pretty(&*snapshot)?);
            } else {
                print!("{}", status::render(&snapshot, services.engine.now()));
            }
            synced.map_err(Into::into)
        }
        Command::CheckIn { event, method } => {
            let services = bootstrap::start(global).await?;
            let engine = &services.engine;
            engine.sync().await?;
            let key = engine.select_for_check_in(event.map(ICalUid::new).as_ref())?;
            match engine.check_in(&key, method.into()).await? {
                CheckInOutcome::Claimed { reservation, new } => {
                    let claim = reservation.claim.as_ref();
                    let method = claim.map_or("unknown".into(), |claim| claim.method.to_string());
                    let verb = if new { "Checked in to" } else { "Already checked in to" };
                    println!("{verb} {} ({method}).", reservation.place.name);
                    Ok(())
                }
                CheckInOutcome::Pending { reservation, error } => bail!(
                    "the check-in to {} is not confirmed yet ({error}); it is kept and will be retried by \
                     `deskcheck watch` or the tray app",
                    reservation.place.name
                ),
            }
        }
        Command::Watch => {
            let services = bootstrap::start(global).await?;
            let shutdown = CancellationToken::new();
            let stop = shutdown.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            let mut notices = services.engine.notices();
            tokio::spawn(async move {
                while let Ok(notice) = notices.recv().await {
                    tracing::info!(notice = %serde_json::to_string(&notice).unwrap_or_default(), "notice");
                }
            });
            let network = bootstrap::spawn_network(&services.engine, shutdown.clone());
            services.engine.run(shutdown).await;
            network.await??;
            Ok(())
        }
        Command::Why { json, limit } => {
            let services = bootstrap::start(global).await?;
            let entries = services.engine.store().why_entries(limit)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else if entries.is_empty() {
                println!("No network evaluations recorded yet.");
            } else {
                for entry in entries {
                    // One decision a line: the summary joins them with "; ".
                    let summary = entry.summary.replace("; ", "\n                         ");
                    println!("{}  {summary}", entry.at.format("%Y-%m-%d %H:%M:%S UTC"));
                }
            }
            Ok(())
        }
        Command::Network {
            json,
            add_office: Some(name),
            building: Some(building),
        } => add_office(global, &name, &building, json).await,
        Command::Network { json, .. } => network(global, json).await,
        Command::Login { device_code } => login::login(global, device_code).await,
        Command::Logout => login::logout(global).await,
    }
}
