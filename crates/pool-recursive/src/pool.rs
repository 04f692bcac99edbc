//! The pool handle: construction, run-to-completion of trees, and the [`Pool`] contract.

use std::convert::Infallible;
use std::fmt;
use std::sync::atomic::{fence, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_deque::Worker;
use pool_core::sync::Arc;
use pool_core::{
    spawn_workers, BuildError, ErrorPolicy, Job, Metrics, OverflowPolicy, Pool, PoolConfig, PoolId,
    ShutdownError, ShutdownMode, ShutdownReport, SubmitError, WaitIdleError,
};

use pool_lifecycle::ShutdownOnce;

use crate::job::PoolJob;
use crate::registry::Registry;
use crate::task::Task;
use crate::termination::Tree;
use crate::tree::{Scope, TaskOutput, TreeError, TreeTask};
use crate::worker::{self, current};
use crate::Builder;

/// A pool whose tasks submit tasks, and which knows by itself when a tree of work is done.
///
/// See the [crate documentation](crate) for the guarantees.
///
/// ```
/// use pool_recursive::RecursivePool;
/// let pool = RecursivePool::builder().workers(2).build().unwrap();
/// pool.run(|s| {
///     s.spawn(|s| { s.spawn(|_| ()); });
/// }).unwrap();
/// ```
pub struct RecursivePool {
    registry: Arc<Registry>,
    /// The workers until the first shutdown joined them, then its report.
    life: ShutdownOnce<Vec<JoinHandle<()>>>,
}

impl RecursivePool {
    /// A builder with the defaults of [`PoolConfig::new`].
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Starts a pool from the shared settings.
    ///
    /// # Errors
    /// - [`BuildErrorKind::ZeroWorkers`](pool_core::BuildErrorKind::ZeroWorkers) and
    ///   [`ZeroQueueBound`](pool_core::BuildErrorKind::ZeroQueueBound) for bad settings;
    /// - [`BuildErrorKind::Spawn`](pool_core::BuildErrorKind::Spawn) when the OS refuses a
    ///   worker thread; the workers already started are stopped and joined.
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// use pool_recursive::RecursivePool;
    /// assert!(RecursivePool::from_config(PoolConfig::new().workers(1)).is_ok());
    /// assert!(RecursivePool::from_config(PoolConfig::new().queue_bound(Some(0))).is_err());
    /// ```
    pub fn from_config(config: PoolConfig) -> Result<RecursivePool, BuildError> {
        let valid = config.validate()?;
        let workers = valid.workers.get();
        let mut deques: Vec<Option<Worker<Task>>> =
            (0..workers).map(|_| Some(Worker::new_lifo())).collect();
        let stealers = deques.iter().flatten().map(Worker::stealer).collect();
        let registry = Arc::new(Registry::new(
            stealers,
            valid.queue_bound.map(|b| b.get()),
            valid.overflow,
        ));
        let threads = spawn_workers(
            &valid,
            |index| {
                let registry = registry.clone();
                let deque = deques[index].take();
                move || {
                    if let Some(deque) = deque {
                        worker::main(registry, index, deque);
                    }
                }
            },
            || registry.stop(),
        )?;
        Ok(RecursivePool {
            registry,
            life: ShutdownOnce::new(threads),
        })
    }

    /// Runs `root` and every task it (transitively) spawns; returns when that whole tree is
    /// done, never earlier, never later. Every task runs (a panic does not cancel the
    /// others); panics are reported with the id of the task that panicked.
    ///
    /// Called from inside one of this pool's tasks, the calling worker runs pending tasks
    /// while it waits, so nested trees cannot deadlock the pool.
    ///
    /// # Errors
    /// A [`TreeError`] listing every task that panicked, or counting the tasks discarded
    /// because the pool was (or got) shut down immediately; a pool already shut down
    /// discards the root (counted as a rejected submission in the pool's metrics).
    ///
    /// ```
    /// use pool_recursive::{RecursivePool, Scope};
    /// fn leaf(_: &Scope<'_>) {
    ///     panic!("leaf")
    /// }
    /// let pool = RecursivePool::builder().workers(1).build().unwrap();
    /// let err = pool.run(|s| s.spawn(leaf)).unwrap_err();
    /// let panicked = err.first().unwrap();
    /// assert_eq!(panicked.error.to_string(), format!("task panicked: leaf (task {})", panicked.id.get()));
    /// ```
    pub fn run<F, R>(&self, root: F) -> Result<(), TreeError<Infallible>>
    where
        F: FnOnce(&Scope<'_, Infallible>) -> R + Send + 'static,
        R: TaskOutput<Infallible>,
    {
        self.run_with(pool_core::CollectAll, root)
    }

    /// Runs a tree of fallible tasks under an error policy:
    /// [`CollectAll`](pool_core::CollectAll) runs every task and reports every failure;
    /// [`FailFast`](pool_core::FailFast) cancels the rest of the tree at the first failure
    /// (queued tasks never run, running ones see [`Scope::is_cancelled`]).
    ///
    /// # Errors
    /// A [`TreeError`] with every failure (`Err` returned or panic, each with its task id),
    /// the number of tasks skipped after a fail-fast cancellation, and the number discarded
    /// by an immediate shutdown.
    ///
    /// ```
    /// use pool_core::FailFast;
    /// use pool_recursive::RecursivePool;
    /// let pool = RecursivePool::builder().workers(2).build().unwrap();
    /// let err = pool.run_with(FailFast, |s| {
    ///     s.spawn(|_| Err("no such file"));
    ///     Ok(())
    /// }).unwrap_err();
    /// assert_eq!(err.failures().len(), 1);
    /// ```
    pub fn run_with<P, E, F, R>(&self, policy: P, root: F) -> Result<(), TreeError<E>>
    where
        P: ErrorPolicy,
        E: Send + 'static,
        F: FnOnce(&Scope<'_, E>) -> R + Send + 'static,
        R: TaskOutput<E>,
    {
        let _ = policy;
        let registry = &self.registry;
        // The tree's pool unit; released by the tree's destructor when its last task is gone.
        registry.idle.add(1);
        let (tree, completion) = Tree::new(P::CANCEL_ON_FAILURE, Some(registry.idle.clone()));
        if let Some(local) = current(registry) {
            local.count_submission();
            local.push_unbounded(Task::new(Box::new(TreeTask { f: root, tree })));
            crate::task::Sink::help_until(&*local, &|| completion.is_done());
            return completion.wait();
        }
        fence(Ordering::SeqCst);
        let root = Task::new(Box::new(TreeTask { f: root, tree }));
        if registry.closed.load(Ordering::SeqCst) {
            // Refused at the gate: one count (submitted and rejected together), so a
            // report read meanwhile still balances.
            registry.outside.rejected(1);
            registry.discard_task(root);
        } else {
            registry.outside.accepted(1);
            registry.inject(root);
        }
        completion.wait()
    }

    /// Submits a job from a thread that is not one of this pool's workers.
    fn submit_outside(&self, job: Job, may_wait: bool) -> Result<(), SubmitError<Job>> {
        let registry = &self.registry;
        let counters = &registry.outside;
        // Each attempt is counted once, when its fate is known: accepted (while its pending
        // unit keeps shutdown waiting) or rejected (one count, submitted and rejected).
        if registry.closed.load(Ordering::SeqCst) {
            counters.rejected(1);
            return Err(SubmitError::Closed(job));
        }
        // Whether the job holds a slot of the bound (released by whoever takes the job).
        let slot = match &registry.bound {
            None => false,
            Some(bound) if bound.try_acquire() => true,
            Some(bound) => match (may_wait, registry.overflow) {
                (true, OverflowPolicy::Block) => match bound.acquire(&registry.closed) {
                    Ok(()) => true,
                    Err(_) => {
                        counters.rejected(1);
                        return Err(SubmitError::Closed(job));
                    }
                },
                (true, OverflowPolicy::CallerRuns) => return self.run_here(job),
                _ => {
                    counters.rejected(1);
                    return Err(SubmitError::Full(job));
                }
            },
        };
        registry.idle.add(1);
        // SeqCst fence: pairs with the one in `Registry::close` (see there).
        fence(Ordering::SeqCst);
        if registry.closed.load(Ordering::SeqCst) {
            if let (true, Some(bound)) = (slot, &registry.bound) {
                bound.release();
            }
            counters.rejected(1);
            registry.idle.done(1);
            return Err(SubmitError::Closed(job));
        }
        counters.accepted(1);
        registry.inject(Task::Job(PoolJob::new(job, slot)));
        Ok(())
    }

    /// Runs a job on the submitting outside thread (`CallerRuns`), as a pending unit, so a
    /// shutdown racing it waits for its outcome before reading the report.
    fn run_here(&self, job: Job) -> Result<(), SubmitError<Job>> {
        let registry = &self.registry;
        registry.idle.add(1);
        // SeqCst fence: pairs with the one in `Registry::close`, as for a queued job.
        fence(Ordering::SeqCst);
        if registry.closed.load(Ordering::SeqCst) {
            registry.outside.rejected(1);
            registry.idle.done(1);
            return Err(SubmitError::Closed(job));
        }
        registry.outside.accepted(1);
        registry.outside.run(job);
        registry.idle.done(1);
        Ok(())
    }

    /// Submits a job from one of this pool's workers: never waits, never takes a slot.
    fn submit_inside(
        &self,
        local: &worker::Local,
        job: Job,
        may_run_inline: bool,
    ) -> Result<(), SubmitError<Job>> {
        let registry = &self.registry;
        if local.is_full() && !may_run_inline {
            registry.outside.rejected(1);
            return Err(SubmitError::Full(job));
        }
        registry.idle.add(1);
        let task = Task::Job(PoolJob::new(job, false));
        crate::task::Sink::push(local, task);
        Ok(())
    }
}

impl Pool for RecursivePool {
    /// Outside threads get the configured overflow policy; the pool's own workers never wait:
    /// over the bound their job runs inline (caller runs).
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        match current(&self.registry) {
            Some(local) => self.submit_inside(&local, job, true),
            None => self.submit_outside(job, true),
        }
    }

    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        match current(&self.registry) {
            Some(local) => self.submit_inside(&local, job, false),
            None => self.submit_outside(job, false),
        }
    }

    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        self.registry.idle.wait_idle_outside(self.registry.id, None)
    }

    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError> {
        self.registry
            .idle
            .wait_idle_outside(self.registry.id, Some(timeout))
    }

    /// Closes, discards the queues (immediate mode), waits until idle, joins the workers.
    ///
    /// Concurrent and repeated calls, in any modes and from any threads, all return the
    /// same report: the first to get there stops the pool, the others wait for it; an
    /// immediate call racing a graceful one still discards what is queued. Attempts refused
    /// after the report are counted in [`Pool::metrics`] only.
    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        let registry = &self.registry;
        registry.close();
        if registry.id.is_current() {
            return Err(ShutdownError::InsideWorker);
        }
        if mode == ShutdownMode::Immediate {
            registry.discard.store(true, Ordering::SeqCst);
            // Workers may all be busy with long tasks: take the queued ones from here
            // (outside the holder: dropping a task runs user destructors).
            registry.discard_queued();
        }
        Ok(self.life.run(|threads| {
            registry.idle.wait();
            registry.stop();
            for thread in threads.drain(..) {
                // Workers catch every task panic; a worker that still panicked has nothing
                // to clean up, and the accounting below is what the caller needs.
                let _ = thread.join();
            }
            ShutdownReport::from(registry.metrics())
        }))
    }

    fn metrics(&self) -> Metrics {
        self.registry.metrics()
    }

    fn workers(&self) -> usize {
        self.registry.workers()
    }

    /// A task that spawns a child and joins it runs the child itself if no worker took it
    /// yet, so `spawn(..).join()` inside a task never deadlocks the pool.
    fn inline_joins(&self) -> Option<PoolId> {
        Some(self.registry.id)
    }
}

impl Drop for RecursivePool {
    /// Shuts down gracefully: every queued task runs first. Dropped from inside one of its
    /// own workers, the pool closes and its workers exit once idle, unjoined.
    fn drop(&mut self) {
        if self.registry.id.is_current() {
            self.registry.close();
            self.registry.stop();
            return;
        }
        let _ = self.shutdown(ShutdownMode::Graceful);
    }
}

impl fmt::Debug for RecursivePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecursivePool")
            .field("workers", &self.registry.workers())
            .field("metrics", &self.registry.metrics())
            .finish()
    }
}
