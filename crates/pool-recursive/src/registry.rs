//! The state every worker and submitter shares: queues, sleep, pending work, flags, tallies.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_deque::{Injector, Steal, Stealer};
use pool_core::sync::Arc;
use pool_core::{Counters, Metrics, OverflowPolicy, PoolId, Quiescence};

use crate::bound::Bound;
use crate::sleep::Sleep;
use crate::stats::{snapshot, WorkerStats};
use crate::task::Task;

/// A queue the shutdown thread can steal from.
enum Source<'a> {
    Injector(&'a Injector<Task>),
    Worker(&'a Stealer<Task>),
}

impl Source<'_> {
    fn steal(&self) -> Steal<Task> {
        match self {
            Source::Injector(injector) => injector.steal(),
            Source::Worker(stealer) => stealer.steal(),
        }
    }
}

/// Shared by the pool handle, its workers and its tasks.
pub(crate) struct Registry {
    pub(crate) id: PoolId,
    /// Tasks from outside threads (jobs and tree roots). Workers steal from it in batches.
    pub(crate) injector: Injector<Task>,
    /// One per worker, indexed like the workers.
    pub(crate) stealers: Vec<Stealer<Task>>,
    pub(crate) sleep: Sleep,
    /// Pending units: one per `Pool` job and one per tree, until it is done.
    pub(crate) idle: Arc<Quiescence>,
    pub(crate) stats: Box<[WorkerStats]>,
    /// Tallies of outside threads (submissions, rejections, caller-runs jobs).
    pub(crate) outside: Counters,
    /// Outside backpressure; `None` when unbounded.
    pub(crate) bound: Option<Arc<Bound>>,
    pub(crate) overflow: OverflowPolicy,
    /// Tasks a worker may hold queued before its submissions run inline.
    pub(crate) local_bound: Option<usize>,
    /// No more outside submissions.
    pub(crate) closed: AtomicBool,
    /// Immediate shutdown: workers drop tasks instead of running them.
    pub(crate) discard: AtomicBool,
    /// Workers exit once they find no work.
    pub(crate) stop: AtomicBool,
    /// Tasks discarded by `discard_queued` (from the shutdown thread).
    swept: AtomicU64,
}

impl Registry {
    pub(crate) fn new(
        stealers: Vec<Stealer<Task>>,
        bound: Option<usize>,
        overflow: OverflowPolicy,
    ) -> Registry {
        let workers = stealers.len();
        Registry {
            id: PoolId::new(),
            injector: Injector::new(),
            sleep: Sleep::new(),
            idle: Arc::new(Quiescence::new()),
            stats: (0..workers).map(|_| WorkerStats::default()).collect(),
            outside: Counters::new(workers),
            bound: bound.map(|cap| Arc::new(Bound::new(cap))),
            overflow,
            local_bound: bound,
            closed: AtomicBool::new(false),
            discard: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            swept: AtomicU64::new(0),
            stealers,
        }
    }

    pub(crate) fn workers(&self) -> usize {
        self.stealers.len()
    }

    /// Whether any queue holds a task (used by a worker about to sleep).
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Whether a worker about to sleep should look again instead.
    pub(crate) fn ready(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.has_work()
    }

    /// Pushes a task from an outside thread and wakes a worker.
    pub(crate) fn inject(&self, task: Task) {
        self.injector.push(task);
        self.sleep.work_pushed();
    }

    /// Stops outside submissions. The fence pairs with the one after a submitter's
    /// `idle.add`: either the submitter sees `closed`, or the closer's later wait sees the
    /// submitter's pending unit.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        if let Some(bound) = &self.bound {
            bound.wake_all();
        }
    }

    /// Tells the workers to exit once idle, and wakes them all.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.sleep.wake_all(self.workers());
    }

    /// Steals every queued task (injector and worker deques) and discards it, from any
    /// thread. Tasks pushed later are discarded by the workers, who check `discard` first.
    pub(crate) fn discard_queued(&self) {
        let sources = std::iter::once(Source::Injector(&self.injector))
            .chain(self.stealers.iter().map(Source::Worker));
        for source in sources {
            loop {
                match source.steal() {
                    Steal::Success(task) => {
                        // Not `outside.cancelled`: the submission was tallied elsewhere,
                        // and `Counters` balances its own submissions against it.
                        self.swept.fetch_add(1, Ordering::Relaxed);
                        self.discard_task(task);
                    }
                    Steal::Retry => {}
                    Steal::Empty => break,
                }
            }
        }
    }

    /// Drops a task unrun (immediate shutdown), releasing what it holds of the pool.
    pub(crate) fn discard_task(&self, task: Task) {
        match task {
            Task::Body(body) => body.discard(),
            Task::Job(job) => job.discard(&self.idle, self.bound.as_deref()),
        }
    }

    pub(crate) fn metrics(&self) -> Metrics {
        snapshot(
            &self.stats,
            &self.outside,
            self.swept.load(Ordering::Relaxed),
        )
    }
}
