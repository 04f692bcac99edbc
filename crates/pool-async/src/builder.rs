//! Settings, validation, and starting (or attaching to) the tokio runtime.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pool_core::{check_thread_count, BuildError, BuildErrorKind, OverflowPolicy, PoolConfig};
use tokio::runtime::Handle;
use tokio::sync::Semaphore;

use crate::admission::MAX_LIMIT;
use crate::pool::{default_threads, AsyncPool};

/// Settings for an [`AsyncPool`]; every bad value is a [`BuildError`], never a panic.
///
/// - `concurrency` (`L`): at most `L` tasks run at once. Defaults to `workers`. Values
///   above 2^30 − 1 are clamped (the permit count shares one word with the pending
///   count; at most 2^30 − 1 tasks can be pending, beyond which submissions are `Full`).
/// - `worker_threads`: the owned runtime's worker threads. Defaults to
///   `min(L, available cores)`. Ignored by [`attach`](AsyncPoolBuilder::attach).
/// - `queue_bound`: at most this many accepted tasks waiting for a run permit (`None`:
///   unbounded). Values above tokio's `Semaphore::MAX_PERMITS` (2^61 − 1) are clamped.
/// - `overflow`: what the sync [`Pool::submit`](pool_core::Pool::submit) does with a full
///   queue; the async [`AsyncPool::submit`] always waits.
/// - `thread_name`, `stack_size`: for the owned runtime's threads (workers and blocking).
///
/// ```
/// use pool_async::AsyncPoolBuilder;
/// let pool = AsyncPoolBuilder::new()
///     .concurrency(100)
///     .worker_threads(2)
///     .queue_bound(Some(1000))
///     .thread_name("fetch")
///     .build()
///     .unwrap();
/// assert_eq!(pool.concurrency(), 100);
/// assert!(AsyncPoolBuilder::new().concurrency(0).build().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct AsyncPoolBuilder {
    config: PoolConfig,
    concurrency: Option<usize>,
    worker_threads: Option<usize>,
}

impl Default for AsyncPoolBuilder {
    fn default() -> AsyncPoolBuilder {
        AsyncPoolBuilder::new()
    }
}

impl AsyncPoolBuilder {
    /// The defaults: `L` = one per core, as many runtime threads, unbounded queue.
    pub fn new() -> AsyncPoolBuilder {
        AsyncPoolBuilder::from_config(PoolConfig::new().thread_name("pool-async"))
    }

    /// Starts from the shared settings: `workers` is `L`.
    ///
    /// ```
    /// let b = pool_async::AsyncPoolBuilder::from_config(pool_core::PoolConfig::new().workers(2));
    /// assert_eq!(b.build().unwrap().concurrency(), 2);
    /// ```
    pub fn from_config(config: PoolConfig) -> AsyncPoolBuilder {
        AsyncPoolBuilder {
            config,
            concurrency: None,
            worker_threads: None,
        }
    }

    /// Sets the concurrency limit `L`.
    pub fn concurrency(mut self, limit: usize) -> AsyncPoolBuilder {
        self.concurrency = Some(limit);
        self
    }

    /// Sets the owned runtime's worker thread count.
    pub fn worker_threads(mut self, threads: usize) -> AsyncPoolBuilder {
        self.worker_threads = Some(threads);
        self
    }

    /// Sets the queue bound (`None`: unbounded).
    ///
    /// Takes a count, `Some(count)` or `None`, like every strategy's builder:
    ///
    /// ```
    /// let bounded = pool_async::AsyncPool::builder().worker_threads(1).queue_bound(8).build();
    /// let unbounded = pool_async::AsyncPool::builder().worker_threads(1).queue_bound(None).build();
    /// assert!(bounded.is_ok() && unbounded.is_ok());
    /// ```
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> AsyncPoolBuilder {
        self.config = self.config.queue_bound(bound.into());
        self
    }

    /// Sets what the sync `Pool::submit` does when the queue is full.
    pub fn overflow(mut self, policy: OverflowPolicy) -> AsyncPoolBuilder {
        self.config = self.config.overflow(policy);
        self
    }

