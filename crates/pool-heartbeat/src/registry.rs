//! The shared state of one pool: the hub, the heartbeat flags, counters and quiescence, and
//! how a caller gets onto a worker (`in_worker`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use pool_core::sync::atomic::{AtomicBool, Ordering};
use pool_core::{Counters, PoolId, Quiescence};

use crate::heartbeat::{Hub, PoolJob};
use crate::job::{StackJob, Waiter};
use crate::worker::WorkerThread;

/// Tuning knobs fixed at build time.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// How often the heartbeat thread raises every worker's flag while work is running.
    pub(crate) heartbeat: Duration,
    /// How long an idle worker keeps looking for work (yielding) before it parks.
    pub(crate) idle_spin: Duration,
}

/// How many quiet intervals the heartbeat thread waits before it parks. Parking at once
/// made every short fork-join call pay a futex wake-up of the heartbeat thread (a system
/// call of several microseconds here, more than a 1023-node tree sum takes); lingering
/// ~10 intervals (a few milliseconds) costs an idle pool nothing more, since `'static` jobs
/// do not wake the thread (see `Hub::take`).
const LINGER_BEATS: u32 = 10;

/// One worker's heartbeat flag, alone on its cache lines: the heartbeat thread raises it,
/// the worker reads it (Relaxed) at every `join` and lowers it when it promotes.
#[repr(align(128))]
pub(crate) struct Beat(pub(crate) AtomicBool);

/// Everything the workers, the heartbeat thread and the pool handle share.
pub(crate) struct Registry {
    pub(crate) id: PoolId,
    pub(crate) hub: Hub,
    pub(crate) beats: Box<[Beat]>,
    pub(crate) counters: Counters,
    /// Pending `'static` jobs and outside `install`/`join` calls; `wait_idle` and
    /// `shutdown` wait on it.
    pub(crate) quiescence: Quiescence,
    pub(crate) tuning: Tuning,
    /// The slot index (after the workers') that one outside thread at a time may borrow to
    /// run work in place (`run_here`).
    guest: usize,
    /// Whether an outside thread holds the guest slot.
    guest_taken: AtomicBool,
}

/// Marks one pending unit done when dropped, so a panicking `install` still counts.
struct DoneOnDrop<'a>(&'a Quiescence);

impl Drop for DoneOnDrop<'_> {
    fn drop(&mut self) {
        self.0.done(1);
    }
}

impl Registry {
    /// A registry for `workers` workers.
    pub(crate) fn new(workers: usize, queue_bound: Option<usize>, tuning: Tuning) -> Registry {
        Registry {
            id: PoolId::new(),
            hub: Hub::new(workers + 1, queue_bound),
            beats: (0..=workers)
                .map(|_| Beat(AtomicBool::new(false)))
                .collect(),
            guest: workers,
            guest_taken: AtomicBool::new(false),
            counters: Counters::new(workers),
            quiescence: Quiescence::new(),
            tuning,
        }
    }

    /// The heartbeat thread's body: while any taken job runs, raise every worker's flag
    /// once per interval; once nothing has run for [`LINGER_BEATS`] intervals, park until
    /// something does; return when the pool terminates.
    pub(crate) fn heartbeat_loop(&self) {
        let mut quiet = 0;
        loop {
            if self.hub.is_active() {
                quiet = 0;
            } else {
                quiet += 1;
            }
            let running = if quiet > LINGER_BEATS {
                quiet = 0;
                self.hub.wait_for_activity()
            } else {
                !self.hub.is_terminating()
            };
            if !running {
                return;
            }
            std::thread::sleep(self.tuning.heartbeat);
            for beat in self.beats.iter() {
                beat.0.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Runs a `'static` pool job, counting it.
    pub(crate) fn run_pool_job(&self, job: PoolJob) {
        self.counters.run(job.job);
        self.quiescence.done(1);
    }

    /// Drops a pool job unrun (immediate shutdown), counting it cancelled.
    pub(crate) fn discard(&self, job: PoolJob) {
        // The job's destructor is user code; it must not unwind into our bookkeeping. A
        // payload whose own destructor panics would do so again: leak it.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(job.job))) {
            std::mem::forget(payload);
        }
        self.counters.cancelled(1);
        self.quiescence.done(1);
    }

    /// Runs `op` on a worker of this pool: directly if the caller is one, otherwise by
    /// queueing it and parking until it is done. A panic in `op` resumes on the caller.
    ///
    /// # Panics
    /// If the pool has been shut down (no worker is left to run `op`).
    pub(crate) fn in_worker<OP, R>(self: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        if WorkerThread::current_of(self).is_some() {
            return op();
        }
        self.in_worker_cold(op)
    }

    /// Runs `op` on the calling thread, which joins the pool as its guest for the call: its
    /// forks can be promoted and taken by the workers, and it helps while it waits. From a
    /// worker of this pool, runs `op` there; if another outside thread holds the guest
    /// slot, falls back to [`Registry::in_worker`].
    ///
    /// # Panics
    /// If `op` panics (after its forks finished), or, in the fallback, if the pool has been
    /// shut down.
    pub(crate) fn run_here<OP, R>(self: &Arc<Self>, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        if WorkerThread::current_of(self).is_some() {
            return op();
        }
        if self
            .guest_taken
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return self.in_worker_cold(op);
        }
        /// Releases the slot and the activity when the call ends, even by unwinding.
        struct Leave<'a>(&'a Registry);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.hub.finished();
                self.0.quiescence.done(1);
                self.0.guest_taken.store(false, Ordering::Release);
            }
        }
        self.quiescence.add(1);
        self.hub.start_activity();
        let _leave = Leave(self);
        WorkerThread::run_as_guest(Arc::clone(self), self.guest, op)
    }

    #[cold]
    fn in_worker_cold<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        let quiescence = &self.quiescence;
        let job = StackJob::new(Waiter::Thread(std::thread::current()), move || {
            let _done = DoneOnDrop(quiescence);
            op()
        });
        self.quiescence.add(1);
        // SAFETY: `job` stays in this frame until `done` is set: if the queue takes it we
        // park below until then, and nothing between can unwind; if it is refused, no
        // queue ever held it.
        let job_ref = unsafe { job.as_job_ref() };
        if !self.hub.inject(job_ref) {
            self.quiescence.done(1);
            panic!("pool-heartbeat: the pool has been shut down");
        }
        while !job.is_done() {
            std::thread::park();
        }
        job.into_result().into_return_value()
    }
}
