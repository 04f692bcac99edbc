//! The result slot and its state word: the hand-off from the thread that finishes a task to
//! the one handle that waits for it. The protocol, its race and a proof sketch are in this
//! folder's README.md.

use std::time::Instant;

use crate::sync::atomic::{AtomicUsize, Ordering};
use crate::sync::cell::UnsafeCell;
use crate::sync::hint::spin_loop;
use crate::sync::thread::{self, Thread};
use crate::TaskError;

/// The task's body was taken, by a worker, by its joiner, or to cancel or hand it back.
/// Only tasks spawned through the crate use it; a bare [`Slot`] never sets it.
pub(super) const CLAIMED: usize = 0b001;
/// The result is in `result`.
pub(super) const COMPLETE: usize = 0b010;
/// The joiner's thread is in `waiter`, and the joiner may be parked.
const WAITER: usize = 0b100;

/// Doublings of the busy-wait before a joiner yields: 1 + 2 + .. + 64 pause instructions.
/// Under loom every step would multiply the schedules to explore, so it parks at once.
#[cfg(not(loom))]
const SPIN_STEPS: u32 = 7;
#[cfg(loom)]
const SPIN_STEPS: u32 = 0;
/// `yield_now` calls after the busy-wait: on an oversubscribed machine the producer may be
/// waiting for this very core.
#[cfg(not(loom))]
const YIELDS: u32 = 4;
#[cfg(loom)]
const YIELDS: u32 = 0;

/// One task's result on its way to its handle.
pub(crate) struct Slot<T> {
    /// `CLAIMED | COMPLETE | WAITER` bits; every transition is one read-modify-write.
    pub(super) state: AtomicUsize,
    /// Written once by the completer before it sets `COMPLETE`; read (taken) once by the
    /// joiner after it sees `COMPLETE`.
    result: UnsafeCell<Option<Result<T, TaskError>>>,
    /// Written by the joiner while `WAITER` is clear; taken by the completer if it finds
    /// `WAITER` set when it sets `COMPLETE`.
    waiter: UnsafeCell<Option<Thread>>,
}

// SAFETY: the cells are only touched under the state word's protocol (see the field docs
// and README.md): `result` moves a `T` from the completer's thread to the joiner's, which
// needs `T: Send` and nothing more, since no two threads ever hold a reference to it at once.
unsafe impl<T: Send> Sync for Slot<T> {}

impl<T> Slot<T> {
    /// An empty slot.
    pub(super) fn new() -> Slot<T> {
        Slot {
            state: AtomicUsize::new(0),
            result: UnsafeCell::new(None),
            waiter: UnsafeCell::new(None),
        }
    }

    /// Stores the result and wakes the joiner if, and only if, it registered to sleep.
    /// Costs one read-modify-write and no system call when nobody waits.
    ///
    /// Must be called at most once per slot (the callers own the only completer or the
    /// claimed task body).
    pub(super) fn deliver(&self, result: Result<T, TaskError>) {
        // SAFETY: `COMPLETE` is still clear (this is the only delivery), so the joiner does
        // not touch `result`: it reads it only after it has seen `COMPLETE`.
        self.result.with_mut(|p| unsafe { *p = Some(result) });
        // Release: the result (and everything the task did) is visible to whoever sees
        // `COMPLETE`. Acquire: if `WAITER` is set, the joiner's write of `waiter` is visible.
        let before = self.state.fetch_or(COMPLETE, Ordering::AcqRel);
        if before & WAITER != 0 {
            // SAFETY: the joiner set `WAITER` after writing `waiter` and never touches it
            // again while `WAITER` is set; once `COMPLETE` is set it cannot clear `WAITER`
            // (its unregister is a compare-exchange that fails on `COMPLETE`).
            let waiter = self.waiter.with_mut(|p| unsafe { (*p).take() });
            if let Some(thread) = waiter {
                thread.unpark();
            }
        }
    }

    /// Whether the result is in (Acquire: the result may be taken after `true`).
    pub(super) fn is_complete(&self) -> bool {
        self.state.load(Ordering::Acquire) & COMPLETE != 0
    }

    /// Spins briefly, then yields, then parks until the result is in. The caller must be
    /// the slot's only joiner.
    pub(super) fn wait(&self) {
        if self.spin_then_yield() {
            return;
        }
        if !self.register() {
            return;
        }
        while !self.is_complete() {
            thread::park();
        }
    }

    /// Like [`Slot::wait`], giving up at `deadline`; returns whether the result is in. On a
    /// timeout the joiner unregisters, so that it may wait again from any thread.
    pub(super) fn wait_until(&self, deadline: Instant) -> bool {
        if self.spin_then_yield() {
            return true;
        }
        if !self.register() {
            return true;
        }
        loop {
            if self.is_complete() {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return self.unregister();
            }
            thread::park_timeout(deadline - now);
        }
    }

    /// Takes the result; `None` if it is not in yet or was taken already.
    pub(super) fn take(&self) -> Option<Result<T, TaskError>> {
        if !self.is_complete() {
            return None;
        }
        // SAFETY: `COMPLETE` was seen with Acquire, so the completer's write is visible and
        // the completer never touches `result` again; the caller is the only joiner.
        self.result.with_mut(|p| unsafe { (*p).take() })
    }

    /// The busy phase; returns whether the result came in.
    fn spin_then_yield(&self) -> bool {
        for step in 0..SPIN_STEPS {
            if self.is_complete() {
                return true;
            }
            for _ in 0..1u32 << step {
                spin_loop();
            }
        }
        for _ in 0..YIELDS {
            if self.is_complete() {
                return true;
            }
            thread::yield_now();
        }
        self.is_complete()
    }

    /// Publishes the current thread as the waiter. Returns `false` when the result is
    /// already in (then nobody will unpark this thread, and it must not park).
    fn register(&self) -> bool {
        // SAFETY: `WAITER` is clear (it is set only here and cleared by `unregister` before
        // its caller returns), so the completer does not read `waiter`; the caller is the
        // only joiner.
        self.waiter
            .with_mut(|p| unsafe { *p = Some(thread::current()) });
        // Release: the completer that sees `WAITER` sees the thread. Acquire: if the result
        // is already in, it is visible.
        let before = self.state.fetch_or(WAITER, Ordering::AcqRel);
        before & COMPLETE == 0
    }

    /// Withdraws the waiter after a timeout; returns whether the result came in meanwhile
    /// (then the completer is, or was, waking this thread, and `WAITER` stays set).
    fn unregister(&self) -> bool {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            if state & COMPLETE != 0 {
                return true;
            }
            match self.state.compare_exchange_weak(
                state,
                state & !WAITER,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return false,
                Err(now) => state = now,
            }
        }
    }
}