    /// Names the owned runtime's threads `"{prefix}-{n}"`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> AsyncPoolBuilder {
        self.config = self.config.thread_name(prefix);
        self
    }

    /// Sets the owned runtime's thread stack size.
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> AsyncPoolBuilder {
        self.config = self.config.stack_size(bytes.into());
        self
    }

    /// Checks the settings: `(L, queue bound, runtime threads)`.
    fn limits(&self) -> Result<(usize, Option<usize>, usize), BuildError> {
        let valid = self.config.validate()?;
        let limit = self.concurrency.unwrap_or(valid.workers.get());
        if limit == 0 {
            return Err(BuildError::new(BuildErrorKind::ZeroLimit("concurrency")));
        }
        let threads = self.worker_threads.unwrap_or(default_threads(limit));
        if threads == 0 {
            return Err(BuildError::new(BuildErrorKind::ZeroLimit("worker_threads")));
        }
        // tokio sizes per-worker state before starting threads, and panics when it cannot
        // start the first one: refuse a count no machine can run.
        check_thread_count(threads)?;
        let bound = valid
            .queue_bound
            .map(|b| b.get().min(Semaphore::MAX_PERMITS));
        Ok((limit.min(MAX_LIMIT), bound, threads))
    }

    /// Builds a pool that owns a multi-thread runtime (time and I/O drivers enabled).
    /// The runtime is shut down, its threads joined, by
    /// [`Pool::shutdown`](pool_core::Pool::shutdown),
    /// [`shutdown_timeout`](AsyncPool::shutdown_timeout) or dropping the pool.
    ///
    /// # Errors
    /// - [`BuildErrorKind::ZeroWorkers`], [`BuildErrorKind::ZeroQueueBound`]: from the
    ///   shared [`PoolConfig`] checks.
    /// - [`BuildErrorKind::ThreadName`] (a NUL in `thread_name`), [`BuildErrorKind::StackSize`]
    ///   (a stack below [`PoolConfig::MIN_STACK_SIZE`]): from the same checks, before tokio
    ///   (which would panic on the first) sees them.
    /// - [`BuildErrorKind::ZeroLimit`]: `concurrency(0)` or `worker_threads(0)`.
    /// - [`BuildErrorKind::TooManyWorkers`]: `worker_threads` (or `workers`) above
    ///   [`PoolConfig::MAX_WORKERS`].
    /// - [`BuildErrorKind::Spawn`]: the operating system refused a thread (for example an
    ///   absurd `stack_size`); no thread is left running.
    ///
    /// ```
    /// use pool_core::BuildErrorKind;
    /// let err = pool_async::AsyncPool::builder().worker_threads(0).build().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroLimit("worker_threads")));
    /// ```
    pub fn build(self) -> Result<AsyncPool, BuildError> {
        let (limit, bound, threads) = self.limits()?;
        // tokio panics when it cannot start any thread; probe the stack size first so an
        // impossible one is an error instead.
        if let Some(bytes) = self.config.stack_size {
            std::thread::Builder::new()
                .stack_size(bytes)
                .spawn(|| {})
                .and_then(|probe| {
                    probe
                        .join()
                        .map_err(|_| std::io::Error::other("stack-size probe thread panicked"))
                })
                .map_err(|source| spawn_error(0, source))?;
        }
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        let prefix = self.config.thread_name.clone();
        let counter = Arc::new(AtomicUsize::new(0));
        builder
            .worker_threads(threads)
            .enable_all()
            .thread_name_fn(move || {
                format!("{prefix}-{}", counter.fetch_add(1, Ordering::Relaxed))
            });
        if let Some(bytes) = self.config.stack_size {
            builder.thread_stack_size(bytes);
        }
        let runtime = builder.build().map_err(|source| spawn_error(0, source))?;
        let handle = runtime.handle().clone();
        Ok(AsyncPool::assemble(
            handle,
            Some(runtime),
            limit,
            bound,
            self.config.overflow,
        ))
    }

    /// Builds a pool on an existing runtime (multi-thread recommended: on a current-thread
    /// runtime the tasks only run while that thread is inside `block_on`). The pool never
    /// shuts that runtime down; shutting the pool down only stops the pool's own tasks.
    /// `worker_threads`, `thread_name` and `stack_size` are ignored.
    ///
    /// # Errors
    /// As [`AsyncPoolBuilder::build`], except `Spawn` (no thread is started).
    ///
    /// ```
    /// let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    /// let pool = pool_async::AsyncPool::builder().concurrency(10).attach(rt.handle().clone()).unwrap();
    /// let out = rt.block_on(async { pool.submit(async { "hi" }).await.unwrap().await.unwrap() });
    /// assert_eq!(out, "hi");
    /// ```
    pub fn attach(self, handle: Handle) -> Result<AsyncPool, BuildError> {
        let (limit, bound, _threads) = self.limits()?;
        Ok(AsyncPool::assemble(
            handle,
            None,
            limit,
            bound,
            self.config.overflow,
        ))
    }
}

fn spawn_error(index: usize, source: std::io::Error) -> BuildError {
    BuildError::new(BuildErrorKind::Spawn { index, source })
}
