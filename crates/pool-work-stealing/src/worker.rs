//! One worker thread: its deque, where it looks for work, how it waits, and its main loop.
//!
//! **Where work comes from.** Own `forks` deque first (LIFO: the most recent fork, still
//! hot in cache), then the own batch of pool jobs, the outside callers' injector, a batch
//! from the pool injector (into the own `jobs` deque), then the other workers' deques in a
//! random order (FIFO steal: the oldest, usually largest, piece of work).
//!
//! **Waiting never deadlocks.** A worker that waits in `join`, `scope` or `install` keeps
//! running work until its latch is set ([`WorkerThread::wait_until`]): first its own deque
//! (whose jobs were all pushed by code already on its stack), then stolen jobs.
//!
//! **Bounded stack growth.** Each job a worker takes from the injector or another worker
//! is run one frame deeper on its stack. `help_depth` counts those nested jobs (the main
//! loop's job is the first); once it reaches `max_help_depth`, a waiting worker stops
//! stealing and only runs its own deque's jobs, then parks until its latch is set. So a
//! worker's stack holds at most `max_help_depth` stolen jobs; every other frame belongs to
//! code those jobs called (own-deque jobs were pushed by code already on the stack). This
//! cannot deadlock: a worker that stops stealing waits only for a job that another worker
//! stole and is running (an own-deque job it would have popped), and following "waits for"
//! from one job to the next goes strictly down the fork tree, which is finite.

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_deque::{Steal, Worker};

use crate::job::JobRef;
use crate::latch::SpinLatch;
use crate::registry::{Deques, PoolJob, Registry};
use crate::sleep::Reason;
use crate::unwind::AbortIfPanic;

/// How long a worker waiting on a latch (`join` whose second half was stolen, `scope`,
/// `install` from a worker) keeps looking before it parks, at least. Unlike an idle worker,
/// it waits for work already running elsewhere, usually briefly, and parking would put a
/// futex wake-up on the finishing thread's path.
const LATCH_WAIT_SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// Whether a worker that found nothing should look again (after a yield) rather than park,
/// `spin` after its first empty look.
fn keep_spinning(spin: std::time::Duration, spin_start: &mut Option<Instant>) -> bool {
    if spin.is_zero() {
        return false;
    }
    let start = *spin_start.get_or_insert_with(Instant::now);
    if start.elapsed() < spin {
        std::thread::yield_now();
        true
    } else {
        false
    }
}

/// Work found outside the own `forks` deque.
enum Work {
    Fork(JobRef),
    Pool(PoolJob),
}

thread_local! {
    /// The worker running on this thread, or null. Set by `main_loop` for its whole run.
    static CURRENT: Cell<*const WorkerThread> = const { Cell::new(std::ptr::null()) };
}

/// A worker's own state. Lives in its thread's `main_loop` frame; only that thread touches
/// the `Cell`s.
pub(crate) struct WorkerThread {
    deque: Worker<JobRef>,
    jobs: Worker<PoolJob>,
    index: usize,
    registry: Arc<Registry>,
    rng: Cell<u64>,
    help_depth: Cell<usize>,
}

impl WorkerThread {
    /// The current thread's worker, if it is a worker of `registry`.
    #[inline]
    pub(crate) fn current_of(registry: &Registry) -> Option<&WorkerThread> {
        let worker = CURRENT.with(Cell::get);
        // SAFETY: a non-null CURRENT points to the WorkerThread in this thread's
        // `main_loop` frame, which outlives every job (and so every caller) on this thread.
        let worker = unsafe { worker.as_ref() }?;
        std::ptr::eq(&*worker.registry, registry).then_some(worker)
    }

