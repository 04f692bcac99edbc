//! Admission and quiescence in one word: the pending-task count, the closed switch, and
//! waiting for the count to reach zero, with one read-modify-write per admission and one
//! per finished task.
//!
//! One word holds `pending << 2 | CLOSED | WAITER`.
//! - **Admit** (`try_add`): `fetch_add(ONE)`. If the word it replaced had `CLOSED`, the
//!   task is not admitted: undo with `done` (which wakes a waiter if that was the last
//!   count) and hand the task back as `Closed`.
//! - **Close**: `fetch_or(CLOSED)`.
//! - **Finish** (`done`): `fetch_sub(ONE)`; if that took the count to zero and `WAITER` was
//!   set, lock the mutex and `notify_all`.
//! - **Wait**, holding the mutex: `fetch_or(WAITER)`; if the count it replaced was zero,
//!   return; otherwise wait on the condition variable (which releases the mutex) and
//!   repeat. The last waiter to leave clears `WAITER` (under the mutex).
//!
//! Why a shutdown never misses a task: admission and close are read-modify-writes of the
//! same word, so they are totally ordered. An admission before the `fetch_or` is in the
//! count the shutdown then waits on; one after it sees `CLOSED` and never runs. (This
//! replaces a separate gate word that every submitter entered and left: two more
//! read-modify-writes per task.) A rejected admission is counted for a moment, so a waiter
//! may wait that moment longer, never less.
//!
//! Why no wake-up is lost: the waiter's `fetch_or` and every `done`'s `fetch_sub` are
//! read-modify-writes of one word, so they are totally ordered. If the `fetch_sub` that
//! reaches zero comes first, the waiter reads zero and does not wait. If it comes after,
//! it reads `WAITER`, and locks the mutex before notifying; the waiter holds that mutex
//! from its `fetch_or` until it is inside `wait`, so the notification cannot fall between
//! the two. A stale `WAITER` only costs a spurious notification. `loom_idle` checks both.
//!
//! pool_core's `Quiescence` has the same waiter protocol but keeps the waiter count in a
//! second word, read with an extra read-modify-write each time the count reaches zero
//! (after every task, for a pool that spawns and awaits one task at a time), and has no
//! closed switch, so admission would still need the separate gate.

use std::time::{Duration, Instant};

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex};

const WAITER: usize = 1;
const CLOSED: usize = 2;
const ONE: usize = 4;

/// A pending count with a closed switch, that threads can wait on until it reaches zero.
#[derive(Default)]
pub(crate) struct Idle {
    state: AtomicUsize,
    /// The number of threads waiting (only touched under this mutex).
    waiters: Mutex<usize>,
    zero: Condvar,
}

impl Idle {
    /// Counts one more pending task, unless closed (`false`: the task must not run).
    /// Call before the task can run.
    pub(crate) fn try_add(&self) -> bool {
        // AcqRel: totally ordered with `close`; Release also publishes what the submitter
        // did to a shutdown that reads the count.
        let previous = self.state.fetch_add(ONE, Ordering::AcqRel);
        if previous & CLOSED != 0 {
            self.done();
            return false;
        }
        true
    }

    /// Counts one pending task as finished, waking waiters if none remain.
    pub(crate) fn done(&self) {
        // AcqRel: Release publishes the task's effects to a waiter that reads zero with
        // Acquire; Acquire makes this thread see earlier `done`s, so the last one
        // publishes them all.
        let previous = self.state.fetch_sub(ONE, Ordering::AcqRel);
        debug_assert!(previous >= ONE, "Idle::done without a matching add");
        if previous / ONE == 1 && previous & WAITER != 0 {
            drop(lock(&self.waiters));
            self.zero.notify_all();
        }
    }

    /// Stops admitting; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.state.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED == 0
    }

    /// Whether admission is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
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
        assert!(idle.try_add());
        assert!(!idle.wait_timeout(Duration::from_millis(10)));
        idle.done();
        assert!(idle.wait_timeout(Duration::from_millis(10)));
        assert!(idle.is_idle());
    }

    #[test]
    fn closed_turns_tasks_away_and_keeps_the_count() {
        let idle = Idle::default();
        assert!(idle.try_add());
        assert!(idle.close());
        assert!(!idle.close(), "second close reports it was already closed");
        assert!(idle.is_closed());
        assert!(!idle.try_add());
        assert!(
            !idle.is_idle(),
            "the task admitted before the close still counts"
        );
        idle.done();
        assert!(idle.is_idle());
        idle.wait();
    }

    #[test]
    fn many_waiters_many_finishers() {
        let idle = Arc::new(Idle::default());
        for _ in 0..64 {
            assert!(idle.try_add());
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
            assert!(idle.try_add());
            assert!(idle.try_add());
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

    /// Two submitters race a shutdown (close, then wait): once the wait returns, every
    /// admitted task's work is visible, and the rest were turned away.
    #[test]
    fn shutdown_never_misses_an_admitted_task() {
        loom::model(|| {
            let idle = Arc::new(Idle::default());
            let work = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|_| {
                    let (idle, work) = (idle.clone(), work.clone());
                    loom::thread::spawn(move || {
                        if idle.try_add() {
                            work.fetch_add(1, Ordering::Relaxed);
                            idle.done();
                            1
                        } else {
                            0
                        }
                    })
                })
                .collect();
            idle.close();
            idle.wait();
            let seen = work.load(Ordering::Relaxed);
            let admitted: usize = submitters.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(seen, admitted, "a task was admitted after shutdown looked");
        });
    }
}
