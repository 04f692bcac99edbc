//! The pool handle: building, fork-join entry points, and the `pool_core::Pool` contract.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pool_core::{
    spawn_workers, BuildError, Job, Metrics, OverflowPolicy, Pool, PoolConfig, PoolId,
    ShutdownError, ShutdownMode, ShutdownReport, SubmitError, WaitIdleError,
};

use pool_lifecycle::ShutdownOnce;

use crate::admission::Reserve;
use crate::builder::Builder;
use crate::join::join_on;
use crate::registry::{Registry, Tuning, WorkerThread};
use crate::scope::{scope_on, Scope};

/// A work-stealing pool: one LIFO deque per worker, a global FIFO injector for outside
/// submissions, fork-join (`join`, `scope`, `install`) and the [`Pool`] contract for
/// `'static` jobs.
///
/// Dropping the pool shuts it down gracefully (queued jobs run first) unless it was shut
/// down already; dropped on one of its own workers it only closes and lets the workers
/// exit once idle.
///
/// ```
/// use pool_core::{Pool, PoolExt, ShutdownMode};
/// use pool_work_stealing::WorkStealingPool;
/// let pool = WorkStealingPool::builder().workers(2).build().unwrap();
/// let answer = pool.spawn(|| 6 * 7).unwrap();
/// assert_eq!(answer.join().unwrap(), 42);
/// let (a, b) = pool.join(|| 1, || 2);
/// assert_eq!(a + b, 3);
/// let report = pool.shutdown(ShutdownMode::Graceful).unwrap();
/// assert!(report.is_balanced());
/// ```
pub struct WorkStealingPool {
    registry: Arc<Registry>,
    overflow: OverflowPolicy,
    workers: usize,
    /// The worker threads until `shutdown` joins them, then the report it returned.
    life: ShutdownOnce<Vec<JoinHandle<()>>>,
}

impl WorkStealingPool {
    /// A builder with the defaults of [`PoolConfig::new`] and of this crate's tuning.
    ///
    /// ```
    /// let pool = pool_work_stealing::WorkStealingPool::builder().workers(3).build().unwrap();
    /// assert_eq!(pool_core::Pool::workers(&pool), 3);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Builds a pool from shared settings, with this crate's default tuning.
    ///
    /// # Errors
    /// As [`Builder::build`]: an invalid config ([`pool_core::BuildErrorKind::ZeroWorkers`],
    /// [`pool_core::BuildErrorKind::ZeroQueueBound`]) or a thread that failed to start
    /// ([`pool_core::BuildErrorKind::Spawn`]).
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// use pool_work_stealing::WorkStealingPool;
    /// assert!(WorkStealingPool::from_config(PoolConfig::new().workers(2)).is_ok());
    /// assert!(WorkStealingPool::from_config(PoolConfig::new().workers(0)).is_err());
    /// ```
    pub fn from_config(config: PoolConfig) -> Result<WorkStealingPool, BuildError> {
        Builder::new().config(config).build()
    }

    pub(crate) fn start(config: &PoolConfig, tuning: Tuning) -> Result<Self, BuildError> {
        let valid = config.validate()?;
        let workers = valid.workers.get();
        let (registry, deques) = Registry::new(workers, valid.queue_bound.map(|n| n.get()), tuning);
        let mut deques: Vec<_> = deques.into_iter().map(Some).collect();
        let handles = spawn_workers(
            &valid,
            |index| {
                let registry = Arc::clone(&registry);
                let deque = deques[index].take();
                move || {
                    if let Some(deque) = deque {
                        WorkerThread::main_loop(registry, deque, index);
                    }
                }
            },
            || {
                registry.terminate.store(true, Ordering::Release);
                registry.sleep.wake_all();
            },
        )?;
        Ok(WorkStealingPool {
            registry,
            overflow: valid.overflow,
            workers,
            life: ShutdownOnce::new(handles),
        })
    }

