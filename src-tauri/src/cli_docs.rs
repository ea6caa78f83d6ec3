//! The man pages and shell completions, generated from the clap definition in `cli.rs` so they
//! never drift from `--help`. `presence-bridge write-cli-docs DIR` writes them; `scripts/package.sh`
//! runs it and the Linux packages install the result. That command is not part of the clap
//! definition: clap_complete would offer even a hidden subcommand to users.
//!
//! Layout of DIR (the packages map each part to its system folder):
//! `man1/*.1` (one page per command, uncompressed), `presence-bridge.bash`,
//! `_presence-bridge` (zsh) and `presence-bridge.fish`.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

const BIN: &str = "presence-bridge";
const COMMAND: &str = "write-cli-docs";

/// Runs `presence-bridge write-cli-docs DIR` when that is the command line (`args` as from
/// `std::env::args_os`); `None` for every other command line.
pub fn run_if_asked(args: &[OsString]) -> Option<ExitCode> {
    match args {
        [_, command, rest @ ..] if command == COMMAND => Some(match rest {
            [dir] => run(Path::new(dir)),
            _ => {
                eprintln!("usage: {BIN} {COMMAND} DIR");
                ExitCode::from(2)
            }
        }),
        _ => None,
    }
}

fn run(dir: &Path) -> ExitCode {
    match write(dir) {
        Ok(files) => {
            for file in files {
                println!("{}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err((file, error)) => {
            eprintln!("presence-bridge: cannot write {}: {error}", file.display());
            ExitCode::FAILURE
        }
    }
}

/// Writes every page and completion file; returns their paths, or the file that failed.
fn write(dir: &Path) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let man_dir = dir.join("man1");
    std::fs::create_dir_all(&man_dir).map_err(|e| (man_dir.clone(), e))?;
    let mut written = Vec::new();
    let mut command = command();
    for (page, render) in man_pages(&command) {
        let path = man_dir.join(page);
        write_file(&path, |out| out.write_all(&render))?;
        written.push(path);
    }
    for (shell, name) in [
        (Shell::Bash, format!("{BIN}.bash")),
        (Shell::Zsh, format!("_{BIN}")),
        (Shell::Fish, format!("{BIN}.fish")),
    ] {
        let path = dir.join(name);
        write_file(&path, |out| {
            clap_complete::generate(shell, &mut command, BIN, out);
            Ok(())
        })?;
        written.push(path);
    }
    Ok(written)
}

fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let result = File::create(path).and_then(|file| {
        let mut out = BufWriter::new(file);
        fill(&mut out)?;
        out.flush()
    });
    result.map_err(|e| (path.to_owned(), e))
}

/// The command line as users see it; `help` is not offered as a subcommand (`--help` is).
fn command() -> clap::Command {
    let mut command = Cli::command().bin_name(BIN).disable_help_subcommand(true);
    command.build();
    command
}

/// `(file name, roff)` for the main page and one page per visible subcommand, nested ones
/// included (`presence-bridge-login-microsoft.1`).
fn man_pages(command: &clap::Command) -> Vec<(String, Vec<u8>)> {
    let mut pages = vec![(format!("{BIN}.1"), main_page(command))];
    let mut pending: Vec<&clap::Command> = visible_subcommands(command).collect();
    while let Some(sub) = pending.pop() {
        pending.extend(visible_subcommands(sub));
        let man = clap_mangen::Man::new(sub.clone()).manual("Presence Bridge");
        let mut roff = Vec::new();
        man.render(&mut roff).expect("rendering into memory");
        pages.push((man.get_filename(), roff));
    }
    pages
}

fn visible_subcommands(command: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    command.get_subcommands().filter(|sub| !sub.is_hide_set())
}

/// The main page: clap's sections, then what `--help` cannot say (files, environment, exit
/// status), then the version.
fn main_page(command: &clap::Command) -> Vec<u8> {
    let man = clap_mangen::Man::new(command.clone()).manual("Presence Bridge");
    let mut roff = Vec::new();
    type Section = fn(&clap_mangen::Man, &mut dyn Write) -> std::io::Result<()>;
    let sections: [Section; 6] = [
        clap_mangen::Man::render_title,
        clap_mangen::Man::render_name_section,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
        clap_mangen::Man::render_options_section,
        clap_mangen::Man::render_subcommands_section,
    ];
    for render in sections {
        render(&man, &mut roff).expect("rendering into memory");
    }
    roff.extend_from_slice(EXTRA_SECTIONS.as_bytes());
    man.render_version_section(&mut roff)
        .expect("rendering into memory");
    roff
}

