//! The hand-off: the shared queue of promoted forks and submitted jobs, and every sleep and
//! wake-up around it (idle workers, joiners waiting for a fork another worker took, the
//! heartbeat thread, blocked submitters).
//!
//! The protocol (states, each side's steps, the races it prevents, a proof sketch) is in
//! `src/heartbeat/README.md`; the loom models in `tests.rs` check it. In short: everything
//! that decides who runs a promoted fork happens under one mutex (`state`): promotion
//! pushes, a taker pops, the owner's retraction removes. So a fork leaves the queue once,
//! to exactly one runner. The only flag read outside the lock is a fork's `done`, stored
//! (Release) under the lock by its runner after the result, and the `queued` hint, which
//! only decides whether to take the lock.
//!
//! Built on the pool-core `sync` shim, so `RUSTFLAGS="--cfg loom"` model-checks it.

use std::collections::VecDeque;

use pool_core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex, MutexGuard};
use pool_core::Job;

use crate::job::JobRef;

/// A `'static` job submitted through the `Pool` trait.
pub(crate) struct PoolJob {
    pub(crate) job: Job,
    /// Whether it holds a slot of the outside queue bound, freed when it leaves the queue.
    pub(crate) bounded: bool,
}

/// What the shared queue holds.
pub(crate) enum Work {
    /// A promoted fork, or an outside caller's `install`: always runs (its owner waits).
    Fork(JobRef),
    /// A `'static` job: runs, or is discarded by an immediate shutdown.
    Pool(PoolJob),
}

/// Why a pool job was handed back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The outside queue bound is reached.
    Full,
    /// The pool is closed.
    Closed,
}

/// What a worker waiting on a latch is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waiting {
    /// Not waiting on a latch.
    No,
    /// Only its latch (its help depth is used up).
    LatchOnly,
    /// Its latch, or shared work it may run meanwhile.
    LatchOrWork,
}

/// Everything guarded by the hub's mutex.
struct State {
    queue: VecDeque<Work>,
    /// Bounded pool jobs in `queue`.
    bounded_queued: usize,
    /// Workers parked on `work`.
    idle: usize,
    /// Per worker: what it is parked for on its `latches` condvar.
    waiting: Box<[Waiting]>,
    /// The heartbeat thread is parked on `beat`.
    beat_parked: bool,
    /// Submitters parked on `room`.
    blocked: usize,
    closed: bool,
    terminate: bool,
}

/// The shared queue and its parking places. See the module docs.
pub(crate) struct Hub {
    state: Mutex<State>,
    /// Idle workers wait here for work or termination.
    work: Condvar,
    /// Worker `i` waits on `latches[i]` for its stolen fork (or, if it may help, work).
    latches: Box<[Condvar]>,
    /// Blocked submitters wait here for room or closing.
    room: Condvar,
    /// The heartbeat thread waits here while no worker runs anything.
    beat: Condvar,
    /// `queue.len()`, written under the lock: lets a spinning worker skip the lock when
    /// there is nothing to take. Never trusted for a decision that matters.
    queued: AtomicUsize,
    /// Jobs taken from the queue and still running. Incremented under the lock (so the
    /// heartbeat thread's parking check cannot miss it), decremented without it.
    active: AtomicUsize,

    bound: Option<usize>,
}

impl Hub {
    /// A hub for `workers` workers; `bound` caps bounded pool jobs in the queue.
    pub(crate) fn new(workers: usize, bound: Option<usize>) -> Hub {
        Hub {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                bounded_queued: 0,
                idle: 0,
                waiting: vec![Waiting::No; workers].into_boxed_slice(),
                beat_parked: false,
                blocked: 0,
                closed: false,
                terminate: false,
            }),
            work: Condvar::new(),
            latches: (0..workers).map(|_| Condvar::new()).collect(),
            room: Condvar::new(),
            beat: Condvar::new(),
            queued: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            bound,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Pushes work and wakes one worker that can take it, if one is parked. Notifying
    /// after unlocking is enough: a parked worker registered itself under the lock before
    /// it waited, and re-checks the queue under the lock when it wakes.
    fn push(&self, mut state: MutexGuard<'_, State>, work: Work) {
        state.queue.push_back(work);
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        if state.idle > 0 {
            drop(state);
            self.work.notify_one();
        } else if let Some(helper) = state
            .waiting
            .iter()
            .position(|w| *w == Waiting::LatchOrWork)
        {
            drop(state);
            self.latches[helper].notify_one();
        }
    }

