//! Error policies over any [`Pool`]: a group of fallible tasks that either collects every
//! result and error ([`CollectAll`]) or stops at the first error ([`FailFast`]).
//!
//! Under `FailFast` the first task to fail (return `Err` or panic) raises the group's
//! [`CancelToken`]: tasks that have not started yet are skipped and report
//! [`TaskError::is_cancelled`]; tasks already running can poll the token and return early.
//! `wait` still waits for every task, so nothing the group spawned outlives it.

mod policy;

pub use policy::{CollectAll, ErrorPolicy, FailFast};

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::ext::hand_back;
use crate::handle::{task, Body};
use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::Arc;
use crate::{JoinHandle, Outcome, Pool, SubmitError, TaskError};

/// A shared flag that asks a group's tasks to stop.
///
/// ```
/// let token = pool_core::CancelToken::new();
/// assert!(!token.is_cancelled());
/// token.cancel();
/// assert!(token.clone().is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Raises the flag; every clone sees it.
    pub fn cancel(&self) {
        // Release/Acquire: a task that sees the flag also sees what the canceller did first.
        self.0.store(true, Ordering::Release);
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Why one task of a group produced no value.
///
/// ```
/// use pool_core::{GroupError, TaskError};
/// let e: GroupError<&str> = GroupError::Task("bad input");
/// assert_eq!(e.to_string(), "task failed: bad input");
/// assert!(GroupError::<()>::Failed(TaskError::cancelled()).is_cancelled());
/// ```
pub enum GroupError<E> {
    /// The task returned `Err`.
    Task(E),
    /// The task panicked or was cancelled before it started.
    Failed(TaskError),
}

impl<E> GroupError<E> {
    /// Whether the task was skipped because the group was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, GroupError::Failed(e) if e.is_cancelled())
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, GroupError::Failed(e) if e.is_panic())
    }
}

impl<E: fmt::Debug> fmt::Debug for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Task(e) => f.debug_tuple("Task").field(e).finish(),
            GroupError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<E: fmt::Display> fmt::Display for GroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupError::Task(e) => write!(f, "task failed: {e}"),
            GroupError::Failed(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for GroupError<E> {}

const NO_FAILURE: usize = usize::MAX;

struct Shared {
    token: CancelToken,
    cancel_on_failure: bool,
    /// Index of the first task to fail, or `NO_FAILURE`.
    first_failure: AtomicUsize,
}

impl Shared {
    fn failed(&self, index: usize) {
        // Only the first failure wins; later ones keep their own results.
        let _ = self.first_failure.compare_exchange(
            NO_FAILURE,
            index,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if self.cancel_on_failure {
            self.token.cancel();
        }
    }
}

struct GroupJob<F> {
    f: F,
    index: usize,
    shared: Arc<Shared>,
}

impl<F, T, E> Body<Result<T, E>> for GroupJob<F>
where
    F: FnOnce(&CancelToken) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    fn run(self) -> (Result<Result<T, E>, TaskError>, Outcome) {
        let GroupJob { f, index, shared } = self;
        if shared.cancel_on_failure && shared.token.is_cancelled() {
            return (Err(TaskError::cancelled()), Outcome::Completed);
        }
        match catch_unwind(AssertUnwindSafe(|| f(&shared.token))) {
            Ok(result) => {
                if result.is_err() {
                    shared.failed(index);
                }
                (Ok(result), Outcome::Completed)
            }
            Err(payload) => {
                shared.failed(index);
                (Err(TaskError::panic(payload)), Outcome::Panicked)
            }
        }
    }

    fn into_any(self) -> Box<dyn Any + Send> {
        Box::new(self.f)
    }
}

/// A group of fallible tasks on one pool, folded by an [`ErrorPolicy`].
///
/// Each task gets the group's [`CancelToken`]. Waiting joins every task's handle, so call
/// [`TaskGroup::wait`] from outside the pool, or from a task of a pool with
/// [`Pool::inline_joins`] (see [`JoinHandle::join`]).
///
/// ```
/// use pool_core::{CollectAll, FailFast, Pool, TaskGroup};
/// # use pool_core::{Job, Metrics, ShutdownMode, ShutdownReport, ShutdownError, SubmitError, WaitIdleError};
/// # use std::time::Duration;
/// # struct Inline;
/// # impl Pool for Inline {
/// #     fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> { job.run(); Ok(()) }
/// #     fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> { self.submit(job) }
/// #     fn wait_idle(&self) -> Result<(), WaitIdleError> { Ok(()) }
/// #     fn wait_idle_timeout(&self, _: Duration) -> Result<(), WaitIdleError> { Ok(()) }
/// #     fn shutdown(&self, _: ShutdownMode) -> Result<ShutdownReport, ShutdownError> { Ok(Default::default()) }
/// #     fn metrics(&self) -> Metrics { Metrics::default() }
/// #     fn workers(&self) -> usize { 1 }
/// # }
/// let pool = Inline; // any Pool: pool-finite, pool-work-stealing, ...
/// let mut all = TaskGroup::new(&pool, CollectAll);
/// for i in 0..4 {
///     all.spawn(move |_| if i == 2 { Err("two") } else { Ok(i) }).unwrap();
/// }
/// let results = all.wait();
/// assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
///
/// let mut first = TaskGroup::new(&pool, FailFast);
/// for i in 0..4 {
///     first.spawn(move |_| if i == 1 { Err("one") } else { Ok(i) }).unwrap();
/// }
/// assert_eq!(first.wait().unwrap_err().to_string(), "task failed: one");
/// ```
pub struct TaskGroup<'p, T, E, P: ErrorPolicy> {
    pool: &'p dyn Pool,
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<Result<T, E>>>,
    policy: PhantomData<P>,
}

