//! The pool handle: building, fork-join entry points, and the `pool_core::Pool` contract.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use pool_core::{
    spawn_workers, BuildError, BuildErrorKind, Job, Metrics, OverflowPolicy, Pool, PoolConfig,
    PoolId, ShutdownError, ShutdownMode, ShutdownReport, SubmitError, WaitIdleError,
};
use pool_lifecycle::ShutdownOnce;

use crate::builder::Builder;
use crate::heartbeat::Refused;
use crate::registry::{Registry, Tuning};
use crate::worker::WorkerThread;

/// A heartbeat-scheduled fork-join pool: [`join`](crate::join) costs almost nothing
/// unless a heartbeat promoted the caller's oldest pending fork, which an idle worker then
/// takes from one shared queue; `'static` jobs go through the same queue ([`Pool`]).
///
/// Dropping the pool shuts it down gracefully (queued jobs run first) unless it was shut
/// down already; dropped on one of its own workers it only closes and lets the workers
/// exit once idle.
///
/// ```
/// use pool_core::{Pool, PoolExt, ShutdownMode};
/// use pool_heartbeat::HeartbeatPool;
/// let pool = HeartbeatPool::builder().workers(2).build().unwrap();
/// let answer = pool.spawn(|| 6 * 7).unwrap();
/// assert_eq!(answer.join().unwrap(), 42);
/// let (a, b) = pool.join(|| 1, || 2);
/// assert_eq!(a + b, 3);
/// let report = pool.shutdown(ShutdownMode::Graceful).unwrap();
/// assert!(report.is_balanced());
/// ```
pub struct HeartbeatPool {
    registry: Arc<Registry>,
    overflow: OverflowPolicy,
    workers: usize,
    /// The worker threads and the heartbeat thread (last) until `shutdown` joins them.
    life: ShutdownOnce<Vec<JoinHandle<()>>>,
}

impl HeartbeatPool {
    /// A builder with the defaults of [`PoolConfig::new`] and of this crate's tuning.
    ///
    /// ```
    /// let pool = pool_heartbeat::HeartbeatPool::builder().workers(3).build().unwrap();
    /// assert_eq!(pool_core::Pool::workers(&pool), 3);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Builds a pool from shared settings, with this crate's default tuning.
    ///
    /// # Errors
    /// As [`Builder::build`]: an invalid config (e.g. [`BuildErrorKind::ZeroWorkers`]) or
    /// a thread that failed to start ([`BuildErrorKind::Spawn`]).
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// use pool_heartbeat::HeartbeatPool;
    /// assert!(HeartbeatPool::from_config(PoolConfig::new().workers(2)).is_ok());
    /// assert!(HeartbeatPool::from_config(PoolConfig::new().workers(0)).is_err());
    /// ```
    pub fn from_config(config: PoolConfig) -> Result<HeartbeatPool, BuildError> {
        Builder::new().config(config).build()
    }

    pub(crate) fn start(config: &PoolConfig, tuning: Tuning) -> Result<Self, BuildError> {
        let valid = config.validate()?;
        let workers = valid.workers.get();
        let registry = Arc::new(Registry::new(
            workers,
            valid.queue_bound.map(|n| n.get()),
            tuning,
        ));
        let mut handles = spawn_workers(
            &valid,
            |index| {
                let registry = Arc::clone(&registry);
                move || WorkerThread::main_loop(registry, index)
            },
            || registry.hub.terminate(),
        )?;
        let mut heartbeat =
            std::thread::Builder::new().name(format!("{}-heartbeat", valid.thread_name));
        if let Some(bytes) = valid.stack_size {
            heartbeat = heartbeat.stack_size(bytes);
        }
        let beating = Arc::clone(&registry);
        match heartbeat.spawn(move || beating.heartbeat_loop()) {
            Ok(handle) => handles.push(handle),
            Err(source) => {
                registry.hub.terminate();
                for handle in handles {
                    // Workers run user code only under catch_unwind; the spawn error is
                    // what the caller needs.
                    let _ = handle.join();
                }
                return Err(BuildError::new(BuildErrorKind::Spawn {
                    index: workers,
                    source,
                }));
            }
        }
        Ok(HeartbeatPool {
            registry,
            overflow: valid.overflow,
            workers,
            life: ShutdownOnce::new(handles),
        })
    }

