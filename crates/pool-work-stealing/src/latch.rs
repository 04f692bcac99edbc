//! Latches: one-shot "this job is done" flags, set by the thread that ran the job.
//!
//! The setter's last access may free the latch (it lives in the waiter's stack frame), so
//! [`Latch::set`] takes a raw pointer and reads everything it needs before the store that
//! releases the waiter. The setter always runs on a worker of the latch's pool, so it reaches
//! the parking lot through its own worker, not through the latch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use crate::registry::WorkerThread;

/// A one-shot flag that a job sets when it is done.
pub(crate) trait Latch {
    /// Sets the latch and wakes its waiter.
    ///
    /// # Safety
    /// `this` points to a live latch, and `worker` is a worker of the latch's pool. After
    /// the call the latch may already be freed: the waiter may return as soon as it sees the
    /// flag.
    unsafe fn set(this: *const Self, worker: &WorkerThread);
}

/// The latch of a job whose owner is a worker of the same pool: the owner keeps working
/// while it waits (`WorkerThread::wait_until`) and parks only after spinning, so setting it
/// must wake the owner's sleep slot.
pub(crate) struct SpinLatch {
    done: AtomicBool,
    owner: usize,
}

impl SpinLatch {
    /// An unset latch owned by `owner`.
    pub(crate) fn new(owner: &WorkerThread) -> SpinLatch {
        SpinLatch {
            done: AtomicBool::new(false),
            owner: owner.index(),
        }
    }

    /// Whether the latch is set. Acquire: the job's writes (its result) are then visible.
    #[inline]
    pub(crate) fn probe(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}

impl Latch for SpinLatch {
    unsafe fn set(this: *const Self, worker: &WorkerThread) {
        // SAFETY: `this` is live until the store below (the caller's contract).
        let owner = unsafe { (*this).owner };
        // SAFETY: still live; after this store the owner may free the latch, and we touch
        // only our own worker's registry, which is the latch's pool (the caller's contract).
        unsafe { (*this).done.store(true, Ordering::Release) };
        worker.registry().sleep.wake_worker(owner);
    }
}

/// The latch of a caller outside the pool, which blocks on it. One per thread, in a
/// thread-local, so the setter's unlock never touches freed memory.
#[derive(Default)]
pub(crate) struct LockLatch {
    done: Mutex<bool>,
    changed: Condvar,
}

impl LockLatch {
    /// Clears the flag before the next use.
    pub(crate) fn reset(&self) {
        *self.done.lock().unwrap_or_else(PoisonError::into_inner) = false;
    }

    /// Blocks until the flag is set.
    pub(crate) fn wait(&self) {
        let mut done = self.done.lock().unwrap_or_else(PoisonError::into_inner);
        while !*done {
            done = self
                .changed
                .wait(done)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Latch for &LockLatch {
    unsafe fn set(this: *const Self, _worker: &WorkerThread) {
        // SAFETY: `this` is live for this read (the caller's contract); the LockLatch it
        // refers to is a thread-local of a thread blocked in `wait`, so it outlives the call.
        let latch: &LockLatch = unsafe { *this };
        let mut done = latch.done.lock().unwrap_or_else(PoisonError::into_inner);
        *done = true;
        latch.changed.notify_all();
    }
}
