//! [`StatusHooks`]: one task per enabled hook, fed through a slot that keeps only the newest status.
//!
//! The sync hands a status to [`StatusHooks::publish`], which never waits: it replaces the value
//! in a `watch` channel that every hook task reads at its own pace. A slow or dead hook therefore
//! sees fewer intermediate statuses, never older ones, never makes the caller wait and never
//! holds more than one status. Nothing flows back into the sync: results go to
//! [`StatusHooks::results`] only.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use keychain::SecretStore;
use presence_core::MessageLanguage;
use settings::{HookKind, HooksSettings};
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::report::{Attempt, HookError, HookResults, Occasion};
use crate::status::{HookStatus, Published};
use crate::{command, mqtt, webhook};

/// How long [`StatusHooks::shutdown`] lets a hook finish (MQTT: publish "offline", disconnect).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The running hooks. Dropping it stops them at once (an MQTT broker then publishes the last
/// will); [`StatusHooks::shutdown`] stops them cleanly.
pub struct StatusHooks {
    include_status_message: bool,
    status: watch::Sender<Option<Arc<Published>>>,
    tests: BTreeMap<HookKind, mpsc::Sender<TestRequest>>,
    results: watch::Receiver<HookResults>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl StatusHooks {
    /// Starts a task for every enabled hook in `settings`. Secrets are read from `secrets` by the
    /// hook tasks (the keychain may block). `language` names the Home Assistant entities.
    ///
    /// Must be called inside a Tokio runtime. Nothing is sent before the first
    /// [`StatusHooks::publish`].
    pub fn start(
        settings: &HooksSettings,
        secrets: Arc<dyn SecretStore>,
        language: MessageLanguage,
    ) -> Self {
        let enabled: Vec<HookKind> = HookKind::ALL
            .into_iter()
            .filter(|kind| settings.is_enabled(*kind))
            .collect();
        let (status, _) = watch::channel(None);
        let (results_tx, results) = watch::channel(HookResults::with_hooks(enabled.clone()));
        let results_tx = Arc::new(results_tx);
        let (stop, _) = watch::channel(false);
        let mut tests = BTreeMap::new();
        let mut tasks = Vec::new();
        for kind in enabled {
            let (test_tx, test_rx) = mpsc::channel(1);
            tests.insert(kind, test_tx);
            let context = HookContext {
                kind,
                status: status.subscribe(),
                tests: test_rx,
                stop: stop.subscribe(),
                results: results_tx.clone(),
                resend_latest: false,
            };
            let secrets = secrets.clone();
            tasks.push(match kind {
                HookKind::Mqtt => {
                    tokio::spawn(mqtt::run(settings.mqtt.clone(), language, secrets, context))
                }
                HookKind::Webhook => {
                    tokio::spawn(webhook::run(settings.webhook.clone(), secrets, context))
                }
                HookKind::Command => tokio::spawn(command::run(settings.command.clone(), context)),
            });
        }
        Self {
            include_status_message: settings.include_status_message,
            status,
            tests,
            results,
            stop,
            tasks,
        }
    }

    /// Hands the current own status to every hook; returns at once. A status equal to the last
    /// one (as published: without the status message unless it is included) changes nothing.
    pub fn publish(&self, status: &HookStatus) {
        let document = status.document(self.include_status_message);
        self.status.send_if_modified(|current| {
            if current
                .as_ref()
                .is_some_and(|published| published.document == document)
            {
                return false;
            }
            *current = Some(Arc::new(Published {
                document,
                since: now_in_seconds(),
            }));
            true
        });
    }

    /// Sends the current status through `kind` once more (no retries) and waits for the result,
    /// which is also recorded in [`StatusHooks::results`]. The future does not borrow `self`.
    pub fn test_now(
        &self,
        kind: HookKind,
    ) -> impl std::future::Future<Output = Result<(), HookError>> + Send + 'static {
        let sender = self.tests.get(&kind).cloned();
        async move {
            let sender = sender.ok_or(HookError::Off)?;
            let (reply, answer) = oneshot::channel();
            sender.send(reply).await.map_err(|_| HookError::Stopped)?;
            answer.await.unwrap_or(Err(HookError::Stopped))
        }
    }

    /// The hooks' last results; changes whenever a hook attempts a delivery or (MQTT) connects.
    pub fn results(&self) -> watch::Receiver<HookResults> {
        self.results.clone()
    }

    /// Stops every hook, letting each finish cleanly for up to 3 seconds (MQTT publishes
    /// "offline" on its availability topic and disconnects, so no last will is sent).
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        for task in self.tasks.drain(..) {
            let abort = task.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for StatusHooks {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

type TestRequest = oneshot::Sender<Result<(), HookError>>;

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
