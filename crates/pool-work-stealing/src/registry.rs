//! The shared state of one pool: queues, parking lot, counters, admission, and how a
//! caller gets onto a worker (`in_worker`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_deque::{Injector, Stealer, Worker};
use pool_core::{Counters, Job, PoolId, Quiescence};

use crate::admission::Admission;
use crate::job::{HeapJob, JobRef, StackJob};
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

/// Everything the workers and the pool handle share.
pub(crate) struct Registry {
    pub(crate) id: PoolId,
    pub(crate) injector: Injector<JobRef>,
    pub(crate) stealers: Box<[Stealer<JobRef>]>,
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
    ) -> (Arc<Registry>, Vec<Worker<JobRef>>) {
        let deques: Vec<Worker<JobRef>> = (0..workers).map(|_| Worker::new_lifo()).collect();
        let registry = Registry {
            id: PoolId::new(),
            injector: Injector::new(),
            stealers: deques.iter().map(Worker::stealer).collect(),
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
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    /// Pushes a job to the injector and wakes a parked worker for it.
    pub(crate) fn inject(&self, job: JobRef) {
        self.injector.push(job);
        self.sleep.wake_one();
    }

    /// Queues a `'static` pool job. The caller has counted it in `counters` and
    /// `quiescence` (and, if `bounded`, reserved its slot).
    pub(crate) fn inject_pool_job(&self, job: Job, bounded: bool) {
        let run = move |worker: &WorkerThread| worker.registry().run_pool_job(job, bounded);
        // SAFETY: the closure is 'static (it owns the Job), so it borrows nothing.
        let job_ref = unsafe { HeapJob::into_job_ref(run) };
        self.inject(job_ref);
    }

    /// Runs (or, during an immediate shutdown, drops) a `'static` pool job.
    fn run_pool_job(&self, job: Job, bounded: bool) {
        if bounded {
            self.admission.started();
        }
        if self.discarding.load(Ordering::Acquire) {
            // The job's destructor is user code; it must not unwind into the worker.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(job))) {
                std::mem::forget(payload);
            }
            self.counters.cancelled(1);
        } else {
            self.counters.run(job);
        }
        self.quiescence.done(1);
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
