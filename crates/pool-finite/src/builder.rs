//! [`Builder`]: the shared [`PoolConfig`] settings, with a fluent API.

use pool_core::{BuildError, OverflowPolicy, PoolConfig};

use crate::FinitePool;

/// Configures and starts a [`FinitePool`]. Wraps a [`PoolConfig`], so every setting means
/// what it means for the other strategies; bad values are [`BuildError`]s from
/// [`Builder::build`], never panics.
///
/// ```
/// use pool_core::OverflowPolicy;
/// let pool = pool_finite::FinitePool::builder()
///     .workers(2)
///     .queue_bound(64)
///     .overflow(OverflowPolicy::CallerRuns)
///     .thread_name("crunch")
///     .stack_size(256 * 1024)
///     .build()
///     .unwrap();
/// assert_eq!(pool_core::Pool::workers(&pool), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    config: PoolConfig,
}

impl Builder {
    /// The defaults of [`PoolConfig::new`]: one worker per available core, an unbounded
    /// queue, [`OverflowPolicy::Block`], threads named `workpools-{index}`.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Starts from existing shared settings.
    ///
    /// ```
    /// let config = pool_core::PoolConfig::new().workers(1);
    /// let pool = pool_finite::Builder::from_config(config).build().unwrap();
    /// assert_eq!(pool_core::Pool::workers(&pool), 1);
    /// ```
    pub fn from_config(config: PoolConfig) -> Builder {
        Builder { config }
    }

    /// The number of worker threads (at least 1).
    pub fn workers(mut self, workers: usize) -> Builder {
        self.config = self.config.workers(workers);
        self
    }

    /// Bounds the queue to `bound` jobs waiting to start (`None`: unbounded, the default).
    /// A full bounded queue is what gives producers backpressure; see
    /// [`Builder::overflow`] for what happens then.
    ///
    /// ```
    /// let bounded = pool_finite::FinitePool::builder().workers(1).queue_bound(8).build();
    /// let unbounded = pool_finite::FinitePool::builder().workers(1).queue_bound(None).build();
    /// assert!(bounded.is_ok() && unbounded.is_ok());
    /// ```
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.queue_bound(bound.into());
        self
    }

    /// What `submit` does when the bounded queue is full: wait (`Block`, the default; from
    /// one of the pool's own workers it hands the job back as `Full` instead), hand the job
    /// back (`Reject`), or run it on the calling thread (`CallerRuns`).
    pub fn overflow(mut self, policy: OverflowPolicy) -> Builder {
        self.config = self.config.overflow(policy);
        self
    }

    /// Worker threads are named `"{prefix}-{index}"`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Builder {
        self.config = self.config.thread_name(prefix);
        self
    }

    /// The stack size of each worker thread, in bytes.
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.stack_size(bytes.into());
        self
    }

    /// The settings so far.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Validates the settings and starts the workers.
    ///
    /// # Errors
    /// As [`FinitePool::from_config`]: `ZeroWorkers`, `ZeroQueueBound`, or `Spawn` (the
    /// threads already started are stopped and joined first).
    ///
    /// ```
    /// use pool_core::BuildErrorKind;
    /// let err = pool_finite::FinitePool::builder().workers(0).build().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
    /// ```
    pub fn build(self) -> Result<FinitePool, BuildError> {
        FinitePool::from_config(self.config)
    }
}
