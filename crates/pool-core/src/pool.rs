//! The object-safe [`Pool`] trait and what shutting down returns.

use std::time::Duration;

use crate::{Job, Metrics, PoolId, ShutdownError, SubmitError, WaitIdleError};

/// The contract every workpools strategy implements, over type-erased [`Job`]s, so that a
/// harness can hold an `Arc<dyn Pool>`. The typed conveniences (`spawn`, `execute`) live in
/// [`PoolExt`](crate::PoolExt).
///
/// Every implementation guarantees:
/// - every accepted job runs exactly once, or is discarded by an immediate shutdown (its
///   handle then reports [`TaskError::is_cancelled`](crate::TaskError::is_cancelled)), or is
///   handed back (`Full`/`Closed`): nothing is lost silently;
/// - a panicking job never kills a worker: the panic is caught, counted, and handed to the
///   job's handle if it has one;
/// - everything a job's submitter did before `submit` happens-before the job runs, and
///   everything a job did happens-before `wait_idle` or `shutdown` returns.
pub trait Pool: Send + Sync {
    /// Submits a job, applying the pool's [`OverflowPolicy`](crate::OverflowPolicy) when a
    /// bounded queue is full: wait for room (`Block`), hand the job back (`Reject`), or run
    /// it on the calling thread (`CallerRuns`). Called from one of the pool's own workers,
    /// `Block` never waits (that could deadlock the pool on itself): the strategy either
    /// hands the job back as `Full` (pool-finite) or runs it inline on that worker, the way
    /// `CallerRuns` would (pool-recursive, whose jobs are expected to submit to their own
    /// pool). Each strategy documents which.
    ///
    /// # Errors
    /// - [`SubmitError::Full`]: the queue is full and the policy (or the calling thread)
    ///   does not allow waiting.
    /// - [`SubmitError::Closed`]: the pool is shutting down or shut down.
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>>;

    /// Submits a job without ever blocking or running it on the caller.
    ///
    /// # Errors
    /// - [`SubmitError::Full`]: a bounded queue is full.
    /// - [`SubmitError::Closed`]: the pool is shutting down or shut down.
    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>>;

    /// Blocks until every job submitted so far, including jobs submitted by jobs, has
    /// finished. Does not close the pool; concurrent submitters may keep it busy longer.
    ///
    /// # Errors
    /// [`WaitIdleError::InsideWorker`] when called from one of the pool's own workers,
    /// which would otherwise wait for itself.
    fn wait_idle(&self) -> Result<(), WaitIdleError>;

    /// Like [`Pool::wait_idle`], giving up after `timeout`.
    ///
    /// # Errors
    /// [`WaitIdleError::InsideWorker`] as for `wait_idle`; [`WaitIdleError::TimedOut`] when
    /// jobs are still pending after `timeout`.
    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError>;

    /// Stops accepting jobs, then either drains the queue ([`ShutdownMode::Graceful`]) or
    /// discards it ([`ShutdownMode::Immediate`]), and joins the workers. Jobs already
    /// running always finish. Calling it again returns the same accounting; so do calls
    /// made at the same time from other threads, in either mode (each waits for the
    /// pool to stop). The report balances ([`ShutdownReport::is_balanced`]) even while
    /// submissions are being refused; attempts refused after it are in
    /// [`Pool::metrics`] only.
    ///
    /// # Errors
    /// [`ShutdownError::InsideWorker`] when called from one of the pool's own workers: the
    /// pool is closed, but a worker cannot join itself.
    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError>;

    /// A snapshot of the pool's counters.
    fn metrics(&self) -> Metrics;

    /// The number of workers (for the async pool, its concurrency limit).
    fn workers(&self) -> usize;

    /// Whether a worker that joins one of this pool's tasks runs it itself when no worker
    /// has started it yet, and if so the [`PoolId`] its workers are marked with
    /// ([`PoolId::enter`]). This is the hook behind
    /// [`JoinHandle::join`](crate::JoinHandle::join) from inside a task: with it, a task
    /// may spawn a child and join it at any worker count, one included, without deadlock.
    ///
    /// `None` (the default): a join from a worker blocks that worker, which deadlocks the
    /// pool once every worker waits for a task still queued. Pools built for nested work
    /// (pool-recursive, pool-work-stealing) return `Some`. It costs no allocation: a task
    /// spawned through [`PoolExt`](crate::PoolExt) or a [`TaskGroup`](crate::TaskGroup) is
    /// one allocation either way (body, result and a state word, shared by the queue and the
    /// handle), and the joiner claims the body from it.
    ///
    /// A task its joiner ran is tallied when a worker reaches its queue entry, as
    /// completed; its panic, if any, goes to its handle.
    fn inline_joins(&self) -> Option<PoolId> {
        None
    }
}

/// How [`Pool::shutdown`] treats jobs still queued.
///
/// ```
/// assert_ne!(pool_core::ShutdownMode::Graceful, pool_core::ShutdownMode::Immediate);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShutdownMode {
    /// Run every queued job, then stop.
    Graceful,
    /// Discard queued jobs (dropping them, which cancels their handles), then stop.
    Immediate,
}

/// The lifetime accounting a pool returns when it shuts down:
/// `submitted == completed + panicked + discarded + rejected`.
///
/// ```
/// let r = pool_core::ShutdownReport { submitted: 4, rejected: 1, completed: 2, panicked: 0, discarded: 1 };
/// assert!(r.is_balanced());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ShutdownReport {
    /// Submission attempts over the pool's life.
    pub submitted: u64,
    /// Attempts handed back (`Full` or `Closed`).
    pub rejected: u64,
    /// Jobs that returned normally.
    pub completed: u64,
    /// Jobs that panicked.
    pub panicked: u64,
    /// Accepted jobs that never ran (immediate shutdown, or cancelled).
    pub discarded: u64,
}

impl ShutdownReport {
    /// Whether every submission is accounted for.
    ///
    /// ```
    /// let r = pool_core::ShutdownReport { submitted: 1, ..Default::default() };
    /// assert!(!r.is_balanced());
    /// ```
    pub fn is_balanced(&self) -> bool {
        self.submitted == self.rejected + self.completed + self.panicked + self.discarded
    }
}

impl From<Metrics> for ShutdownReport {
    fn from(m: Metrics) -> ShutdownReport {
        ShutdownReport {
            submitted: m.submitted,
            rejected: m.rejected,
            completed: m.completed,
            panicked: m.panicked,
            discarded: m.cancelled,
        }
    }
}

/// An identifier for a task, unique within one pool (or one task tree).
///
/// ```
/// let id = pool_core::TaskId::new(9);
/// assert_eq!(id.get(), 9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(u64);

impl TaskId {
    /// Wraps a raw id.
    pub fn new(raw: u64) -> TaskId {
        TaskId(raw)
    }

    /// The raw id.
    pub fn get(self) -> u64 {
        self.0
    }
}
