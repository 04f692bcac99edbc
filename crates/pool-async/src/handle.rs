//! The handle to one future task: awaitable, joinable from sync code, cancellable.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use pool_core::{TaskError, TaskId};

/// The handle to a task submitted with [`AsyncPool::submit`](crate::AsyncPool::submit).
///
/// - `.await` it (inside async code) or [`join`](TaskHandle::join) it (from sync code) to
///   get `Ok(value)`, or a [`TaskError`] when the task panicked
///   ([`TaskError::is_panic`], payload in [`TaskError::into_panic`]) or was cancelled
///   ([`TaskError::is_cancelled`]). The error carries the task's [`TaskId`].
/// - [`cancel`](TaskHandle::cancel) stops the task: a queued task never starts, a running
///   one is dropped at its next `.await` point.
/// - Dropping the handle detaches the task: it still runs; its value is dropped.
///
/// ```
/// use pool_async::AsyncPool;
/// let pool = AsyncPool::new(4).unwrap();
/// let handle = pool.try_submit(async { 6 * 7 }).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
pub struct TaskHandle<T> {
    join: tokio::task::JoinHandle<Option<T>>,
    id: TaskId,
}

impl<T> TaskHandle<T> {
    pub(crate) fn new(join: tokio::task::JoinHandle<Option<T>>, id: TaskId) -> TaskHandle<T> {
        TaskHandle { join, id }
    }

    /// The task's id, unique within its pool (the ids in a [`DrainReport`](crate::DrainReport)).
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::new(1).unwrap();
    /// let a = pool.try_submit(async {}).unwrap();
    /// let b = pool.try_submit(async {}).unwrap();
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Cancels the task. A task still queued never runs; a running one is dropped at its
    /// next `.await` (code between two `.await`s is never interrupted). Awaiting or
    /// joining the handle afterwards gives [`TaskError::is_cancelled`], unless the task had
    /// already finished, in which case its value is still returned.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = pool_async::AsyncPool::new(1).unwrap();
    /// let sleeper = pool.try_submit(async { tokio::time::sleep(Duration::from_secs(60)).await }).unwrap();
    /// sleeper.cancel();
    /// assert!(sleeper.join().unwrap_err().into_task_error().unwrap().is_cancelled());
    /// ```
    pub fn cancel(&self) {
        self.join.abort();
    }

    /// Whether the task has finished (ran to the end, panicked or was cancelled).
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::new(1).unwrap();
    /// let h = pool.try_submit(std::future::pending::<()>()).unwrap();
    /// assert!(!h.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.join.is_finished()
    }

    /// Blocks the calling thread until the task finishes, for sync code.
    ///
    /// Blocking a thread of a tokio runtime stalls every task scheduled on it (and can
    /// deadlock it), so `join` refuses to block on any thread inside a tokio runtime
    /// context (a worker, a `block_on`, a `spawn_blocking` thread): there, `.await` the
    /// handle instead.
    ///
    /// # Errors
    /// - [`JoinError::Task`]: the task panicked or was cancelled.
    /// - [`JoinError::InsideRuntime`]: called inside a tokio runtime context; the handle
    ///   comes back inside, so the task is not lost.
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::new(2).unwrap();
    /// let h = pool.try_submit(async { panic!("boom") }).unwrap();
    /// let err = h.join().unwrap_err().into_task_error().unwrap();
    /// assert_eq!(err.panic_message(), Some("boom"));
    /// ```
    pub fn join(self) -> Result<T, JoinError<T>> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(JoinError::InsideRuntime(self));
        }
        block_on(self).map_err(JoinError::Task)
    }
}

impl<T> Future for TaskHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let id = self.id;
        Pin::new(&mut self.join)
            .poll(cx)
            .map(|result| match result {
                Ok(Some(value)) => Ok(value),
                Ok(None) => Err(TaskError::cancelled().with_id(id)),
                Err(e) if e.is_panic() => Err(TaskError::panic(e.into_panic()).with_id(id)),
                Err(_) => Err(TaskError::cancelled().with_id(id)),
            })
    }
}

impl<T> fmt::Debug for TaskHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why [`TaskHandle::join`] returned no value. `Debug` does not require `T: Debug`.
pub enum JoinError<T> {
    /// The task panicked or was cancelled.
    Task(TaskError),
    /// `join` was called inside a tokio runtime context, where blocking would stall the
    /// runtime; the handle is given back so it can be awaited instead.
    InsideRuntime(TaskHandle<T>),
}

impl<T> JoinError<T> {
    /// The task's error, if the task itself failed.
    ///
    /// ```
    /// use pool_async::JoinError;
    /// let e: JoinError<()> = JoinError::Task(pool_core::TaskError::cancelled());
    /// assert!(e.into_task_error().unwrap().is_cancelled());
    /// ```
    pub fn into_task_error(self) -> Option<TaskError> {
        match self {
            JoinError::Task(e) => Some(e),
            JoinError::InsideRuntime(_) => None,
        }
    }

    /// Whether `join` refused to block inside a runtime.
    ///
    /// ```
    /// use pool_async::JoinError;
    /// assert!(!JoinError::<()>::Task(pool_core::TaskError::cancelled()).is_inside_runtime());
    /// ```
    pub fn is_inside_runtime(&self) -> bool {
        matches!(self, JoinError::InsideRuntime(_))
    }
}

impl<T> fmt::Debug for JoinError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Task(e) => f.debug_tuple("Task").field(e).finish(),
            JoinError::InsideRuntime(h) => f.debug_tuple("InsideRuntime").field(h).finish(),
        }
    }
}

impl<T> fmt::Display for JoinError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Task(e) => e.fmt(f),
            JoinError::InsideRuntime(_) => f.write_str(
                "TaskHandle::join called inside a tokio runtime, where blocking would stall it; await the handle instead",
            ),
        }
    }
}

impl<T> std::error::Error for JoinError<T> {}

/// Wakes a parked thread.
struct Unparker(std::thread::Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the calling thread, parking between polls. Only for
/// threads outside any runtime (callers check); the futures it drives (a tokio
/// `JoinHandle`, a queue-slot acquisition) are woken by the runtime's own threads.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(Unparker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = fut.as_mut().poll(&mut cx) {
            return value;
        }
        // A spurious unpark only costs one more poll.
        std::thread::park();
    }
}
