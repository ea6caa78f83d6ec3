//! Time as an injected dependency: the UCI keep-alive, polling and OAuth token expiry read the
//! clock and wait through a [`Timing`], so tests run ten simulated minutes in milliseconds.
//!
//! [`SimulatedTime`] is the test clock: it only moves when told to, and
//! [`SimulatedTime::run_for`] moves it like tokio's paused clock does, but counting only the
//! waits made through this module (tokio's own auto-advance also jumps while loopback I/O is in
//! flight, which fires HTTP timeouts that never happened).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use tokio::sync::{oneshot, Notify};

/// Monotonic time.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// Waiting.
pub trait Sleeper: Send + Sync {
    /// The wait starts when this is called (not when the future is first polled).
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
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

/// The clock and sleeper every time-dependent part of this crate uses.
#[derive(Clone)]
pub struct Timing {
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
}

impl Timing {
    /// Real time.
    pub fn real() -> Self {
        Self::new(Arc::new(SystemClock), Arc::new(TokioSleeper))
    }

    pub fn new(clock: Arc<dyn Clock>, sleeper: Arc<dyn Sleeper>) -> Self {
        Self { clock, sleeper }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    pub fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleeper.sleep(duration)
    }

    /// Waits until `deadline` (at once if it has passed).
    pub fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        self.sleep(deadline.saturating_duration_since(self.now()))
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

type AdvanceHook = Arc<dyn Fn(Duration) + Send + Sync>;

struct SimulatedState {
    start: Instant,
    elapsed: Duration,
    /// Pending waits by (deadline, sequence number).
    timers: BTreeMap<(Duration, u64), oneshot::Sender<()>>,
    next_timer: u64,
    hooks: Vec<AdvanceHook>,
}

impl SimulatedState {
    fn live_timers(&mut self) -> usize {
        // A wait whose future was dropped (e.g. the other branch of a `select!` won) is gone.
        self.timers.retain(|_, wake| !wake.is_closed());
        self.timers.len()
    }
}

struct SimulatedInner {
    state: Mutex<SimulatedState>,
    timer_added: Notify,
}

/// A test clock: it starts at "now" and only moves through [`Self::advance`] or
/// [`Self::run_for`]. Waits made through its [`Timing`] end when the clock reaches them.
#[derive(Clone)]
pub struct SimulatedTime {
    inner: Arc<SimulatedInner>,
}

impl Default for SimulatedTime {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SimulatedTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedTime")
            .field("elapsed", &self.elapsed())
            .finish_non_exhaustive()
    }
}

/// How long [`SimulatedTime::run_for`] waits in real time for the expected waits to be made
/// before it reports the loops that never came back.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

impl SimulatedTime {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(SimulatedInner {
                state: Mutex::new(SimulatedState {
                    start: Instant::now(),
                    elapsed: Duration::ZERO,
                    timers: BTreeMap::new(),
                    next_timer: 0,
                    hooks: Vec::new(),
                }),
                timer_added: Notify::new(),
            }),
        }
    }

    /// The clock and sleeper to give the code under test.
    pub fn timing(&self) -> Timing {
        Timing::new(Arc::new(self.clone()), Arc::new(self.clone()))
    }

    /// Simulated time since [`Self::new`].
    pub fn elapsed(&self) -> Duration {
        self.lock().elapsed
    }

    /// Runs `hook` with every step the clock takes, e.g. to move a simulator's clock along.
    pub fn on_advance(&self, hook: impl Fn(Duration) + Send + Sync + 'static) {
        self.lock().hooks.push(Arc::new(hook));
    }

    /// Waits made through this clock that have not ended.
    pub fn pending_waits(&self) -> usize {
        self.lock().live_timers()
    }

    /// Moves the clock forward by `by`, runs the hooks, and ends every wait that is due.
    pub fn advance(&self, by: Duration) {
        let (hooks, due) = {
            let mut state = self.lock();
            state.elapsed += by;
            let now = state.elapsed;
            let later = state.timers.split_off(&(now, u64::MAX));
            (
                state.hooks.clone(),
                std::mem::replace(&mut state.timers, later),
            )
        };
        // Everything else moves with the clock before the woken tasks run.
        for hook in hooks {
            hook(by);
        }
        for (_, wake) in due {
            let _ = wake.send(());
        }
    }

    /// Lets `total` simulated time pass the way it would for `loops` tasks that each wait
    /// through this clock between their steps: whenever all `loops` are waiting, the clock
    /// jumps to the earliest wait's end. Panics when the loops do not all come back to a
    /// wait within 30 s of real time (a loop stuck on I/O, or a wrong `loops`).
    pub async fn run_for(&self, total: Duration, loops: usize) {
        let end = self.elapsed() + total;
        loop {
            self.settle(loops).await;
            let next = {
                let mut state = self.lock();
                state.live_timers();
                state.timers.keys().next().map(|(deadline, _)| *deadline)
            };
            let now = self.elapsed();
            match next {
                Some(deadline) if deadline <= end => self.advance(deadline.saturating_sub(now)),
                _ => {
                    self.advance(end.saturating_sub(now));
                    return;
                }
            }
        }
    }

    /// Waits (in real time) until `loops` waits are pending.
    pub async fn settle(&self, loops: usize) {
        let settled = async {
            loop {
                let added = self.inner.timer_added.notified();
                tokio::pin!(added);
                added.as_mut().enable();
                if self.pending_waits() >= loops {
                    return;
                }
                added.await;
            }
        };
        if tokio::time::timeout(SETTLE_LIMIT, settled).await.is_err() {
            panic!(
                "only {} of {loops} loops came back to wait at {:?} simulated time",
                self.pending_waits(),
                self.elapsed()
            );
        }
    }

    fn lock(&self) -> MutexGuard<'_, SimulatedState> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Clock for SimulatedTime {
    fn now(&self) -> Instant {
        let state = self.lock();
        state.start + state.elapsed
    }
}

