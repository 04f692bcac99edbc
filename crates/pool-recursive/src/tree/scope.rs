//! The handle a running task gets: submit children, wait for one, see cancellation.

use std::fmt;

use pool_core::sync::Arc;
use pool_core::{JoinHandle, TaskError, TaskId};

use super::body::{HandleTask, TreeTask};
use super::TaskOutput;
use crate::task::{Sink, Task};
use crate::termination::Tree;

/// What a running tree task gets: submit children (at any depth), wait for a child, and
/// see whether the tree was cancelled.
///
/// Submitting never blocks. Each child becomes part of the same tree, and the tree is done
/// when every task in it has finished.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use pool_recursive::{RecursivePool, Scope};
///
/// fn count(s: &Scope<'_>, depth: u32, nodes: Arc<AtomicU64>) {
///     nodes.fetch_add(1, Ordering::Relaxed);
///     if depth > 0 {
///         for _ in 0..2 {
///             let nodes = nodes.clone();
///             s.spawn(move |s| count(s, depth - 1, nodes));
///         }
///     }
/// }
/// let pool = RecursivePool::builder().workers(2).build().unwrap();
/// let nodes = Arc::new(AtomicU64::new(0));
/// let n = nodes.clone();
/// pool.run(move |s| count(s, 9, n)).unwrap();
/// assert_eq!(nodes.load(Ordering::Relaxed), 1023);
/// ```
pub struct Scope<'a, E = std::convert::Infallible> {
    tree: &'a Arc<Tree<E>>,
    id: TaskId,
    sink: &'a dyn Sink,
}

impl<'a, E: Send + 'static> Scope<'a, E> {
    pub(crate) fn new(tree: &'a Arc<Tree<E>>, id: TaskId, sink: &'a dyn Sink) -> Self {
        Scope { tree, id, sink }
    }

    /// Submits a child task to the same tree. Never blocks: with a queue bound configured
    /// and this worker's queue full, the child runs right here before `spawn` returns
    /// (caller runs).
    ///
    /// A child's `Err(e)` or panic is recorded in the tree's [`TreeError`](crate::TreeError)
    /// with the child's id.
    pub fn spawn<F, R>(&self, f: F)
    where
        F: FnOnce(&Scope<'_, E>) -> R + Send + 'static,
        R: TaskOutput<E>,
    {
        // The clone is the child's pending unit, taken before the child can be seen.
        let task = TreeTask {
            f,
            tree: self.tree.clone(),
        };
        self.sink.push(Task::new(Box::new(task)));
    }

    /// Submits a child whose value comes back through the returned [`Child`]; wait for it
    /// with [`Scope::wait`]. Its panic goes to the handle, not to the tree's error.
    pub fn spawn_with_handle<F, T>(&self, f: F) -> Child<T>
    where
        F: FnOnce(&Scope<'_, E>) -> T + Send + 'static,
        T: Send + 'static,
    {
        let (completer, handle) = JoinHandle::pair();
        let id = self.sink.next_id();
        let task = HandleTask {
            f,
            id,
            tree: self.tree.clone(),
            completer,
        };
        self.sink.push(Task::new(Box::new(task)));
        Child { id, handle }
    }

    /// Waits for a child, running other pending tasks of the pool on this worker meanwhile,
    /// so waiting never deadlocks the pool, even with one worker.
    ///
    /// The worker's stack grows with the nesting of waits (a task that waits runs a task that
    /// waits ...), never with the number of submissions. With nothing else to run, the
    /// waiting worker pauses and yields but never sleeps, so a long wait costs a core.
    ///
    /// # Errors
    /// The child's [`TaskError`], with its id: it panicked, or it never ran because the tree
    /// was cancelled or the pool shut down immediately.
    pub fn wait<T>(&self, child: Child<T>) -> Result<T, TaskError> {
        self.sink.help_until(&|| child.handle.is_finished());
        child.handle.join()
    }

    /// The id of the running task (the one a failure would be reported with).
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the tree was cancelled (a fail-fast tree after its first failure, or
    /// [`Scope::cancel`]). Long-running tasks should poll it and return early.
    pub fn is_cancelled(&self) -> bool {
        self.tree.is_cancelled()
    }

    /// Cancels the tree: tasks not yet started are skipped (counted in
    /// [`TreeError::skipped`](crate::TreeError::skipped)).
    pub fn cancel(&self) {
        self.tree.cancel();
    }
}

impl<E> fmt::Debug for Scope<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").field("id", &self.id.get()).finish()
    }
}

/// A child task's future value; see [`Scope::spawn_with_handle`].
///
/// ```
/// let pool = pool_recursive::RecursivePool::builder().workers(1).build().unwrap();
/// pool.run(|s| {
///     let child = s.spawn_with_handle(|s| s.id());
///     let id = child.id();
///     assert_eq!(s.wait(child).unwrap(), id);
/// }).unwrap();
/// ```
pub struct Child<T> {
    id: TaskId,
    handle: JoinHandle<T>,
}

impl<T> Child<T> {
    /// The child's task id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the child has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

impl<T> fmt::Debug for Child<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child").field("id", &self.id.get()).finish()
    }
}
