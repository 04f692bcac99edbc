//! [`FinitePool`]: the handle, its submission paths, shutdown and drop.

use std::cell::Cell;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use pool_core::{
    spawn_workers, BuildError, Job, Metrics, OverflowPolicy, Pool, PoolConfig, PoolId,
    ShutdownError, ShutdownMode, ShutdownReport, SubmitError, WaitIdleError,
};

use pool_lifecycle::ShutdownOnce;

use crate::ledger::Ledger;
use crate::worker::{drop_quietly, Msg, Worker};
use crate::Builder;

/// A fixed set of worker threads draining one shared MPMC channel.
///
/// Build one with [`FinitePool::builder`] or [`FinitePool::from_config`]; submit through
/// the [`Pool`] trait (and [`PoolExt`](pool_core::PoolExt) for closures and handles); end
/// it with [`Pool::shutdown`], [`FinitePool::close_and_join`], or by dropping it. The crate
/// docs describe what it is for, its guarantees, and the closing protocol.
///
/// ```
/// use pool_core::{Pool, PoolExt};
/// let pool = pool_finite::FinitePool::builder().workers(2).build().unwrap();
/// let handle = pool.spawn(|| 6 * 7).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// let report = pool.close_and_join();
/// assert_eq!(report.completed, 1);
/// ```
pub struct FinitePool {
    tx: Sender<Msg>,
    /// The pool's own receiver: used to drain the queue on an immediate shutdown.
    rx: Receiver<Msg>,
    ledger: Arc<Ledger>,
    id: PoolId,
    overflow: OverflowPolicy,
    bounded: bool,
    workers: usize,
    /// Worker handles until joined, then the report every `shutdown` call returns.
    life: ShutdownOnce<Vec<JoinHandle<()>>>,
}

/// How a submission may deal with a full bounded queue.
#[derive(Clone, Copy)]
enum Attempt {
    /// `Pool::submit`: apply the pool's overflow policy.
    Submit,
    /// `Pool::try_submit`: hand the job back.
    Try,
}

impl FinitePool {
    /// A builder with the shared defaults: one worker per core, unbounded queue, `Block`.
    ///
    /// ```
    /// let pool = pool_finite::FinitePool::builder().workers(3).build().unwrap();
    /// assert_eq!(pool_core::Pool::workers(&pool), 3);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Builds a pool from the settings every strategy shares.
    ///
    /// # Errors
    /// - [`BuildErrorKind::ZeroWorkers`](pool_core::BuildErrorKind::ZeroWorkers) for
    ///   `workers(0)`, [`ZeroQueueBound`](pool_core::BuildErrorKind::ZeroQueueBound) for
    ///   `queue_bound(Some(0))`;
    /// - [`BuildErrorKind::Spawn`](pool_core::BuildErrorKind::Spawn) when the operating
    ///   system refuses a worker thread; the threads already started have been stopped and
    ///   joined.
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// use pool_finite::FinitePool;
    /// assert!(FinitePool::from_config(PoolConfig::new().workers(2)).is_ok());
    /// assert!(FinitePool::from_config(PoolConfig::new().workers(0)).is_err());
    /// ```
    pub fn from_config(config: PoolConfig) -> Result<FinitePool, BuildError> {
        let valid = config.validate()?;
        let workers = valid.workers.get();
        let (tx, rx) = match valid.queue_bound {
            Some(bound) => crossbeam_channel::bounded(bound.get()),
            None => crossbeam_channel::unbounded(),
        };
        let ledger = Arc::new(Ledger::new(workers));
        let id = PoolId::new();
        // Bodies made so far; when spawning body `k` fails, `k` threads are running.
        let made = Cell::new(0usize);
        let threads = spawn_workers(
            &valid,
            |index| {
                made.set(index + 1);
                let worker = Worker {
                    rx: rx.clone(),
                    ledger: ledger.clone(),
                    id,
                    index,
                };
                move || worker.run()
            },
            || {
                for _ in 0..made.get().saturating_sub(1) {
                    // The started workers each take one stop message and exit; they are
                    // receiving, so a bounded channel always makes room.
                    let _ = tx.send(None);
                }
            },
        )?;
        Ok(FinitePool {
            tx,
            rx,
            ledger,
            id,
            overflow: valid.overflow,
            bounded: valid.queue_bound.is_some(),
            workers,
            life: ShutdownOnce::new(threads),
        })
    }