/// Hand-written roff for the Linux packages (paths as on Linux; docs/CONFIG.md has all
/// platforms). Minus signs are escaped (`\-`), as man pages need.
const EXTRA_SECTIONS: &str = r#".SH FILES
.TP
\fI$XDG_CONFIG_HOME/presence\-bridge/config.toml\fR (usually \fI~/.config/presence\-bridge/config.toml\fR)
Your settings, written by the window. Secrets are never in it: tokens and passwords live in the
desktop's keychain (Secret Service).
.TP
\fI/etc/presence\-bridge/policy.toml\fR
The administrator's policy for every user of this computer: defaults and locked settings. An
annotated example is \fI/usr/share/doc/presence\-bridge/policy.example.toml\fR. Check a policy
before rolling it out with \fBpresence\-bridge doctor \-\-policy\fR \fIFILE\fR.
.TP
\fI$XDG_STATE_HOME/presence\-bridge/logs/\fR (usually \fI~/.local/state/presence\-bridge/logs/\fR)
Daily log files, seven kept. They hold no presence history.
.TP
\fI~/.config/autostart/Presence Bridge.desktop\fR
Written while the setting "start with the desktop session" is on: starts the app in the tray
at login, without opening the window.
.SH ENVIRONMENT
.TP
\fBPRESENCE_BRIDGE_LOG\fR
The log filter, for example \fBdebug\fR or \fBinfo,graph_client=debug\fR.
.SH EXIT STATUS
0 on success; 1 when a command fails (\fBdoctor\fR found a problem, \fBquit\fR found no running
app, a sign\-in failed); 2 when the command line is wrong.
.SH SEE ALSO
\fI/usr/share/doc/presence\-bridge/\fR: the example policy.
The rollout guide for administrators is docs/DEPLOY.md in the source repository.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> String {
        let pages = man_pages(&command());
        let (_, roff) = pages
            .into_iter()
            .find(|(file, _)| file == name)
            .unwrap_or_else(|| panic!("no page {name}"));
        String::from_utf8(roff).unwrap()
    }

    #[test]
    fn only_its_own_command_line_runs_the_generator() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(run_if_asked(&args(&[BIN])), None);
        assert_eq!(run_if_asked(&args(&[BIN, "doctor"])), None);
        assert_eq!(run_if_asked(&args(&[BIN, "--config", COMMAND])), None);
        assert_eq!(
            run_if_asked(&args(&[BIN, COMMAND])),
            Some(ExitCode::from(2))
        );
    }

    #[test]
    fn one_page_per_visible_command() {
        let mut names: Vec<String> = man_pages(&command()).into_iter().map(|(n, _)| n).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "presence-bridge-doctor.1",
                "presence-bridge-login-hook-mqtt.1",
                "presence-bridge-login-hook-webhook.1",
                "presence-bridge-login-microsoft.1",
                "presence-bridge-login-starface.1",
                "presence-bridge-login.1",
                "presence-bridge-logout.1",
                "presence-bridge-quit.1",
                "presence-bridge.1",
            ]
        );
    }

    #[test]
    fn main_page_has_the_options_the_commands_and_the_files() {
        let main = page("presence-bridge.1");
        assert!(
            main.starts_with(".ie \\n(.g .ds Aq"),
            "roff preamble: {main:.80}"
        );
        for needle in [
            ".TH presence-bridge 1",
            "\\-\\-headless",
            "\\-\\-demo",
            "\\-\\-window",
            "presence\\-bridge\\-doctor(1)",
            ".SH FILES",
            "/etc/presence\\-bridge/policy.toml",
            "doctor \\-\\-policy",
            ".SH VERSION",
            env!("CARGO_PKG_VERSION"),
        ] {
            assert!(main.contains(needle), "main page lacks {needle:?}:\n{main}");
        }
        assert!(!main.contains("write\\-cli\\-docs"), "{main}");
        // Builds for users read no policy from the environment, so the page offers none.
        assert!(!main.contains("PRESENCE_BRIDGE_POLICY"), "{main}");
    }

    #[test]
    fn nested_pages_show_their_own_options() {
        assert!(page("presence-bridge-login-microsoft.1").contains("\\-\\-device\\-code"));
        assert!(page("presence-bridge-doctor.1").contains("\\-\\-policy"));
    }

    #[test]
    fn writes_pages_and_completions_for_three_shells() {
        let dir = tempfile::tempdir().unwrap();
        let written = write(dir.path()).unwrap();
        assert_eq!(written.len(), 9 + 3, "{written:?}");
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        let bash = read("presence-bridge.bash");
        assert!(bash.contains("-o default presence-bridge"), "{bash}");
        assert!(
            bash.contains("doctor") && bash.contains("--device-code"),
            "{bash}"
        );
        let zsh = read("_presence-bridge");
        assert!(zsh.starts_with("#compdef presence-bridge"), "{zsh}");
        let fish = read("presence-bridge.fish");
        assert!(fish.contains("complete -c presence-bridge"), "{fish}");
        for completions in [&bash, &zsh, &fish] {
            assert!(completions.contains("window"), "{completions}");
            assert!(!completions.contains(COMMAND), "{completions}");
        }
    }
}
