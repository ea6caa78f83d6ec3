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
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::hook_task::{now_in_seconds, HookContext, TestRequest};
use crate::report::{HookError, HookResults};
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
            let context = HookContext::new(
                kind,
                status.subscribe(),
                test_rx,
                stop.subscribe(),
                results_tx.clone(),
            );
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
