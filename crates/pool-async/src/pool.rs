//! The pool: shared state, async and non-blocking submission of futures.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pool_core::{
    BuildError, Counters, ErrorPolicy, Job, Metrics, OverflowPolicy, PoolConfig, ShutdownReport,
    SubmitError, TaskId,
};
use tokio::runtime::{Handle, Runtime};
use tokio::sync::{Semaphore, TryAcquireError};

use crate::admission::{Admission, Admit};
use crate::closures::Closures;
use crate::group::AsyncGroup;
use crate::handle::TaskHandle;
use crate::signal::Signal;
use crate::task::spawn_future;
use crate::AsyncPoolBuilder;
use crossbeam_utils::CachePadded;

/// Ids of the tasks a shutdown cancelled, filled while `Inner::recording` is set.
#[derive(Default)]
pub(crate) struct CancelLog {
    pub(crate) never_started: Vec<TaskId>,
    pub(crate) interrupted: Vec<TaskId>,
}

/// What an admitted task holds: a queue slot (bounded queue, no permit yet), a run permit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    pub(crate) slot: bool,
    pub(crate) permit: bool,
}

/// State shared by the pool and every task it spawned.
pub(crate) struct Inner {
    pub(crate) handle: Handle,
    pub(crate) runtime_id: tokio::runtime::Id,
    /// Admission (closed by a shutdown), the `L` run permits (a task runs only while it
    /// holds one; shut by an immediate shutdown and by `Drop`: queued tasks then give up)
    /// and the count of admitted tasks not yet finished, in one word (`admission.rs`).
    pub(crate) admission: Admission,
    /// Set with the permits' shut: a task admitted with a permit but not yet started
    /// gives up too (a read-mostly flag, cheaper to check than the admission word).
    pub(crate) discard_queued: AtomicBool,
    /// Free queue slots when the queue is bounded: taken by a submitter, given back when
    /// the task gets its run permit (or is cancelled). Closed when the pool closes, which
    /// wakes submitters waiting for room with `Closed`.
    pub(crate) slots: Option<Semaphore>,
    pub(crate) limit: usize,
    pub(crate) overflow: OverflowPolicy,
    pub(crate) counters: Counters,
    /// Tasks cancelled while running (pool_core's `Counters` has no such outcome).
    pub(crate) interrupted: AtomicU64,
    /// `CallerRuns` jobs running on their submitters' threads.
    caller_running: AtomicU64,
    /// Raised by a shutdown whose timeout passed: running tasks stop at their next await.
    pub(crate) cancel_running: Signal,
    pub(crate) recording: AtomicBool,
    /// The queue of closures submitted through the `Pool` trait and their runners.
    pub(crate) closures: Closures,
    pub(crate) log: Mutex<CancelLog>,
    /// Written by every submission: alone on its line.
    next_id: CachePadded<AtomicU64>,
}

