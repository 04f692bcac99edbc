//! Error types: submission, per-task outcome, building, waiting and shutting down.

use std::any::Any;
use std::fmt;

use crate::TaskId;

/// A job was not accepted; the job comes back inside, so nothing is lost.
///
/// `Debug` does not require `T: Debug`.
///
/// ```
/// use pool_core::SubmitError;
/// let err = SubmitError::Full(5);
/// assert!(err.is_full());
/// assert_eq!(err.into_inner(), 5);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SubmitError<T> {
    /// The queue is at its bound and the call may not wait.
    Full(T),
    /// The pool is shutting down or shut down and accepts nothing more.
    Closed(T),
}

impl<T> SubmitError<T> {
    /// The rejected job (or closure).
    ///
    /// ```
    /// use pool_core::SubmitError;
    /// assert_eq!(SubmitError::Closed("job").into_inner(), "job");
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SubmitError::Full(t) | SubmitError::Closed(t) => t,
        }
    }

    /// Whether the queue was full.
    ///
    /// ```
    /// assert!(pool_core::SubmitError::Full(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, SubmitError::Full(_))
    }

    /// Whether the pool was closed.
    ///
    /// ```
    /// assert!(pool_core::SubmitError::Closed(()).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, SubmitError::Closed(_))
    }

    /// Maps the carried value, keeping the reason.
    ///
    /// ```
    /// use pool_core::SubmitError;
    /// assert_eq!(SubmitError::Full(2).map(|x| x * 2), SubmitError::Full(4));
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> SubmitError<U> {
        match self {
            SubmitError::Full(t) => SubmitError::Full(f(t)),
            SubmitError::Closed(t) => SubmitError::Closed(f(t)),
        }
    }
}

impl<T> fmt::Debug for SubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Full(_) => f.write_str("Full(..)"),
            SubmitError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Full(_) => f.write_str("the pool's queue is full"),
            SubmitError::Closed(_) => f.write_str("the pool is closed"),
        }
    }
}

impl<T> std::error::Error for SubmitError<T> {}

enum Repr {
    Panic(Box<dyn Any + Send + 'static>),
    Cancelled,
}

/// Why a task produced no value: it panicked, or it was cancelled before it ran.
///
/// Shaped like tokio's `JoinError`.
///
/// ```
/// use pool_core::TaskError;
/// let err = TaskError::panic(Box::new("boom"));
/// assert!(err.is_panic());
/// assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
/// ```
pub struct TaskError {
    repr: Repr,
    id: Option<TaskId>,
}

impl TaskError {
    /// An error carrying a panic payload.
    ///
    /// ```
    /// assert!(pool_core::TaskError::panic(Box::new(1)).is_panic());
    /// ```
    pub fn panic(payload: Box<dyn Any + Send + 'static>) -> TaskError {
        TaskError {
            repr: Repr::Panic(payload),
            id: None,
        }
    }

    /// The error of a task that never ran.
    ///
    /// ```
    /// assert!(pool_core::TaskError::cancelled().is_cancelled());
    /// ```
    pub fn cancelled() -> TaskError {
        TaskError {
            repr: Repr::Cancelled,
            id: None,
        }
    }

    /// Attaches the id of the task that failed.
    ///
    /// ```
    /// use pool_core::{TaskError, TaskId};
    /// let err = TaskError::cancelled().with_id(TaskId::new(3));
    /// assert_eq!(err.id(), Some(TaskId::new(3)));
    /// ```
    pub fn with_id(mut self, id: TaskId) -> TaskError {
        self.id = Some(id);
        self
    }

    /// The id of the task that failed, where the pool tracks task ids.
    ///
    /// ```
    /// assert_eq!(pool_core::TaskError::cancelled().id(), None);
    /// ```
    pub fn id(&self) -> Option<TaskId> {
        self.id
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// assert!(!pool_core::TaskError::cancelled().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Whether the task was cancelled (or discarded) before it ran.
    ///
    /// ```
    /// assert!(!pool_core::TaskError::panic(Box::new(())).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The panic payload, to resume with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// Panics if the task was cancelled rather than panicked; use [`TaskError::try_into_panic`]
    /// to check first.
    ///
    /// ```
    /// let payload = pool_core::TaskError::panic(Box::new(5_i32)).into_panic();
    /// assert_eq!(*payload.downcast::<i32>().unwrap(), 5);
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(_) => panic!("`TaskError::into_panic` called on a cancelled task's error"),
        }
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// # Errors
    /// Returns `self` when the task was cancelled.
    ///
    /// ```
    /// assert!(pool_core::TaskError::cancelled().try_into_panic().is_err());
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }

