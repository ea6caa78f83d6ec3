//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "presence-bridge",
    version,
    about = "Colleagues' Teams presence in the tray, and your Teams status synced to STARFACE",
    long_about = "Presence Bridge shows your colleagues' Microsoft Teams presence in the tray and \
                  syncs your own Teams status to your STARFACE PBX (DND and chat status), locally \
                  on this computer. Run without a command to start the tray app."
)]
pub struct Cli {
    /// Settings file to use instead of the default one in your config folder.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Run without a window or tray: sync only, logging to stderr. Stop with Ctrl+C or SIGTERM.
    #[arg(long)]
    pub headless: bool,

    /// Run against built-in simulators of Microsoft 365 and STARFACE with a made-up organisation.
    /// Touches neither your settings nor your keychain.
    #[arg(long)]
    pub demo: bool,

    /// Open the window at start (what the app menu's entry does). Without it the app starts in
    /// the tray only, as it does at login.
    #[arg(long, conflicts_with = "headless")]
    pub window: bool,

    /// Test hook (builds with the `test-hooks` feature only, never in a package): handed to the
    /// running app, which acts as if the tray menu item with this id was clicked (a test cannot
    /// click a tray menu).
    #[cfg(feature = "test-hooks")]
    #[arg(long, value_name = "ITEM_ID", hide = true)]
    pub tray_item: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Check the settings, the policy, the keychain and the accounts; one line per check.
    Doctor,
    /// Ask the running Presence Bridge to quit.
    Quit,
    /// Sign in and keep the sign-in in the keychain.
    #[command(subcommand)]
    Login(LoginTarget),
    /// Forget a sign-in (removes it from the keychain).
    Logout {
        /// Which account.
        #[arg(value_enum)]
        service: Service,
    },
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum LoginTarget {
    /// Microsoft 365: opens the system browser (the URL is printed too).
    Microsoft {
        /// Sign in on another device with a code instead (for machines without a browser).
        #[arg(long)]
        device_code: bool,
    },
    /// STARFACE: reads the password from stdin when it is not a terminal, else asks without echo.
    Starface,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Microsoft,
    Starface,
}

/// Files and folders this run uses.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub policy_file: PathBuf,
    pub log_dir: PathBuf,
    /// Where the journal file lives.
    pub state_dir: PathBuf,
}

impl Paths {
    pub fn resolve(cli: &Cli) -> Result<Self, String> {
        let dirs = settings::AppDirs::from_platform()
            .ok_or("cannot find your home folder (is $HOME set?)")?;
        let config_file = match &cli.config {
            Some(path) if path.is_dir() => {
                return Err(format!(
                    "--config {}: is a folder, expected a file",
                    path.display()
                ))
            }
            Some(path) => path.clone(),
            None => dirs.config_file(),
        };
        Ok(Self {
            config_file,
            policy_file: settings::default_policy_path(),
            log_dir: dirs.log_dir(),
            state_dir: dirs.state_dir.clone(),
        })
    }
}
