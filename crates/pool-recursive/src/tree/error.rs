//! What a tree reports: every failure with the id of the task that failed.

use std::fmt;

use pool_core::{GroupError, TaskId};

/// What a tree task may return: `()` or `Result<(), E>`.
///
/// ```
/// use pool_recursive::TaskOutput;
/// assert!(TaskOutput::<&str>::into_result(()).is_ok());
/// assert_eq!(TaskOutput::into_result(Err::<(), _>("bad")), Err("bad"));
/// ```
pub trait TaskOutput<E> {
    /// The task's result as a `Result`.
    ///
    /// # Errors
    /// The task's own error, for a task that returned `Err`.
    fn into_result(self) -> Result<(), E>;
}

impl<E> TaskOutput<E> for () {
    fn into_result(self) -> Result<(), E> {
        Ok(())
    }
}

impl<E> TaskOutput<E> for Result<(), E> {
    fn into_result(self) -> Result<(), E> {
        self
    }
}

/// One failed task of a tree: its id and what went wrong.
///
/// ```
/// use pool_core::{GroupError, TaskId};
/// use pool_recursive::TaskFailure;
/// let f = TaskFailure { id: TaskId::new(7), error: GroupError::Task("bad") };
/// assert_eq!(f.to_string(), "task 7: task failed: bad");
/// ```
pub struct TaskFailure<E> {
    /// The task that failed.
    pub id: TaskId,
    /// `Task(e)`: it returned `Err(e)`; `Failed(err)`: it panicked (`err.id()` is `id` too).
    pub error: GroupError<E>,
}

impl<E: fmt::Debug> fmt::Debug for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFailure")
            .field("id", &self.id.get())
            .field("error", &self.error)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for TaskFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}: {}", self.id.get(), self.error)
    }
}

/// Why a tree did not complete cleanly.
///
/// Under `FailFast` the first failure is [`TreeError::first`], tasks that had not started
/// are counted in [`TreeError::skipped`], and tasks already running when the tree was
/// cancelled may add their own failures after it. Under `CollectAll` every failure is here,
/// in the order they happened.
///
/// ```
/// use pool_recursive::{RecursivePool, Scope};
/// fn leaf(_: &Scope<'_>) {
///     panic!("leaf")
/// }
/// let pool = RecursivePool::builder().workers(2).build().unwrap();
/// let err = pool.run(|s| s.spawn(leaf)).unwrap_err();
/// assert_eq!(err.failures().len(), 1);
/// assert!(err.first().unwrap().error.is_panic());
/// ```
pub struct TreeError<E> {
    failures: Vec<TaskFailure<E>>,
    skipped: u64,
    discarded: u64,
}

impl<E> TreeError<E> {
    pub(crate) fn new(failures: Vec<TaskFailure<E>>, skipped: u64, discarded: u64) -> Self {
        TreeError {
            failures,
            skipped,
            discarded,
        }
    }

    /// Every recorded failure, in the order they happened.
    pub fn failures(&self) -> &[TaskFailure<E>] {
        &self.failures
    }

    /// The failures, by value.
    pub fn into_failures(self) -> Vec<TaskFailure<E>> {
        self.failures
    }

    /// The first failure, if any (the one that cancelled a `FailFast` tree).
    pub fn first(&self) -> Option<&TaskFailure<E>> {
        self.failures.first()
    }

    /// Tasks that never ran because the tree was cancelled.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Tasks dropped unrun by an immediate shutdown of the pool.
    pub fn discarded(&self) -> u64 {
        self.discarded
    }
}

impl<E: fmt::Debug> fmt::Debug for TreeError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TreeError")
            .field("failures", &self.failures)
            .field("skipped", &self.skipped)
            .field("discarded", &self.discarded)
            .finish()
    }
}

impl<E: fmt::Display> fmt::Display for TreeError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failures.first() {
            Some(first) => write!(f, "{} task(s) failed; first: {first}", self.failures.len())?,
            None => f.write_str("no task failed")?,
        }
        write!(
            f,
            " ({} skipped, {} discarded)",
            self.skipped, self.discarded
        )
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TreeError<E> {}
