//! The shared state of one pool: queues, parking lot, counters, admission, and how a
//! caller gets onto a worker (`in_worker`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use pool_core::{Counters, Job, PoolId, Quiescence};

use crate::admission::Admission;
use crate::job::{JobRef, StackJob};
use crate::latch::LockLatch;
use crate::sleep::Sleep;

pub(crate) use crate::worker::WorkerThread;

/// Tuning knobs fixed at build time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// How long an idle worker keeps looking for work (yielding between rounds) before it
    /// parks.
    pub(crate) idle_spin: Duration,
    /// How many found jobs a worker may run nested on its stack (see `WorkerThread`).
    pub(crate) max_help_depth: usize,
}

/// A `'static` job submitted through the `Pool` trait.
pub(crate) struct PoolJob {
    job: Job,
    /// Whether it holds a slot of the outside queue bound, freed when it starts.
    bounded: bool,
}

/// The deques one worker owns, handed to its thread at start.
pub(crate) struct Deques {
    /// Fork-join jobs (`join`, `scope` spawns): LIFO for the owner, FIFO for thieves.
    pub(crate) forks: Worker<JobRef>,
    /// `'static` pool jobs taken from the pool injector in batches: FIFO.
    pub(crate) jobs: Worker<PoolJob>,
}

/// Everything the workers and the pool handle share.
///
/// Two queue families: fork-join jobs (`JobRef`, which may point into a waiting thread's
/// stack and must always run) and `'static` pool jobs (`PoolJob`, which an immediate
/// shutdown may discard). Keeping them apart lets the shutdown thread drain every pool job
/// itself, even while all workers are busy, without ever touching a fork-join job.
pub(crate) struct Registry {
    pub(crate) id: PoolId,
    /// Fork-join jobs from outside callers (`install`, `join`, `scope` from a non-worker).
    pub(crate) injector: Injector<JobRef>,
    /// Thieves' ends of the workers' `forks` deques.
    pub(crate) stealers: Box<[Stealer<JobRef>]>,
    /// `'static` jobs submitted through `Pool`, from outside or inside.
    pub(crate) pool_injector: Injector<PoolJob>,
    /// Thieves' ends of the workers' `jobs` deques.
    pub(crate) job_stealers: Box<[Stealer<PoolJob>]>,
    pub(crate) sleep: Sleep,
    pub(crate) counters: Counters,
    /// Pending `'static` jobs and outside `install`/`join`/`scope` calls; `wait_idle` and
    /// `shutdown` wait on it.
    pub(crate) quiescence: Quiescence,
    pub(crate) admission: Admission,
    /// Set (after quiescence) to make idle workers exit.
    pub(crate) terminate: AtomicBool,
    /// Set by an immediate shutdown: `'static` jobs found from now on are dropped unrun.
    pub(crate) discarding: AtomicBool,
    pub(crate) tuning: Tuning,
}

/// A queue of pool jobs the shutdown thread drains.
enum Source<'a> {
    Injector(&'a Injector<PoolJob>),
    Stealer(&'a Stealer<PoolJob>),
}

impl Source<'_> {
    fn steal(&self) -> Steal<PoolJob> {
        match self {
            Source::Injector(injector) => injector.steal(),
            Source::Stealer(stealer) => stealer.steal(),
        }
    }
}

thread_local! {
    /// The latch an outside caller blocks on (see `LockLatch`).
    static LOCK_LATCH: LockLatch = LockLatch::default();
}

/// Marks one pending unit done when dropped, so a panicking `install` still counts.
struct DoneOnDrop<'a>(&'a Quiescence);

impl Drop for DoneOnDrop<'_> {
    fn drop(&mut self) {
        self.0.done(1);
    }
}