    /// Calls `f` with the current thread's worker, of any pool, if it is one.
    #[inline]
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&WorkerThread>) -> R) -> R {
        let worker = CURRENT.with(Cell::get);
        // SAFETY: as in `current_of`; the reference does not leave `f`, which returns
        // before the main loop's frame can end.
        f(unsafe { worker.as_ref() })
    }

    /// The pool this worker belongs to.
    #[inline]
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// A new handle on the pool this worker belongs to.
    pub(crate) fn registry_arc(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// This worker's index in the pool.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Pushes a job that this worker will run itself if nobody steals it, and nudges a
    /// parked worker (without the full wake-up guarantee, see `Sleep::wake_one_hint`).
    #[inline]
    pub(crate) fn push(&self, job: JobRef) {
        self.deque.push(job);
        self.registry.sleep.wake_one_hint();
    }

    /// Pops the most recent job of the own deque.
    #[inline]
    pub(crate) fn pop(&self) -> Option<JobRef> {
        self.deque.pop()
    }

    /// Runs a job.
    ///
    /// # Safety
    /// The job came out of one of this pool's queues (so it runs once, here).
    #[inline]
    pub(crate) unsafe fn execute(&self, job: JobRef) {
        // SAFETY: the caller took the job from this pool's queues, which hand each job out
        // once, and we are a worker of that pool.
        unsafe { job.execute(self) }
    }

    fn next_random(&self) -> usize {
        // xorshift64: enough to spread victims, one multiply-free step.
        let mut x = self.rng.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.set(x);
        x as usize
    }

    /// Finds work outside the own `forks` deque: the own batch of pool jobs, the outside
    /// callers' injector, a batch from the pool injector, then the other workers' deques in
    /// a random order.
    fn steal(&self) -> Option<Work> {
        if let Some(job) = self.jobs.pop() {
            return Some(Work::Pool(job));
        }
        let registry = &*self.registry;
        // Every source is probed with `is_empty` first: a few plain loads, where a steal
        // attempt on an empty queue costs a SeqCst fence (and an epoch pin for deques). A
        // stale "empty" only delays the job: the parking re-check looks again after the
        // announcement (see the sleep README).
        loop {
            let mut retry = false;
            if !registry.injector.is_empty() {
                match registry.injector.steal() {
                    Steal::Success(job) => return Some(Work::Fork(job)),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !registry.pool_injector.is_empty() {
                match registry.pool_injector.steal_batch_and_pop(&self.jobs) {
                    Steal::Success(job) => {
                        if !self.jobs.is_empty() {
                            registry.sleep.wake_one_hint();
                        }
                        return Some(Work::Pool(job));
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            let victims = registry.stealers.len();
            if victims > 1 {
                let start = self.next_random() % victims;
                for offset in 0..victims {
                    let mut victim = start + offset;
                    if victim >= victims {
                        victim -= victims;
                    }
                    if victim == self.index {
                        continue;
                    }
                    let forks = &registry.stealers[victim];
                    if !forks.is_empty() {
                        match forks.steal() {
                            Steal::Success(job) => return Some(Work::Fork(job)),
                            Steal::Retry => retry = true,
                            Steal::Empty => {}
                        }
                    }
                    let jobs = &registry.job_stealers[victim];
                    if !jobs.is_empty() {
                        match jobs.steal() {
                            Steal::Success(job) => return Some(Work::Pool(job)),
                            Steal::Retry => retry = true,
                            Steal::Empty => {}
                        }
                    }
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// Runs work found by `steal` one level deeper on the stack.
    ///
    /// # Safety
    /// The work came out of this pool's queues (so it runs once, here).
    unsafe fn execute_stolen(&self, work: Work) {
        self.help_depth.set(self.help_depth.get() + 1);
        match work {
            // SAFETY: forwarded from the caller.
            Work::Fork(job) => unsafe { self.execute(job) },
            Work::Pool(job) => self.registry.run_pool_job(job),
        }
        self.help_depth.set(self.help_depth.get() - 1);
    }

    /// Waits until `latch` is set, running other work meanwhile.
    #[inline]
    pub(crate) fn wait_until(&self, latch: &SpinLatch) {
        if !latch.probe() {
            self.wait_until_cold(latch);
        }
    }

    #[cold]
    fn wait_until_cold(&self, latch: &SpinLatch) {
        // A panic here would leave the latch's job pointer behind: abort instead.
        let abort = AbortIfPanic;
        let mut spin_start = None;
        loop {
            if latch.probe() {
                break;
            }
            if let Some(job) = self.pop() {
                // SAFETY: the job came from our own deque.
                unsafe { self.execute(job) };
                spin_start = None;
                continue;
            }
            let may_steal = self.help_depth.get() < self.registry.tuning.max_help_depth;
            if may_steal {
                if let Some(work) = self.steal() {
                    // SAFETY: the work came from this pool's queues.
                    unsafe { self.execute_stolen(work) };
                    spin_start = None;
                    continue;
                }
            }
            let spin = self.registry.tuning.idle_spin.max(LATCH_WAIT_SPIN);
            if keep_spinning(spin, &mut spin_start) {
                continue;
            }
            let reason = if may_steal {
                Reason::Idle
            } else {
                Reason::LatchOnly
            };
            let registry = &*self.registry;
            registry.sleep.sleep(self.index, reason, || {
                latch.probe() || (may_steal && registry.has_work())
            });
            spin_start = None;
        }
        std::mem::forget(abort);
    }

    /// The body of worker thread `index`: run jobs until the pool terminates.
    pub(crate) fn main_loop(registry: Arc<Registry>, deques: Deques, index: usize) {
        let _mark = registry.id.enter();
        let worker = WorkerThread {
            deque: deques.forks,
            jobs: deques.jobs,
            index,
            rng: Cell::new(0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 17)),
            registry,
            help_depth: Cell::new(0),
        };
        CURRENT.with(|c| c.set(&worker));
        worker.run();
        CURRENT.with(|c| c.set(std::ptr::null()));
    }

    fn run(&self) {
        let registry = &*self.registry;
        let mut spin_start = None;
        loop {
            let work = match self.pop() {
                Some(job) => Some(Work::Fork(job)),
                None => self.steal(),
            };
            if let Some(work) = work {
                // SAFETY: the work came from this pool's queues.
                unsafe { self.execute_stolen(work) };
                spin_start = None;
                continue;
            }
            if registry.terminate.load(Ordering::Acquire) {
                return;
            }
            if keep_spinning(registry.tuning.idle_spin, &mut spin_start) {
                continue;
            }
            registry.sleep.sleep(self.index, Reason::Idle, || {
                registry.has_work() || registry.terminate.load(Ordering::Acquire)
            });
            spin_start = None;
        }
    }
}
