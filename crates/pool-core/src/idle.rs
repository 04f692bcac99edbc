//! Waiting for quiescence: a count of pending jobs and a way to sleep until it is zero.
//!
//! Protocol: a submitter calls [`Quiescence::add`] *before* the job becomes visible to a
//! worker; the worker calls [`Quiescence::done`] *after* the job (and everything it
//! submitted before returning has been added) finished. So the count can only reach zero
//! when no job is queued or running.
//!
//! Waking is paid only when someone waits: a waiter registers in `waiters` and then reads
//! `pending`; the thread that takes `pending` to zero then reads `waiters`. All four are
//! AcqRel read-modify-writes on the two counters, so the two sides cannot both read the old
//! value (whichever RMW on a counter comes second in its modification order reads from the
//! first and synchronizes with it): either the waiter sees zero, or the finisher sees the
//! waiter and, locking the mutex the waiter checks under, notifies it (no lost wake-up).
//! Without waiters, reaching idle costs no lock and no system call.

use std::time::{Duration, Instant};

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::{lock, wait, Condvar, Mutex};
use crate::{PoolId, WaitIdleError};

/// A pending-job count that threads can wait on until it reaches zero.
///
/// ```
/// use pool_core::Quiescence;
/// let q = Quiescence::new();
/// q.add(1);
/// assert!(!q.is_idle());
/// q.done(1);
/// q.wait();
/// ```
#[derive(Default)]
pub struct Quiescence {
    pending: AtomicUsize,
    /// Threads inside `wait`/`wait_timeout`.
    waiters: AtomicUsize,
    lock: Mutex<()>,
    idle: Condvar,
}

impl Quiescence {
    /// A count at zero.
    pub fn new() -> Quiescence {
        Quiescence::default()
    }

    /// Adds `n` pending jobs. Call before the jobs can be seen by a worker.
    pub fn add(&self, n: usize) {
        // Relaxed suffices for the increment: the count is only ever read as zero after the
        // matching `done`, whose AcqRel orders everything before it.
        self.pending.fetch_add(n, Ordering::Relaxed);
    }

    /// Marks `n` pending jobs finished, waking waiters if none remain.
    ///
    /// # Panics
    /// In debug builds, if more jobs finish than were added (a bookkeeping bug).
    pub fn done(&self, n: usize) {
        // AcqRel: Release publishes the job's effects to the waiter that later reads zero
        // (with Acquire); Acquire makes this thread see earlier `done`s' effects, so the last
        // one publishes them all.
        let before = self.pending.fetch_sub(n, Ordering::AcqRel);
        debug_assert!(before >= n, "Quiescence::done without a matching add");
        // An RMW, not a load: see the module doc for why the pair cannot both miss.
        if before == n && self.waiters.fetch_add(0, Ordering::AcqRel) > 0 {
            // Taking the lock orders the notification after any waiter's check-then-wait.
            drop(lock(&self.lock));
            self.idle.notify_all();
        }
    }

    /// The number of pending jobs.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Whether no job is pending.
    pub fn is_idle(&self) -> bool {
        self.pending() == 0
    }

    /// Blocks until no job is pending.
    pub fn wait(&self) {
        let mut guard = lock(&self.lock);
        let _registered = Registered::new(&self.waiters);
        while !self.idle_after_registering() {
            guard = wait(&self.idle, guard);
        }
    }

    /// Reads `pending` with an RMW, pairing with the finisher's RMW on `waiters`.
    fn idle_after_registering(&self) -> bool {
        self.pending.fetch_add(0, Ordering::AcqRel) == 0
    }

    /// Blocks until no job is pending or `timeout` passes; returns whether it became idle.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = lock(&self.lock);
        let _registered = Registered::new(&self.waiters);
        while !self.idle_after_registering() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = match self.idle.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }

    /// `Pool::wait_idle` for a pool whose jobs this count tracks: refused on one of the
    /// pool's own workers (`pool`), which would wait for itself; else [`Quiescence::wait`].
    ///
    /// # Errors
    /// [`WaitIdleError::InsideWorker`] on a worker of `pool`; [`WaitIdleError::TimedOut`]
    /// when `timeout` passes first.
    ///
    /// ```
    /// use pool_core::{PoolId, Quiescence};
    /// let q = Quiescence::new();
    /// assert_eq!(q.wait_idle_outside(PoolId::new(), None), Ok(()));
    /// ```
    pub fn wait_idle_outside(
        &self,
        pool: PoolId,
        timeout: Option<Duration>,
    ) -> Result<(), WaitIdleError> {
        if pool.is_current() {
            return Err(WaitIdleError::InsideWorker);
        }
        match timeout {
            None => {
                self.wait();
                Ok(())
            }
            Some(t) if self.wait_timeout(t) => Ok(()),
            Some(_) => Err(WaitIdleError::TimedOut),
        }
    }
}

/// Counts a thread in `waiters` for as long as it waits.
struct Registered<'a>(&'a AtomicUsize);

impl<'a> Registered<'a> {
    fn new(waiters: &'a AtomicUsize) -> Registered<'a> {
        waiters.fetch_add(1, Ordering::AcqRel);
        Registered(waiters)
    }
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::Arc;

    #[test]
    fn waiter_never_misses_the_last_done() {
        loom::model(|| {
            let q = Arc::new(Quiescence::new());
            q.add(2);
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    loom::thread::spawn(move || q.done(1))
                })
                .collect();
            q.wait();
            assert_eq!(q.pending(), 0);
            for w in workers {
                w.join().unwrap();
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_timeout_reports_busy() {
        let q = Quiescence::new();
        q.add(1);
        assert!(!q.wait_timeout(Duration::from_millis(10)));
        q.done(1);
        assert!(q.wait_timeout(Duration::from_millis(10)));
    }

    #[test]
    fn many_waiters_many_finishers() {
        let q = Arc::new(Quiescence::new());
        q.add(64);
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let q = q.clone();
                std::thread::spawn(move || q.wait())
            })
            .collect();
        let finishers: Vec<_> = (0..8)
            .map(|_| {
                let q = q.clone();
                std::thread::spawn(move || (0..8).for_each(|_| q.done(1)))
            })
            .collect();
        for t in finishers.into_iter().chain(waiters) {
            t.join().unwrap();
        }
        assert!(q.is_idle());
    }
}