impl Registry {
    /// A registry for `workers` workers, and the deques those workers will own.
    pub(crate) fn new(
        workers: usize,
        queue_bound: Option<usize>,
        tuning: Tuning,
    ) -> (Arc<Registry>, Vec<Deques>) {
        let deques: Vec<Deques> = (0..workers)
            .map(|_| Deques {
                forks: Worker::new_lifo(),
                jobs: Worker::new_fifo(),
            })
            .collect();
        let registry = Registry {
            id: PoolId::new(),
            injector: Injector::new(),
            stealers: deques.iter().map(|d| d.forks.stealer()).collect(),
            pool_injector: Injector::new(),
            job_stealers: deques.iter().map(|d| d.jobs.stealer()).collect(),
            sleep: Sleep::new(workers),
            counters: Counters::new(workers),
            quiescence: Quiescence::new(),
            admission: Admission::new(queue_bound),
            terminate: AtomicBool::new(false),
            discarding: AtomicBool::new(false),
            tuning,
        };
        (Arc::new(registry), deques)
    }

    /// Whether any queue holds a job (a snapshot, for the parking re-check).
    pub(crate) fn has_work(&self) -> bool {
        !self.injector.is_empty()
            || !self.pool_injector.is_empty()
            || self.stealers.iter().any(|s| !s.is_empty())
            || self.job_stealers.iter().any(|s| !s.is_empty())
    }

    /// Pushes a job to the injector and wakes a parked worker for it.
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.sleep.wake_one();
    }

    /// Queues a `'static` pool job. The caller has counted it in `counters` and
    /// `quiescence` (and, if `bounded`, reserved its slot).
    pub(crate) fn inject_pool_job(&self, job: Job, bounded: bool) {
        self.pool_injector.push(PoolJob { job, bounded });
        self.sleep.wake_one();
    }

    /// Runs (or, during an immediate shutdown, drops) a `'static` pool job.
    pub(crate) fn run_pool_job(&self, job: PoolJob) {
        if self.discarding.load(Ordering::Acquire) {
            self.discard(job);
            return;
        }
        if job.bounded {
            self.admission.started();
        }
        self.counters.run(job.job);
        self.quiescence.done(1);
    }

    /// Drops a pool job unrun, counting it cancelled (its handle then reports so).
    fn discard(&self, job: PoolJob) {
        if job.bounded {
            self.admission.started();
        }
        // The job's destructor is user code; it must not unwind into our bookkeeping. A
        // payload whose own destructor panics would do so again: leak it.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(job.job))) {
            std::mem::forget(payload);
        }
        self.counters.cancelled(1);
        self.quiescence.done(1);
    }

    /// Discards every queued pool job (immediate shutdown), from any thread: the pool
    /// injector and every worker's batch deque. Jobs already taken by a worker run or are
    /// discarded by that worker, which checks `discarding` first.
    pub(crate) fn discard_queued(&self) {
        let queues = std::iter::once(Source::Injector(&self.pool_injector))
            .chain(self.job_stealers.iter().map(Source::Stealer));
        for queue in queues {
            loop {
                match queue.steal() {
                    Steal::Success(job) => self.discard(job),
                    Steal::Retry => continue,
                    Steal::Empty => break,
                }
            }
        }
    }

    /// Runs `op` on a worker of this pool: directly if the caller is one, otherwise by
    /// injecting it and blocking until it is done. A panic in `op` resumes on the caller.
    ///
    /// # Panics
    /// If the pool has been shut down (there is no worker left to run `op`).
    pub(crate) fn in_worker<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread, bool) -> R + Send,
        R: Send,
    {
        match WorkerThread::current_of(self) {
            Some(worker) => op(worker, false),
            None => self.in_worker_cold(op),
        }
    }

    #[cold]
    fn in_worker_cold<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&WorkerThread, bool) -> R + Send,
        R: Send,
    {
        let Some(pass) = self.admission.enter() else {
            panic!("pool-work-stealing: the pool has been shut down");
        };
        LOCK_LATCH.with(|latch| {
            latch.reset();
            let quiescence = &self.quiescence;
            let job = StackJob::new(latch, move |_migrated| {
                let _done = DoneOnDrop(quiescence);
                match WorkerThread::current_of(self) {
                    Some(worker) => op(worker, true),
                    None => unreachable!("an injected job runs on a worker of its pool"),
                }
            });
            self.quiescence.add(1);
            // SAFETY: `job` stays in this frame until its latch is set: we block on the
            // latch right below and nothing between can unwind.
            let job_ref = unsafe { job.as_job_ref() };
            self.inject(job_ref);
            drop(pass);
            latch.wait();
            job.into_result().into_return_value()
        })
    }
}