/// Locks one of the pool's plain std mutexes (the runtime slot, the stored report, the
/// cancel log), ignoring poisoning: no user code runs while they are held, and each
/// critical section leaves its data consistent.
pub(crate) fn lock_std<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Inner {
    /// A fresh id for an admitted task; the ids handed out are also the count of admitted
    /// tasks, which [`Inner::metrics`] uses as the count of accepted submissions.
    pub(crate) fn next_task_id(&self) -> TaskId {
        TaskId::new(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Whether the calling thread is inside this pool's runtime (a worker, a blocking
    /// thread, or a `block_on`), where a blocking wait could stall the tasks it waits for.
    pub(crate) fn on_runtime(&self) -> bool {
        Handle::try_current().is_ok_and(|h| h.id() == self.runtime_id)
    }

    /// The pool's counters, derived so that a task pays for as few shared counter updates
    /// as possible (each is a cache line moving between cores):
    /// - `submitted` = admitted (the task ids handed out) + `rejected`;
    /// - `completed`, `panicked`, `cancelled`, `rejected`: pool_core's [`Counters`], plus
    ///   the tasks cancelled while running (`interrupted`, which `Counters` lacks);
    /// - `running` = run permits held (the limiter's count; a task holds its permit exactly
    ///   while it runs) plus `CallerRuns` jobs running on their submitter;
    /// - `queued` = the rest of the admitted tasks not yet finished.
    ///
    /// Later stages are read first and the differences saturate, so a snapshot under load
    /// never goes negative; once idle it is exact (`is_balanced` iff every admitted task
    /// was counted once as completed, panicked or cancelled).
    pub(crate) fn metrics(&self) -> Metrics {
        let mut m = self.counters.snapshot();
        let interrupted = self.interrupted.load(Ordering::Relaxed);
        let running = self.admission.held() + self.caller_running.load(Ordering::Relaxed);
        let admitted = self.next_id.load(Ordering::Relaxed);
        let finished = m.completed + m.panicked + m.cancelled + interrupted;
        m.submitted = (admitted + m.rejected).max(finished + m.rejected);
        let outstanding = m.submitted - m.rejected - finished;
        m.running = running.min(outstanding);
        m.queued = outstanding - m.running;
        m.cancelled += interrupted;
        m
    }

    /// Counts a submission that is handed back.
    pub(crate) fn reject<T>(&self, err: SubmitError<T>) -> SubmitError<T> {
        self.counters.rejected(1);
        err
    }

    /// Runs a job on the submitting thread (`OverflowPolicy::CallerRuns`), counted as
    /// submitted, running, then completed or panicked.
    pub(crate) fn run_here(&self, job: Job) {
        self.next_task_id();
        self.caller_running.fetch_add(1, Ordering::Relaxed);
        let outcome = job.run();
        self.counters.finished(outcome);
        self.caller_running.fetch_sub(1, Ordering::Relaxed);
    }

    /// Gives back a queue slot taken for a submission that was not admitted.
    pub(crate) fn return_slot(&self, holds_slot: bool) {
        if holds_slot {
            if let Some(slots) = &self.slots {
                slots.add_permits(1);
            }
        }
    }

    /// Takes a queue slot without waiting: `Ok(true)` with a slot, `Ok(false)` when the
    /// queue is unbounded.
    pub(crate) fn try_slot(&self) -> Result<bool, TryAcquireError> {
        match &self.slots {
            None => Ok(false),
            Some(slots) => slots.try_acquire().map(|permit| {
                permit.forget();
                true
            }),
        }
    }

    /// Admits a task: counts it pending (it counts as submitted once it has its id) and,
    /// if one is free, gives it a run permit (its queue slot then goes back at once: it
    /// is not queued); or hands it back as `Closed` (or `Full` at the pending maximum).
    pub(crate) fn admit<T>(
        &self,
        value: T,
        holds_slot: bool,
    ) -> Result<(T, Ticket), SubmitError<T>> {
        self.admit_with(value, holds_slot, true)
    }

    /// [`Inner::admit`], taking a free run permit only if `want_permit`.
    pub(crate) fn admit_with<T>(
        &self,
        value: T,
        holds_slot: bool,
        want_permit: bool,
    ) -> Result<(T, Ticket), SubmitError<T>> {
        match self.admission.admit_with(want_permit) {
            Admit::WithPermit => {
                self.return_slot(holds_slot);
                Ok((
                    value,
                    Ticket {
                        slot: false,
                        permit: true,
                    },
                ))
            }
            Admit::Queued => Ok((
                value,
                Ticket {
                    slot: holds_slot,
                    permit: false,
                },
            )),
            Admit::Closed => {
                self.return_slot(holds_slot);
                Err(self.reject(SubmitError::Closed(value)))
            }
            Admit::Full => {
                self.return_slot(holds_slot);
                Err(self.reject(SubmitError::Full(value)))
            }
        }
    }

    /// Stops admitting tasks. From here on the pending count covers every task that will
    /// ever run (see `admission.rs`).
    pub(crate) fn close(&self) {
        self.admission.close();
        if let Some(slots) = &self.slots {
            slots.close();
        }
    }

    /// Queued tasks give up: those waiting for a permit, those admitted with one that
    /// have not started, and the closures no runner has taken yet.
    pub(crate) fn discard_queued(self: &Arc<Self>) {
        self.discard_queued.store(true, Ordering::Release);
        self.admission.shut();
        crate::closures::discard(self);
    }

    /// Cancels every task: queued ones never start, running futures stop at their next
    /// `.await`. Closures already running on blocking threads finish.
    pub(crate) fn cancel_all(self: &Arc<Self>) {
        self.discard_queued();
        self.cancel_running.cancel();
    }
}

/// Many I/O-bound tasks on a few threads, at most `L` of them running at once.
///
/// See the [crate documentation](crate) for the guarantees, and [`AsyncPoolBuilder`] for
/// the settings. Futures go in with [`submit`](AsyncPool::submit) (async backpressure)
/// or [`try_submit`](AsyncPool::try_submit); closures through the
/// [`Pool`](pool_core::Pool) trait (they run on runner loops on tokio's blocking threads,
/// never on an async worker).
///
/// ```
/// use pool_async::AsyncPool;
/// use std::time::Duration;
/// let pool = AsyncPool::builder().concurrency(2).worker_threads(1).build().unwrap();
/// let handles: Vec<_> = (0..4u64)
///     .map(|i| pool.try_submit(async move {
///         tokio::time::sleep(Duration::from_millis(5)).await;
///         i * 10
///     }).unwrap())
///     .collect();
/// let values: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
/// assert_eq!(values, [0, 10, 20, 30]);
/// ```
pub struct AsyncPool {
    pub(crate) inner: Arc<Inner>,
    /// The runtime this pool owns (`None` when attached to someone else's, or once shut
    /// down).
    pub(crate) runtime: Mutex<Option<Runtime>>,
    /// The accounting of the first completed shutdown, returned by later ones.
    pub(crate) report: Mutex<Option<ShutdownReport>>,
}

impl AsyncPool {
    /// A pool that owns a multi-thread runtime (one worker thread per core, at most `L`)
    /// and runs at most `concurrency` (`L`) tasks at once, with an unbounded queue.
    ///
    /// # Errors
    /// [`BuildError`] for `concurrency == 0` (`ZeroLimit`) or when the runtime's threads
    /// cannot be started (`Spawn`).
    ///
    /// ```
    /// assert!(pool_async::AsyncPool::new(0).is_err());
    /// assert_eq!(pool_async::AsyncPool::new(64).unwrap().concurrency(), 64);
    /// ```
    pub fn new(concurrency: usize) -> Result<AsyncPool, BuildError> {
        AsyncPoolBuilder::new()
            .concurrency(concurrency)
            .worker_threads(default_threads(concurrency))
            .build()
    }

    /// The builder: concurrency limit, runtime threads, queue bound, overflow policy; then
    /// [`build`](AsyncPoolBuilder::build) (own runtime) or
    /// [`attach`](AsyncPoolBuilder::attach) (an existing runtime's `Handle`).
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::builder().concurrency(8).queue_bound(Some(16)).build().unwrap();
    /// assert_eq!(pool.concurrency(), 8);
    /// ```
    pub fn builder() -> AsyncPoolBuilder {
        AsyncPoolBuilder::new()
    }

    /// The pool the shared [`PoolConfig`] describes, with its own runtime: `workers`
    /// becomes the concurrency limit `L` (and the runtime gets `min(workers, cores)`
    /// worker threads); `queue_bound`, `overflow`, `thread_name` and `stack_size` apply
    /// as in every strategy.
    ///
    /// # Errors
    /// As [`AsyncPoolBuilder::build`].
    ///
    /// ```
    /// use pool_core::{Pool, PoolConfig};
    /// let pool = pool_async::AsyncPool::from_config(PoolConfig::new().workers(3)).unwrap();
    /// assert_eq!(pool.workers(), 3);
    /// ```
    pub fn from_config(config: PoolConfig) -> Result<AsyncPool, BuildError> {
        AsyncPoolBuilder::from_config(config).build()
    }

    pub(crate) fn assemble(
        handle: Handle,
        runtime: Option<Runtime>,
        limit: usize,
        queue_bound: Option<usize>,
        overflow: OverflowPolicy,
    ) -> AsyncPool {
        let inner = Inner {
            runtime_id: handle.id(),
            handle,
            admission: Admission::new(limit),
            discard_queued: AtomicBool::new(false),
            slots: queue_bound.map(Semaphore::new),
            limit,
            overflow,
            counters: Counters::new(limit),
            interrupted: AtomicU64::new(0),
            caller_running: AtomicU64::new(0),
            cancel_running: Signal::default(),
            recording: AtomicBool::new(false),
            closures: Closures::new(limit),
            log: Mutex::new(CancelLog::default()),
            next_id: CachePadded::new(AtomicU64::new(0)),
        };
        AsyncPool {
            inner: Arc::new(inner),
            runtime: Mutex::new(runtime),
            report: Mutex::new(None),
        }
    }

    /// The concurrency limit `L`: at most this many tasks run at once.
    ///
    /// ```
    /// assert_eq!(pool_async::AsyncPool::new(5).unwrap().concurrency(), 5);
    /// ```
    pub fn concurrency(&self) -> usize {
        self.inner.limit
    }

    /// The runtime the tasks run on (owned, or the one attached to). Use it to
    /// `block_on` async code from sync code, e.g. `pool.handle().block_on(pool.submit(f))`.
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::new(1).unwrap();
    /// let h = pool.handle().block_on(pool.submit(async { 1 })).unwrap();
    /// assert_eq!(pool.handle().block_on(h).unwrap(), 1);
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.inner.handle
    }

    /// Submits a future, waiting (asynchronously) for room when the queue is bounded and
    /// full: this is the pool's backpressure. The task starts once fewer than `L` tasks
    /// are running. Dropping the returned future before it completes
    /// submits nothing.
    ///
    /// The overflow policy does not apply here (it is for the sync
    /// [`Pool::submit`](pool_core::Pool::submit)): async submission always waits.
    ///
    /// # Errors
    /// [`SubmitError::Closed`] with the future, when the pool is shutting down or shut
    /// down (also when it closes while this call waits for room).
    ///
    /// ```
    /// let pool = pool_async::AsyncPool::builder().concurrency(2).queue_bound(Some(1)).build().unwrap();
    /// let sum = pool.handle().block_on(async {
    ///     let mut handles = Vec::new();
    ///     for i in 0..10u32 {
    ///         // Waits whenever one task is already queued.
    ///         handles.push(pool.submit(async move { i }).await.unwrap());
    ///     }
    ///     let mut sum = 0;
    ///     for h in handles { sum += h.await.unwrap(); }
    ///     sum
    /// });
    /// assert_eq!(sum, 45);
    /// ```
    pub async fn submit<F>(&self, fut: F) -> Result<TaskHandle<F::Output>, SubmitError<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let holds_slot = match &self.inner.slots {
            None => false,
            Some(slots) => match slots.acquire().await {
                Ok(permit) => {
                    permit.forget();
                    true
                }
                Err(_closed) => return Err(self.inner.reject(SubmitError::Closed(fut))),
            },
        };
        let (fut, ticket) = self.inner.admit(fut, holds_slot)?;
        Ok(spawn_future(&self.inner, fut, ticket, ()))
    }

    /// Submits a future without waiting; callable from sync or async code.
    ///
    /// From sync code, submit lazy futures (`async { .. }` blocks): some tokio futures,
    /// such as `tokio::time::sleep(d)`, need a runtime context already when *created*.
    ///
    /// # Errors
    /// - [`SubmitError::Full`] with the future: the queue is bounded and holds
    ///   `queue_bound` tasks that have not started.
    /// - [`SubmitError::Closed`] with the future: the pool is shutting down or shut down.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = pool_async::AsyncPool::builder().concurrency(1).queue_bound(Some(1)).build().unwrap();
    /// let running = pool.try_submit(async { tokio::time::sleep(Duration::from_millis(200)).await }).unwrap();
    /// # while pool_core::Pool::metrics(&pool).running == 0 { std::thread::yield_now(); }
    /// let queued = pool.try_submit(async { tokio::time::sleep(Duration::from_millis(1)).await }).unwrap();
    /// let err = pool.try_submit(async { tokio::time::sleep(Duration::from_millis(1)).await }).unwrap_err();
    /// assert!(err.is_full());
    /// # running.join().unwrap(); queued.join().unwrap();
    /// ```
    pub fn try_submit<F>(&self, fut: F) -> Result<TaskHandle<F::Output>, SubmitError<F>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let holds_slot = match self.inner.try_slot() {
            Ok(holds_slot) => holds_slot,
            Err(TryAcquireError::NoPermits) => {
                return Err(self.inner.reject(SubmitError::Full(fut)))
            }
            Err(TryAcquireError::Closed) => {
                return Err(self.inner.reject(SubmitError::Closed(fut)))
            }
        };
        let (fut, ticket) = self.inner.admit(fut, holds_slot)?;
        Ok(spawn_future(&self.inner, fut, ticket, ()))
    }

    /// An empty group of fallible tasks on this pool, folded by `policy`
    /// ([`FailFast`](pool_core::FailFast) or [`CollectAll`](pool_core::CollectAll)); see
    /// [`AsyncGroup`].
    ///
    /// ```
    /// use pool_core::FailFast;
    /// let pool = pool_async::AsyncPool::new(4).unwrap();
    /// let mut group = pool.group::<u32, &str, _>(FailFast);
    /// group.try_spawn(async { Ok(1) }).unwrap();
    /// group.try_spawn(async { Ok(2) }).unwrap();
    /// assert_eq!(pool.handle().block_on(group.wait()).unwrap(), [1, 2]);
    /// ```
    pub fn group<T, E, P>(&self, policy: P) -> AsyncGroup<'_, T, E, P>
    where
        T: Send + 'static,
        E: Send + 'static,
        P: ErrorPolicy,
    {
        AsyncGroup::new(self, policy)
    }
}

/// The runtime threads for a concurrency limit: one per core, never more than `L`.
pub(crate) fn default_threads(limit: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    limit.clamp(1, cores)
}

impl Drop for AsyncPool {
    /// Dropping the pool without a shutdown discards queued tasks (their handles report
    /// cancelled), cancels running futures at their next `.await`, lets closures already
    /// running finish, and, for an owned runtime, shuts it down.
    fn drop(&mut self) {
        self.inner.close();
        self.inner.cancel_all();
        self.inner.closures.stop();
        if let Some(runtime) = lock_std(&self.runtime).take() {
            stop_runtime(runtime);
        }
    }
}

/// Shuts an owned runtime down: joins its threads from sync code; inside an async
/// context, where blocking is not allowed, lets them exit in the background.
pub(crate) fn stop_runtime(runtime: Runtime) {
    if Handle::try_current().is_ok() {
        runtime.shutdown_background();
    } else {
        drop(runtime);
    }
}

impl std::fmt::Debug for AsyncPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncPool")
            .field("concurrency", &self.inner.limit)
            .field("closed", &self.inner.admission.is_closed())
            .field("idle", &self.inner.admission.is_idle())
            .field("metrics", &self.inner.metrics())
            .finish()
    }
}
