//! Backpressure for outside submitters: at most `cap` outside jobs queued and not started.
//!
//! Only jobs submitted from threads that are not the pool's workers take a slot; a slot is
//! released when a worker starts the job or discards it. Submissions from inside the pool
//! never take a slot, so they can never wait on the pool itself.

use std::sync::atomic::{AtomicBool, Ordering};

use pool_core::sync::{lock, wait, Condvar, Mutex};

/// A counting bound with blocking and non-blocking acquire.
pub(crate) struct Bound {
    cap: usize,
    /// Outside jobs queued and not started; only touched under the lock.
    queued: Mutex<usize>,
    room: Condvar,
}

/// The pool closed while a submitter waited for room.
pub(crate) struct Closed;

impl Bound {
    pub(crate) fn new(cap: usize) -> Bound {
        Bound {
            cap,
            queued: Mutex::new(0),
            room: Condvar::new(),
        }
    }

    /// Takes a slot if one is free.
    pub(crate) fn try_acquire(&self) -> bool {
        let mut queued = lock(&self.queued);
        if *queued < self.cap {
            *queued += 1;
            true
        } else {
            false
        }
    }

    /// Waits for a slot, unless the pool closes first.
    pub(crate) fn acquire(&self, closed: &AtomicBool) -> Result<(), Closed> {
        let mut queued = lock(&self.queued);
        loop {
            // Checked under the lock; `wake_all` takes the lock after `closed` is set, so a
            // waiter either sees the flag here or is waiting when the notification comes.
            if closed.load(Ordering::SeqCst) {
                return Err(Closed);
            }
            if *queued < self.cap {
                *queued += 1;
                return Ok(());
            }
            queued = wait(&self.room, queued);
        }
    }

    /// Gives a slot back (the job started or was discarded).
    pub(crate) fn release(&self) {
        let mut queued = lock(&self.queued);
        *queued -= 1;
        self.room.notify_one();
    }

    /// Wakes every waiting submitter (the pool closed).
    pub(crate) fn wake_all(&self) {
        let _queued = lock(&self.queued);
        self.room.notify_all();
    }
}