    /// Promotes a pending fork: makes it takeable by any worker.
    pub(crate) fn promote(&self, job: JobRef) {
        let state = self.lock();
        self.push(state, Work::Fork(job));
    }

    /// Queues an outside caller's fork-join job, unless the pool is closed.
    pub(crate) fn inject(&self, job: JobRef) -> bool {
        let state = self.lock();
        if state.closed {
            return false;
        }
        self.push(state, Work::Fork(job));
        true
    }

    /// Queues a pool job. `bounded`: it counts against the bound (an outside submission);
    /// `wait`: at the bound, wait for room instead of refusing. `accept` runs under the
    /// lock once the job is accepted, before any worker can see it (for the counters).
    ///
    /// # Errors
    /// The job back, with [`Refused::Closed`] if the pool is closed (also while waiting)
    /// or [`Refused::Full`] at the bound without `wait`.
    pub(crate) fn submit(
        &self,
        job: Job,
        bounded: bool,
        wait: bool,
        accept: impl FnOnce(),
    ) -> Result<(), (Refused, Job)> {
        let mut state = self.lock();
        let bound = if bounded { self.bound } else { None };
        loop {
            if state.closed {
                return Err((Refused::Closed, job));
            }
            match bound {
                Some(bound) if state.bounded_queued >= bound => {
                    if !wait {
                        return Err((Refused::Full, job));
                    }
                    state.blocked += 1;
                    state = self::wait(&self.room, state);
                    state.blocked -= 1;
                }
                _ => break,
            }
        }
        accept();
        let bounded = bound.is_some();
        if bounded {
            state.bounded_queued += 1;
        }
        self.push(state, Work::Pool(PoolJob { job, bounded }));
        Ok(())
    }

    /// Takes the oldest work under the lock, counting it active.
    fn take(&self, state: &mut State) -> Option<Work> {
        let work = state.queue.pop_front()?;
        self.queued.store(state.queue.len(), Ordering::Relaxed);
        if let Work::Pool(PoolJob { bounded: true, .. }) = work {
            state.bounded_queued -= 1;
            if state.blocked > 0 {
                self.room.notify_one();
            }
        }
        // The heartbeat thread is not woken here: most work is short (an idle pool's jobs,
        // small fork-join calls), and a wake-up costs more than it. Work that forks wakes
        // it once it has run for `WAKE_AFTER` (`wake_heartbeat`).
        self.active.fetch_add(1, Ordering::Relaxed);
        Some(work)
    }

    /// Whether the queue looked non-empty (a hint, see `queued`).
    #[inline]
    pub(crate) fn has_work(&self) -> bool {
        self.queued.load(Ordering::Relaxed) != 0
    }

    /// Takes the oldest work if there is any. Call [`Hub::finished`] after running it.
    pub(crate) fn try_take(&self) -> Option<Work> {
        self.take(&mut self.lock())
    }

    /// Takes the oldest work, parking until there is some; `None` once the pool terminates
    /// and the queue is empty.
    pub(crate) fn next_work(&self) -> Option<Work> {
        let mut state = self.lock();
        loop {
            if let Some(work) = self.take(&mut state) {
                return Some(work);
            }
            if state.terminate {
                return None;
            }
            state.idle += 1;
            state = wait(&self.work, state);
            state.idle -= 1;
        }
    }

    /// Counts work that did not come from the queue (a guest running in place) as
    /// active, as taking work does. Pair with [`Hub::finished`].
    pub(crate) fn start_activity(&self) {
        let _state = self.lock();
        self.active.fetch_add(1, Ordering::Relaxed);
    }

    /// A taken job finished running.
    pub(crate) fn finished(&self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }

