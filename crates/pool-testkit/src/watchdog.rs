//! Making a deadlock fail a check instead of hanging it.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any single wait in a check may take before it counts as a deadlock. Generous,
/// because CI machines are shared and debug builds are slow; a live pool needs milliseconds.
pub const DEADLOCK: Duration = Duration::from_secs(30);

/// Runs `check` on its own thread and panics if it has not finished within `limit`.
///
/// A check that panics has its panic resumed here, so the test fails with its message.
///
/// # Panics
/// When `check` panics, or runs past `limit` (the stuck thread is left behind; the test
/// process ends anyway).
///
/// ```
/// use std::time::Duration;
/// pool_testkit::with_watchdog("quick", Duration::from_secs(5), || assert_eq!(1 + 1, 2));
/// ```
pub fn with_watchdog<F>(name: &str, limit: Duration, check: F)
where
    F: FnOnce() + Send + 'static,
{
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let runner = std::thread::Builder::new()
        .name(format!("check-{name}"))
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
            let _ = done_tx.send(result);
        })
        .expect("spawning a check thread");
    match done_rx.recv_timeout(limit) {
        Ok(Ok(())) => {
            let _ = runner.join();
        }
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("deadlock: check `{name}` did not finish within {limit:?}"),
    }
}

/// A count-down latch whose waits time out, for holding workers busy on purpose.
///
/// ```
/// use std::time::Duration;
/// let latch = pool_testkit::Latch::new(1);
/// latch.count_down();
/// assert!(latch.wait_timeout(Duration::from_secs(1)));
/// ```
#[derive(Debug)]
pub struct Latch {
    count: Mutex<usize>,
    zero: Condvar,
}

impl Latch {
    /// A latch that opens after `count` calls to [`Latch::count_down`].
    pub fn new(count: usize) -> Latch {
        Latch {
            count: Mutex::new(count),
            zero: Condvar::new(),
        }
    }

    /// Counts down once; opens the latch at zero.
    pub fn count_down(&self) {
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.zero.notify_all();
        }
    }

    /// Waits until the latch is open or `timeout` passes; returns whether it opened.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut count = self.count.lock().unwrap_or_else(|p| p.into_inner());
        while *count > 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            count = match self.zero.wait_timeout(count, deadline - now) {
                Ok((c, _)) => c,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }

    /// Waits until the latch is open.
    ///
    /// # Panics
    /// After [`DEADLOCK`] without opening.
    pub fn wait(&self) {
        assert!(
            self.wait_timeout(DEADLOCK),
            "deadlock: latch not opened within {DEADLOCK:?}"
        );
    }
}

/// Polls `condition` until it holds.
///
/// # Panics
/// After [`DEADLOCK`] without it holding, naming `what`.
///
/// ```
/// pool_testkit::eventually("two is even", || 2 % 2 == 0);
/// ```
pub fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLOCK;
    while !condition() {
        assert!(Instant::now() < deadline, "deadlock: {what} never happened");
        std::thread::sleep(Duration::from_micros(200));
    }
}