impl Sleeper for SimulatedTime {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let (wake, woken) = oneshot::channel();
        {
            let mut state = self.lock();
            if duration.is_zero() {
                return Box::pin(async {});
            }
            let deadline = state.elapsed + duration;
            let id = state.next_timer;
            state.next_timer += 1;
            state.timers.insert((deadline, id), wake);
        }
        self.inner.timer_added.notify_waiters();
        Box::pin(async move {
            // A dropped clock ends every wait rather than hanging the task.
            let _ = woken.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_end_when_the_clock_reaches_them() {
        let time = SimulatedTime::new();
        let timing = time.timing();
        let start = timing.now();
        let mut short = timing.sleep(Duration::from_secs(5));
        let long = timing.sleep(Duration::from_secs(50));
        assert_eq!(time.pending_waits(), 2);
        time.advance(Duration::from_secs(4));
        assert!(futures::poll!(&mut short).is_pending());
        time.advance(Duration::from_secs(1));
        short.await;
        assert_eq!(time.pending_waits(), 1);
        drop(long);
        assert_eq!(time.pending_waits(), 0, "a dropped wait is not pending");
        assert_eq!(timing.now() - start, Duration::from_secs(5));
    }

    #[tokio::test]
    async fn run_for_steps_a_loop_through_its_waits() {
        let time = SimulatedTime::new();
        let steps = Arc::new(Mutex::new(Vec::new()));
        let (timing, seen) = (time.timing(), steps.clone());
        let task = tokio::spawn(async move {
            let start = timing.now();
            loop {
                timing.sleep(Duration::from_secs(3)).await;
                seen.lock().unwrap().push((timing.now() - start).as_secs());
            }
        });
        let moved = Arc::new(Mutex::new(Duration::ZERO));
        let total = moved.clone();
        time.on_advance(move |by| *total.lock().unwrap() += by);
        time.run_for(Duration::from_secs(10), 1).await;
        time.settle(1).await;
        assert_eq!(*steps.lock().unwrap(), vec![3, 6, 9]);
        assert_eq!(*moved.lock().unwrap(), Duration::from_secs(10));
        task.abort();
    }
}
