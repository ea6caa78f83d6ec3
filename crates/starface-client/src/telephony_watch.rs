//! Polls UCI for "am I on a call".
//!
//! Push events would need the PBX to call back into the desktop, which NAT and firewalls
//! usually prevent, so this polls `getUserState` (and `getCallIds` as a cross-check). The
//! [`UciClient`] keeps its session alive itself (`keepAlive` every 45 s, also between polls).

use std::sync::Arc;

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Duration;

use crate::presence_values::{ChatPresence, TelephonyState};
use crate::uci::{UciClient, UciError};

#[derive(Debug, Clone)]
pub struct TelephonyWatchSettings {
    pub poll_interval: Duration,
    /// Wait after a failed login or poll before trying again.
    pub retry_delay: Duration,
}

impl Default for TelephonyWatchSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(3),
            retry_delay: Duration::from_secs(10),
        }
    }
}

/// What the last successful poll saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallStateSnapshot {
    pub telephony: TelephonyState,
    /// `telephonyState == ACTIVE`, or calls held while the state is not `RINGING`.
    pub in_call: bool,
    pub call_count: usize,
    pub chat_presence: Option<ChatPresence>,
    pub chat_presence_message: String,
}

/// A running poller. Dropping it stops polling (without a UCI logout; use [`Self::stop`]).
pub struct TelephonyWatch {
    state: watch::Receiver<Option<CallStateSnapshot>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TelephonyWatch {
    pub fn spawn(uci: Arc<UciClient>, settings: TelephonyWatchSettings) -> Self {
        let (sender, state) = watch::channel(None);
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(uci, settings, sender, stopped));
        Self {
            state,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Changes arrive as they are polled; `None` until the first successful poll.
    pub fn subscribe(&self) -> watch::Receiver<Option<CallStateSnapshot>> {
        self.state.clone()
    }

    pub fn current(&self) -> Option<CallStateSnapshot> {
        self.state.borrow().clone()
    }

    /// Stops polling and logs out of UCI.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TelephonyWatch {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

async fn poll_once(uci: &UciClient) -> Result<CallStateSnapshot, UciError> {
    let state = uci.user_state().await?;
    let calls = uci.call_ids().await?;
    let in_call = state.telephony == TelephonyState::Active
        || (!calls.is_empty() && state.telephony != TelephonyState::Ringing);
    if (state.telephony == TelephonyState::Active) == calls.is_empty() {
        tracing::debug!(
            telephony = ?state.telephony,
            calls = calls.len(),
            "UCI telephonyState and getCallIds disagree"
        );
    }
    Ok(CallStateSnapshot {
        telephony: state.telephony,
        in_call,
        call_count: calls.len(),
        chat_presence: state.chat_presence,
        chat_presence_message: state.chat_presence_message,
    })
}

async fn run(
    uci: Arc<UciClient>,
    settings: TelephonyWatchSettings,
    sender: watch::Sender<Option<CallStateSnapshot>>,
    mut stopped: oneshot::Receiver<()>,
) {
    let timing = uci.timing().clone();
    let mut logged_in = false;
    loop {
        let delay = if !logged_in {
            match uci.login().await {
                Ok(_) => {
                    logged_in = true;
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, "UCI login failed; retrying");
                    settings.retry_delay
                }
            }
        } else {
            match poll_once(&uci).await {
                Ok(snapshot) => {
                    sender.send_if_modified(|current| {
                        if current.as_ref() == Some(&snapshot) {
                            false
                        } else {
                            tracing::debug!(in_call = snapshot.in_call, "UCI state changed");
                            *current = Some(snapshot);
                            true
                        }
                    });
                    settings.poll_interval
                }
                Err(UciError::NotLoggedIn(_)) => {
                    logged_in = false;
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, "UCI poll failed");
                    settings.retry_delay
                }
            }
        };
        if !delay.is_zero() {
            tokio::select! {
                _ = timing.sleep(delay) => {}
                _ = &mut stopped => break,
            }
        } else if stopped.try_recv().is_ok() {
            break;
        }
    }
    if logged_in {
        if let Err(error) = uci.logout().await {
            tracing::debug!(%error, "UCI logout failed");
        }
    }
}
