//! Admission of work from outside the pool: the closed gate, and the queue bound.
//!
//! **Gate.** `gate` is pool-lifecycle's [`Gate`]: a closed bit and the number of outside
//! submitters between their admission check and their push. `shutdown` closes it and then
//! waits for that number to drain, so after it every accepted submission is counted and in
//! a queue (and in the pool's `Quiescence`) and every later one is refused.
//!
//! **Bound.** With `queue_bound(Some(n))`, at most `n` jobs submitted from outside are
//! queued and not yet started. `queued` counts them: a submitter reserves a slot before its
//! push (a CAS below the bound) and the worker that starts the job frees it. A submitter
//! that must wait (`OverflowPolicy::Block`) counts itself in `blocked` and sleeps on `room`
//! while holding `room_lock` from that increment to its wait; a worker frees a slot, then
//! reads `blocked` with an RMW and, if non-zero, notifies under `room_lock`. The two RMWs
//! (`queued` then `blocked` on one side, `blocked` then `queued` on the other) cannot both
//! miss each other, so a waiter never sleeps past a free slot.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use pool_lifecycle::{Gate, Pass};

/// The outcome of asking for a queue slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reserve {
    /// A slot is reserved: push the job.
    Granted,
    /// The queue is at its bound.
    Full,
    /// The pool closed while waiting.
    Closed,
}

/// See the module docs.
pub(crate) struct Admission {
    gate: Gate,
    bound: Option<usize>,
    queued: AtomicUsize,
    blocked: AtomicUsize,
    room_lock: Mutex<()>,
    room: Condvar,
}

impl Admission {
    /// An open gate; `bound` is the queue bound for outside submissions.
    pub(crate) fn new(bound: Option<usize>) -> Admission {
        Admission {
            gate: Gate::new(),
            bound,
            queued: AtomicUsize::new(0),
            blocked: AtomicUsize::new(0),
            room_lock: Mutex::new(()),
            room: Condvar::new(),
        }
    }

    /// Enters the gate, or `None` if the pool is closed.
    pub(crate) fn enter(&self) -> Option<Pass<'_>> {
        self.gate.enter()
    }

    /// Whether `close` has been called.
    pub(crate) fn is_closed(&self) -> bool {
        self.gate.is_closed()
    }

    /// Whether outside submissions are bounded.
    pub(crate) fn is_bounded(&self) -> bool {
        self.bound.is_some()
    }

    /// Closes the gate, wakes blocked submitters (they return `Closed`), and waits until
    /// every admitted submitter has left.
    pub(crate) fn close(&self) {
        self.gate.close();
        drop(self.lock_room());
        self.room.notify_all();
        self.gate.wait_settled();
    }

    /// Reserves a queue slot for a bounded submission; waits for one if `wait` is true.
    pub(crate) fn reserve(&self, wait: bool) -> Reserve {
        let Some(bound) = self.bound else {
            return Reserve::Granted;
        };
        if self.try_reserve(bound) {
            return Reserve::Granted;
        }
        if !wait {
            return Reserve::Full;
        }
        let mut guard = self.lock_room();
        self.blocked.fetch_add(1, Ordering::AcqRel);
        let outcome = loop {
            if self.is_closed() {
                break Reserve::Closed;
            }
            if self.try_reserve(bound) {
                break Reserve::Granted;
            }
            guard = self
                .room
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        };
        self.blocked.fetch_sub(1, Ordering::AcqRel);
        outcome
    }

    /// A bounded job has started (or was discarded): frees its slot.
    pub(crate) fn started(&self) {
        self.queued.fetch_sub(1, Ordering::AcqRel);
        // RMW read of `blocked`: see the module docs.
        if self.blocked.fetch_add(0, Ordering::AcqRel) != 0 {
            drop(self.lock_room());
            self.room.notify_one();
        }
    }

    fn try_reserve(&self, bound: usize) -> bool {
        let mut queued = self.queued.load(Ordering::Relaxed);
        while queued < bound {
            match self.queued.compare_exchange_weak(
                queued,
                queued + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => queued = now,
            }
        }
        false
    }

    fn lock_room(&self) -> MutexGuard<'_, ()> {
        self.room_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
