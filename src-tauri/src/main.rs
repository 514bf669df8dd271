//! The `deskcheck` binary: the tray app when run without a subcommand, the
//! command line otherwise. Both drive the engine in `deskcheck-core`.

// No console window on Windows for the tray app.
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

mod app;
mod bootstrap;
mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(
        cli.verbose,
        matches!(cli.command, None | Some(Command::Watch)),
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(command) => runtime.block_on(cli::run(&cli.global, command)),
        None => run_tray(&runtime, &cli.global),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_tray(
    runtime: &tokio::runtime::Runtime,
    global: &bootstrap::GlobalOptions,
) -> anyhow::Result<()> {
    // `services` owns the demo tenant, so it lives as long as the app.
    let services = runtime.block_on(bootstrap::start(global))?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let _network = {
        let _entered = runtime.enter();
        bootstrap::spawn_network(&services.engine, shutdown.clone())
    };
    let result = app::run(app::AppContext {
        engine: services.engine.clone(),
        demo: global.demo,
        runtime: runtime.handle().clone(),
        session: services.session.clone(),
    });
    shutdown.cancel();
    result?;
    drop(services);
    Ok(())
}

/// Logs to stderr. Commands log warnings only; the tray app and `watch`,
/// which run for hours, log each decision at info.
fn init_logging(verbose: u8, long_running: bool) {
    let default = match (verbose, long_running) {
        (0, false) => "warn",
        (0, true) | (1, _) => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{default},hyper=warn,reqwest=warn,tao=warn,wry=warn"
        ))
    });
    // Colour codes only on a terminal, so logs written to a file stay plain.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
}