    /// The classic finite shape's last step: the producer closes the queue, the workers
    /// drain it and exit, and their threads are joined. The same as
    /// `shutdown(ShutdownMode::Graceful)` from outside the pool, consuming the handle.
    ///
    /// Called on one of the pool's own workers (the handle was moved into a job), it cannot
    /// join: the pool is closed, the workers finish the queue and exit on their own, and the
    /// report returned is the count so far.
    ///
    /// ```
    /// use pool_core::PoolExt;
    /// let pool = pool_finite::FinitePool::builder().workers(2).build().unwrap();
    /// for i in 0..100 {
    ///     pool.execute(move || { std::hint::black_box(i); }).unwrap();
    /// }
    /// let report = pool.close_and_join();
    /// assert_eq!((report.submitted, report.completed), (100, 100));
    /// ```
    pub fn close_and_join(self) -> ShutdownReport {
        match self.shutdown(ShutdownMode::Graceful) {
            Ok(report) => report,
            Err(_) => ShutdownReport::from(self.metrics()),
        }
    }

    /// Whether the pool has been closed (by `shutdown`, from anywhere): it accepts nothing
    /// more.
    ///
    /// ```
    /// use pool_core::{Pool, ShutdownMode};
    /// let pool = pool_finite::FinitePool::builder().workers(1).build().unwrap();
    /// assert!(!pool.is_closed());
    /// pool.shutdown(ShutdownMode::Graceful).unwrap();
    /// assert!(pool.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.ledger.is_closed()
    }

    /// The submission path shared by `submit` and `try_submit`.
    #[inline(always)]
    fn enqueue(&self, job: Job, attempt: Attempt) -> Result<(), SubmitError<Job>> {
        if self.ledger.is_closed() {
            self.ledger.refused();
            return Err(SubmitError::Closed(job));
        }
        if self.ledger.ticket().is_err() {
            return Err(self.hand_back(SubmitError::Closed(job)));
        }
        if !self.bounded {
            // An unbounded send fails only when no receiver is left, and the pool holds one.
            return self.tx.send(Some(job)).map_err(|e| self.closed(e.0));
        }
        match self.tx.try_send(Some(job)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(msg)) => self.overflow(msg, attempt),
            Err(TrySendError::Disconnected(msg)) => Err(self.closed(msg)),
        }
    }

    /// The bounded queue is full: apply the policy.
    #[cold]
    fn overflow(&self, msg: Msg, attempt: Attempt) -> Result<(), SubmitError<Job>> {
        let job = unwrap_job(msg);
        match (attempt, self.overflow) {
            (Attempt::Try, _) | (Attempt::Submit, OverflowPolicy::Reject) => {
                Err(self.hand_back(SubmitError::Full(job)))
            }
            (Attempt::Submit, OverflowPolicy::Block) => {
                if self.id.is_current() {
                    // Waiting for room from inside the pool could wait for this very worker.
                    Err(self.hand_back(SubmitError::Full(job)))
                } else {
                    self.tx.send(Some(job)).map_err(|e| self.closed(e.0))
                }
            }
            (Attempt::Submit, OverflowPolicy::CallerRuns) => {
                self.ledger.caller_started();
                let outcome = job.run();
                self.ledger.caller_finished(outcome);
                Ok(())
            }
        }
    }

    /// The channel refused a job because no receiver is left (cannot happen while the pool
    /// exists, but is handled rather than assumed).
    #[cold]
    fn closed(&self, msg: Msg) -> SubmitError<Job> {
        self.hand_back(SubmitError::Closed(unwrap_job(msg)))
    }

    /// Resolves a ticket by handing its job back.
    #[cold]
    fn hand_back(&self, err: SubmitError<Job>) -> SubmitError<Job> {
        self.ledger.handed_back(1);
        err
    }

    /// Drops every job still queued, counting each as discarded. Runs outside the
    /// shutdown holder (a job's destructor is user code), so it may race the holder's stop
    /// messages: any it takes it sends again, so each worker still gets one.
    fn drain(&self) {
        let (mut n, mut stops) = (0, 0);
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Some(job) => {
                    drop_quietly(job);
                    n += 1;
                }
                None => stops += 1,
            }
        }
        self.ledger.discarded(n);
        for _ in 0..stops {
            // The workers still waiting for these take them; the pool holds a receiver.
            let _ = self.tx.send(None);
        }
    }

    /// The shutdown holder's part, run once: wait until every ticket is resolved (closed,
    /// so the count is final), stop and join the workers, return the settled accounting.
    fn stop(&self, threads: &mut Vec<JoinHandle<()>>) -> ShutdownReport {
        // Every pre-close ticket resolves: accepted jobs run (or are discarded), submitters
        // caught between ticket and send finish sending. The snapshot that shows it is the
        // report: read at once, it balances whatever refusals race it.
        let report = ShutdownReport::from(self.ledger.wait_settled());
        // Settled and closed: no job is queued and none can be. One stop message per worker.
        for _ in 0..threads.len() {
            let _ = self.tx.send(None);
        }
        for thread in threads.drain(..) {
            // Jobs never unwind into the worker loop; a join error would be a bug in it,
            // and there is nothing left to clean up either way.
            let _ = thread.join();
        }
        report
    }

    /// Closes the gate and, for an immediate shutdown, discards the queue.
    fn close(&self, mode: ShutdownMode) {
        self.ledger.close();
        if mode == ShutdownMode::Immediate {
            self.ledger.start_discarding();
            self.drain();
        }
    }
}

