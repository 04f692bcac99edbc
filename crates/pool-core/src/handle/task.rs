//! A spawned task in one allocation: its body, its result slot, and the pool its joiner may
//! run it on. The queue holds one reference (a [`Job`](crate::Job)), the
//! [`JoinHandle`](super::JoinHandle) the other; whichever claims the body first (the
//! `CLAIMED` bit of the slot's state word) runs, cancels or hands it back, exactly once.

use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::slot::{Slot, CLAIMED};
use crate::sync::atomic::Ordering;
use crate::sync::cell::UnsafeCell;
use crate::{Outcome, PoolId, TaskError};

/// What a spawned task runs: the user's closure and whatever wraps it.
pub(crate) trait Body<T>: Send + 'static {
    /// Runs the work, catching panics: the result for the handle and the tally for the pool.
    fn run(self) -> (Result<T, TaskError>, Outcome);

    /// The value the submitter handed in, for a rejected submission.
    fn into_any(self) -> Box<dyn Any + Send>;
}

/// The handle's view of a task: its slot, and the chance to run it on the joiner.
pub(super) trait Joinable<T>: Send + Sync {
    /// The result slot.
    fn slot(&self) -> &Slot<T>;

    /// Runs the task here if this thread is a worker of the task's pool (one with
    /// [`Pool::inline_joins`](crate::Pool::inline_joins)) and nobody claimed it yet.
    fn run_if_unstarted(&self);
}

/// The queue's view of a task, type-erased.
pub(crate) trait Queued: Send + Sync {
    /// Runs the task unless its joiner took it ([`Outcome::Completed`] then: see
    /// [`Pool::inline_joins`](crate::Pool::inline_joins) for how it is tallied).
    fn run(&self) -> Outcome;

    /// Drops the body unrun, if nobody claimed it, and tells the handle it was cancelled.
    fn cancel(&self);

    /// The submitted value back (a rejected submission; nobody else has seen the task).
    fn take_back(&self) -> Box<dyn Any + Send>;
}

impl<T: Send> Joinable<T> for Slot<T> {
    fn slot(&self) -> &Slot<T> {
        self
    }

    fn run_if_unstarted(&self) {}
}

/// The single allocation behind a spawned task.
pub(super) struct Task<B, T> {
    slot: Slot<T>,
    /// `Some` until claimed; touched only by the thread that set `CLAIMED`.
    body: UnsafeCell<Option<B>>,
    /// The pool whose workers may run the task when they join it.
    owner: Option<PoolId>,
}

// SAFETY: `body` is touched by one thread only, the one whose read-modify-write set
// `CLAIMED`, and it moves `B` there, so `B: Send` suffices; the slot is `Sync` for `T: Send`.
unsafe impl<B: Send, T: Send> Sync for Task<B, T> {}

impl<B: Body<T>, T: Send + 'static> Task<B, T> {
    /// A task for `body`, shared by the queue and the handle.
    pub(super) fn new(body: B, owner: Option<PoolId>) -> Arc<Task<B, T>> {
        Arc::new(Task {
            slot: Slot::new(),
            body: UnsafeCell::new(Some(body)),
            owner,
        })
    }

    /// Takes the body if nobody has yet.
    fn claim(&self) -> Option<B> {
        // Relaxed would do for the exclusion (one RMW wins); Acquire orders the take after
        // the winning bit for loom's race detector as well.
        if self.slot.state.fetch_or(CLAIMED, Ordering::Acquire) & CLAIMED != 0 {
            return None;
        }
        // SAFETY: this thread set `CLAIMED`, so no other thread touches `body` again.
        self.body.with_mut(|p| unsafe { (*p).take() })
    }

    fn run_body(&self, body: B) -> Outcome {
        let (result, outcome) = body.run();
        self.slot.deliver(result);
        outcome
    }
}

impl<B: Body<T>, T: Send + 'static> Joinable<T> for Task<B, T> {
    fn slot(&self) -> &Slot<T> {
        &self.slot
    }

    fn run_if_unstarted(&self) {
        let on_owner = self.owner.is_some_and(PoolId::is_current);
        // A plain load first: the common case (a worker got there first) costs no RMW.
        if on_owner && self.slot.state.load(Ordering::Relaxed) & CLAIMED == 0 {
            if let Some(body) = self.claim() {
                self.run_body(body);
            }
        }
    }
}

impl<B: Body<T>, T: Send + 'static> Queued for Task<B, T> {
    fn run(&self) -> Outcome {
        match self.claim() {
            Some(body) => self.run_body(body),
            None => Outcome::Completed,
        }
    }

    fn cancel(&self) {
        if self.slot.state.load(Ordering::Relaxed) & CLAIMED != 0 {
            return;
        }
        if let Some(body) = self.claim() {
            // The handle learns of the cancellation even if the body's destructor panics.
            let dropped = catch_unwind(AssertUnwindSafe(move || drop(body)));
            self.slot.deliver(Err(TaskError::cancelled()));
            if let Err(payload) = dropped {
                resume_unwind(payload);
            }
        }
    }

    fn take_back(&self) -> Box<dyn Any + Send> {
        match self.claim() {
            Some(body) => body.into_any(),
            None => Box::new(()),
        }
    }
}
