//! Typed results: a one-shot slot between the job that produces a value and the
//! [`JoinHandle`] that waits for it.

use std::fmt;
use std::time::{Duration, Instant};

use crate::claim::{self, Claim};
use crate::sync::{lock, wait, Arc, Condvar, Mutex};
use crate::{Job, PoolId, TaskError};

enum State<T> {
    Pending,
    Ready(Result<T, TaskError>),
    Taken,
}

struct Slot<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

/// Waits for one task's result.
///
/// Dropping a handle detaches the task: it still runs, and its result is dropped.
///
/// ```
/// use pool_core::JoinHandle;
/// let (completer, handle) = JoinHandle::pair();
/// std::thread::spawn(move || completer.complete(Ok(42)));
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    slot: Arc<Slot<T>>,
    /// The task itself, for a joiner on a worker of a pool with
    /// [`Pool::inline_joins`](crate::Pool::inline_joins).
    claim: Option<Claim>,
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

impl<T> JoinHandle<T> {
    /// A connected completer and handle.
    pub fn pair() -> (Completer<T>, JoinHandle<T>) {
        let slot = Arc::new(Slot {
            state: Mutex::new(State::Pending),
            ready: Condvar::new(),
        });
        (
            Completer {
                slot: Some(slot.clone()),
            },
            JoinHandle { slot, claim: None },
        )
    }

    /// Queues `job` (which completes this handle) as a shell that this handle's joiner may
    /// take over on a worker of `owner`; without an owner, `job` is returned as it is.
    pub(crate) fn claimable(mut self, job: Job, owner: Option<PoolId>) -> (Job, JoinHandle<T>) {
        match owner {
            None => (job, self),
            Some(owner) => {
                let (shell, claim) = claim::split(job, owner);
                self.claim = Some(claim);
                (shell, self)
            }
        }
    }

    /// Blocks until the task has finished and returns its value.
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
    pub fn join(mut self) -> Result<T, TaskError> {
        if let Some(claim) = self.claim.take() {
            claim.run_if_unstarted();
        }
        let mut state = lock(&self.slot.state);
        loop {
            if let Some(result) = take_ready(&mut state) {
                return result;
            }
            state = wait(&self.slot.ready, state);
        }
    }

    /// Like [`JoinHandle::join`], giving up after `timeout`. It never runs the task on the
    /// joiner (that could outlast the timeout), so on a worker of the task's pool it may
    /// time out where `join` would not.
    ///
    /// # Errors
    /// `Err(self)` if the task has not finished in time, so the caller can wait again.
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
        {
            let mut state = lock(&self.slot.state);
            loop {
                if let Some(result) = take_ready(&mut state) {
                    return Ok(result);
                }
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = match self.slot.ready.wait_timeout(state, deadline - now) {
                    Ok((g, _)) => g,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
        }
        Err(self)
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
        matches!(*lock(&self.slot.state), State::Ready(_))
    }
}

fn take_ready<T>(state: &mut State<T>) -> Option<Result<T, TaskError>> {
    match std::mem::replace(state, State::Taken) {
        State::Ready(result) => Some(result),
        other => {
            *state = other;
            None
        }
    }
}

impl<T> Completer<T> {
    /// Delivers the task's result and wakes the handle.
    pub fn complete(mut self, result: Result<T, TaskError>) {
        self.deliver(result);
    }

    fn deliver(&mut self, result: Result<T, TaskError>) {
        if let Some(slot) = self.slot.take() {
            let mut state = lock(&slot.state);
            // A handle that is waiting holds no lock while it sleeps; store then notify
            // under the lock so it cannot miss the value.
            *state = State::Ready(result);
            slot.ready.notify_all();
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

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    #[test]
    fn value_is_never_lost_between_complete_and_join() {
        loom::model(|| {
            let (c, h) = JoinHandle::pair();
            let t = loom::thread::spawn(move || c.complete(Ok(7)));
            assert_eq!(h.join().unwrap(), 7);
            t.join().unwrap();
        });
    }
}
