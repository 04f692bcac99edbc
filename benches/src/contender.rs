//! The [`Contender`] trait: the one seam between workloads and the pools they compare.
//!
//! Workloads are written once against this trait (flume's bench-adapter pattern); each pool
//! gets one small adapter in [`crate::contenders`]. A contender offers up to four
//! capabilities, and answers [`ContenderError::Unsupported`] for the ones it lacks, which the
//! reports record as `unsupported` instead of dropping the cell:
//!
//! 1. **flat submission** of closures from outside ([`Contender::submit`]) and a barrier
//!    ([`Contender::wait`]) that returns when everything submitted so far has finished;
//! 2. **recursive spawning** ([`Contender::spawn_tree`]): a task receives a [`Spawner`] and
//!    may spawn children, which may spawn theirs; the call returns when the tree is done;
//! 3. **fork-join** ([`Contender::fork_join`]): `join(a, b)` runs both closures, possibly
//!    in parallel, and returns when both have;
//! 4. **async** ([`Contender::submit_async`]): futures, for contenders whose
//!    [`IoMode`] is [`IoMode::Async`].
//!
//! A flat task is a [`pool_core::Job`]: the one allocation the workload makes, which a
//! workpools pool queues as it is and a peer pool wraps in its own closure. Adapters whose
//! pool has no barrier of its own track their tasks with a [`Tracker`] (a sharded
//! countdown with no shared lock on the job path), which waits for zero and turns a
//! panicking task into a recorded failure instead of a lost count.

mod tracker;

use std::future::Future;
use std::pin::Pin;

pub use tracker::{TrackGuard, Tracker};

/// A closure submitted to a contender from outside, made by the workload with
/// `Job::new(closure)`: one allocation, handed to a workpools pool as is.
pub type Task = pool_core::Job;

/// A task of a tree: it receives the [`Spawner`] it may spawn children with.
pub type TreeTask = Box<dyn FnOnce(&dyn Spawner) + Send + 'static>;

/// A future submitted to an async contender.
pub type TaskFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// How a contender does I/O, which decides how I/O workloads drive it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IoMode {
    /// Blocking calls on worker threads (`std::net`, `std::fs`, `thread::sleep`).
    Blocking,
    /// Futures on a runtime (`tokio::net`, `tokio::time`).
    Async,
}

/// What a submitted closure does, so a contender can route it (tokio sends
/// [`Work::Blocking`] to `spawn_blocking`; thread pools ignore the hint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Computation that never blocks.
    Cpu,
    /// Work that blocks its thread (file reads, blocking sockets).
    Blocking,
}

/// Why a contender could not do what a workload asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContenderError {
    /// The contender lacks this capability; the cell is recorded as `unsupported`.
    #[error("no {0}")]
    Unsupported(&'static str),
    /// Tasks panicked; the cell is recorded as `failed`.
    #[error("{0} task(s) panicked")]
    Panicked(u64),
    /// The pool refused a task or could not be built; the cell is recorded as `failed`.
    #[error("{0}")]
    Failed(String),
}

/// Spawns children from inside a task of a tree (see [`Contender::spawn_tree`]).
pub trait Spawner {
    /// Spawns `task` as part of the current tree.
    fn spawn(&self, task: TreeTask);
}

/// Runs two closures, possibly in parallel, returning when both have returned.
pub trait Forker: Sync {
    /// Runs `a` and `b` and returns when both have finished.
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send));
}

/// One pool under comparison. See the [module docs](self) for the capabilities.
pub trait Contender: Send + Sync {
    /// The name used in every report (`rayon`, `tokio`, `finite`, ...).
    fn name(&self) -> &'static str;

    /// The number of worker threads (or runtime threads for an async contender); `None` for
    /// a contender without a bound (one thread per task).
    fn workers(&self) -> Option<usize>;

    /// How the contender does I/O.
    fn io_mode(&self) -> IoMode {
        IoMode::Blocking
    }

    /// Whether submitted tasks can wait in a queue while workers are busy (false for
    /// `sequential`, which runs each task on the caller).
    fn queues(&self) -> bool {
        true
    }

    /// Submits a closure without waiting for it.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the pool refuses the task.
    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError>;

    /// Submits a future (async contenders only).
    ///
    /// # Errors
    /// [`ContenderError::Unsupported`] for blocking contenders.
    fn submit_async(&self, fut: TaskFuture) -> Result<(), ContenderError> {
        drop(fut);
        Err(ContenderError::Unsupported("async tasks"))
    }

    /// Waits until every task and future submitted so far has finished.
    ///
    /// # Errors
    /// [`ContenderError::Panicked`] when some of them panicked since the last `wait`.
    fn wait(&self) -> Result<(), ContenderError>;

    /// Runs `root` and every task it (transitively) spawns; returns when all are done.
    ///
    /// # Errors
    /// [`ContenderError::Unsupported`] when tasks cannot spawn tasks;
    /// [`ContenderError::Panicked`] when some task panicked.
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError>;

    /// Runs `f` on the pool with a [`Forker`] and returns its result.
    ///
    /// # Errors
    /// [`ContenderError::Unsupported`] when the contender has no fork-join.
    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        let _ = f;
        Err(ContenderError::Unsupported("fork-join"))
    }
}