    /// The panic message, when the payload is a string (as `panic!` makes it).
    ///
    /// ```
    /// let err = pool_core::TaskError::panic(Box::new("bad"));
    /// assert_eq!(err.panic_message(), Some("bad"));
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(payload) => payload
                .downcast_ref::<&'static str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str)),
            Repr::Cancelled => None,
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TaskError");
        match &self.repr {
            Repr::Panic(_) => d
                .field("kind", &"panic")
                .field("message", &self.panic_message()),
            Repr::Cancelled => d.field("kind", &"cancelled"),
        };
        d.field("id", &self.id).finish()
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.panic_message()) {
            (Repr::Panic(_), Some(msg)) => write!(f, "task panicked: {msg}")?,
            (Repr::Panic(_), None) => f.write_str("task panicked")?,
            (Repr::Cancelled, _) => f.write_str("task was cancelled")?,
        }
        if let Some(id) = self.id {
            write!(f, " (task {})", id.get())?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskError {}

/// What was wrong with a pool's configuration, or what failed while starting it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildErrorKind {
    /// `workers(0)`: a pool needs at least one worker.
    #[error("a pool needs at least one worker, got 0")]
    ZeroWorkers,
    /// `queue_bound(Some(0))`: a bounded queue must hold at least one job.
    #[error("a bounded queue must hold at least one job, got a bound of 0")]
    ZeroQueueBound,
    /// `concurrency(0)` and similar: a limit that must be positive was zero.
    #[error("{0} must be at least 1, got 0")]
    ZeroLimit(&'static str),
    /// `thread_name` holds a NUL byte, which no OS thread name can carry.
    #[error("thread name prefix {0:?} contains a NUL byte")]
    ThreadName(String),
    /// `stack_size` below [`PoolConfig::MIN_STACK_SIZE`](crate::PoolConfig::MIN_STACK_SIZE):
    /// the OS would silently raise it to its own minimum, too small to run a job safely.
    #[error("a worker stack of {0} bytes is below the minimum of {min} bytes", min = crate::PoolConfig::MIN_STACK_SIZE)]
    StackSize(usize),
    /// More workers (or runtime threads) than
    /// [`PoolConfig::MAX_WORKERS`](crate::PoolConfig::MAX_WORKERS): a count no machine can
    /// start, whose per-worker state alone could exhaust memory.
    #[error("{0} worker threads is more than the maximum of {max}", max = crate::PoolConfig::MAX_WORKERS)]
    TooManyWorkers(usize),
    /// The operating system refused to start a worker thread.
    #[error("could not spawn worker thread {index}")]
    Spawn {
        /// Which worker (0-based) failed to start.
        index: usize,
        /// The error from `std::thread::Builder::spawn` (or the runtime builder).
        #[source]
        source: std::io::Error,
    },
}

/// A pool could not be built. The threads started before the failure have been stopped and
/// joined.
///
/// ```
/// use pool_core::{BuildError, BuildErrorKind};
/// let err = BuildError::new(BuildErrorKind::ZeroWorkers);
/// assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
/// assert_eq!(err.to_string(), "a pool needs at least one worker, got 0");
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BuildError {
    kind: BuildErrorKind,
}

impl BuildError {
    /// Wraps a kind.
    ///
    /// ```
    /// let err = pool_core::BuildError::new(pool_core::BuildErrorKind::ZeroQueueBound);
    /// assert!(err.to_string().contains("bound"));
    /// ```
    pub fn new(kind: BuildErrorKind) -> BuildError {
        BuildError { kind }
    }

    /// What went wrong.
    ///
    /// ```
    /// use pool_core::{BuildError, BuildErrorKind};
    /// let err = BuildError::new(BuildErrorKind::ZeroLimit("concurrency"));
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroLimit("concurrency")));
    /// ```
    pub fn kind(&self) -> &BuildErrorKind {
        &self.kind
    }
}

/// [`Pool::wait_idle`](crate::Pool::wait_idle) could not wait.
///
/// ```
/// let err = pool_core::WaitIdleError::InsideWorker;
/// assert!(err.to_string().contains("deadlock"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaitIdleError {
    /// Called from one of the pool's own workers: the worker's own job would never finish,
    /// so waiting would deadlock.
    #[error("wait_idle called from one of the pool's own workers would deadlock")]
    InsideWorker,
    /// The timeout passed before the pool became idle.
    #[error("the pool did not become idle before the timeout")]
    TimedOut,
}

/// [`Pool::shutdown`](crate::Pool::shutdown) could not complete.
///
/// ```
/// let err = pool_core::ShutdownError::InsideWorker;
/// assert!(err.to_string().contains("worker"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownError {
    /// Called from one of the pool's own workers, which cannot join itself. The pool has
    /// been closed; call `shutdown` again from outside the pool to drain and join it.
    #[error(
        "shutdown called from one of the pool's own workers; the pool is closed but not joined"
    )]
    InsideWorker,
}
