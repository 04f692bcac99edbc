//! Typed results: a one-shot slot between the job that produces a value and the
//! [`JoinHandle`] that waits for it.
//!
//! A task spawned through [`PoolExt`](crate::PoolExt) or a [`TaskGroup`](crate::TaskGroup)
//! is one allocation holding its body, its result and a state word (`task.rs`); the queue
//! and the handle share it. Finishing a task costs one read-modify-write and no system call
//! unless its joiner has gone to sleep; a joiner spins briefly, then yields, then parks
//! (`slot.rs`, and README.md in this folder for the protocol and its proof sketch).

mod slot;
mod task;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slot::Slot;
pub(crate) use task::{Body, Queued};
use task::{Joinable, Task};

use crate::{Job, PoolId, TaskError};

/// Waits for one task's result.
///
/// Dropping a handle detaches the task: it still runs, and its result is dropped.
///
/// **Happens-before:** everything the task did happens-before `join` (or a successful
/// `join_timeout`) returns its result, and before `is_finished` returns `true`.
///
/// ```
/// use pool_core::JoinHandle;
/// let (completer, handle) = JoinHandle::pair();
/// std::thread::spawn(move || completer.complete(Ok(42)));
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    // std's `Arc` even under loom: the task is shared as two trait objects, which loom's
    // `Arc` cannot hold; the protocol loom checks is the slot's state word, not the count.
    task: Arc<dyn Joinable<T>>,
}

/// The producing side of a [`JoinHandle`]. Dropping it without completing reports
/// [`TaskError::is_cancelled`] to the handle, which is how a discarded job's handle learns
/// that the job will never run.
///
/// ```
/// use pool_core::JoinHandle;
/// let (completer, handle) = JoinHandle::<()>::pair();
/// drop(completer);
/// assert!(handle.join().unwrap_err().is_cancelled());
/// ```
pub struct Completer<T> {
    slot: Option<Arc<Slot<T>>>,
}

impl<T: Send + 'static> JoinHandle<T> {
    /// A connected completer and handle (one allocation).
    ///
    /// ```
    /// let (c, h) = pool_core::JoinHandle::pair();
    /// c.complete(Ok("done"));
    /// assert_eq!(h.join().unwrap(), "done");
    /// ```
    pub fn pair() -> (Completer<T>, JoinHandle<T>) {
        let slot = Arc::new(Slot::new());
        (
            Completer {
                slot: Some(slot.clone()),
            },
            JoinHandle { task: slot },
        )
    }
}

/// A queued job running `body` and the handle to its result, sharing one allocation. With
/// an `owner`, a worker of that pool that joins the handle runs the body itself if no
/// worker has claimed it yet.
pub(crate) fn task<B, T>(body: B, owner: Option<PoolId>) -> (Job, JoinHandle<T>)
where
    B: Body<T>,
    T: Send + 'static,
{
    let task = Task::new(body, owner);
    let handle = JoinHandle { task: task.clone() };
    (Job::from_task(task), handle)
}

impl<T> JoinHandle<T> {
    /// Blocks until the task has finished and returns its value.
    ///
    /// It spins for a moment (a few microseconds), then yields, then parks until the
    /// task's thread wakes it: a task that finishes soon is joined without a system call.
    ///
    /// Called on a worker of the pool that runs the task, where that pool opts in with
    /// [`Pool::inline_joins`](crate::Pool::inline_joins) (pool-recursive,
    /// pool-work-stealing), a task no worker has started yet runs right here, on the
    /// joiner's stack; a task already started elsewhere is waited for. So a task may spawn
    /// children and join them, nested at any depth, at any worker count. On other pools
    /// (pool-finite, pool-async) a join blocks the worker: once every worker waits for a
    /// task still queued, that is a deadlock.
    ///
    /// # Errors
    /// The task's [`TaskError`]: it panicked, or it was cancelled or discarded unrun.
    ///
    /// ```
    /// let (c, h) = pool_core::JoinHandle::<u8>::pair();
    /// c.complete(Err(pool_core::TaskError::cancelled()));
    /// assert!(h.join().unwrap_err().is_cancelled());
    /// ```
    pub fn join(self) -> Result<T, TaskError> {
        self.task.run_if_unstarted();
        let slot = self.task.slot();
        slot.wait();
        self.result()
    }

    /// Like [`JoinHandle::join`], giving up after `timeout`. It never runs the task on the
    /// joiner (that could outlast the timeout), so on a worker of the task's pool it may
    /// time out where `join` would not.
    ///
    /// # Errors
    /// `Err(self)` if the task has not finished in time, so the caller can wait again (from
    /// this thread or another).
    ///
    /// ```
    /// use std::time::Duration;
    /// let (c, h) = pool_core::JoinHandle::<u8>::pair();
    /// let h = h.join_timeout(Duration::from_millis(1)).unwrap_err();
    /// c.complete(Ok(1));
    /// assert_eq!(h.join_timeout(Duration::from_secs(1)).ok().unwrap().unwrap(), 1);
    /// ```
    pub fn join_timeout(self, timeout: Duration) -> Result<Result<T, TaskError>, JoinHandle<T>> {
        let deadline = Instant::now() + timeout;
        if self.task.slot().wait_until(deadline) {
            Ok(self.result())
        } else {
            Err(self)
        }
    }

    /// Whether the result is ready (`join` would not block).
    ///
    /// ```
    /// let (c, h) = pool_core::JoinHandle::pair();
    /// assert!(!h.is_finished());
    /// c.complete(Ok(()));
    /// assert!(h.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.task.slot().is_complete()
    }

    /// The result, once the slot says it is in. A handle is consumed by the call that takes
    /// it, so it is there exactly once.
    fn result(self) -> Result<T, TaskError> {
        match self.task.slot().take() {
            Some(result) => result,
            None => unreachable!("a complete slot holds its result until its only handle takes it"),
        }
    }
}

impl<T> Completer<T> {
    /// Delivers the task's result and wakes the handle if it is asleep.
    ///
    /// ```
    /// let (c, h) = pool_core::JoinHandle::pair();
    /// c.complete(Ok(3));
    /// assert_eq!(h.join().unwrap(), 3);
    /// ```
    pub fn complete(mut self, result: Result<T, TaskError>) {
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<T, TaskError>) {
        if let Some(slot) = self.slot.take() {
            slot.deliver(result);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        self.deliver(Err(TaskError::cancelled()));
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> fmt::Debug for Completer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Completer { .. }")
    }
}

#[cfg(test)]
mod tests;
