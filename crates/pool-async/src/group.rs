//! Groups of fallible async tasks with pool_core's error policies.
//!
//! Under [`FailFast`](pool_core::FailFast), the first task to fail (return `Err` or panic)
//! cancels the group's [`GroupToken`]: the group's queued tasks never start, and its running
//! tasks are dropped at their next `.await` (they do not need to poll the token, unlike
//! pool_core's thread-based `TaskGroup`). `wait` folds the results exactly as pool_core's
//! policies do.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pool_core::{ErrorPolicy, GroupError, SubmitError};
use tokio::sync::TryAcquireError;

use crate::handle::TaskHandle;
use crate::pool::AsyncPool;
use crate::signal::Signal;
use crate::task::spawn_future;

const NO_FAILURE: usize = usize::MAX;

struct Shared {
    signal: Arc<Signal>,
    cancel_on_failure: bool,
    /// Index of the first task to fail, or `NO_FAILURE`.
    first_failure: AtomicUsize,
}

impl Shared {
    fn failed(&self, index: usize) {
        // Only the first failure is recorded; AcqRel so `wait` sees it with what preceded.
        let _ = self.first_failure.compare_exchange(
            NO_FAILURE,
            index,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if self.cancel_on_failure {
            self.signal.cancel();
        }
    }
}

/// Records a failure if the task panics (unwinding drops this while armed).
struct FailOnPanic<'a> {
    shared: &'a Shared,
    index: usize,
    armed: bool,
}

impl Drop for FailOnPanic<'_> {
    fn drop(&mut self) {
        if self.armed && std::thread::panicking() {
            self.shared.failed(self.index);
        }
    }
}

/// The cancellation token of an [`AsyncGroup`]: cancelling it stops every task of the
/// group that has not finished (queued ones never start, running ones are dropped at their
/// next `.await`). Tasks may also await it to clean up first.
///
/// ```
/// use pool_core::CollectAll;
/// use std::time::Duration;
/// let pool = pool_async::AsyncPool::new(4).unwrap();
/// let mut group = pool.group::<(), (), _>(CollectAll);
/// group.try_spawn(async { tokio::time::sleep(Duration::from_secs(60)).await; Ok(()) }).unwrap();
/// group.token().cancel();
/// let results = pool.handle().block_on(group.wait());
/// assert!(results[0].as_ref().unwrap_err().is_cancelled());
/// ```
#[derive(Clone)]
pub struct GroupToken(Arc<Signal>);

impl GroupToken {
    /// Cancels the group.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    /// Whether the group was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Completes once the group is cancelled.
    pub async fn cancelled(&self) {
        self.0.cancelled().await;
    }
}

impl fmt::Debug for GroupToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// A group of fallible futures on one [`AsyncPool`], folded by an [`ErrorPolicy`]
/// (`FailFast`: every value or the first error; `CollectAll`: every result in order).
///
/// ```
/// use pool_core::{FailFast, GroupError};
/// use std::time::Duration;
/// let pool = pool_async::AsyncPool::new(8).unwrap();
/// let outcome = pool.handle().block_on(async {
///     let mut group = pool.group::<u32, String, _>(FailFast);
///     group.spawn(async { Err("no such host".to_string()) }).await.unwrap();
///     for i in 0..5 {
///         // These would take a minute; the failure above cancels them.
///         group.spawn(async move {
///             tokio::time::sleep(Duration::from_secs(60)).await;
///             Ok(i)
///         }).await.unwrap();
///     }
///     group.wait().await
/// });
/// assert!(matches!(outcome, Err(GroupError::Task(e)) if e == "no such host"));
/// ```
pub struct AsyncGroup<'p, T, E, P: ErrorPolicy> {
    pool: &'p AsyncPool,
    shared: Arc<Shared>,
    handles: Vec<TaskHandle<Result<T, E>>>,
    policy: PhantomData<P>,
}

impl<'p, T, E, P> AsyncGroup<'p, T, E, P>
where
    T: Send + 'static,
    E: Send + 'static,
    P: ErrorPolicy,
{
    pub(crate) fn new(pool: &'p AsyncPool, policy: P) -> Self {
        let _ = policy;
        AsyncGroup {
            pool,
            shared: Arc::new(Shared {
                signal: Signal::new(),
                cancel_on_failure: P::CANCEL_ON_FAILURE,
                first_failure: AtomicUsize::new(NO_FAILURE),
            }),
            handles: Vec::new(),
            policy: PhantomData,
        }
    }

    /// Submits a task into the group, waiting for room like [`AsyncPool::submit`].
    ///
    /// # Errors
    /// [`SubmitError::Closed`] with the future when the pool is closed; the group is
    /// unchanged.
    pub async fn spawn<F>(&mut self, fut: F) -> Result<(), SubmitError<F>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let inner = &self.pool.inner;
        let holds_slot = match &inner.slots {
            None => false,
            Some(slots) => match slots.acquire().await {
                Ok(permit) => {
                    permit.forget();
                    true
                }
                Err(_closed) => return Err(inner.reject(SubmitError::Closed(fut))),
            },
        };
        self.admit(fut, holds_slot)
    }

    /// Submits a task into the group without waiting, like [`AsyncPool::try_submit`].
    ///
    /// # Errors
    /// [`SubmitError::Full`] or [`SubmitError::Closed`] with the future; the group is
    /// unchanged.
    pub fn try_spawn<F>(&mut self, fut: F) -> Result<(), SubmitError<F>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let inner = &self.pool.inner;
        let holds_slot = match inner.try_slot() {
            Ok(holds_slot) => holds_slot,
            Err(TryAcquireError::NoPermits) => return Err(inner.reject(SubmitError::Full(fut))),
            Err(TryAcquireError::Closed) => return Err(inner.reject(SubmitError::Closed(fut))),
        };
        self.admit(fut, holds_slot)
    }

    fn admit<F>(&mut self, fut: F, holds_slot: bool) -> Result<(), SubmitError<F>>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let inner = &self.pool.inner;
        let (fut, ticket) = inner.admit(fut, holds_slot)?;
        let shared = self.shared.clone();
        let index = self.handles.len();
        let task = async move {
            let mut watch = FailOnPanic {
                shared: &shared,
                index,
                armed: true,
            };
            let result = fut.await;
            watch.armed = false;
            if result.is_err() {
                shared.failed(index);
            }
            result
        };
        let signal = self.shared.signal.clone();
        self.handles.push(spawn_future(inner, task, ticket, signal));
        Ok(())
    }

    /// The group's token: cancel it to stop every unfinished task of the group.
    pub fn token(&self) -> GroupToken {
        GroupToken(self.shared.signal.clone())
    }

    /// The number of tasks spawned so far.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether no task was spawned.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Waits for every task of the group and folds the results by the policy.
    pub async fn wait(self) -> P::Output<T, E> {
        let mut results = Vec::with_capacity(self.handles.len());
        for handle in self.handles {
            results.push(match handle.await {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(GroupError::Task(e)),
                Err(e) => Err(GroupError::Failed(e)),
            });
        }
        let first = self.shared.first_failure.load(Ordering::Acquire);
        P::fold(results, (first != NO_FAILURE).then_some(first))
    }
}

impl<T, E, P: ErrorPolicy> fmt::Debug for AsyncGroup<'_, T, E, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncGroup")
            .field("tasks", &self.handles.len())
            .field("cancelled", &self.shared.signal.is_cancelled())
            .finish()
    }
}
