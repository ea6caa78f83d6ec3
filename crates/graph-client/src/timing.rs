//! Time as an injected dependency, so token expiry, presence-session refresh and retry waits can be
//! tested without real waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

/// Wall-clock time. Token lifetimes and presence expirations are wall-clock quantities.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// Waiting between retries and polls.
pub trait Sleeper: Send + Sync {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Real waiting on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when told to (tests, demo).
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<SystemTime>,
}

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock().expect("manual clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.now.lock().expect("manual clock lock")
    }
}

type SleepHook = Box<dyn Fn(Duration) + Send + Sync>;

/// A sleeper that returns at once and remembers every requested wait; optionally advances a
/// [`ManualClock`] by the wait and runs a hook (e.g. "approve the device code after two polls").
pub struct RecordingSleeper {
    slept: Mutex<Vec<Duration>>,
    clock: Option<Arc<ManualClock>>,
    hook: Option<SleepHook>,
}

impl RecordingSleeper {
    pub fn new() -> Self {
        Self {
            slept: Mutex::new(Vec::new()),
            clock: None,
            hook: None,
        }
    }

    pub fn advancing(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    pub fn with_hook(mut self, hook: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Every wait requested so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.slept.lock().expect("sleeper lock").clone()
    }
}

impl Default for RecordingSleeper {
    fn default() -> Self {
        Self::new()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.slept.lock().expect("sleeper lock").push(duration);
        if let Some(clock) = &self.clock {
            clock.advance(duration);
        }
        if let Some(hook) = &self.hook {
            hook(duration);
        }
        Box::pin(async {})
    }
}

/// The clock and sleeper every time-dependent part of this crate uses.
#[derive(Clone)]
pub struct Timing {
    pub clock: Arc<dyn Clock>,
    pub sleeper: Arc<dyn Sleeper>,
}

impl Timing {
    /// Real time.
    pub fn real() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    pub fn new(clock: Arc<dyn Clock>, sleeper: Arc<dyn Sleeper>) -> Self {
        Self { clock, sleeper }
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub async fn sleep(&self, duration: Duration) {
        self.sleeper.sleep(duration).await
    }
}

impl Default for Timing {
    fn default() -> Self {
        Self::real()
    }
}

impl std::fmt::Debug for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Timing")
    }
}
