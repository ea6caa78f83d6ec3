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

    /// With --demo: the simulated PBX allows the classic login and has no OneHub (as STARFACE 9:
    /// no phone state of colleagues). Without it the demo plays a STARFACE 10 with the classic
    /// login switched off, signing in with OAuth, and colleagues' phones pushed by OneHub.
    #[arg(long, requires = "demo")]
    pub demo_classic: bool,

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

    /// Test hook (builds with `test-hooks` only): create the window at start, hidden, and only
    /// hide it on close, as WebDriver needs a webview from launch on. Without it the window is
    /// built on "Open" and destroyed on close.
    #[cfg(feature = "test-hooks")]
    #[arg(long, hide = true)]
    pub keep_window: bool,

    /// Test hook (builds with `test-hooks` only): handed to the running app, which closes its
    /// window as the window's close button does.
    #[cfg(feature = "test-hooks")]
    #[arg(long, hide = true)]
    pub close_window: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The demo's PBX with `--demo` (`--demo-classic`: one with the classic login).
    pub fn demo_pbx(&self) -> Option<bridge::demo::DemoPbx> {
        use bridge::demo::DemoPbx;
        self.demo.then_some(if self.demo_classic {
            DemoPbx::Classic
        } else {
            DemoPbx::OAuthOnly
        })
    }
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Check the settings, the policy, the keychain and the accounts; one line per check.
    Doctor {
        /// Check this policy file instead of the computer's (an administrator trying a policy
        /// before rolling it out). Only this check uses it; the app never does.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
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
    /// STARFACE: asks for the password without echo (and for the OAuth client secret when the
    /// PBX needs it); from stdin when it is not a terminal: the password on the first line, the
    /// client secret on the second.
    Starface {
        /// Read the OAuth client secret (STARFACE 10, admin interface: Server → Status →
        /// REST-API) from the first line of stdin, then ask for the password as usual (for
        /// scripted roll-outs: the secret from a file, the password typed by the user).
        #[arg(long)]
        client_secret_stdin: bool,
    },
    /// The MQTT status hook's broker password (`[hooks.mqtt]`, for its `username`): asked
    /// without echo, or the first line of stdin. Kept for that broker and user only.
    HookMqtt,
    /// The webhook status hook's signing secret (`[hooks.webhook]`): asked without echo, or the
    /// first line of stdin. Kept for that URL only.
    HookWebhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Microsoft,
    Starface,
    /// The MQTT status hook's password.
    HookMqtt,
    /// The webhook status hook's signing secret.
    HookWebhook,
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
            policy_file: policy_file(),
            log_dir: dirs.log_dir(),
            state_dir: dirs.state_dir.clone(),
        })
    }
}

/// The admin policy: the computer's, or in test builds the file `PRESENCE_BRIDGE_POLICY` names.
/// Ordinary builds never read the variable, so no user can lift the locks with it.
fn policy_file() -> PathBuf {
    crate::test_hooks::hook_file(settings::POLICY_ENV).unwrap_or_else(settings::default_policy_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_with_policy_variable(value: &str) -> Paths {
        // The only test in this binary that touches the variable.
        std::env::set_var(settings::POLICY_ENV, value);
        let cli = Cli::parse_from(["presence-bridge", "doctor"]);
        let paths = Paths::resolve(&cli).unwrap();
        std::env::remove_var(settings::POLICY_ENV);
        paths
    }

    #[cfg(not(feature = "test-hooks"))]
    #[test]
    fn policy_variable_is_ignored_without_the_feature() {
        let paths = paths_with_policy_variable("/tmp/a-policy-of-my-own.toml");
        assert_eq!(paths.policy_file, settings::default_policy_path());
    }

    #[cfg(feature = "test-hooks")]
    #[test]
    fn policy_variable_names_the_policy_in_test_builds() {
        let paths = paths_with_policy_variable("/tmp/a-test-policy.toml");
        assert_eq!(paths.policy_file, PathBuf::from("/tmp/a-test-policy.toml"));
    }

    #[test]
    fn doctor_takes_a_policy_file_to_check() {
        let cli = Cli::parse_from(["presence-bridge", "doctor", "--policy", "new.toml"]);
        assert_eq!(
            cli.command,
            Some(Command::Doctor {
                policy: Some(PathBuf::from("new.toml"))
            })
        );
    }
}
