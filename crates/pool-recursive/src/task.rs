//! The unit that workers queue: a boxed body that runs against a [`Sink`], or is discarded.

use pool_core::TaskId;

pub(crate) use crate::job::PoolJob;

use crate::stats::WorkerStats;

/// What became of a task once a worker took it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ran {
    /// The body returned (`Ok` or `Err`: both count as completed for the metrics).
    Completed,
    /// The body panicked; the panic was caught and reported.
    Panicked,
    /// The body never ran: its tree was cancelled (fail fast) before it started.
    Skipped,
}

/// Where a running task sends its children, and how it waits for them.
///
/// The worker implements it over its local deque; the loom models implement it over a
/// shared `VecDeque`, so the termination protocol is checked with the real task code.
pub(crate) trait Sink {
    /// Makes `task` runnable. Never blocks: over a bound it may run `task` inline.
    fn push(&self, task: Task);
    /// A fresh id, unique within the pool (for a child whose id is needed at submission,
    /// i.e. one with a handle; the others get theirs when they start).
    fn next_id(&self) -> TaskId;
    /// Runs other pending tasks until `done()` is true.
    fn help_until(&self, done: &dyn Fn() -> bool);
}

/// The body behind a [`Task`].
pub(crate) trait Body: Send {
    /// Runs the task as task `id`, tallies its outcome in `stats` and only then releases
    /// its pending unit (so whoever sees the pool idle sees the tally too); never unwinds.
    fn run(self: Box<Self>, sink: &dyn Sink, id: TaskId, stats: &WorkerStats);
    /// Drops the task unrun (immediate shutdown), recording why where someone listens.
    fn discard(self: Box<Self>);
}

/// One queued task: a tree task's boxed body, or a plain [`Job`] submitted through the
/// [`Pool`](pool_core::Pool) trait, queued as it is (its own allocation is the only one).
pub(crate) enum Task {
    /// A tree task (root or child).
    Body(Box<dyn Body>),
    /// A `Pool` job: one pending unit of the pool (see [`PoolJob`]).
    Job(PoolJob),
}

impl Task {
    pub(crate) fn new(body: Box<dyn Body>) -> Task {
        Task::Body(body)
    }
}
