//! One metrics snapshot for every strategy, and the counters that produce it.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::{Job, Outcome};

/// A point-in-time view of a pool's counters, the same for every strategy.
///
/// Counters are read one by one while the pool runs, so a snapshot taken under load is
/// approximate; once the pool is idle or shut down it is exact, and then
/// `submitted == rejected + completed + panicked + cancelled` ([`Metrics::is_balanced`]).
///
/// ```
/// let m = pool_core::Metrics { submitted: 3, rejected: 1, completed: 1, panicked: 1, ..Default::default() };
/// assert!(m.is_balanced());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Metrics {
    /// Submission attempts, accepted or not.
    pub submitted: u64,
    /// Attempts handed back to the submitter (`Full` or `Closed`).
    pub rejected: u64,
    /// Accepted jobs not yet started.
    pub queued: u64,
    /// Jobs running now.
    pub running: u64,
    /// Jobs that returned normally.
    pub completed: u64,
    /// Jobs that panicked (the worker survived).
    pub panicked: u64,
    /// Accepted jobs that will never run: discarded by an immediate shutdown or cancelled.
    pub cancelled: u64,
    /// Worker threads (or, for the async pool, the concurrency limit).
    pub workers: u64,
}

impl Metrics {
    /// Whether every submission is accounted for: handed back, finished or cancelled, with
    /// nothing queued or running.
    ///
    /// ```
    /// let busy = pool_core::Metrics { submitted: 1, running: 1, ..Default::default() };
    /// assert!(!busy.is_balanced());
    /// ```
    pub fn is_balanced(&self) -> bool {
        self.queued == 0
            && self.running == 0
            && self.submitted == self.rejected + self.completed + self.panicked + self.cancelled
    }
}

/// An `AtomicU64` alone on its cache line(s), so counters bumped by different threads do not
/// slow each other down (128 bytes: adjacent-line prefetch pairs lines on x86-64).
#[repr(align(128))]
#[derive(Default)]
struct Padded(AtomicU64);

impl Padded {
    fn bump(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters behind [`Metrics`], shared by the strategies so they count alike.
///
/// Submission-side counters are bumped by submitters; `started`/`completed`/`panicked` are
/// bumped by the thread that runs the job. All use `Relaxed`: they are statistics, and no
/// other memory is published through them.
///
/// An attempt is counted once, when its fate is known: [`Counters::accepted`] or
/// [`Counters::rejected`], and `submitted` is their sum. So an attempt refused while a
/// snapshot is read is in both `submitted` and `rejected` or in neither: a report read once
/// every accepted job is finished balances, however many refusals race it.
///
/// ```
/// use pool_core::{Counters, Job};
/// let c = Counters::new(2);
/// c.accepted(1);
/// c.run(Job::new(|| {}));
/// let m = c.snapshot();
/// assert_eq!((m.submitted, m.completed, m.workers), (1, 1, 2));
/// assert!(m.is_balanced());
/// ```
#[derive(Default)]
pub struct Counters {
    accepted: Padded,
    rejected: Padded,
    started: Padded,
    completed: Padded,
    panicked: Padded,
    cancelled: Padded,
    workers: u64,
}

impl Counters {
    /// Counters for a pool of `workers` workers.
    ///
    /// ```
    /// assert_eq!(pool_core::Counters::new(4).snapshot().workers, 4);
    /// ```
    pub fn new(workers: usize) -> Counters {
        Counters {
            workers: workers as u64,
            ..Counters::default()
        }
    }

    /// Records `n` accepted jobs (queued, or run on the caller). Count an attempt here only
    /// once it is accepted; a refused one is counted by [`Counters::rejected`] alone.
    pub fn accepted(&self, n: u64) {
        self.accepted.bump(n);
    }

    /// Records `n` attempts handed back to their submitter (each also counts as submitted).
    pub fn rejected(&self, n: u64) {
        self.rejected.bump(n);
    }

    /// Records `n` accepted jobs that will never run.
    pub fn cancelled(&self, n: u64) {
        self.cancelled.bump(n);
    }

    /// Runs a job on this thread, counting its start and its outcome.
    ///
    /// ```
    /// use pool_core::{Counters, Job, Outcome};
    /// let c = Counters::new(1);
    /// c.accepted(1);
    /// assert_eq!(c.run(Job::new(|| panic!("counted"))), Outcome::Panicked);
    /// assert_eq!(c.snapshot().panicked, 1);
    /// ```
    pub fn run(&self, job: Job) -> Outcome {
        self.started.bump(1);
        let outcome = job.run();
        self.finished(outcome);
        outcome
    }

    /// Records a job that started, for pools that run jobs themselves (e.g. futures).
    pub fn started(&self) {
        self.started.bump(1);
    }

    /// Records the outcome of a job recorded with [`Counters::started`].
    pub fn finished(&self, outcome: Outcome) {
        match outcome {
            Outcome::Completed => self.completed.bump(1),
            Outcome::Panicked => self.panicked.bump(1),
        }
    }

    /// Reads the counters. Later stages are read first so that, under load, a job moving
    /// through the stages is never counted twice and `queued`/`running` never underflow;
    /// `submitted` is `accepted + rejected`, so rejections never unbalance a snapshot.
    pub fn snapshot(&self) -> Metrics {
        let completed = self.completed.get();
        let panicked = self.panicked.get();
        let cancelled = self.cancelled.get();
        let started = self.started.get().max(completed + panicked);
        let rejected = self.rejected.get();
        let accepted = self.accepted.get().max(started + cancelled);
        Metrics {
            submitted: accepted + rejected,
            rejected,
            queued: accepted - started - cancelled,
            running: started - completed - panicked,
            completed,
            panicked,
            cancelled,
            workers: self.workers,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone, Copy)]
    enum Event {
        Reject,
        Complete,
        Panic,
        Cancel,
        Queue,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            Just(Event::Reject),
            Just(Event::Complete),
            Just(Event::Panic),
            Just(Event::Cancel),
            Just(Event::Queue),
        ]
    }

    proptest! {
        #[test]
        fn accounting_balances_once_nothing_is_queued(events in proptest::collection::vec(event(), 0..200)) {
            let c = Counters::new(1);
            let mut queued = 0;
            for e in &events {
                match e {
                    Event::Reject => c.rejected(1),
                    Event::Complete => { c.accepted(1); c.run(Job::new(|| {})); }
                    Event::Panic => { c.accepted(1); c.run(Job::new(|| panic!("p"))); }
                    Event::Cancel => { c.accepted(1); c.cancelled(1); }
                    Event::Queue => { c.accepted(1); queued += 1; }
                }
            }
            let m = c.snapshot();
            prop_assert_eq!(m.queued, queued);
            prop_assert_eq!(m.running, 0);
            prop_assert_eq!(m.submitted, m.rejected + m.completed + m.panicked + m.cancelled + m.queued);
            prop_assert_eq!(m.is_balanced(), queued == 0);
        }
    }
}