    /// Runs `op` on one of the pool's workers and returns its result; called from a worker
    /// of this pool, runs it right there. Inside `op`, [`join`](crate::join) and
    /// [`scope`](crate::scope) use this pool.
    ///
    /// # Panics
    /// - If `op` panics (the panic resumes on the caller).
    /// - If the pool has been shut down.
    ///
    /// ```
    /// let pool = pool_work_stealing::WorkStealingPool::builder().workers(2).build().unwrap();
    /// let name = pool.install(|| std::thread::current().name().map(str::to_owned));
    /// assert!(name.unwrap().starts_with("workpools-"));
    /// ```
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        self.registry.in_worker(move |_, _| op())
    }

    /// Runs `a` and `b` on the pool, potentially in parallel (see [`join`](crate::join)).
    ///
    /// # Panics
    /// - If `a` or `b` panics, once both have finished (`a`'s payload if both panic).
    /// - If the pool has been shut down.
    ///
    /// ```
    /// let pool = pool_work_stealing::WorkStealingPool::builder().workers(2).build().unwrap();
    /// let v = vec![1, 2, 3, 4];
    /// let (l, r) = pool.join(|| v[..2].iter().sum::<i32>(), || v[2..].iter().sum::<i32>());
    /// assert_eq!(l + r, 10);
    /// ```
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.registry
            .in_worker(move |worker, _| join_on(worker, a, b))
    }

    /// Runs `op` with a [`Scope`] on a worker of the pool and returns once `op` and every
    /// job it spawned have finished (see [`scope`](crate::scope)).
    ///
    /// # Panics
    /// - If `op` or a spawned job panics, once everything has finished.
    /// - If the pool has been shut down.
    ///
    /// ```
    /// let pool = pool_work_stealing::WorkStealingPool::builder().workers(2).build().unwrap();
    /// let mut squares = vec![0u32; 8];
    /// pool.scope(|s| {
    ///     for (i, x) in squares.iter_mut().enumerate() {
    ///         s.spawn(move |_| *x = (i * i) as u32);
    ///     }
    /// });
    /// assert_eq!(squares[7], 49);
    /// ```
    pub fn scope<'scope, OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce(&Scope<'scope>) -> R + Send,
        R: Send,
    {
        self.registry
            .in_worker(move |worker, _| scope_on(worker, op))
    }

    fn submit_with(&self, job: Job, policy: OverflowPolicy) -> Result<(), SubmitError<Job>> {
        let registry = &*self.registry;
        // Each attempt is counted once, when its fate is known: accepted (inside the gate,
        // before shutdown can read the report) or rejected (submitted and rejected at once).
        if WorkerThread::current_of(registry).is_some() {
            // From inside: unbounded, never waits; closing is checked, and a job that slips
            // past a concurrent close is still counted in `quiescence`, which shutdown
            // waits for after closing.
            if registry.admission.is_closed() {
                registry.counters.rejected(1);
                return Err(SubmitError::Closed(job));
            }
            registry.quiescence.add(1);
            registry.counters.accepted(1);
            registry.inject_pool_job(job, false);
            return Ok(());
        }
        let Some(pass) = registry.admission.enter() else {
            registry.counters.rejected(1);
            return Err(SubmitError::Closed(job));
        };
        match registry.admission.reserve(policy == OverflowPolicy::Block) {
            Reserve::Granted => {}
            Reserve::Full if policy == OverflowPolicy::CallerRuns => {
                // A pending unit, so a shutdown racing it waits for its outcome.
                registry.quiescence.add(1);
                registry.counters.accepted(1);
                drop(pass);
                registry.counters.run(job);
                registry.quiescence.done(1);
                return Ok(());
            }
            Reserve::Full => {
                registry.counters.rejected(1);
                return Err(SubmitError::Full(job));
            }
            Reserve::Closed => {
                registry.counters.rejected(1);
                return Err(SubmitError::Closed(job));
            }
        }
        registry.quiescence.add(1);
        registry.counters.accepted(1);
        registry.inject_pool_job(job, registry.admission.is_bounded());
        drop(pass);
        Ok(())
    }

    /// Closes the gate and, in immediate mode, discards the queued pool jobs: what every
    /// `shutdown` call does first, from any thread, before the holder.
    fn close(&self, mode: ShutdownMode) {
        let registry = &*self.registry;
        registry.admission.close();
        if mode == ShutdownMode::Immediate {
            registry.discarding.store(true, Ordering::Release);
            registry.discard_queued();
        }
    }

    /// The holder's part, run once: wait for quiescence, stop and join the workers.
    fn stop(&self, handles: &mut Vec<JoinHandle<()>>) -> ShutdownReport {
        let registry = &*self.registry;
        registry.quiescence.wait();
        registry.terminate.store(true, Ordering::Release);
        registry.sleep.wake_all();
        for handle in handles.drain(..) {
            // Workers run user code only under catch_unwind, so a join error cannot carry
            // anything the report needs.
            let _ = handle.join();
        }
        ShutdownReport::from(registry.counters.snapshot())
    }
}

impl Pool for WorkStealingPool {
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.submit_with(job, self.overflow)
    }

    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.submit_with(job, OverflowPolicy::Reject)
    }

    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        self.registry
            .quiescence
            .wait_idle_outside(self.registry.id, None)
    }

    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError> {
        self.registry
            .quiescence
            .wait_idle_outside(self.registry.id, Some(timeout))
    }

    /// Closes, discards the queued pool jobs (immediate mode), waits until idle, joins the
    /// workers.
    ///
    /// Concurrent and repeated calls, in any modes and from any threads, all return the
    /// same report: the first to get there stops the pool, the others wait for it; an
    /// immediate call racing a graceful one still discards what is queued. Attempts refused
    /// after the report are counted in [`Pool::metrics`] only.
    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        self.close(mode);
        if self.registry.id.is_current() {
            return Err(ShutdownError::InsideWorker);
        }
        Ok(self.life.run(|handles| self.stop(handles)))
    }

    fn metrics(&self) -> Metrics {
        self.registry.counters.snapshot()
    }

    fn workers(&self) -> usize {
        self.workers
    }

    /// A task that spawns a child and joins it runs the child itself if no worker took it
    /// yet, so `spawn(..).join()` inside a task never deadlocks the pool.
    fn inline_joins(&self) -> Option<PoolId> {
        Some(self.registry.id)
    }
}

impl std::fmt::Debug for WorkStealingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkStealingPool")
            .field("workers", &self.workers)
            .field("overflow", &self.overflow)
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl Drop for WorkStealingPool {
    fn drop(&mut self) {
        if self.registry.id.is_current() {
            // A worker cannot join itself: close, and let the workers exit once idle.
            self.registry.admission.close();
            self.registry.terminate.store(true, Ordering::Release);
            self.registry.sleep.wake_all();
        } else {
            let _ = self.shutdown(ShutdownMode::Graceful);
        }
    }
}
