//! `tokio-unbounded`: one tokio task per job and no cap on how many are in flight, the
//! Rust counterpart of a goroutine per task. It is the `tokio` contender's runtime
//! (`cores` worker threads) with tokio's default blocking pool (512 threads) instead of
//! one capped at the workers, and it reports no worker bound, so the harness does not cap
//! its futures at `c` either: every job of a repetition is in flight at once.

use crate::contender::{Contender, ContenderError, IoMode, Task, TaskFuture, TreeTask, Work};
use crate::contenders::TokioRuntime;

/// tokio's default `max_blocking_threads`.
const TOKIO_DEFAULT_BLOCKING: usize = 512;

/// A tokio runtime that spawns every job as its own task, unbounded.
#[derive(Debug)]
pub struct TokioUnbounded(TokioRuntime);

impl TokioUnbounded {
    /// Builds the runtime with `workers` worker threads (the cores, as a Go program gets
    /// `GOMAXPROCS` = cores).
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the runtime cannot start.
    pub fn new(workers: usize) -> Result<TokioUnbounded, ContenderError> {
        TokioRuntime::with_blocking_threads(workers, TOKIO_DEFAULT_BLOCKING).map(TokioUnbounded)
    }
}

impl Contender for TokioUnbounded {
    fn name(&self) -> &'static str {
        "tokio-unbounded"
    }

    /// No bound: `None` is what tells the harness not to cap its futures.
    fn workers(&self) -> Option<usize> {
        None
    }

    fn io_mode(&self) -> IoMode {
        IoMode::Async
    }

    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        self.0.submit(task, work)
    }

    fn submit_async(&self, fut: TaskFuture) -> Result<(), ContenderError> {
        self.0.submit_async(fut)
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.0.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        self.0.spawn_tree(root)
    }
}
