//! Knowing when a whole task tree is done: the protocol is in `termination/README.md`.
//!
//! The pending-work counter of a tree is the strong count of its [`Tree`]: every queued or
//! running task of the tree owns one reference. A parent clones it *before* its child is
//! enqueued and a task drops its own reference *after* it finished (returned, returned
//! `Err`, panicked, was skipped or was discarded). The drop that takes the count to zero runs
//! [`Tree`]'s destructor, which publishes the outcome to the [`Completion`] and then tells
//! the pool's [`Quiescence`] that one unit of work is gone.

use pool_core::sync::atomic::{AtomicBool, Ordering};
use pool_core::sync::{lock, wait, Arc, Condvar, Mutex};
use pool_core::{GroupError, Quiescence, TaskError, TaskId};

use crate::tree::{TaskFailure, TreeError};

/// What a tree records while it runs; handed to the [`Completion`] when it ends.
struct Record<E> {
    failures: Vec<TaskFailure<E>>,
    /// Tasks never run because the tree was cancelled.
    skipped: u64,
    /// Tasks dropped unrun by an immediate shutdown.
    discarded: u64,
}

/// The shared state of one task tree. Its strong count is the tree's pending-work counter.
pub(crate) struct Tree<E> {
    /// `FailFast`: the first failure raises `cancelled`.
    cancel_on_failure: bool,
    /// Raised once; queued tasks then skip their body, running ones can poll it.
    cancelled: AtomicBool,
    /// Touched only on failure, skip and discard paths (rare), never on the fast path.
    record: Mutex<Record<E>>,
    completion: Arc<Completion<E>>,
    /// The pool's pending-work count, which counts the whole tree as one unit.
    idle: Option<Arc<Quiescence>>,
}

impl<E> Tree<E> {
    /// A tree and the completion its waiter holds. The caller must already have added one
    /// unit to `idle` for the tree.
    pub(crate) fn new(
        cancel_on_failure: bool,
        idle: Option<Arc<Quiescence>>,
    ) -> (Arc<Tree<E>>, Arc<Completion<E>>) {
        let completion = Arc::new(Completion::new());
        let tree = Arc::new(Tree {
            cancel_on_failure,
            cancelled: AtomicBool::new(false),
            record: Mutex::new(Record {
                failures: Vec::new(),
                skipped: 0,
                discarded: 0,
            }),
            completion: completion.clone(),
            idle,
        });
        (tree, completion)
    }

    /// Whether the tree was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        // Acquire: a task that sees the flag also sees the failure that raised it.
        self.cancelled.load(Ordering::Acquire)
    }

    /// Cancels the tree: tasks not yet started will be skipped.
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
    }

    /// Records a failed task; under fail fast, cancels the rest of the tree.
    pub(crate) fn fail(&self, id: TaskId, error: GroupError<E>) {
        lock(&self.record).failures.push(TaskFailure { id, error });
        if self.cancel_on_failure {
            self.cancel();
        }
    }

    /// Records a panicked task.
    pub(crate) fn panicked(&self, id: TaskId, payload: Box<dyn std::any::Any + Send>) {
        self.fail(
            id,
            GroupError::Failed(TaskError::panic(payload).with_id(id)),
        );
    }

    /// Records a task skipped because the tree was cancelled.
    pub(crate) fn skipped(&self) {
        lock(&self.record).skipped += 1;
    }

    /// Records a task dropped unrun by an immediate shutdown.
    pub(crate) fn discarded(&self) {
        lock(&self.record).discarded += 1;
    }
}

impl<E> Drop for Tree<E> {
    /// The last task of the tree is gone: publish the outcome, then release the pool unit.
    fn drop(&mut self) {
        let record = std::mem::replace(
            &mut *lock(&self.record),
            Record {
                failures: Vec::new(),
                skipped: 0,
                discarded: 0,
            },
        );
        let outcome = if record.failures.is_empty() && record.skipped == 0 && record.discarded == 0
        {
            Ok(())
        } else {
            Err(TreeError::new(
                record.failures,
                record.skipped,
                record.discarded,
            ))
        };
        self.completion.complete(outcome);
        if let Some(idle) = &self.idle {
            idle.done(1);
        }
    }
}

/// The one-shot latch a tree's waiter blocks on.
pub(crate) struct Completion<E> {
    /// Set (Release) after `outcome` is filled; polled by helping waiters.
    done: AtomicBool,
    outcome: Mutex<Option<Result<(), TreeError<E>>>>,
    ready: Condvar,
}

impl<E> Completion<E> {
    fn new() -> Completion<E> {
        Completion {
            done: AtomicBool::new(false),
            outcome: Mutex::new(None),
            ready: Condvar::new(),
        }
    }

    fn complete(&self, outcome: Result<(), TreeError<E>>) {
        let mut slot = lock(&self.outcome);
        *slot = Some(outcome);
        // Release, under the lock: a waiter that sees `done` finds the outcome in the slot.
        self.done.store(true, Ordering::Release);
        self.ready.notify_all();
    }

    /// Whether the tree is done (cheap; for waiters that help instead of blocking).
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Blocks until the tree is done and takes its outcome.
    pub(crate) fn wait(&self) -> Result<(), TreeError<E>> {
        let mut slot = lock(&self.outcome);
        loop {
            if let Some(outcome) = slot.take() {
                return outcome;
            }
            slot = wait(&self.ready, slot);
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
