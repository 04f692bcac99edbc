//! One worker thread: its fork stack, how it reacts to a heartbeat, how it waits, and its
//! main loop.
//!
//! **The fork stack.** Every `join` on a worker pushes its second closure (a `JobRef` to a
//! stack job in `join`'s frame) and pops it after the first closure returned: plain
//! vector operations, no atomics, no fences. Forks below `bottom` have been promoted (handed
//! to the shared queue, see `heartbeat/`); forks at `bottom` and above are private. Since a
//! heartbeat always promotes the oldest private fork, the promoted ones are exactly the
//! bottom of the stack, and a `join` knows whether its own fork was promoted by comparing
//! its index with `bottom`.
//!
//! **Waiting never deadlocks.** A `join` whose fork another worker took waits for its
//! `done` flag, running other shared work meanwhile (oldest first) while its help depth
//! allows, then parking. It never waits for work nobody will run: a fork is only waited
//! for once a worker took it out of the queue, and that worker is running it.
//!
//! **Bounded stack growth.** A worker runs at most [`MAX_HELP_DEPTH`] taken jobs nested on
//! its stack (its main loop's job is the first); a waiting worker at that depth only
//! parks until its fork is done. That cannot deadlock: the fork it waits for is running on
//! another worker, and following "waits for" from one fork to the next goes down the fork
//! tree, which is finite.

use std::cell::{Cell, UnsafeCell};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pool_core::sync::atomic::{AtomicBool, Ordering};

use crate::heartbeat::Work;
use crate::job::JobRef;
use crate::registry::Registry;

/// How many taken jobs a worker may run nested on its stack.
pub const MAX_HELP_DEPTH: usize = 32;

/// How long a worker waiting for a fork another worker took keeps looking (yielding)
/// before it parks: the fork is already running, often briefly, and parking would put a
/// futex wake-up on the finishing worker's path.
const LATCH_WAIT_SPIN: Duration = Duration::from_micros(50);

/// A `join` always records its fork while fewer than this many private forks are pending
/// on the worker; beyond that, only one `join` in [`RECORD_EVERY`]. The idea is chili's
/// (its `join` records a fork when fewer than 3 are queued, else once every 64 calls):
/// only the oldest forks are ever promoted, so recording the deep ones buys nothing but
/// overhead, as long as a few shallow ones stay available to promote.
const RECORD_SHALLOW: usize = 3;

/// See [`RECORD_SHALLOW`].
const RECORD_EVERY: u32 = 64;

/// How long one piece of work (a taken job, a guest call) must have run, as seen at its
/// recorded forks, before it wakes the heartbeat thread if that is parked. Shorter work
/// would not see a heartbeat anyway (the first comes one interval after the wake-up),
/// and the wake-up, a system call, would cost more than it: waking at every take made a
/// 1023-node tree sum ~3x slower; waking at the 64th recorded fork instead came too late
/// for coarse work (fib(35) with cutoff 18 lost a third of its speedup).
const WAKE_AFTER: Duration = Duration::from_micros(50);

/// The clock is read at every this many recorded forks (until the wake-up): reading it at
/// each one made a 1023-node tree sum 2x slower (3.4 to 7.3 us) on this VM.
const CLOCK_EVERY: u32 = 8;

/// Forks reserved up front: recursion deeper than this grows the vector (amortized).
const FORK_STACK_CAPACITY: usize = 256;