/// The job inside a message this pool sent.
fn unwrap_job(msg: Msg) -> Job {
    match msg {
        Some(job) => job,
        None => unreachable!("submitters only ever send jobs; stop messages come from shutdown"),
    }
}

impl Pool for FinitePool {
    /// Submits a job; see [`Pool::submit`]. Unbounded queue: one ticket and one channel
    /// send. Bounded queue, full: `Block` waits for room (from outside the pool; from one of
    /// its workers it hands the job back as `Full`), `Reject` hands it back, `CallerRuns`
    /// runs it on the calling thread (on a worker too: the child runs inline).
    #[inline]
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.enqueue(job, Attempt::Submit)
    }

    #[inline]
    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.enqueue(job, Attempt::Try)
    }

    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        if self.id.is_current() {
            return Err(WaitIdleError::InsideWorker);
        }
        self.ledger.wait_idle(None);
        Ok(())
    }

    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError> {
        if self.id.is_current() {
            return Err(WaitIdleError::InsideWorker);
        }
        if self.ledger.wait_idle(Some(Instant::now() + timeout)) {
            Ok(())
        } else {
            Err(WaitIdleError::TimedOut)
        }
    }

    /// Shuts down following the crate's closing protocol. Immediate mode discards what is
    /// queued before waiting, so running jobs finish while nothing new starts.
    ///
    /// Concurrent and repeated calls, in any modes and from any threads, all return the
    /// same report: the first to get there stops the pool, the others wait for it. A later
    /// immediate call racing an earlier graceful one still discards what is left queued.
    /// The report is the accounting when the pool stopped; attempts refused after it are
    /// counted in [`Pool::metrics`] only.
    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        self.close(mode);
        if self.id.is_current() {
            return Err(ShutdownError::InsideWorker);
        }
        Ok(self.life.run(|threads| self.stop(threads)))
    }

    fn metrics(&self) -> Metrics {
        self.ledger.metrics()
    }

    fn workers(&self) -> usize {
        self.workers
    }
}

/// Dropping the pool shuts it down gracefully: the queue is drained and the workers are
/// joined. When the last handle is dropped on one of the pool's own workers (it was moved
/// into a job), joining would wait for the dropping thread itself; instead the pool is
/// closed and dropping the channel's sender lets every worker finish the queue and exit on
/// its own (the threads are detached, not leaked: each ends once the queue is empty).
impl Drop for FinitePool {
    fn drop(&mut self) {
        if self.id.is_current() {
            self.ledger.close();
        } else {
            let _ = self.shutdown(ShutdownMode::Graceful);
        }
    }
}

impl std::fmt::Debug for FinitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinitePool")
            .field("workers", &self.workers)
            .field("overflow", &self.overflow)
            .field("bounded", &self.bounded)
            .field("closed", &self.is_closed())
            .finish()
    }
}
