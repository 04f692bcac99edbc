//! The one holder of a pool's shutdown: the workers until they are joined, then the report.
//!
//! A pool's `shutdown` may be called from several threads at once, in different modes, and
//! again after it finished. Every call must return, and return the same accounting. So the
//! part that joins the workers and reads the report runs once, under one lock: the first
//! caller runs it, every concurrent caller waits on the lock for that result, and every
//! later caller reads it. What a later mode may still change (an immediate shutdown racing
//! a graceful one raises the pool's discard flag before it waits here) is the pool's
//! business, done before [`ShutdownOnce::run`].
//!
//! The lock is held while the workers are joined. That is safe because nothing a worker
//! does takes it: only `shutdown` (from outside the pool; a pool refuses it on its own
//! workers before coming here) and `Drop` do, and no user code runs under it (discarding
//! a queue drops jobs, whose captures' destructors are user code: pools discard before
//! they call [`ShutdownOnce::run`]).

use pool_core::sync::{lock, Mutex};
use pool_core::ShutdownReport;

/// What the holder holds.
#[derive(Debug)]
enum Phase<T> {
    /// Running: the workers (or whatever the stop procedure needs).
    Running(T),
    /// Stopped: the report every call returns.
    Stopped(ShutdownReport),
}

/// Holds a pool's workers until its shutdown ran once, then that shutdown's report.
///
/// ```
/// use pool_core::ShutdownReport;
/// use pool_lifecycle::ShutdownOnce;
/// let life = ShutdownOnce::new(vec![std::thread::spawn(|| ())]);
/// let stop = |threads: &mut Vec<std::thread::JoinHandle<()>>| {
///     for t in threads.drain(..) {
///         t.join().unwrap();
///     }
///     ShutdownReport { submitted: 1, completed: 1, ..Default::default() }
/// };
/// let first = life.run(stop);
/// let again = life.run(|_| unreachable!("the stop procedure runs once"));
/// assert_eq!(first, again);
/// ```
#[derive(Debug)]
pub struct ShutdownOnce<T> {
    phase: Mutex<Phase<T>>,
}

impl<T> ShutdownOnce<T> {
    /// A running pool's holder.
    ///
    /// ```
    /// let life = pool_lifecycle::ShutdownOnce::new(vec![0_u8]);
    /// assert_eq!(life.run(|_| Default::default()), Default::default());
    /// ```
    pub fn new(workers: T) -> ShutdownOnce<T> {
        ShutdownOnce {
            phase: Mutex::new(Phase::Running(workers)),
        }
    }

    /// Runs `stop` on the held workers if no call did yet, and returns its report; a call
    /// made while another runs `stop` waits for it and returns the same report.
    ///
    /// `stop` runs under the holder's lock: it must not call back into this holder, nor
    /// run user code, which could (jobs run on workers; a job dropped unrun runs its
    /// captures' destructors: discard queues before calling this).
    ///
    /// # Panics
    /// If `stop` panics; the workers stay held (as `stop` left them) and the next call
    /// runs `stop` again.
    ///
    /// ```
    /// use pool_core::ShutdownReport;
    /// let life = pool_lifecycle::ShutdownOnce::new(3_u32);
    /// let report = life.run(|n| ShutdownReport { submitted: u64::from(*n), completed: 3, ..Default::default() });
    /// assert!(report.is_balanced());
    /// ```
    pub fn run(&self, stop: impl FnOnce(&mut T) -> ShutdownReport) -> ShutdownReport {
        let mut phase = lock(&self.phase);
        let report = match &mut *phase {
            Phase::Stopped(report) => return *report,
            Phase::Running(workers) => stop(workers),
        };
        *phase = Phase::Stopped(report);
        report
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use pool_core::sync::atomic::{AtomicUsize, Ordering};
    use pool_core::sync::{thread, Arc};

    /// Two concurrent shutdowns: the stop procedure runs once and both get its report.
    #[test]
    fn loom_concurrent_shutdowns_run_stop_once_and_agree() {
        loom::model(|| {
            let stops = Arc::new(AtomicUsize::new(0));
            let life = Arc::new(ShutdownOnce::new(()));
            let stop = |stops: &AtomicUsize| {
                let n = stops.fetch_add(1, Ordering::Relaxed) as u64;
                ShutdownReport {
                    submitted: n + 1,
                    completed: n + 1,
                    ..Default::default()
                }
            };
            let other = {
                let (life, stops) = (life.clone(), stops.clone());
                thread::spawn(move || life.run(|_| stop(&stops)))
            };
            let here = life.run(|_| stop(&stops));
            let there = other.join().unwrap();
            assert_eq!(here, there);
            assert_eq!(stops.load(Ordering::Relaxed), 1);
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_panicking_stop_leaves_the_workers_held_for_the_next_call() {
        let life = ShutdownOnce::new(2_u32);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            life.run(|n| {
                *n -= 1;
                panic!("a bug in the stop procedure")
            })
        }));
        assert!(panicked.is_err());
        let report = life.run(|n| ShutdownReport {
            submitted: u64::from(*n),
            completed: u64::from(*n),
            ..Default::default()
        });
        assert_eq!(
            report.submitted, 1,
            "the second call saw what the first left"
        );
    }

    #[test]
    fn many_concurrent_calls_run_stop_once() {
        let life = Arc::new(ShutdownOnce::new(()));
        let stops = Arc::new(AtomicUsize::new(0));
        let callers: Vec<_> = (0..8)
            .map(|_| {
                let (life, stops) = (life.clone(), stops.clone());
                std::thread::spawn(move || {
                    life.run(|_| {
                        stops.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        ShutdownReport::default()
                    })
                })
            })
            .collect();
        for c in callers {
            assert_eq!(c.join().expect("caller"), ShutdownReport::default());
        }
        assert_eq!(stops.load(Ordering::Relaxed), 1);
    }
}