    /// Takes a promoted fork back out of the queue, if no worker took it yet. `true`: the
    /// caller now runs it inline; `false`: another worker took it and will set its `done`.
    pub(crate) fn retract(&self, job: &JobRef) -> bool {
        let mut state = self.lock();
        let found = state
            .queue
            .iter()
            .position(|w| matches!(w, Work::Fork(j) if j.same_job(job)));
        match found {
            Some(index) => {
                state.queue.remove(index);
                self.queued.store(state.queue.len(), Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Marks a taken fork done and wakes its owner, worker `owner`, if it is parked.
    ///
    /// # Safety
    /// `done` points to the `done` flag of a live job whose owner is worker `owner` of this
    /// hub's pool; the owner may free it as soon as the store lands, so this function does
    /// not touch it afterwards.
    pub(crate) unsafe fn set_done(&self, done: *const AtomicBool, owner: usize) {
        let state = self.lock();
        // SAFETY: live until this store (the caller's contract); under the lock, so an
        // owner checking under the lock before it parks cannot miss it.
        unsafe { (*done).store(true, Ordering::Release) };
        let parked = state.waiting[owner] != Waiting::No;
        drop(state);
        if parked {
            self.latches[owner].notify_one();
        }
    }

    /// Parks worker `index` until `done` is set (`None`), or, if `may_help`, until there is
    /// work to run meanwhile (`Some`, taken: call [`Hub::finished`] after running it).
    pub(crate) fn wait_done(
        &self,
        index: usize,
        done: &AtomicBool,
        may_help: bool,
    ) -> Option<Work> {
        let mut state = self.lock();
        loop {
            if done.load(Ordering::Acquire) {
                return None;
            }
            if may_help {
                if let Some(work) = self.take(&mut state) {
                    return Some(work);
                }
            }
            state.waiting[index] = if may_help {
                Waiting::LatchOrWork
            } else {
                Waiting::LatchOnly
            };
            state = wait(&self.latches[index], state);
            state.waiting[index] = Waiting::No;
        }
    }

    /// Whether a taken job (or a guest) is running: a hint for the heartbeat thread.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Relaxed) != 0
    }

    /// Whether [`Hub::terminate`] ran.
    pub(crate) fn is_terminating(&self) -> bool {
        self.lock().terminate
    }

    /// For the heartbeat thread: parks while no taken job is running. `false` once the
    /// pool terminates.
    pub(crate) fn wait_for_activity(&self) -> bool {
        let mut state = self.lock();
        while self.active.load(Ordering::Relaxed) == 0 && !state.terminate {
            state.beat_parked = true;
            state = wait(&self.beat, state);
            state.beat_parked = false;
        }
        !state.terminate
    }

    /// Wakes the heartbeat thread if it is parked: called by a worker (or guest) whose
    /// current work has recorded enough forks to be worth heartbeats. The caller counts as
    /// active (it took its work, or `start_activity` ran), so a heartbeat thread that has
    /// not parked yet sees it and does not park.
    #[cold]
    pub(crate) fn wake_heartbeat(&self) {
        let state = self.lock();
        if state.beat_parked {
            drop(state);
            self.beat.notify_one();
        }
    }

    /// Closes the queue to new submissions and wakes blocked submitters (they get
    /// `Closed`). With `discard`, also takes every queued pool job out and returns them, to
    /// be dropped by the caller outside the lock (their destructors are user code).
    pub(crate) fn close(&self, discard: bool) -> Vec<PoolJob> {
        let mut state = self.lock();
        state.closed = true;
        let mut discarded = Vec::new();
        if discard {
            let mut kept = VecDeque::with_capacity(state.queue.len());
            for work in state.queue.drain(..) {
                match work {
                    Work::Pool(job) => discarded.push(job),
                    fork => kept.push_back(fork),
                }
            }
            state.queue = kept;
            state.bounded_queued = 0;
            self.queued.store(state.queue.len(), Ordering::Relaxed);
        }
        drop(state);
        self.room.notify_all();
        discarded
    }

    /// Whether [`Hub::close`] ran.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Makes idle workers exit once the queue is empty, and the heartbeat thread stop.
    pub(crate) fn terminate(&self) {
        let mut state = self.lock();
        state.terminate = true;
        drop(state);
        self.work.notify_all();
        self.beat.notify_all();
    }
}

#[cfg(all(test, loom))]
mod tests;
