//! The command hook: runs a program with the status in its environment, for USB busy lights
//! that ship a command-line tool.
//!
//! The program is started directly with the argument list from the settings, never through a
//! shell, so nothing in a status can become a command. It inherits the app's environment minus
//! every variable this hook sets (a stale `PRESENCE_BRIDGE_STATUS_MESSAGE` from the parent must
//! not look like a shared message). Its stdout is discarded; the start of stderr goes into the
//! error when it fails. It is killed when it outlives its timeout.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use settings::CommandHookSettings;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

use crate::hook_task::{HookContext, Job};
use crate::report::HookError;
use crate::status::Published;

/// How much of stderr is kept for the error message; the rest is read and dropped.
const STDERR_KEPT: usize = 2048;
/// How long to wait for stderr to close after the program exited (a child it left behind may
/// hold it open).
const STDERR_GRACE: Duration = Duration::from_millis(500);

/// Every variable the hook sets or clears, with its meaning (docs/HOOKS.md lists the same).
pub const ENVIRONMENT: [&str; 15] = [
    "PRESENCE_BRIDGE_VERSION",
    "PRESENCE_BRIDGE_EVENT",
    "PRESENCE_BRIDGE_ACTIVITY",
    "PRESENCE_BRIDGE_DOT",
    "PRESENCE_BRIDGE_FREE",
    "PRESENCE_BRIDGE_SINCE",
    "PRESENCE_BRIDGE_TEAMS_AVAILABILITY",
    "PRESENCE_BRIDGE_TEAMS_ACTIVITY",
    "PRESENCE_BRIDGE_OUT_OF_OFFICE",
    "PRESENCE_BRIDGE_STATUS_MESSAGE",
    "PRESENCE_BRIDGE_IN_CALL",
    "PRESENCE_BRIDGE_RINGING",
    "PRESENCE_BRIDGE_PHONE_DND",
    "PRESENCE_BRIDGE_CALLS_FORWARDED",
    "PRESENCE_BRIDGE_JSON",
];

pub(crate) async fn run(settings: CommandHookSettings, mut ctx: HookContext) {
    let Some(program) = settings.program.clone() else {
        // Settings validation requires a program for an enabled command hook.
        return ctx.idle_until_stopped(HookError::Off).await;
    };
    while let Some(job) = ctx.next_job().await {
        let result = tokio::select! {
            result = run_once(&program, &settings, &job) => result,
            // Dropping the child kills it (`kill_on_drop`).
            _ = ctx.interruption(false) => Err(HookError::Stopped),
        };
        ctx.finish(job, result);
    }
}

async fn run_once(
    program: &str,
    settings: &CommandHookSettings,
    job: &Job,
) -> Result<(), HookError> {
    let published = &job.published;
    let mut command = Command::new(program);
    command
        .args(settings.args_for(published.document.dot))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for name in ENVIRONMENT {
        command.env_remove(name);
    }
    let event = if job.is_test() { "test" } else { "status" };
    command.envs(environment(published, event));

    let mut child = command.spawn().map_err(|e| HookError::ProgramNotStarted {
        program: program.to_owned(),
        reason: e.to_string(),
    })?;
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let reader = child.stderr.take().map(|pipe| {
        let kept = stderr.clone();
        tokio::spawn(read_stderr(pipe, kept))
    });

    let seconds = u64::from(settings.timeout_secs);
    let status = match tokio::time::timeout(Duration::from_secs(seconds), child.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            return Err(HookError::ProgramNotStarted {
                program: program.to_owned(),
                reason: error.to_string(),
            })
        }
        Err(_) => {
            let _ = child.kill().await;
            return Err(HookError::ProgramTimeout {
                program: program.to_owned(),
                seconds,
            });
        }
    };
    if let Some(reader) = reader {
        if tokio::time::timeout(STDERR_GRACE, reader).await.is_err() {
            tracing::debug!(program, "stderr still open after exit; using what was read");
        }
    }
    if status.success() {
        return Ok(());
    }
    let stderr = {
        let bytes = stderr.lock().expect("stderr buffer");
        String::from_utf8_lossy(&bytes).trim().to_owned()
    };
    Err(HookError::ProgramFailed {
        program: program.to_owned(),
        exit: status.code(),
        stderr,
    })
}