impl<'p, T, E, P> TaskGroup<'p, T, E, P>
where
    T: Send + 'static,
    E: Send + 'static,
    P: ErrorPolicy,
{
    /// An empty group on `pool`.
    pub fn new(pool: &'p dyn Pool, policy: P) -> Self {
        let _ = policy;
        TaskGroup {
            pool,
            shared: Arc::new(Shared {
                token: CancelToken::new(),
                cancel_on_failure: P::CANCEL_ON_FAILURE,
                first_failure: AtomicUsize::new(NO_FAILURE),
            }),
            handles: Vec::new(),
            policy: PhantomData,
        }
    }

    /// Spawns a task into the group (with [`Pool::submit`]'s overflow behaviour).
    ///
    /// # Errors
    /// The closure back inside [`SubmitError::Full`] or [`SubmitError::Closed`]; the group
    /// is unchanged.
    pub fn spawn<F>(&mut self, f: F) -> Result<(), SubmitError<F>>
    where
        F: FnOnce(&CancelToken) -> Result<T, E> + Send + 'static,
    {
        let body = GroupJob {
            f,
            index: self.handles.len(),
            shared: self.shared.clone(),
        };
        let (job, handle) = task(body, self.pool.inline_joins());
        self.pool.submit(job).map_err(hand_back)?;
        self.handles.push(handle);
        Ok(())
    }

    /// The group's token: cancel it to skip every task not yet started.
    pub fn cancel_token(&self) -> CancelToken {
        self.shared.token.clone()
    }

    /// The number of tasks spawned so far.
    pub fn len(&self) -> usize {
        self.handles.len()
    }

    /// Whether no task was spawned.
    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// Waits for every task and folds the results by the policy.
    pub fn wait(self) -> P::Output<T, E> {
        let results = self
            .handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(GroupError::Task(e)),
                Err(e) => Err(GroupError::Failed(e)),
            })
            .collect();
        let first = self.shared.first_failure.load(Ordering::Acquire);
        P::fold(results, (first != NO_FAILURE).then_some(first))
    }
}

impl<T, E, P: ErrorPolicy> fmt::Debug for TaskGroup<'_, T, E, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("tasks", &self.handles.len())
            .field("cancelled", &self.shared.token.is_cancelled())
            .finish()
    }
}