/// Whether a worker that found nothing should look again (after a yield) rather than park,
/// `spin` after its first empty look.
fn keep_spinning(spin: Duration, spin_start: &mut Option<Instant>) -> bool {
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

thread_local! {
    /// The worker running on this thread, or null. Set by `main_loop` for its whole run.
    static CURRENT: Cell<*const WorkerThread> = const { Cell::new(std::ptr::null()) };
}

/// A worker's own state. Lives in its thread's `main_loop` frame; only that thread touches
/// `forks`, `bottom` and `help_depth`.
pub(crate) struct WorkerThread {
    index: usize,
    registry: Arc<Registry>,
    /// This worker's heartbeat flag, `&registry.beats[index]`, kept as a pointer so that
    /// `join` reads it without an index check.
    beat: *const AtomicBool,
    /// Pending forks, oldest first. Only this thread touches it, never across a call into
    /// user code.
    forks: UnsafeCell<Vec<JobRef>>,
    /// Forks below this index have been promoted.
    bottom: Cell<usize>,
    /// Taken jobs running nested on this stack.
    help_depth: Cell<usize>,
    /// How many more `join`s may run without recording (see [`RECORD_SHALLOW`]): set to
    /// `RECORD_EVERY - 1` by a recorded fork that leaves at least `RECORD_SHALLOW` private
    /// forks pending, cleared as soon as fewer are pending.
    skips: Cell<u32>,
    /// Forks recorded by the current work (taken from the main loop, or the guest call)
    /// until it woke the heartbeat thread; `u32::MAX` once it did.
    recorded: Cell<u32>,
    /// When the current work recorded its first fork.
    work_start: Cell<Option<Instant>>,
}

impl WorkerThread {
    /// The current thread's worker, if it is a worker of `registry`.
    #[inline]
    pub(crate) fn current_of(registry: &Registry) -> Option<&WorkerThread> {
        let worker = Self::current()?;
        std::ptr::eq(&*worker.registry, registry).then_some(worker)
    }

    /// The current thread's worker, of any pool, if it is one.
    #[inline]
    pub(crate) fn current<'a>() -> Option<&'a WorkerThread> {
        let worker = CURRENT.with(Cell::get);
        // SAFETY: a non-null CURRENT points to the WorkerThread in this thread's
        // `main_loop` frame, which outlives every job (and so every caller) on this thread;
        // callers use the reference only within such a job.
        unsafe { worker.as_ref() }
    }

    /// This worker's index in the pool.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Whether the next `join` should run both closures here without recording its fork:
    /// enough older forks are pending to feed the next heartbeats (see
    /// [`RECORD_SHALLOW`]).
    #[inline]
    pub(crate) fn skip_fork(&self) -> bool {
        let skips = self.skips.get();
        if skips == 0 {
            return false;
        }
        self.skips.set(skips - 1);
        true
    }

    /// Private forks pending: those not promoted.
    #[inline]
    fn private_forks(&self, len: usize) -> usize {
        len - self.bottom.get()
    }

    /// Pushes a pending fork.
    #[inline]
    pub(crate) fn push_fork(&self, job: JobRef) {
        // SAFETY: only this thread touches `forks`, and the reference ends with this call.
        let forks = unsafe { &mut *self.forks.get() };
        forks.push(job);
        let len = forks.len();
        let recorded = self.recorded.get();
        if recorded != u32::MAX {
            self.recorded.set(recorded + 1);
            if recorded % CLOCK_EVERY == 0 {
                self.wake_heartbeat_if_due();
            }
        }
        if self.private_forks(len) >= RECORD_SHALLOW {
            self.skips.set(RECORD_EVERY - 1);
        }
    }

    /// Pops the most recent fork (the caller's own) and says whether it had been promoted.
    #[inline]
    pub(crate) fn pop_fork(&self) -> bool {
        // SAFETY: only this thread touches `forks`, and the reference ends with this call.
        let forks = unsafe { &mut *self.forks.get() };
        forks.pop();
        let len = forks.len();
        let promoted = self.bottom.get() > len;
        if promoted {
            self.bottom.set(len);
        }
        if self.private_forks(len) < RECORD_SHALLOW {
            self.skips.set(0);
        }
        promoted
    }

    /// Wakes the heartbeat thread once the current work has run for [`WAKE_AFTER`].
    #[cold]
    #[inline(never)]
    fn wake_heartbeat_if_due(&self) {
        let now = Instant::now();
        match self.work_start.get() {
            None => self.work_start.set(Some(now)),
            Some(start) if now.duration_since(start) >= WAKE_AFTER => {
                self.recorded.set(u32::MAX);
                self.registry.hub.wake_heartbeat();
            }
            Some(_) => {}
        }
    }

    /// Marks the start of a new piece of work: a flag raised while this worker was idle is
    /// stale (promote only after a full interval of work, not at the new work's first
    /// fork), and the new work has not woken the heartbeat thread yet.
    fn start_work(&self) {
        self.lower_beat();
        self.recorded.set(0);
        self.work_start.set(None);
    }

    /// Whether the heartbeat thread raised this worker's flag since its last promotion.
    #[inline]
    pub(crate) fn heartbeat_due(&self) -> bool {
        // SAFETY: `beat` points into `registry.beats`, which `self.registry` keeps alive.
        unsafe { (*self.beat).load(Ordering::Relaxed) }
    }

    /// Lowers this worker's heartbeat flag.
    fn lower_beat(&self) {
        // SAFETY: as in `heartbeat_due`.
        unsafe { (*self.beat).store(false, Ordering::Relaxed) };
    }

    /// Answers a heartbeat: lowers the flag and promotes the oldest private fork, if any.
    #[cold]
    #[inline(never)]
    pub(crate) fn heartbeat(&self) {
        self.lower_beat();
        let bottom = self.bottom.get();
        // SAFETY: only this thread touches `forks`, and the reference ends before `promote`.
        let forks = unsafe { &*self.forks.get() };
        let oldest = forks.get(bottom).copied();
        if let Some(job) = oldest {
            self.bottom.set(bottom + 1);
            if self.private_forks(forks.len()) < RECORD_SHALLOW {
                self.skips.set(0);
            }
            self.registry.hub.promote(job);
        }
    }

    /// The pool this worker belongs to.
    #[inline]
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs taken work one level deeper on this stack.
    fn run(&self, work: Work) {
        self.help_depth.set(self.help_depth.get() + 1);
        match work {
            // SAFETY: the job came out of this pool's queue, which hands each job out once,
            // and its owner keeps it alive until we set its `done`.
            Work::Fork(job) => unsafe { job.execute(&self.registry.hub) },
            Work::Pool(job) => self.registry.run_pool_job(job),
        }
        self.registry.hub.finished();
        self.help_depth.set(self.help_depth.get() - 1);
    }

    /// Waits until `done` is set (a fork of ours another worker took), running other
    /// shared work meanwhile while the help depth allows.
    #[cold]
    pub(crate) fn wait_until(&self, done: &AtomicBool) {
        let hub = &self.registry.hub;
        let mut spin_start = None;
        loop {
            if done.load(Ordering::Acquire) {
                return;
            }
            let may_help = self.help_depth.get() < MAX_HELP_DEPTH;
            if may_help && hub.has_work() {
                if let Some(work) = hub.try_take() {
                    self.run(work);
                    spin_start = None;
                    continue;
                }
            }
            if keep_spinning(LATCH_WAIT_SPIN, &mut spin_start) {
                continue;
            }
            match hub.wait_done(self.index, done, may_help) {
                Some(work) => {
                    self.run(work);
                    spin_start = None;
                }
                None => return,
            }
        }
    }

    /// The state of slot `index` (a worker's, or the guest slot), with `help_depth` taken
    /// jobs already on the stack.
    fn new(registry: Arc<Registry>, index: usize, help_depth: usize) -> WorkerThread {
        let beat: *const AtomicBool = &registry.beats[index].0;
        WorkerThread {
            index,
            beat,
            registry,
            forks: UnsafeCell::new(Vec::with_capacity(FORK_STACK_CAPACITY)),
            bottom: Cell::new(0),
            help_depth: Cell::new(help_depth),
            skips: Cell::new(0),
            recorded: Cell::new(0),
            work_start: Cell::new(None),
        }
    }

    /// Runs `op` on the calling thread as the pool's guest: for its duration the thread
    /// is slot `index` of the pool (its forks can be promoted and taken, it waits and
    /// helps like a worker). The caller has claimed the slot and counted the activity.
    pub(crate) fn run_as_guest<R>(
        registry: Arc<Registry>,
        index: usize,
        op: impl FnOnce() -> R,
    ) -> R {
        // The guest's own frame counts as one taken job, as a worker's main-loop job does.
        let guest = WorkerThread::new(registry, index, 1);
        guest.start_work();
        let _mark = guest.registry.id.enter();
        let previous = CURRENT.with(|c| c.replace(&guest));
        /// Restores the thread's previous worker (none, or one of another pool's) even if
        /// `op` unwinds: `guest` is about to be freed.
        struct Restore(*const WorkerThread);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(previous);
        op()
    }

    /// A worker thread's body: take shared work (spinning briefly, then parking) and run
    /// it, until the pool terminates.
    pub(crate) fn main_loop(registry: Arc<Registry>, index: usize) {
        let worker = WorkerThread::new(registry, index, 0);
        let _mark = worker.registry.id.enter();
        CURRENT.with(|c| c.set(&worker));
        let hub = &worker.registry.hub;
        let idle_spin = worker.registry.tuning.idle_spin;
        'outer: loop {
            let mut spin_start = None;
            let work = loop {
                if hub.has_work() {
                    if let Some(work) = hub.try_take() {
                        break work;
                    }
                }
                if !keep_spinning(idle_spin, &mut spin_start) {
                    match hub.next_work() {
                        Some(work) => break work,
                        None => break 'outer,
                    }
                }
            };
            worker.start_work();
            worker.run(work);
        }
        CURRENT.with(|c| c.set(std::ptr::null()));
    }
}
