//! `presence-relay`: reads the tenant's Teams presence once and fans it out over NATS.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use presence_relay::{doctor, setup, RelayConfig};

/// Reads the whole tenant's Teams presence once (app-only Microsoft Graph, inside a share of
/// the tenant's presence budget) and publishes every change to a NATS JetStream key-value
/// bucket that Presence Bridge desktops watch. Run two or more for high availability: exactly
/// one polls (a lease in the bucket), a standby takes over when it stops. See docs/RELAY.md.
#[derive(Parser)]
#[command(name = "presence-relay", version)]
struct Cli {
    /// The configuration file.
    #[arg(
        long,
        short,
        global = true,
        default_value = "/etc/presence-relay/relay.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the relay (the default): stand by, take the lease, poll and publish.
    Run,
    /// Check the configuration, secrets, Entra sign-in, Graph permissions, NATS, the bucket and
    /// the lease, and say what to fix.
    Doctor,
    /// Check the configuration file only (no network).
    CheckConfig,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PRESENCE_RELAY_LOG")
                .unwrap_or_else(|_| "presence_relay=info,relay_feed=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = match RelayConfig::load(&cli.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("presence-relay: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the tokio runtime starts");
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => {
            println!("{}: valid", cli.config.display());
            ExitCode::SUCCESS
        }
        Command::Doctor => runtime.block_on(async {
            let checks = doctor::run(&config, &setup::os_keychain).await;
            print!("{}", doctor::render(&checks));
            if doctor::all_passed(&checks) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Command::Run => runtime.block_on(async {
            let resolved = match setup::resolve_config(&config, &setup::os_keychain) {
                Ok(resolved) => resolved,
                Err(error) => {
                    eprintln!("presence-relay: {error}");
                    return ExitCode::from(2);
                }
            };
            let relay = resolved.into_relay();
            match relay.run(shutdown_signal()).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("presence-relay: {error}");
                    ExitCode::FAILURE
                }
            }
        }),
    }
}

/// SIGTERM (systemd stop) or Ctrl-C: stop cleanly and hand the lease over at once.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping");
}
