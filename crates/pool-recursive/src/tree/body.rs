//! The bodies of tree tasks: each owns one reference to its tree (one pending unit).

use std::panic::{catch_unwind, AssertUnwindSafe};

use pool_core::sync::Arc;
use pool_core::{Completer, GroupError, TaskError, TaskId};

use super::{Scope, TaskOutput};
use crate::stats::WorkerStats;
use crate::task::{Body, Ran, Sink};
use crate::termination::Tree;
use crate::unwind::drop_quietly;

/// A task whose outcome goes to its tree: a failure is recorded with the task's id, which
/// it gets when it starts (from the worker that runs it: no shared counter, no field).
pub(crate) struct TreeTask<F, E> {
    pub(crate) f: F,
    /// This task's pending unit: released when the task is dropped, after it ran.
    pub(crate) tree: Arc<Tree<E>>,
}

impl<F, R, E> Body for TreeTask<F, E>
where
    F: FnOnce(&Scope<'_, E>) -> R + Send + 'static,
    R: TaskOutput<E>,
    E: Send + 'static,
{
    fn run(self: Box<Self>, sink: &dyn Sink, id: TaskId, stats: &WorkerStats) {
        let TreeTask { f, tree } = *self;
        if tree.is_cancelled() {
            drop_quietly(f);
            tree.skipped();
            stats.finished(Ran::Skipped);
            return;
        }
        let scope = Scope::new(&tree, id, sink);
        let ran = match catch_unwind(AssertUnwindSafe(|| f(&scope).into_result())) {
            Ok(Ok(())) => Ran::Completed,
            Ok(Err(e)) => {
                tree.fail(id, GroupError::Task(e));
                Ran::Completed
            }
            Err(payload) => {
                tree.panicked(id, payload);
                Ran::Panicked
            }
        };
        stats.finished(ran);
        // `tree` drops here, after the body and everything it spawned was counted.
    }

    fn discard(self: Box<Self>) {
        let TreeTask { f, tree, .. } = *self;
        drop_quietly(f);
        tree.discarded();
    }
}

/// A task whose value (or panic) goes to a [`Child`](super::Child) handle instead of the
/// tree. It still owns a pending unit, so the tree waits for it.
pub(crate) struct HandleTask<F, T, E> {
    pub(crate) f: F,
    pub(crate) id: TaskId,
    pub(crate) tree: Arc<Tree<E>>,
    pub(crate) completer: Completer<T>,
}

impl<F, T, E> Body for HandleTask<F, T, E>
where
    F: FnOnce(&Scope<'_, E>) -> T + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Runs under the id its handle was given at submission, not the run-time `_id`.
    fn run(self: Box<Self>, sink: &dyn Sink, _id: TaskId, stats: &WorkerStats) {
        let HandleTask {
            f,
            id,
            tree,
            completer,
        } = *self;
        if tree.is_cancelled() {
            drop_quietly(f);
            tree.skipped();
            completer.complete(Err(TaskError::cancelled().with_id(id)));
            stats.finished(Ran::Skipped);
            return;
        }
        let scope = Scope::new(&tree, id, sink);
        stats.finished(match catch_unwind(AssertUnwindSafe(|| f(&scope))) {
            Ok(value) => {
                completer.complete(Ok(value));
                Ran::Completed
            }
            Err(payload) => {
                completer.complete(Err(TaskError::panic(payload).with_id(id)));
                Ran::Panicked
            }
        });
    }

    fn discard(self: Box<Self>) {
        let HandleTask {
            f,
            id,
            tree,
            completer,
        } = *self;
        drop_quietly(f);
        tree.discarded();
        completer.complete(Err(TaskError::cancelled().with_id(id)));
    }
}