    /// Runs `op` on one of the pool's workers and returns its result; called from a worker
    /// of this pool, runs it right there. Inside `op`, [`join`](crate::join) uses this
    /// pool.
    ///
    /// # Panics
    /// - If `op` panics (the panic resumes on the caller).
    /// - If the pool has been shut down.
    ///
    /// ```
    /// let pool = pool_heartbeat::HeartbeatPool::builder().workers(2).build().unwrap();
    /// let name = pool.install(|| std::thread::current().name().map(str::to_owned));
    /// assert!(name.unwrap().starts_with("workpools-"));
    /// ```
    pub fn install<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        self.registry.in_worker(op)
    }

    /// Runs `op` on the calling thread, which takes part in the pool for the call (as
    /// chili's and Spice's callers do): `join`s inside `op` run here, their forks can be
    /// promoted to the workers, and the caller helps with other work while it waits. This
    /// saves `install`'s two thread hand-offs (waking a worker, then waking the caller),
    /// which cost more than small computations do.
    ///
    /// One outside thread at a time runs in place; a second one concurrently falls back to
    /// [`install`](HeartbeatPool::install). Called from a worker of this pool, runs `op`
    /// there. Inside `op`, `wait_idle` and `shutdown` of this pool return `InsideWorker`.
    ///
    /// # Panics
    /// - If `op` panics (the panic resumes once its forks have finished).
    /// - In the fallback, if the pool has been shut down. (In place, a shut-down pool just
    ///   has no workers to take forks: `op` runs entirely on the caller.)
    ///
    /// ```
    /// use pool_heartbeat::{join, HeartbeatPool};
    /// let pool = HeartbeatPool::builder().workers(2).build().unwrap();
    /// let me = std::thread::current().id();
    /// let (here, sum) = pool.run_here(|| (std::thread::current().id(), join(|| 1, || 2)));
    /// assert_eq!(here, me);
    /// assert_eq!(sum, (1, 2));
    /// ```
    pub fn run_here<OP, R>(&self, op: OP) -> R
    where
        OP: FnOnce() -> R + Send,
        R: Send,
    {
        self.registry.run_here(op)
    }

    /// Runs `a` and `b` on the pool, potentially in parallel (see [`join`](crate::join)).
    ///
    /// # Panics
    /// - If `a` or `b` panics, once both have finished (`a`'s payload if both panic).
    /// - If the pool has been shut down.
    ///
    /// ```
    /// let pool = pool_heartbeat::HeartbeatPool::builder().workers(2).build().unwrap();
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
        self.install(|| crate::join(a, b))
    }

    fn submit_with(&self, job: Job, policy: OverflowPolicy) -> Result<(), SubmitError<Job>> {
        let registry = &*self.registry;
        // From inside: unbounded, never waits (waiting could deadlock the pool on itself).
        let outside = !registry.id.is_current();
        let wait = outside && policy == OverflowPolicy::Block;
        let accept = || {
            registry.quiescence.add(1);
            registry.counters.accepted(1);
        };
        match registry.hub.submit(job, outside, wait, accept) {
            Ok(()) => Ok(()),
            Err((Refused::Full, job)) if policy == OverflowPolicy::CallerRuns => {
                registry.counters.accepted(1);
                registry.counters.run(job);
                Ok(())
            }
            Err((Refused::Full, job)) => {
                registry.counters.rejected(1);
                Err(SubmitError::Full(job))
            }
            Err((Refused::Closed, job)) => {
                registry.counters.rejected(1);
                Err(SubmitError::Closed(job))
            }
        }
    }

    /// Closes the queue and, in immediate mode, discards the queued pool jobs: what every
    /// `shutdown` call does first, from any thread.
    fn close(&self, mode: ShutdownMode) {
        let registry = &*self.registry;
        for job in registry.hub.close(mode == ShutdownMode::Immediate) {
            registry.discard(job);
        }
    }

    /// The holder's part, run once: wait for quiescence, stop and join the threads.
    fn stop(&self, handles: &mut Vec<JoinHandle<()>>) -> ShutdownReport {
        let registry = &*self.registry;
        registry.quiescence.wait();
        registry.hub.terminate();
        for handle in handles.drain(..) {
            // Threads run user code only under catch_unwind, so a join error cannot carry
            // anything the report needs.
            let _ = handle.join();
        }
        ShutdownReport::from(registry.counters.snapshot())
    }
}

impl Pool for HeartbeatPool {
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
    /// workers and the heartbeat thread.
    ///
    /// Concurrent and repeated calls, in any modes and from any threads, all return the
    /// same report: the first to get there stops the pool, the others wait for it; an
    /// immediate call racing a graceful one still discards what is queued.
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

impl std::fmt::Debug for HeartbeatPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeartbeatPool")
            .field("workers", &self.workers)
            .field("overflow", &self.overflow)
            .field("closed", &self.registry.hub.is_closed())
            .field("metrics", &self.metrics())
            .finish_non_exhaustive()
    }
}

impl Drop for HeartbeatPool {
    fn drop(&mut self) {
        if self.registry.id.is_current() {
            // A worker cannot join itself: close, and let the threads exit once idle.
            self.registry.hub.close(false);
            self.registry.hub.terminate();
        } else {
            let _ = self.shutdown(ShutdownMode::Graceful);
        }
    }
}