/// Reads the pipe to its end (a full pipe would block the program), keeping the start.
async fn read_stderr(mut pipe: tokio::process::ChildStderr, kept: Arc<Mutex<Vec<u8>>>) {
    let mut buffer = [0_u8; 1024];
    while let Ok(read) = pipe.read(&mut buffer).await {
        if read == 0 {
            break;
        }
        let mut kept = kept.lock().expect("stderr buffer");
        let room = STDERR_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..read.min(room)]);
    }
}

/// The variables for one run. Values never contain NUL (the OS would refuse them).
pub(crate) fn environment(published: &Published, event: &str) -> Vec<(&'static str, String)> {
    let document = &published.document;
    let flag = |value: bool| if value { "true" } else { "false" }.to_owned();
    let mut vars = vec![
        ("PRESENCE_BRIDGE_VERSION", document.version.to_string()),
        ("PRESENCE_BRIDGE_EVENT", event.to_owned()),
        ("PRESENCE_BRIDGE_ACTIVITY", document.activity.to_owned()),
        ("PRESENCE_BRIDGE_DOT", document.dot.to_owned()),
        ("PRESENCE_BRIDGE_FREE", flag(document.free)),
        (
            "PRESENCE_BRIDGE_SINCE",
            published
                .since
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        ),
    ];
    if let Some(teams) = &document.teams {
        vars.push((
            "PRESENCE_BRIDGE_TEAMS_AVAILABILITY",
            teams.availability.clone(),
        ));
        vars.push(("PRESENCE_BRIDGE_TEAMS_ACTIVITY", teams.activity.clone()));
        vars.push(("PRESENCE_BRIDGE_OUT_OF_OFFICE", flag(teams.out_of_office)));
        if let Some(message) = &teams.status_message {
            vars.push(("PRESENCE_BRIDGE_STATUS_MESSAGE", message.clone()));
        }
    }
    if let Some(phone) = &document.phone {
        vars.push(("PRESENCE_BRIDGE_IN_CALL", flag(phone.in_call)));
        vars.push(("PRESENCE_BRIDGE_RINGING", flag(phone.ringing)));
        vars.push(("PRESENCE_BRIDGE_PHONE_DND", flag(phone.dnd)));
        vars.push((
            "PRESENCE_BRIDGE_CALLS_FORWARDED",
            flag(phone.calls_forwarded),
        ));
    }
    vars.push(("PRESENCE_BRIDGE_JSON", published.to_json()));
    for (_, value) in &mut vars {
        value.retain(|c| c != '\0');
    }
    vars
}

#[cfg(test)]
mod tests {
    use presence_core::{PhoneState, TeamsPresence, TelephonyState};

    use super::*;
    use crate::status::HookStatus;

    fn published(status: &HookStatus, include_message: bool) -> Published {
        Published {
            document: status.document(include_message),
            since: time::OffsetDateTime::from_unix_timestamp(0).unwrap(),
        }
    }

    #[test]
    fn every_variable_set_is_one_the_hook_clears_first() {
        let teams = TeamsPresence::new("Busy", "InACall").with_status_message("nul\0here");
        let status = HookStatus::new(Some(teams), Some(PhoneState::new(TelephonyState::Ringing)));
        let vars = environment(&published(&status, true), "test");
        assert_eq!(vars.len(), ENVIRONMENT.len());
        for (name, value) in &vars {
            assert!(ENVIRONMENT.contains(name), "{name}");
            assert!(!value.contains('\0'), "{name}");
        }
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("PRESENCE_BRIDGE_ACTIVITY"), Some("ringing"));
        assert_eq!(get("PRESENCE_BRIDGE_STATUS_MESSAGE"), Some("nulhere"));
        assert_eq!(get("PRESENCE_BRIDGE_EVENT"), Some("test"));
    }

    #[test]
    fn unknown_readings_and_an_unticked_message_leave_their_variables_out() {
        let teams = TeamsPresence::new("Away", "Away").with_status_message("private");
        let vars = environment(
            &published(&HookStatus::new(Some(teams), None), false),
            "status",
        );
        let names: Vec<&str> = vars.iter().map(|(name, _)| *name).collect();
        assert!(!names.contains(&"PRESENCE_BRIDGE_STATUS_MESSAGE"));
        assert!(!names.contains(&"PRESENCE_BRIDGE_IN_CALL"));
        assert!(vars.iter().all(|(_, value)| !value.contains("private")));
    }
}
