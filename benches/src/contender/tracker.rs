//! [`Tracker`]: counts a contender's pending tasks without a shared lock on the job path.
//!
//! A tracker is a sharded countdown. Each thread counts on its own cache line (`added` when
//! it hands a task to a pool, `done` when it finishes one), so a submitter and a worker
//! never write the same line and no count moves between cores per job. The waiter sums
//! the shards: every `done` first, then every `added`, with acquire loads. Because each
//! task's `add` happens-before its `done` (the submitter adds before handing the task
//! over; a running task adds its children before they can run), every `done` the waiter
//! sees has its `add` visible too, so the sum is never below the true pending count, and
//! zero means that every task added before the wait (children included) has finished.
//!
//! A finishing task touches shared state only when a waiter is parked: the waiter counts
//! itself in `waiters` (SeqCst) and then re-checks the shards (SeqCst); a worker bumps its
//! shard (SeqCst read-modify-write) and then reads `waiters` (SeqCst). In the single total
//! order of these operations, either the worker sees the waiter (and, if the count is
//! zero, notifies it under the lock the waiter parks with) or the waiter's re-check sees
//! the worker's `done`: no lost wake-up. To wake the waiter only once, a worker that sees
//! it parked sums the shards (a few dozen loads) and notifies only at zero; that price is
//! paid only while a waiter is parked. Before parking, the waiter spins briefly, since
//! waking a parked thread costs microseconds on a small machine.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use pool_core::{Job, Outcome};

use super::ContenderError;

/// Enough shards that the few threads of one cell rarely share a line.
const SHARDS: usize = 16;

/// How many times the waiter checks the count (with a doubling pause, 255 pauses in all:
/// a few microseconds, about what waking a parked thread costs) before parking.
const SPINS: u32 = 8;

#[repr(align(128))]
#[derive(Debug, Default)]
struct Shard {
    added: AtomicU64,
    done: AtomicU64,
}

/// Counts a contender's pending tasks and the panics among them. The protocol is in this
/// module's docs (`contender/tracker.rs`).
#[derive(Debug, Default)]
pub struct Tracker {
    shards: [Shard; SHARDS],
    panicked: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    zero: Condvar,
}

fn shard_of_this_thread() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

impl Tracker {
    /// A tracker with nothing pending.
    pub fn new() -> Tracker {
        Tracker::default()
    }

    /// A tracker that lives as long as the process: one per contender, so that a task can
    /// carry a plain reference instead of cloning a shared reference count per job.
    pub fn leaked() -> &'static Tracker {
        Box::leak(Box::new(Tracker::new()))
    }

    /// Counts one more pending task. Call before handing the task to the pool.
    pub fn add(&self) {
        self.shards[shard_of_this_thread()]
            .added
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one pending task as done (also for a task the pool dropped without running).
    pub fn done(&self) {
        self.shards[shard_of_this_thread()]
            .done
            .fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) != 0 && self.pending(Ordering::SeqCst) == 0 {
            let _parked = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.zero.notify_all();
        }
    }

    /// Runs `job`, counts a panic, then counts the task as done.
    pub fn run(&self, job: Job) {
        if job.run() == Outcome::Panicked {
            self.panicked.fetch_add(1, Ordering::Relaxed);
        }
        self.done();
    }

    /// Runs `f` (catching a panic), then counts the task as done: for tree tasks, which
    /// are closures rather than [`Job`]s.
    pub fn run_fn(&self, f: impl FnOnce()) {
        if catch_unwind(AssertUnwindSafe(f)).is_err() {
            self.panicked.fetch_add(1, Ordering::Relaxed);
        }
        self.done();
    }

    /// Counts one more pending task and returns a guard that counts it done when dropped
    /// (and as panicked when dropped by unwinding): for futures, whose runtime catches the
    /// panic itself. `T` is how the guard holds the tracker (`&'static` or `Arc`).
    pub fn guard<T: std::ops::Deref<Target = Tracker>>(tracker: T) -> TrackGuard<T> {
        tracker.add();
        TrackGuard(tracker)
    }

    /// Pending tasks as seen now: `done` shards first, then `added` (see the module docs).
    fn pending(&self, order: Ordering) -> u64 {
        let done = self.shards.iter().map(|s| s.done.load(order));
        let done = done.fold(0_u64, u64::wrapping_add);
        let added = self.shards.iter().map(|s| s.added.load(order));
        added.fold(0_u64, u64::wrapping_add).wrapping_sub(done)
    }

    /// Blocks until nothing is pending.
    ///
    /// # Errors
    /// [`ContenderError::Panicked`] with the number of tasks that panicked since the last
    /// call.
    pub fn wait(&self) -> Result<(), ContenderError> {
        if !self.spin_until_zero() {
            let mut parked = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.waiters.fetch_add(1, Ordering::SeqCst);
            while self.pending(Ordering::SeqCst) != 0 {
                parked = self
                    .zero
                    .wait(parked)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            self.waiters.fetch_sub(1, Ordering::SeqCst);
        }
        match self.panicked.swap(0, Ordering::Relaxed) {
            0 => Ok(()),
            n => Err(ContenderError::Panicked(n)),
        }
    }

    /// Checks the count a few times with a doubling pause; true once it reads zero.
    fn spin_until_zero(&self) -> bool {
        for round in 0..SPINS {
            if self.pending(Ordering::Acquire) == 0 {
                return true;
            }
            for _ in 0..1_u32 << round {
                std::hint::spin_loop();
            }
        }
        false
    }
}

/// Counts its task done when dropped; see [`Tracker::guard`].
#[derive(Debug)]
pub struct TrackGuard<T: std::ops::Deref<Target = Tracker>>(T);

impl<T: std::ops::Deref<Target = Tracker>> Drop for TrackGuard<T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.panicked.fetch_add(1, Ordering::Relaxed);
        }
        self.0.done();
    }
}

#[cfg(test)]
mod tests;
