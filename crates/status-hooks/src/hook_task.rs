//! A hook task's side of the runner: the jobs it is handed ([`HookContext::next_job`]), how a
//! delivery in progress learns it is superseded, where results go, and the plumbing every hook
//! shares (backoff, secrets off the runtime, the published clock). Below the hooks and the runner.

use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use settings::HookKind;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot, watch};

use crate::report::{Attempt, HookError, HookResults, Occasion};
use crate::status::Published;

pub(crate) type TestRequest = oneshot::Sender<Result<(), HookError>>;

/// One thing for a hook to deliver.
pub(crate) struct Job {
    pub published: Arc<Published>,
    pub occasion: Occasion,
    /// Set for a test: the result goes here as well.
    pub reply: Option<TestRequest>,
}

impl Job {
    pub fn is_test(&self) -> bool {
        self.occasion == Occasion::Test
    }
}

/// Why a delivery in progress ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interruption {
    Stopping,
    Superseded,
}

/// A hook task's side of the runner.
pub(crate) struct HookContext {
    kind: HookKind,
    status: watch::Receiver<Option<Arc<Published>>>,
    tests: mpsc::Receiver<TestRequest>,
    stop: watch::Receiver<bool>,
    results: Arc<watch::Sender<HookResults>>,
    /// The newest status superseded a delivery in progress and is still to be sent.
    resend_latest: bool,
}

impl HookContext {
    pub fn new(
        kind: HookKind,
        status: watch::Receiver<Option<Arc<Published>>>,
        tests: mpsc::Receiver<TestRequest>,
        stop: watch::Receiver<bool>,
        results: Arc<watch::Sender<HookResults>>,
    ) -> Self {
        Self {
            kind,
            status,
            tests,
            stop,
            results,
            resend_latest: false,
        }
    }

    /// The next job: a new status, or a test request. `None` once the hooks are stopping.
    /// Cancel safe (the MQTT hook selects on it beside its connection events).
    pub async fn next_job(&mut self) -> Option<Job> {
        loop {
            if std::mem::take(&mut self.resend_latest) {
                if let Some(published) = self.latest() {
                    return Some(Job {
                        published,
                        occasion: Occasion::Change,
                        reply: None,
                    });
                }
            }
            if *self.stop.borrow() {
                return None;
            }
            tokio::select! {
                changed = self.status.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    if let Some(published) = self.status.borrow_and_update().clone() {
                        return Some(Job { published, occasion: Occasion::Change, reply: None });
                    }
                }
                request = self.tests.recv() => {
                    let reply = request?;
                    match self.latest() {
                        Some(published) => {
                            return Some(Job { published, occasion: Occasion::Test, reply: Some(reply) });
                        }
                        None => {
                            let _ = reply.send(Err(HookError::NoStatusYet));
                        }
                    }
                }
                _ = self.stop.changed() => return None,
            }
        }
    }

    /// The newest status, if there is one.
    pub fn latest(&self) -> Option<Arc<Published>> {
        self.status.borrow().clone()
    }

    /// Resolves when a delivery in progress should end: the hooks are stopping, or (with
    /// `newer_status_ends_it`) a newer status arrived, which [`HookContext::next_job`] then
    /// returns next.
    pub async fn interruption(&mut self, newer_status_ends_it: bool) -> Interruption {
        loop {
            if *self.stop.borrow_and_update() {
                return Interruption::Stopping;
            }
            tokio::select! {
                changed = self.stop.changed() => if changed.is_err() {
                    return Interruption::Stopping;
                },
                changed = self.status.changed(), if newer_status_ends_it => {
                    if changed.is_err() {
                        return Interruption::Stopping;
                    }
                    self.resend_latest = true;
                    return Interruption::Superseded;
                }
            }
        }
    }

    /// Records the end of a job and answers its test request, if any.
    pub fn finish(&self, job: Job, result: Result<(), HookError>) {
        self.record(job.occasion, result.clone());
        if let Some(reply) = job.reply {
            let _ = reply.send(result);
        }
    }

    /// Records an attempt that is not a job (an MQTT connection failure).
    pub fn record(&self, occasion: Occasion, result: Result<(), HookError>) {
        match &result {
            Ok(()) => tracing::debug!(hook = self.kind.id(), ?occasion, "status delivered"),
            Err(error) => {
                tracing::warn!(hook = self.kind.id(), ?occasion, %error, "status hook failed")
            }
        }
        let at = OffsetDateTime::now_utc();
        self.results.send_modify(|results| {
            let report = results.report_mut(self.kind);
            if result.is_ok() {
                report.last_ok = Some(at);
            }
            report.last = Some(Attempt {
                at,
                occasion,
                result,
            });
        });
    }

    /// MQTT: the connection went up or down.
    pub fn set_connected(&self, connected: bool) {
        self.results.send_if_modified(|results| {
            let report = results.report_mut(self.kind);
            let changed = report.connected != Some(connected);
            report.connected = Some(connected);
            changed
        });
    }

    /// Waits until the hooks stop; for a hook that cannot run (its error is recorded), so test
    /// requests still get an answer.
    pub async fn idle_until_stopped(mut self, error: HookError) {
        while !*self.stop.borrow_and_update() {
            tokio::select! {
                request = self.tests.recv() => match request {
                    Some(reply) => {
                        self.record(Occasion::Test, Err(error.clone()));
                        let _ = reply.send(Err(error.clone()));
                    }
                    None => return,
                },
                changed = self.stop.changed() => if changed.is_err() { return },
            }
        }
    }
}

/// Now, in whole seconds: the published times are RFC 3339 without fractions, which every
/// receiver's date parser reads.
pub(crate) fn now_in_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Exponential backoff: `first`, doubled each time, at most `max`.
pub(crate) struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            first,
            max,
            next: first,
        }
    }

    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Reads a secret off the async runtime (keychains block, and may wait for an unlock prompt).
pub(crate) async fn read_secret(
    secrets: Arc<dyn SecretStore>,
    entry: &'static str,
) -> Result<Option<keychain::Secret>, HookError> {
    tokio::task::spawn_blocking(move || secrets.get(entry))
        .await
        .map_err(|e| HookError::Keychain {
            reason: e.to_string(),
        })?
        .map_err(|e| HookError::Keychain {
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
        let delays: Vec<u64> = (0..5).map(|_| backoff.next_delay().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }
}
