//! The pending-task count and waiting for it to reach zero, without a system call per
//! idle transition.
//!
//! pool_core's `Quiescence` notifies its condition variable every time the count reaches
//! zero, and std's `Condvar::notify_all` is a futex system call even with no waiter: for a
//! pool that becomes idle after every task (spawn, await, repeat) that call alone cost
//! about as much as the whole `tokio::spawn` it wraps. This variant only notifies when a
//! waiter has announced itself.
//!
//! One word holds `pending << 1 | WAITER`.
//! - `add`: `fetch_add(ONE)`.
//! - `done`: `fetch_sub(ONE)`; if that took the count to zero and `WAITER` was set, lock
//!   the mutex and `notify_all`.
//! - a waiter, holding the mutex: `fetch_or(WAITER)`; if the count it replaced was zero,
//!   return; otherwise wait on the condition variable (which releases the mutex) and
//!   repeat. The last waiter to leave clears `WAITER` (under the mutex).
//!
//! Why no wake-up is lost: the waiter's `fetch_or` and every `done`'s `fetch_sub` are
//! read-modify-writes of one word, so they are totally ordered. If the `fetch_sub` that
//! reaches zero comes first, the waiter reads zero and does not wait. If it comes after,
//! it reads `WAITER`, and locks the mutex before notifying; the waiter holds that mutex
//! from its `fetch_or` until it is inside `wait`, so the notification cannot fall between
//! the two. A stale `WAITER` only costs a spurious notification. `loom_idle` checks it.

use std::time::{Duration, Instant};

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex};

const WAITER: usize = 1;
const ONE: usize = 2;

/// A pending count that threads can wait on until it reaches zero.
#[derive(Default)]
pub(crate) struct Idle {
    state: AtomicUsize,
    /// The number of threads waiting (only touched under this mutex).
    waiters: Mutex<usize>,
    zero: Condvar,
}

impl Idle {
    /// Counts one more pending task; call before the task can run.
    pub(crate) fn add(&self) {
        // Relaxed: the count is only read as zero after the matching `done`, whose
        // Release orders everything before it.
        self.state.fetch_add(ONE, Ordering::Relaxed);
    }

    /// Counts one pending task as finished, waking waiters if none remain.
    pub(crate) fn done(&self) {
        // AcqRel: Release publishes the task's effects to a waiter that reads zero with
        // Acquire; Acquire makes this thread see earlier `done`s, so the last one
        // publishes them all.
        let previous = self.state.fetch_sub(ONE, Ordering::AcqRel);
        debug_assert!(previous >= ONE, "Idle::done without a matching add");
        if previous >> 1 == 1 && previous & WAITER != 0 {
            drop(lock(&self.waiters));
            self.zero.notify_all();
        }
    }

    /// Whether no task is pending.
    pub(crate) fn is_idle(&self) -> bool {
        self.state.load(Ordering::Acquire) < ONE
    }

    /// Blocks until no task is pending.
    pub(crate) fn wait(&self) {
        self.wait_until(None);
    }

    /// Blocks until no task is pending or `timeout` passes; returns whether it is idle.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut waiters = lock(&self.waiters);
        *waiters += 1;
        let idle = loop {
            // AcqRel: see the module docs; Acquire also sees the finished tasks' effects.
            if self.state.fetch_or(WAITER, Ordering::AcqRel) < ONE {
                break true;
            }
            match deadline {
                None => waiters = wait(&self.zero, waiters),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break false;
                    }
                    waiters = match self.zero.wait_timeout(waiters, deadline - now) {
                        Ok((guard, _)) => guard,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
            }
        };
        *waiters -= 1;
        if *waiters == 0 {
            self.state.fetch_and(!WAITER, Ordering::Relaxed);
        }
        idle
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_timeout_reports_busy_then_idle() {
        let idle = Idle::default();
        idle.add();
        assert!(!idle.wait_timeout(Duration::from_millis(10)));
        idle.done();
        assert!(idle.wait_timeout(Duration::from_millis(10)));
        assert!(idle.is_idle());
    }

    #[test]
    fn many_waiters_many_finishers() {
        let idle = Arc::new(Idle::default());
        for _ in 0..64 {
            idle.add();
        }
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let idle = idle.clone();
                std::thread::spawn(move || idle.wait())
            })
            .collect();
        let finishers: Vec<_> = (0..8)
            .map(|_| {
                let idle = idle.clone();
                std::thread::spawn(move || (0..8).for_each(|_| idle.done()))
            })
            .collect();
        for t in finishers.into_iter().chain(waiters) {
            t.join().unwrap();
        }
        assert!(idle.is_idle());
        assert_eq!(*lock(&idle.waiters), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_idle {
    use super::*;
    use pool_core::sync::Arc;

    /// Two finishers race one waiter: the waiter always returns (a lost wake-up would
    /// leave it waiting and loom would report a deadlock) and sees the count at zero.
    #[test]
    fn waiter_never_misses_the_last_done() {
        loom::model(|| {
            let idle = Arc::new(Idle::default());
            idle.add();
            idle.add();
            let finishers: Vec<_> = (0..2)
                .map(|_| {
                    let idle = idle.clone();
                    loom::thread::spawn(move || idle.done())
                })
                .collect();
            idle.wait();
            assert!(idle.is_idle());
            for f in finishers {
                f.join().unwrap();
            }
        });
    }
}
